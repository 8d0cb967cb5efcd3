"""Text to speech engines behind one Protocol, streamed sentence by sentence.

`load_tts(config)` picks the engine named by `[tts] engine` from ENGINES
(name -> (module, class), imported only when chosen, the python-can BACKENDS
pattern). Each engine class has `from_config(config, voice)` and yields
`AudioChunk`s; `Player` (player.py) plays them through an audio sink:

    engine = load_tts(config)                 # ModelMissingError if the voice is not installed
    player = Player.from_config(config)       # sink from [tts] sink, blocks from [audio]
    player.start(engine.synthesize(reply))    # returns at once; first sentence plays first
    player.stop()                             # barge-in: silent within one block
    report = player.wait()                    # raises EngineError / AudioError; timings inside
"""

from __future__ import annotations

import importlib

from assistant.errors import ConfigError

from .base import AudioChunk, TtsEngine

ENGINES: dict[str, tuple[str, str]] = {
    "espeak": ("assistant.tts.espeak", "EspeakEngine"),
    "piper": ("assistant.tts.piper", "PiperEngine"),
}

__all__ = ["ENGINES", "AudioChunk", "TtsEngine", "load_tts"]


def load_tts(config, *, engine: str | None = None, voice: str | None = None) -> TtsEngine:
    """The configured TTS engine with its voice loaded (fails here, not mid-reply).

    `engine` and `voice` override `[tts] engine` / `[tts] voice`. Raises
    ConfigError for an unknown engine and ModelMissingError when the voice
    (or espeak-ng itself) is not installed.
    """
    name = engine or config.tts.engine
    if name not in ENGINES:
        raise ConfigError(f"unknown TTS engine {name!r}",
                          hint=f"set [tts] engine to one of: {', '.join(sorted(ENGINES))}")
    module_name, class_name = ENGINES[name]
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls.from_config(config, voice or "")
