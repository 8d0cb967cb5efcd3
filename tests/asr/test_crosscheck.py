"""The cross-check: a second recogniser on the same audio, its reading beside the primary's n-best."""

from __future__ import annotations

import pytest
from asr_recordings import WAV_DIR

from assistant.asr.base import load_engine, transcribe
from assistant.asr.crosscheck import CrossCheckEngine
from assistant.audio.wav import read_wav
from assistant.config import Config

pytest.importorskip("faster_whisper", reason="faster-whisper is a dependency: `make install`")


@pytest.fixture(scope="module")
def engine(nlu_ready):
    config = Config()
    config.asr.engine, config.asr.cross_check = "whisper", "pocketsphinx/grammar"
    return load_engine(config)


def test_the_default_recogniser_is_whisper_cross_checked_by_the_grammar(engine):
    assert isinstance(engine, CrossCheckEngine) and (engine.name, engine.mode) == ("whisper", "open")
    assert (engine.check.name, engine.check.mode) == ("pocketsphinx", "grammar") and hasattr(engine, "peek")


def test_both_readings_of_a_command(engine):
    heard = transcribe(engine, read_wav(WAV_DIR / "fan_up.wav"))
    assert not heard.rejected and heard.engine == "whisper" and heard.text == "turn the fan up"
    assert heard.alternatives[-1].engine == "pocketsphinx/grammar"
    assert heard.alternatives[-1].text == "turn the fan up"
    assert all(h.engine == "whisper" for h in heard.alternatives[:-1])


def test_what_the_check_rejects_adds_nothing(engine):
    from assistant.asr.base import Hypothesis, Transcript

    own = Transcript("open the sunroof", 0.9, engine="whisper", alternatives=[Hypothesis("open the sunroof", -0.1, "whisper")])
    assert engine._with_check(own, "") is own  # rejected: no reading of its own
    checked = engine._with_check(own, "close the sunroof", 0.8)
    assert [(h.text, h.engine) for h in checked.alternatives] == [("open the sunroof", "whisper"),
                                                                   ("close the sunroof", "pocketsphinx/grammar")]


def test_the_primary_decides_what_is_rejected(engine):
    heard = transcribe(engine, read_wav(WAV_DIR / "silence.wav"))
    assert heard.rejected and not heard.alternatives


def test_no_cross_check_or_itself_is_the_engine_alone():
    config = Config()
    config.asr.engine, config.asr.mode, config.asr.cross_check = "pocketsphinx", "grammar", "pocketsphinx/grammar"
    assert not isinstance(load_engine(config), CrossCheckEngine)
    config.asr.cross_check = ""
    assert not isinstance(load_engine(config), CrossCheckEngine)


def test_a_new_stream_reaches_both(engine, monkeypatch):
    calls = []
    monkeypatch.setattr(engine.check, "new_stream", lambda: calls.append("check"), raising=False)
    engine.new_stream()
    assert calls == ["check"]
