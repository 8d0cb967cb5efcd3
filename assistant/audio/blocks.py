"""Fixed-size blocks of 16 kHz mono int16: what every audio source delivers.

`Blocker` turns audio of any rate, sample format and channel count into those
blocks: it resamples with soxr (streaming, so a long file or a live device
never sits in memory whole), downmixes to mono, and keeps each channel's RMS
per block so a multichannel source can tell which seat is talking.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Protocol, runtime_checkable

import numpy as np

PIPELINE_RATE = 16000


@dataclass(frozen=True)
class AudioBlock:
    """One block of pipeline audio.

    `pcm` is mono int16 at 16 kHz, exactly `block_samples` long (the last block
    of a file is padded with silence). `start_s` is the stream time of its
    first sample. `channel_rms` is each input channel's RMS (full scale = 1.0)
    over the block, before downmixing; one entry for a mono source.
    """

    pcm: np.ndarray
    start_s: float
    channel_rms: tuple[float, ...] = ()

    @property
    def duration_s(self) -> float:
        return len(self.pcm) / PIPELINE_RATE

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s


@runtime_checkable
class AudioSource(Protocol):
    """Anything that yields AudioBlocks: a WAV file, a folder, a microphone."""

    block_samples: int
    channels: int

    def blocks(self) -> Iterator[AudioBlock]:
        """Blocks in stream order; finite for files, endless for a live device."""

    def close(self) -> None:
        """Release the file or device (idempotent)."""


def block_samples(block_ms: int, rate: int = PIPELINE_RATE) -> int:
    return rate * block_ms // 1000


def to_float(samples: np.ndarray) -> np.ndarray:
    """Any PCM dtype as float32 in [-1, 1], shape (frames, channels)."""
    x = np.asarray(samples)
    if x.ndim == 1:
        x = x[:, None]
    if x.dtype == np.int16:
        return x.astype(np.float32) / 32768.0
    if x.dtype == np.int32:
        return (x.astype(np.float64) / 2147483648.0).astype(np.float32)
    if x.dtype == np.uint8:
        return (x.astype(np.float32) - 128.0) / 128.0
    return x.astype(np.float32)


class Blocker:
    """Push audio of any rate/channels in, take fixed 16 kHz mono int16 blocks out."""

    def __init__(self, input_rate: int, channels: int, block_samples: int) -> None:
        import soxr

        self.input_rate = int(input_rate)
        self.channels = int(channels)
        self.block_samples = int(block_samples)
        self._resampler = (soxr.ResampleStream(self.input_rate, PIPELINE_RATE, self.channels, dtype="float32")
                           if self.input_rate != PIPELINE_RATE else None)
        self._pending = np.zeros((0, self.channels), np.float32)
        self._emitted = 0

    def push(self, samples: np.ndarray, *, last: bool = False) -> Iterator[AudioBlock]:
        """Blocks completed by these samples (and the padded remainder when `last`)."""
        x = to_float(samples)
        if x.shape[1] != self.channels:
            raise ValueError(f"expected {self.channels} channels, got {x.shape[1]}")
        x = np.nan_to_num(x, nan=0.0, posinf=1.0, neginf=-1.0)
        if self._resampler is not None:
            x = self._resampler.resample_chunk(x, last=last)
            if x.ndim == 1:
                x = x[:, None]
        self._pending = np.concatenate([self._pending, x]) if len(self._pending) else x
        while len(self._pending) >= self.block_samples:
            chunk, self._pending = self._pending[:self.block_samples], self._pending[self.block_samples:]
            yield self._block(chunk)
        if last and len(self._pending):
            pad = np.zeros((self.block_samples - len(self._pending), self.channels), np.float32)
            chunk, self._pending = np.concatenate([self._pending, pad]), self._pending[:0]
            yield self._block(chunk)

    def _block(self, chunk: np.ndarray) -> AudioBlock:
        rms = tuple(float(v) for v in np.sqrt(np.mean(chunk.astype(np.float64) ** 2, axis=0)))
        mono = chunk.mean(axis=1) if self.channels > 1 else chunk[:, 0]
        pcm = np.clip(np.round(mono * 32768.0), -32768, 32767).astype(np.int16)
        block = AudioBlock(pcm, self._emitted / PIPELINE_RATE, rms)
        self._emitted += len(pcm)
        return block
