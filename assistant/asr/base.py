"""The ASR engine interface, its result, and the name -> engine registry.

Engines decode streaming: `start()`, `feed(pcm)` for each block (16 kHz mono
int16), `partial()` while speech goes on, `finish()` for the final
`Transcript`. `mode` is "grammar" (a finite-state grammar compiled from
intents/, with out-of-domain rejection), "ngram" (a trigram LM of the same
phrasings: looser, for phrasings the grammar lacks) or "open" (the engine's
own open-vocabulary language model).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from assistant.errors import ConfigError
from assistant.registry import Registry

MODES = ("grammar", "ngram", "open")

# imported only when chosen, so a missing optional package (vosk, faster-whisper) matters only then
ENGINES = Registry("ASR engine", "assistant.asr", {
    "pocketsphinx": "assistant.asr.pocketsphinx_engine:PocketsphinxEngine",
    "vosk": "assistant.asr.vosk_engine:VoskEngine",
    "whisper": "assistant.asr.whisper_engine:WhisperEngine",  # open vocabulary only: ignores mode
}, setting="[asr] engine")


@dataclass(frozen=True)
class Hypothesis:
    """One reading of an utterance from an n-best list: its text and the decoder's score
    (Whisper: average log-probability per token, higher is better)."""

    text: str
    score: float
    engine: str = ""

    def to_json(self) -> dict:
        return {"text": self.text, "score": round(self.score, 4), "engine": self.engine}


@dataclass
class Transcript:
    """The final result for one utterance.

    `text` is empty when `rejected`: out-of-domain speech, noise, or nothing
    the grammar accepts. `raw` keeps what the decoder actually output
    (garbage words included) for debugging and reports.
    """

    text: str
    confidence: float
    rejected: bool = False
    reason: str = ""  # why rejected: garbage, no_match, low_confidence, no_speech, clipped
    raw: str = ""
    engine: str = ""
    mode: str = ""
    words: list[str] = field(default_factory=list)
    # the n-best readings, best first (`text` among them), from engines that give them (Whisper);
    # empty otherwise, and when rejected
    alternatives: list[Hypothesis] = field(default_factory=list)
    # how the reading in `text` was chosen among the alternatives (the runtime's interpreter), for reports
    choice: dict | None = None

    def to_json(self) -> dict:
        out = {"text": self.text, "confidence": round(self.confidence, 4), "rejected": self.rejected,
               "reason": self.reason, "raw": self.raw, "engine": self.engine, "mode": self.mode}
        if self.alternatives:
            out["alternatives"] = [h.to_json() for h in self.alternatives]
        if self.choice is not None:
            out["choice"] = self.choice
        return out


@runtime_checkable
class AsrEngine(Protocol):
    """A streaming recogniser for 16 kHz mono int16 audio."""

    name: str
    mode: str
    sample_rate: int

    def start(self) -> None:
        """Begin an utterance (drops anything fed before)."""

    def feed(self, pcm: np.ndarray) -> None:
        """Decode one more block of int16 samples."""

    def partial(self) -> str:
        """The best guess so far (may change; empty if nothing yet)."""

    def finish(self) -> Transcript:
        """End the utterance and return the final transcript."""


def as_int16(pcm) -> np.ndarray:
    """Bytes or an array as a contiguous int16 array."""
    if isinstance(pcm, (bytes, bytearray, memoryview)):
        return np.frombuffer(pcm, dtype=np.int16)
    array = np.asarray(pcm)
    if array.dtype != np.int16:
        raise TypeError(f"ASR engines take int16 samples, got {array.dtype}")
    return np.ascontiguousarray(array)


def transcribe(engine: AsrEngine, pcm: np.ndarray, block: int = 480) -> Transcript:
    """Decode a whole utterance by feeding it block by block, as a live stream would."""
    engine.start()
    samples = as_int16(pcm)
    for i in range(0, len(samples), block):
        engine.feed(samples[i:i + block])
    return engine.finish()


def load_engine(config, *, engine: str | None = None, mode: str | None = None) -> AsrEngine:
    """The configured engine (or the one named), ready to decode."""
    name = engine or config.asr.engine
    mode = mode or config.asr.mode
    cls = ENGINES.load(name)
    if mode not in MODES:
        raise ConfigError(f"unknown ASR mode {mode!r}", hint=f"choose one of: {', '.join(MODES)}")
    return cls(config, mode=mode)
