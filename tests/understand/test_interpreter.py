"""The speech interpreter with the real NLU: readings of an n-best list, unknown words, early endpointing."""

from __future__ import annotations

import pytest

from assistant.asr.base import Hypothesis, Transcript
from assistant.config import Config
from assistant.understand import SpeechInterpreter
from assistant.understand.interpreter import domain_vocabulary


@pytest.fixture(scope="module")
def interpreter(nlu_ready):
    from assistant.nlu.backend import load_nlu

    config = Config()
    nlu = load_nlu(config)
    yield SpeechInterpreter.from_config(config, nlu)
    nlu.close()


def heard(*readings, engine="whisper") -> Transcript:
    alternatives = [Hypothesis(text, score, engine) for text, score in readings]
    return Transcript(readings[0][0], 0.9, engine=engine, alternatives=alternatives)


def test_the_vocabulary_is_the_intents_words():
    words = domain_vocabulary(Config().intents_dir)
    assert {"sunroof", "unlock", "passenger", "twenty", "please", "could"} <= words
    assert "corridors" not in words and "zanzibar" not in words


def test_a_plain_reading_below_one_with_an_unknown_word_is_acted_on(interpreter):
    out = interpreter(heard(("open the window three corridors", -0.30), ("open the window three quarters", -0.42)))
    assert out.text == "open the window three quarters" and not out.rejected
    assert out.choice["reason"] == "plain"


def test_lock_against_unlock_close_together_is_not_guessed(interpreter):
    out = interpreter(heard(("lock the doors please", -0.30), ("unlock the doors please", -0.45)))
    assert out.rejected and out.reason == "unsure_safety" and out.text == ""
    assert [r["text"] for r in out.choice["rivals"]] == ["unlock the doors please"]


def test_chatter_stays_chatter(interpreter):
    out = interpreter(heard(("my sister is coming to visit next weekend", -0.2),
                            ("my sister is coming to visit next week", -0.3)))
    assert out.text == "my sister is coming to visit next weekend" and out.choice["reason"] == "not_understood"
    assert not interpreter.complete(out)


def test_a_transcript_without_alternatives_is_left_alone(interpreter):
    plain = Transcript("open the sunroof", 0.8, engine="pocketsphinx", mode="grammar")
    assert interpreter(plain) is plain


@pytest.mark.parametrize("text, whole", [
    ("open the sunroof", True), ("turn the air on", True), ("yes", True),
    ("set the temperature to", False), ("open the", False), ("what is the capital of france", False),
    ("open the window three corridors", False),
])
def test_complete_commands_end_the_utterance_early(interpreter, text, whole):
    assert interpreter.complete(Transcript(text, 0.9, engine="whisper")) is whole
