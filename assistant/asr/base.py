"""The ASR engine interface, its result, and the name -> engine registry.

Engines decode streaming: `start()`, `feed(pcm)` for each block (16 kHz mono
int16), `partial()` while speech goes on, `finish()` for the final
`Transcript`. `mode` is "grammar" (a finite-state grammar compiled from
intents/, with out-of-domain rejection), "ngram" (a trigram LM of the same
phrasings: looser, for phrasings the grammar lacks) or "open" (the engine's
own open-vocabulary language model).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from assistant.asr.transcript import Hypothesis, Transcript  # noqa: F401  (the engines' results, re-exported)
from assistant.errors import ConfigError
from assistant.registry import Registry

MODES = ("grammar", "ngram", "open")

# imported only when chosen, so a missing optional package (vosk, faster-whisper) matters only then
ENGINES = Registry("ASR engine", "assistant.asr", {
    "pocketsphinx": "assistant.asr.pocketsphinx_engine:PocketsphinxEngine",
    "vosk": "assistant.asr.vosk_engine:VoskEngine",
    "whisper": "assistant.asr.whisper_engine:WhisperEngine",  # open vocabulary only: ignores mode
}, setting="[asr] engine")


@runtime_checkable
class AsrEngine(Protocol):
    """A streaming recogniser for 16 kHz mono int16 audio.

    Optional: `new_stream()` (a new recording begins: forget what was adapted to, see
    listener.new_stream) and `peek() -> Transcript` (decode the utterance so far without ending
    it, for an engine that does not stream: the front end's early endpoint).
    """

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


def load_engine(config, *, engine: str | None = None, mode: str | None = None,
                cross_check: str | None = None) -> AsrEngine:
    """The configured engine (or the one named), ready to decode; with a cross-check ("engine/mode",
    default `[asr] cross_check`, "" = none) a second recogniser runs beside it (asr.crosscheck)."""
    name = engine or config.asr.engine
    mode = mode or config.asr.mode
    cls = ENGINES.load(name)
    if mode not in MODES:
        raise ConfigError(f"unknown ASR mode {mode!r}", hint=f"choose one of: {', '.join(MODES)}")
    primary = cls(config, mode=mode)
    check = config.asr.cross_check if cross_check is None else cross_check
    if not check:
        return primary
    check_name, _, check_mode = check.partition("/")
    if (check_name, check_mode or "grammar") == (primary.name, primary.mode):
        return primary  # a recogniser does not cross-check itself
    from assistant.asr.crosscheck import CrossCheckEngine

    return CrossCheckEngine(primary, load_engine(config, engine=check_name, mode=check_mode or "grammar",
                                                 cross_check=""))
