"""The choice among an utterance's readings (assistant/understand/choose.py) on made-up readings,
and the evidence model's file."""

from __future__ import annotations

import pytest

from assistant.understand import FEATURES, Meaning, Reading, Weights, choose
from assistant.understand.evidence import features

AC_ON = Meaning((("climate_ac", frozenset({("state", "on")})),))
AC_OFF = Meaning((("climate_ac", frozenset({("state", "off")})),))
LOCK = Meaning((("doors_lock", frozenset()),))
UNLOCK = Meaning((("doors_unlock", frozenset()),))
NOTHING = Meaning()
WEIGHTS = Weights((0.0,) * len(FEATURES), threshold=0.6, safety_threshold=0.8, margin=0.2)


def r(text, p, meaning, score=-0.3):
    return Reading(text, score, meaning, (), (1.0,) * len(FEATURES) if meaning.understood else None, p)


def test_the_most_probable_command_is_chosen():
    choice = choose([r("turn on the a c", 0.7, AC_ON), r("turn on the ac", 0.9, AC_ON)], WEIGHTS)
    assert choice.reading.text == "turn on the ac" and choice.reason == "chosen"


def test_nothing_to_choose_from():
    assert choose([], WEIGHTS).reason == "empty" and choose([], WEIGHTS).unsure


def test_when_nothing_is_understood_the_best_reading_goes_on_as_it_is():
    choice = choose([r("what is the capital of france", 0.0, NOTHING), r("increase the bass", 0.0, NOTHING)], WEIGHTS)
    assert choice.reason == "not_understood" and choice.reading.text == "what is the capital of france"


def test_a_command_below_the_threshold_is_asked_again():
    choice = choose([r("hold the mouse", 0.0, NOTHING), r("turn the air on", 0.55, AC_ON)], WEIGHTS)
    assert choice.unsure and choice.reason == "unsure" and choice.rivals[0].text == "turn the air on"


@pytest.mark.parametrize("second, sure", [(0.75, False), (0.65, True)])
def test_an_opposite_close_behind_makes_it_unsure(second, sure):
    choice = choose([r("turn on the ac", 0.9, AC_ON), r("turn off the ac", second, AC_OFF)], WEIGHTS)
    if sure:
        assert choice.reading.meaning == AC_ON
    else:
        assert choice.unsure and choice.reason == "unsure" and choice.rivals[0].meaning == AC_OFF


def test_a_safety_command_needs_more():
    assert choose([r("unlock the doors", 0.7, UNLOCK)], WEIGHTS).reason == "unsure_safety"
    assert choose([r("unlock the doors", 0.85, UNLOCK)], WEIGHTS).reading.meaning == UNLOCK
    # a rival that is a safety command makes the doubt a safety doubt
    assert choose([r("turn on the ac", 0.9, AC_ON), r("unlock the doors", 0.8, UNLOCK)], WEIGHTS).reason == "unsure_safety"


def test_readings_that_mean_the_same_never_compete():
    assert choose([r("unlock the doors", 0.9, UNLOCK), r("unlock the doors please", 0.89, UNLOCK)],
                  WEIGHTS).reading.text == "unlock the doors"


def test_the_model_and_its_file(tmp_path):
    x = features(nlu_confidence=0.9, nlu_margin=0.8, asr_score=-0.2, best_score=-0.1, rank=1, support=0.6,
                 unknown=5, words=14, cross_agrees=True, cross_disagrees=False, safety=True)
    assert len(x) == len(FEATURES) and x[FEATURES.index("below_best")] == pytest.approx(0.1)
    assert x[FEATURES.index("unknown_words")] == 2 and x[FEATURES.index("words")] == 1.0  # capped
    w = Weights(tuple(0.5 if n == "cross_agrees" else 0.0 for n in FEATURES), 0.7, 0.9, 0.1, {"files": 3})
    assert w.probability(x) == pytest.approx(1 / (1 + 2.718281828 ** -0.5))
    w.save(tmp_path / "u.json")
    assert Weights.load(tmp_path / "u.json") == w
    (tmp_path / "old.json").write_text('{"features": ["bias"], "weights": [1], "threshold": 0.5, '
                                       '"safety_threshold": 0.5, "margin": 0}')
    with pytest.raises(ValueError, match="assistant train understand"):
        Weights.load(tmp_path / "old.json")


def test_meaning_compares_values_not_spellings():
    from assistant.nlu.result import Entity, IntentScore, ParseResult

    def parse(value):
        return ParseResult("x", IntentScore("climate_set_temperature", 0.9),
                           (Entity("temperature", value, 0, 1, 1.0, "x"),), ())
    assert Meaning.of([parse(22.0)]) == Meaning.of([parse(22)])
    assert Meaning.of([parse(22.5)]) != Meaning.of([parse(22)])
    assert str(Meaning.of([parse(22)])) == "climate_set_temperature(temperature=22)"
    assert Meaning.of([parse(22)]).writes and not Meaning((("query_fuel", frozenset()),)).writes
