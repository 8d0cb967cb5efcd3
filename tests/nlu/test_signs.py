"""Issue 11: the number reader keeps the sign and refuses numerals it cannot read (no model needed)."""

import pytest

from assistant.nlu.numbers import find_numbers, parse_number, unreadable_numbers
from assistant.nlu.resolve import resolve_entities
from assistant.nlu.result import Entity
from assistant.nlu.text import tokenize, words


@pytest.mark.parametrize("phrase, value", [
    ("-22", -22), ("minus twenty", -20), ("minus 20", -20), ("negative five", -5), ("−5", -5),
    ("minus twenty two point five", -22.5), ("twenty-two", 22), ("1,000", 1000), ("22.5", 22.5),
    ("nineteen and a half", 19.5), ("9" * 300, int("9" * 300)),
])
def test_parse_number_keeps_the_sign(phrase, value):
    assert parse_number(phrase) == value


@pytest.mark.parametrize("phrase", ["1e309", "1e5", "22,5", "1.2.3", "9" * 330, "minus", "minus minus"])
def test_unreadable_numbers_are_none(phrase):
    assert parse_number(phrase) is None


@pytest.mark.parametrize("text, numbers, unreadable", [
    ("set the temperature to -22", [-22], []),
    ("set the volume to minus 20", [-20], []),
    ("open window -50 percent", [-50], []),
    ("set it to 1e309", [], ["1e309"]),
    ("open the window 22,5 percent", [], ["22,5"]),
    ("rows 2-3", [2, 3], []),                       # a dash between numbers is not a sign
    ("what's sixty minus twenty", [60, -20], []),
])
def test_find_numbers_and_unreadable(text, numbers, unreadable):
    toks = words(tokenize(text))
    assert [c.value for c in find_numbers(toks)] == numbers
    assert [t.text for t in unreadable_numbers(toks)] == unreadable


@pytest.mark.parametrize("text, start, end", [("set the volume to minus 20", 24, 26),
                                              ("set the volume to - 20", 20, 22)])
def test_a_sign_outside_the_entity_span_is_kept(text, start, end):
    # what an extractor that never saw a negative number (DIET) gives: the digits alone
    (entity,) = resolve_entities("volume_set", text, [Entity("level", text[start:end], start, end)], {})
    assert entity.value == -20
