"""Noise suppression for the speech front end (`[audio] denoise`), before endpointing and ASR.

`webrtc` is WebRTC's noise suppressor through the `webrtc-noise-gain` package (what Home
Assistant's voice pipeline runs): 10 ms frames of 16 kHz int16, a suppression level 0-4
(`[audio] denoise_level`) and optional automatic gain (`[audio] auto_gain_dbfs`, 0 = off).
It keeps state across frames (its noise estimate), so each recording or live stream gets
a fresh one (`reset()`). `off` passes the audio through untouched.

    denoiser = make_denoiser(config)          # None when [audio] denoise = "off"
    block = denoiser.process(block)           # same length, same timing, cleaner pcm
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Protocol

import numpy as np

from assistant.audio.blocks import PIPELINE_RATE, AudioBlock
from assistant.errors import ConfigError, ModelMissingError

DENOISERS = ("off", "webrtc")
FRAME = PIPELINE_RATE // 100  # webrtc processes 10 ms frames


class Denoiser(Protocol):
    """Cleans pipeline blocks in stream order; `seconds` is the processing time spent so far."""

    name: str
    seconds: float

    def process(self, block: AudioBlock) -> AudioBlock: ...

    def reset(self) -> None: ...


class WebrtcDenoiser:
    """WebRTC noise suppression (and optional AGC) from webrtc-noise-gain, 10 ms at a time."""

    name = "webrtc"

    def __init__(self, level: int = 2, auto_gain_dbfs: int = 0) -> None:
        if level not in range(0, 5):
            raise ConfigError(f"[audio] denoise_level must be 0-4, got {level!r}", hint="set denoise_level = 2")
        if auto_gain_dbfs not in range(0, 32):
            raise ConfigError(f"[audio] auto_gain_dbfs must be 0-31, got {auto_gain_dbfs!r}",
                              hint="set auto_gain_dbfs = 0 (off)")
        try:
            from webrtc_noise_gain import AudioProcessor
        except ImportError as exc:
            raise ModelMissingError("the webrtc-noise-gain package is not installed",
                                    hint="`make install` (pip install webrtc-noise-gain), or set [audio] denoise = "
                                         "\"off\"") from exc
        self._make = lambda: AudioProcessor(auto_gain_dbfs, level)
        self.level, self.auto_gain_dbfs = level, auto_gain_dbfs
        self._processor = self._make()
        self.seconds = 0.0

    def reset(self) -> None:
        self._processor = self._make()

    def process(self, block: AudioBlock) -> AudioBlock:
        started = time.perf_counter()
        pcm = block.pcm
        whole = len(pcm) // FRAME * FRAME  # blocks are 10/20/30 ms: whole frames; any rest passes as is
        out = bytearray()
        for i in range(0, whole, FRAME):
            out += self._processor.Process10ms(pcm[i:i + FRAME].tobytes()).audio
        cleaned = np.concatenate([np.frombuffer(bytes(out), dtype=np.int16), pcm[whole:]])
        self.seconds += time.perf_counter() - started
        return replace(block, pcm=cleaned)


def make_denoiser(config, name: str | None = None) -> Denoiser | None:
    """The `[audio] denoise` suppressor (or `name`), None for "off"; ConfigError for an unknown name."""
    chosen = name or config.audio.denoise
    if chosen == "off":
        return None
    if chosen == "webrtc":
        return WebrtcDenoiser(config.audio.denoise_level, config.audio.auto_gain_dbfs)
    raise ConfigError(f"unknown [audio] denoise {chosen!r}", hint=f"choose one of: {', '.join(DENOISERS)}")
