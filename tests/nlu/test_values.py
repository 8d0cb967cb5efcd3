"""Numbers and canonical values, independent of any model."""

from __future__ import annotations

import pytest

from assistant.nlu.numbers import find_numbers, parse_number
from assistant.nlu.resolve import canonical_value, resolve_entities
from assistant.nlu.result import Entity
from assistant.nlu.text import tokenize, words


@pytest.mark.parametrize("phrase, value", [
    ("twenty two", 22), ("twenty two point five", 22.5), ("twenty two and a half", 22.5),
    ("22.5", 22.5), ("22", 22), ("twenty-two", 22), ("a hundred", 100), ("one hundred and five", 105),
    ("zero", 0), ("nineteen and a half", 19.5), ("twenty point zero", 20),
])
def test_parse_number(phrase, value):
    result = parse_number(phrase)
    assert result == value and type(result) is type(value)


@pytest.mark.parametrize("phrase", ["", "half", "twenty apples", "point", "a bit"])
def test_not_a_number(phrase):
    assert parse_number(phrase) is None


def test_runs_of_numbers_split_into_numbers():
    toks = words(tokenize("set three twenty"))
    assert [c.value for c in find_numbers(toks)] == [3, 20]


@pytest.mark.parametrize("intent, entity, said, value", [
    ("window_open", "amount", "a bit", 20), ("window_open", "amount", "halfway", 50),
    ("window_open", "amount", "all the way", 100), ("sunroof_open", "amount", "a crack", 20),
    ("climate_change_temperature", "amount", "a bit", 1), ("climate_change_temperature", "amount", "a lot", 3),
    ("seat_heat", "level", "max", 3), ("seat_ventilate", "level", "highest", 3),
    ("climate_fan", "level", "max", 7), ("volume_set", "level", "max", 100),
    ("inform", "amount", "a bit", "a bit"),  # the dialogue knows which action it refines
])
def test_qualitative_values_depend_on_intent(intent, entity, said, value):
    assert canonical_value(intent, entity, said, said, {}) == value


def test_synonyms_give_canonical_values():
    synonyms = {"passenger side": "passenger", "warmer": "up", "back": "rear"}
    assert canonical_value("x", "zone", "passenger side", "Passenger Side", synonyms) == "passenger"
    assert canonical_value("x", "direction", "warmer", "warmer", synonyms) == "up"
    assert canonical_value("x", "zone", "the back", "the back", synonyms) == "rear"


def test_seat_state_becomes_level_and_duplicates_merge():
    text = "turn on the seat heater on"
    on1 = Entity("state", "on", 5, 7, 0.9)
    on2 = Entity("state", "on", 24, 26, 0.8)
    resolved = resolve_entities("seat_heat", text, [on1, on2], {})
    assert [(e.entity, e.value) for e in resolved] == [("level", 2)]
    off = resolve_entities("climate_fan", "fan off", [Entity("state", "off", 4, 7)], {})
    assert [(e.entity, e.value) for e in off] == [("level", 0)]


def test_possessive_zone_is_canonical():
    synonyms = {"everyone": "all", "passenger side": "passenger"}
    assert canonical_value("seat_heat", "zone", "everyone's", "everyone's", synonyms) == "all"
    assert canonical_value("window_open", "zone", "driver's", "driver's", {}) == "driver"


def test_plural_noun_is_all_only_without_another_zone():
    text = "open the windows on the passenger side"
    windows = Entity("zone", "all", 9, 16)
    passenger = Entity("zone", "passenger", 24, 38)
    both = resolve_entities("window_open", text, [windows, passenger], {})
    assert [(e.entity, e.value) for e in both] == [("zone", "passenger")]
    alone = resolve_entities("window_open", "open the windows", [Entity("zone", "all", 9, 16)], {})
    assert [(e.entity, e.value) for e in alone] == [("zone", "all")]
    every = resolve_entities("window_open", "open all the windows", [Entity("zone", "all", 5, 8)], {})
    assert [(e.entity, e.value) for e in every] == [("zone", "all")]


def test_coverage_features_mark_value_only_texts():
    from assistant.nlu.features import Gazetteer, coverage_features

    gaz = Gazetteer({("blue",): {"color": "blue"}, ("passenger", "side"): {"zone": "passenger"}})
    assert coverage_features(gaz.analyse("blue")) == ["unc:0", "unc:none"]
    assert coverage_features(gaz.analyse("twenty two point five")) == ["unc:0", "unc:none"]
    assert coverage_features(gaz.analyse("in blue")) == ["unc:1"]
    assert coverage_features(gaz.analyse("set the passenger side to twenty")) == ["unc:3"]
    assert coverage_features(gaz.analyse("hello")) == ["unc:1"]
    assert coverage_features(gaz.analyse("😀 ?!")) == []  # no words: nothing to classify
