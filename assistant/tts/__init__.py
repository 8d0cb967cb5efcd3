"""Text to speech engines behind one Protocol, streamed sentence by sentence.

`load_tts(config)` picks the engine named by `[tts] engine` from ENGINES (an
`assistant.registry.Registry`: imported only when chosen); `auto` (the default)
is piper when a voice is found, else espeak-ng. Each engine class has
`from_config(config, voice)` and yields `AudioChunk`s; `Player` (player.py)
plays them through an audio sink:

    engine = load_tts(config)                 # ModelMissingError if the voice is not installed
    player = Player.from_config(config)       # sink from [tts] sink, blocks from [audio]
    player.start(engine.synthesize(reply))    # returns at once; first sentence plays first
    player.stop()                             # barge-in: silent within one block
    report = player.wait()                    # raises EngineError / AudioError; timings inside
"""

from __future__ import annotations

import importlib.util
import logging
from dataclasses import replace

from assistant.errors import ModelMissingError
from assistant.registry import Registry

from .base import AudioChunk, TtsEngine

ENGINES = Registry("TTS engine", "assistant.tts", {
    "espeak": "assistant.tts.espeak:EspeakEngine",
    "piper": "assistant.tts.piper:PiperEngine",
}, setting="[tts] engine")

AUTO = "auto"  # piper when a voice is found (models/piper/, [tts] voice, a voice package), else espeak-ng

__all__ = ["AUTO", "ENGINES", "AudioChunk", "TtsEngine", "choose_engine", "load_tts"]
log = logging.getLogger(__name__)


def choose_engine(config, voice: str | None = None) -> str:
    """What `[tts] engine = "auto"` means here: "piper" when piper-tts and a voice are installed."""
    if importlib.util.find_spec("piper") is None or importlib.util.find_spec("onnxruntime") is None:
        return "espeak"
    from .piper import find_voice

    return "piper" if find_voice(config, voice or "") is not None else "espeak"


def load_tts(config, *, engine: str | None = None, voice: str | None = None) -> TtsEngine:
    """The configured TTS engine with its voice loaded (fails here, not mid-reply).

    `engine` and `voice` override `[tts] engine` / `[tts] voice`. Raises
    ConfigError for an unknown engine and ModelMissingError when the voice
    (or espeak-ng itself) is not installed.
    """
    name = engine or config.tts.engine
    if name == AUTO:
        name = choose_engine(config, voice)
        if name == "piper":
            try:
                return _load(name, config, voice)
            except ModelMissingError as exc:  # a broken voice must not leave the car mute
                log.warning("piper voice unusable, speaking with espeak-ng: %s", exc)
                name = "espeak"
        # an espeak-ng fallback ignores a [tts] voice that named a piper one (en_US-..., *.onnx)
        wanted = voice or config.tts.voice
        if wanted.endswith(".onnx") or "_" in wanted:
            config, voice = replace(config, tts=replace(config.tts, voice="")), ""
    return _load(name, config, voice)


def _load(name: str, config, voice: str | None) -> TtsEngine:
    return ENGINES.load(name).from_config(config, voice or "")
