"""Text to speech engines behind one Protocol, streamed sentence by sentence.

`load_tts(config)` picks the engine named by `[tts] engine` from ENGINES
(an `assistant.registry.Registry`: imported only when chosen). Each engine class has `from_config(config, voice)` and yields
`AudioChunk`s; `Player` (player.py) plays them through an audio sink:

    engine = load_tts(config)                 # ModelMissingError if the voice is not installed
    player = Player.from_config(config)       # sink from [tts] sink, blocks from [audio]
    player.start(engine.synthesize(reply))    # returns at once; first sentence plays first
    player.stop()                             # barge-in: silent within one block
    report = player.wait()                    # raises EngineError / AudioError; timings inside
"""

from __future__ import annotations

from assistant.registry import Registry

from .base import AudioChunk, TtsEngine

ENGINES = Registry("TTS engine", "assistant.tts", {
    "espeak": "assistant.tts.espeak:EspeakEngine",
    "piper": "assistant.tts.piper:PiperEngine",
}, setting="[tts] engine")

__all__ = ["ENGINES", "AudioChunk", "TtsEngine", "load_tts"]


def load_tts(config, *, engine: str | None = None, voice: str | None = None) -> TtsEngine:
    """The configured TTS engine with its voice loaded (fails here, not mid-reply).

    `engine` and `voice` override `[tts] engine` / `[tts] voice`. Raises
    ConfigError for an unknown engine and ModelMissingError when the voice
    (or espeak-ng itself) is not installed.
    """
    cls = ENGINES.load(engine or config.tts.engine)
    return cls.from_config(config, voice or "")
