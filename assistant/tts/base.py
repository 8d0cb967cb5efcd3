"""What every TTS engine produces and promises: `AudioChunk`s, one per sentence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class AudioChunk:
    """One synthesised sentence: mono int16 samples at `sample_rate`.

    `index` counts sentences within one reply (0 = first); `text` is the
    sentence that was spoken, so logs and the runtime can say what was heard.
    """

    samples: np.ndarray
    sample_rate: int
    text: str
    index: int = 0

    @property
    def frames(self) -> int:
        return int(self.samples.shape[0])

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate if self.sample_rate else 0.0

    @property
    def pcm(self) -> bytes:
        """Little-endian 16-bit PCM bytes (what a WAV file or a socket wants)."""
        return self.samples.astype("<i2", copy=False).tobytes()


@runtime_checkable
class TtsEngine(Protocol):
    """A loaded voice that turns reply text into a lazy stream of sentences.

    `synthesize` is a generator: each sentence is synthesised only when the
    caller asks for the next chunk, so the first audio can play while later
    sentences are still text. Failures raise `EngineError` (or
    `ModelMissingError` when the voice itself is unusable).
    """

    name: str  # registry name, e.g. "espeak"
    voice: str  # what is speaking, e.g. "en-us" or "en_US-lessac-low"
    sample_rate: int  # rate of the chunks this engine yields
    sentences_synthesised: int  # running count, lets tests and benches see the laziness

    def synthesize(self, text: str) -> Iterator[AudioChunk]: ...
