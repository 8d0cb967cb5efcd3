"""The choice among an utterance's readings: the rule of assistant/understand/choose.py, on made-up readings."""

from __future__ import annotations

import pytest

from assistant.understand import Meaning, Policy, choose
from assistant.understand.choose import Reading

AC_ON = Meaning((("climate_ac", frozenset({("state", "on")})),))
AC_OFF = Meaning((("climate_ac", frozenset({("state", "off")})),))
LOCK = Meaning((("doors_lock", frozenset()),))
UNLOCK = Meaning((("doors_unlock", frozenset()),))
WINDOW_75 = Meaning((("window_open", frozenset({("amount", "75")})),))
WINDOW = Meaning((("window_open", frozenset()),))
NOTHING = Meaning()
POLICY = Policy(rescue_margin=0.2, conflict_margin=0.1, safety_margin=0.4, plain_margin=0.2)


def r(text, score, meaning, unknown=()):
    return Reading(text, score, meaning, tuple(unknown))


def test_the_best_reading_when_nothing_competes():
    choice = choose([r("turn on the ac", -0.1, AC_ON), r("turn on the a c", -0.6, AC_ON)], POLICY)
    assert choice.reading.text == "turn on the ac" and choice.reason == "best"


def test_nothing_to_choose_from():
    assert choose([], POLICY).reason == "empty" and choose([], POLICY).unsure


def test_an_understood_reading_close_below_an_ununderstood_best_is_rescued():
    readings = [r("turn the heir on", -0.30, NOTHING, ["heir"]), r("turn the air on", -0.45, AC_ON)]
    choice = choose(readings, POLICY)
    assert choice.reading.text == "turn the air on" and choice.reason == "rescued"


def test_no_rescue_from_far_below():
    readings = [r("what is the capital of france", -0.1, NOTHING), r("turn the air on", -0.9, AC_ON)]
    choice = choose(readings, POLICY)
    assert choice.reason == "not_understood" and choice.reading.text == "what is the capital of france"


def test_a_reading_in_the_domain_words_is_preferred_to_one_with_unknown_words():
    readings = [r("open the window three corridors", -0.30, WINDOW, ["corridors"]),
                r("open the window three quarters", -0.42, WINDOW_75)]
    choice = choose(readings, Policy(rescue_margin=0.2, conflict_margin=0.0, safety_margin=0.4, plain_margin=0.2))
    assert choice.reading.text == "open the window three quarters" and choice.reason == "plain"


@pytest.mark.parametrize("second, margin_ok", [(-0.35, False), (-0.55, True)])
def test_an_opposite_close_below_makes_it_unsure(second, margin_ok):
    readings = [r("turn on the ac", -0.3, AC_ON), r("turn off the ac", second, AC_OFF)]
    choice = choose(readings, POLICY)
    if margin_ok:
        assert choice.reading.meaning == AC_ON
    else:
        assert choice.unsure and choice.reason == "unsure" and choice.rivals[0].meaning == AC_OFF


def test_a_safety_command_needs_a_clearer_lead():
    readings = [r("lock the doors", -0.30, LOCK), r("unlock the doors", -0.55, UNLOCK)]
    choice = choose(readings, POLICY)  # 0.25 apart: enough for the ac, not for the doors
    assert choice.unsure and choice.reason == "unsure_safety"
    assert choose([r("lock the doors", -0.30, LOCK), r("unlock the doors", -0.75, UNLOCK)], POLICY).reading.meaning == LOCK


def test_readings_that_mean_the_same_never_conflict():
    readings = [r("unlock the doors", -0.2, UNLOCK), r("unlock the doors please", -0.21, UNLOCK)]
    assert choose(readings, POLICY).reading.text == "unlock the doors"


def test_a_reading_that_is_not_a_command_is_no_rival():
    readings = [r("unlock the doors", -0.2, UNLOCK), r("and look the doors", -0.21, NOTHING, ["look"])]
    assert choose(readings, POLICY).reading.meaning == UNLOCK


def test_meaning_compares_values_not_spellings():
    from assistant.nlu.result import Entity, IntentScore, ParseResult

    def parse(value):
        return ParseResult("x", IntentScore("climate_set_temperature", 0.9),
                           (Entity("temperature", value, 0, 1, 1.0, "x"),), ())
    assert Meaning.of([parse(22.0)]) == Meaning.of([parse(22)])
    assert Meaning.of([parse(22.5)]) != Meaning.of([parse(22)])
    assert str(Meaning.of([parse(22)])) == "climate_set_temperature(temperature=22)"
