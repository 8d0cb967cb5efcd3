"""The speech interpreter with the real NLU and the fitted weights (intents/en/understand.json)."""

from __future__ import annotations

import pytest

from assistant.asr.base import Hypothesis, Transcript
from assistant.config import Config
from assistant.errors import ModelMissingError
from assistant.understand import SpeechInterpreter
from assistant.understand.interpreter import domain_vocabulary, load_weights


@pytest.fixture(scope="module")
def interpreter(nlu_ready):
    from assistant.nlu.backend import load_nlu

    config = Config()
    nlu = load_nlu(config)
    yield SpeechInterpreter.from_config(config, nlu)
    nlu.close()


def heard(*readings, cross=None) -> Transcript:
    alternatives = [Hypothesis(text, score, "whisper") for text, score in readings]
    if cross:
        alternatives.append(Hypothesis(cross, 0.8, "pocketsphinx/grammar"))
    return Transcript(readings[0][0], 0.9, engine="whisper", alternatives=alternatives)


def test_the_vocabulary_is_the_intents_words():
    words = domain_vocabulary(Config().intents_dir)
    assert {"sunroof", "unlock", "passenger", "twenty", "please", "could"} <= words
    assert "corridors" not in words and "zanzibar" not in words


def test_the_weights_are_fitted_and_found():
    weights = load_weights(Config())
    assert 0 < weights.threshold <= weights.safety_threshold < 1 and weights.fitted["files"] > 1000
    assert set(weights.fitted["sets"]) == {"tests/fixtures/generated/dev", "tests/fixtures/generated/tune"}


def test_missing_weights_say_how_to_fit_them(tmp_path):
    config = Config()
    config.paths.intents = str(tmp_path)
    with pytest.raises(ModelMissingError, match="assistant train understand"):
        load_weights(config)


def test_a_clear_command_heard_by_both_recognisers_is_acted_on(interpreter):
    out = interpreter(heard(("open the sunroof", -0.05), ("open the sun roof", -0.6), cross="open the sunroof"))
    assert out.text == "open the sunroof" and not out.rejected and out.choice["reason"] == "chosen"
    assert interpreter.complete(out)


def test_lock_against_unlock_is_not_guessed(interpreter):
    out = interpreter(heard(("lock the doors please", -0.30), ("unlock the doors please", -0.32)))
    assert out.rejected and out.reason == "unsure_safety" and out.text == ""
    assert {r["text"] for r in out.choice["rivals"]} <= {"lock the doors please", "unlock the doors please"}


def test_the_cross_check_hearing_another_command_is_doubt(interpreter):
    alone = interpreter.readings(heard(("turn on the seat heating", -0.2)))
    doubted = interpreter.readings(heard(("turn on the seat heating", -0.2), cross="turn off the seat heating"))
    confirmed = interpreter.readings(heard(("turn on the seat heating", -0.2), cross="turn on the seat heating"))
    assert doubted[0].probability < alone[0].probability < confirmed[0].probability


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
