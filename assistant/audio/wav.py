"""Recorded audio in: a WAV file, or a folder of them, as pipeline blocks.

Any PCM WAV works (8/16/24/32-bit integer or float, any rate, any number of
channels; anything else libsndfile reads, e.g. FLAC, too): it is resampled to
16 kHz with soxr and downmixed. Files are read in chunks of at most one second
(fewer frames when there are many channels), so ten minutes of audio never sit
in memory at once. A file that cannot be audio (empty, truncated header, not a
sound file, no samples, a sample rate no audio has, a folder or a pipe) is an
AudioError that says which file and why; a pipe is refused before it is opened.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from assistant.audio.blocks import AudioBlock, Blocker, block_samples
from assistant.errors import AudioError

AUDIO_SUFFIXES = (".wav", ".wave", ".flac", ".ogg")
READ_SECONDS = 1.0
READ_SAMPLES = 1 << 20          # per read, over all channels: many channels never mean a huge read
MIN_RATE, MAX_RATE = 4000, 384000


def probe(path: Path):
    """soundfile's info for a file, or an AudioError explaining why it is not usable audio."""
    import soundfile as sf

    path = Path(path)
    _check_regular_file(path)
    if path.stat().st_size == 0:
        raise AudioError(f"{path}: empty file (0 bytes)", hint="record or copy the audio again")
    try:
        info = sf.info(str(path))
    except (RuntimeError, sf.LibsndfileError, ValueError) as exc:
        raise AudioError(f"{path}: not a readable audio file ({exc})",
                         hint="expected a PCM WAV; the header may be truncated or the file is another format") from exc
    if info.frames <= 0 or info.samplerate <= 0 or info.channels <= 0:
        raise AudioError(f"{path}: no audio samples ({info.frames} frames at {info.samplerate} Hz)",
                         hint="the recording is empty or its header is damaged")
    if not MIN_RATE <= info.samplerate <= MAX_RATE:
        # a damaged header: at 1 Hz a 1 s recording would resample to 4.4 hours
        raise AudioError(f"{path}: implausible sample rate {info.samplerate} Hz "
                         f"(audio is {MIN_RATE // 1000}-{MAX_RATE // 1000} kHz)",
                         hint="the header is damaged; if the rate is real, resample it: "
                              "sox IN.wav -r 16000 OUT.wav")
    return info


def _check_regular_file(path: Path) -> None:
    """Refuse before opening what is not a regular file (opening a named pipe would block)."""
    if path.is_dir():
        raise AudioError(f"{path}: a folder, not an audio file",
                         hint=f"give WAV files, or a folder that contains some ({', '.join(AUDIO_SUFFIXES)})")
    if not path.exists():
        raise AudioError(f"{path}: no such file", hint="check the path")
    if not path.is_file():
        raise AudioError(f"{path}: not a regular file (a pipe, socket or device)",
                         hint="record the audio to a file first, or use `assistant run` for a live microphone")


class WavSource:
    """One audio file as 16 kHz mono int16 blocks (`realtime` paces them like a live mic)."""

    def __init__(self, path: str | Path, *, block_ms: int = 30, realtime: bool = False) -> None:
        self.path = Path(path)
        self.info = probe(self.path)
        self.channels = self.info.channels
        self.block_samples = block_samples(block_ms)
        self.realtime = realtime
        self.duration_s = self.info.frames / self.info.samplerate

    def blocks(self) -> Iterator[AudioBlock]:
        return paced(self._read(), self.realtime)

    def _read(self) -> Iterator[AudioBlock]:
        import soundfile as sf

        blocker = Blocker(self.info.samplerate, self.channels, self.block_samples)
        chunk = max(1, min(int(self.info.samplerate * READ_SECONDS), READ_SAMPLES // self.channels))
        produced = 0
        try:
            with sf.SoundFile(str(self.path)) as f:
                while True:
                    data = f.read(chunk, dtype="float32", always_2d=True)
                    last = len(data) < chunk
                    for block in blocker.push(data, last=last):
                        produced += 1
                        yield block
                    if last:
                        break
        except (RuntimeError, sf.LibsndfileError) as exc:
            raise AudioError(f"{self.path}: audio data is corrupt ({exc})",
                             hint="the file is truncated or damaged; record it again") from exc
        if produced == 0:
            raise AudioError(f"{self.path}: no audio samples could be read", hint="the file is truncated")

    def close(self) -> None:
        pass


def audio_files(paths: Iterable[str | Path]) -> list[Path]:
    """Files given, and the audio files inside folders given (sorted), in order.

    A folder without audio files stays in the list as itself, so reading it reports it.
    """
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES and not p.is_dir())
            files.extend(found or [path])
        else:
            files.append(path)
    return files


class FolderSource:
    """Several files (or folders of them) back to back, with a gap of silence between them.

    Real time paces blocks at the wall-clock rate of a live microphone, for demos and
    latency tests; otherwise blocks come as fast as the consumer takes them. Stream
    time runs on across files, as one long recording would.
    """

    def __init__(self, paths: Iterable[str | Path], *, block_ms: int = 30, realtime: bool = False,
                 gap_s: float = 1.0) -> None:
        self.files = audio_files(paths)
        if not self.files:
            raise AudioError("no audio files found", hint="give WAV files or folders that contain them")
        self.block_ms = block_ms
        self.block_samples = block_samples(block_ms)
        self.realtime = realtime
        self.gap_s = gap_s
        self.channels = max(probe(f).channels for f in self.files)
        self.current: Path | None = None

    def blocks(self) -> Iterator[AudioBlock]:
        return paced(self._read(), self.realtime)

    def _read(self) -> Iterator[AudioBlock]:
        clock = 0.0
        for path in self.files:
            self.current = path
            source = WavSource(path, block_ms=self.block_ms)
            start = clock  # block times within a file count from 0: offset them by the file's start once
            for block in source.blocks():
                yield _retime(block, start, self.channels)
                clock = start + block.end_s
            for _ in range(int(round(self.gap_s * 1000 / self.block_ms))):
                yield AudioBlock(np.zeros(self.block_samples, np.int16), clock, (0.0,) * self.channels)
                clock += self.block_samples / 16000

    def close(self) -> None:
        pass


def _retime(block: AudioBlock, offset: float, channels: int) -> AudioBlock:
    rms = block.channel_rms + (0.0,) * (channels - len(block.channel_rms))
    return AudioBlock(block.pcm, block.start_s + offset, rms)


def paced(blocks: Iterable[AudioBlock], realtime: bool) -> Iterator[AudioBlock]:
    """Blocks at the wall-clock rate of their stream time when `realtime`, else unchanged."""
    if not realtime:
        yield from blocks
        return
    started = time.monotonic()
    for block in blocks:
        delay = started + block.end_s - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        yield block


def read_wav(path: str | Path) -> np.ndarray:
    """A whole file as 16 kHz mono int16 (for short files: tests, transcribe, fixtures)."""
    source = WavSource(path, block_ms=10)
    return np.concatenate([b.pcm for b in source.blocks()])
