"""What the Whisper engine runs: a CTranslate2 Whisper model, its log-mel features and its tokens.

faster-whisper does the same around the same CTranslate2 model; the engine uses these pieces
directly, so that it can give the encoder a shorter window and take an n-best list, and because
importing faster-whisper also loads PyAV and its VAD (27 MB of a head unit's memory, measured).
The features are Whisper's: an 80-band log-mel spectrogram of 25 ms windows every 10 ms, the top 8
log10 units kept and scaled to about -1..1 (checked against faster-whisper's in the tests).
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import numpy as np

RATE, N_FFT, HOP = 16000, 400, 160
FRAMES_PER_S = RATE // HOP


def mel_filters(n_mels: int, sr: int = RATE, n_fft: int = N_FFT) -> np.ndarray:
    """Slaney-style mel filter bank (as librosa and Whisper build it): (n_mels, n_fft // 2 + 1)."""
    fft_freqs = np.fft.rfftfreq(n=n_fft, d=1.0 / sr)
    mels = np.linspace(0.0, 45.245640471924965, n_mels + 2)  # mel(8 kHz) on the Slaney scale
    freqs = 200.0 / 3 * mels  # linear below 1 kHz ...
    log_region = mels >= 15.0
    freqs[log_region] = 1000.0 * np.exp(np.log(6.4) / 27.0 * (mels[log_region] - 15.0))  # ... log above
    ramps = freqs.reshape(-1, 1) - fft_freqs.reshape(1, -1)
    spacing = np.diff(freqs)
    lower = -ramps[:-2] / spacing[:-1, None]
    upper = ramps[2:] / spacing[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    return (weights * (2.0 / (freqs[2:n_mels + 2] - freqs[:n_mels]))[:, None]).astype(np.float32)


class LogMel:
    """float32 samples at 16 kHz -> (n_mels, frames) log-mel features, one frame per 10 ms."""

    def __init__(self, n_mels: int = 80) -> None:
        self.filters = mel_filters(n_mels)
        self.window = np.hanning(N_FFT + 1)[:-1].astype(np.float32)  # periodic Hann

    def __call__(self, samples: np.ndarray) -> np.ndarray:
        x = np.pad(np.asarray(samples, dtype=np.float32), (0, HOP))  # as Whisper: one hop of silence after
        x = np.pad(x, N_FFT // 2, mode="reflect")  # centred frames
        frames = np.lib.stride_tricks.sliding_window_view(x, N_FFT)[::HOP]
        power = np.abs(np.fft.rfft(frames * self.window, axis=-1).astype(np.complex64)) ** 2
        mel = self.filters @ power[:-1].T  # the last frame is dropped, as Whisper does
        log = np.log10(np.maximum(mel, 1e-10))
        return ((np.maximum(log, log.max() - 8.0) + 4.0) / 4.0).astype(np.float32)


class WhisperTokens:
    """The model's tokenizer (tokenizer.json) and the special tokens a transcription prompt uses."""

    def __init__(self, path: Path, *, multilingual: bool, language: str = "en") -> None:
        import tokenizers

        self.tokenizer = tokenizers.Tokenizer.from_file(str(path))
        self.multilingual = multilingual
        self.language = language

    def id(self, token: str) -> int:
        found = self.tokenizer.token_to_id(token)
        if found is None:
            raise ValueError(f"the Whisper tokenizer has no {token}")
        return found

    @cached_property
    def eot(self) -> int:
        return self.id("<|endoftext|>")

    @cached_property
    def sot_prev(self) -> int:
        return self.id("<|startofprev|>")

    @cached_property
    def no_timestamps(self) -> int:
        return self.id("<|notimestamps|>")

    @cached_property
    def sot_sequence(self) -> list[int]:
        """<|startoftranscript|>, then (multilingual models) the language and the task."""
        sequence = [self.id("<|startoftranscript|>")]
        if self.multilingual:
            sequence += [self.id(f"<|{self.language}|>"), self.id("<|transcribe|>")]
        return sequence

    def encode(self, text: str) -> list[int]:
        return self.tokenizer.encode(text, add_special_tokens=False).ids

    def decode(self, tokens) -> str:
        return self.tokenizer.decode([t for t in tokens if t < self.eot])


def load(path: Path, threads: int):
    """The CTranslate2 model in `path` (int8 on the CPU)."""
    import ctranslate2

    return ctranslate2.models.Whisper(str(path), device="cpu", compute_type="int8", intra_threads=threads,
                                      inter_threads=1)
