"""Input that is not a command gives nlu_fallback, never an exception."""

from __future__ import annotations

import pytest

BAD = {
    "empty": "",
    "whitespace": "   \t\n ",
    "10 kB": "open the window " * 640,
    "emoji": "😀🚗🔥",
    "chinese": "打开车窗",
    "mixed script": "打开 the 窗",
    "punctuation": "?!.,;:",
    "two intents": "turn on the ac and open the window",
    "two intents, comma": "close the sunroof, set the fan to three",
    "control chars": "\x00\x01\x02",
}


@pytest.mark.parametrize("text", BAD.values(), ids=BAD.keys())
def test_bad_input_is_fallback(nlu, text):
    result = nlu.parse(text)
    assert result.name == "nlu_fallback"
    assert result.entities == ()
    assert result.to_json()["intent"]["name"] == "nlu_fallback"


def test_non_text_is_a_type_error(nlu):
    with pytest.raises(TypeError):
        nlu.parse(None)


def test_one_intent_with_and_is_not_split(nlu):
    result = nlu.parse("open the driver and passenger windows")
    assert result.name == "window_open"
    assert {e.value for e in result.entities if e.entity == "zone"} == {"driver", "passenger"}


def test_numbers_with_and_are_not_cut(nlu):
    assert nlu.parse("set the temperature to nineteen and a half").entity("temperature") == 19.5
    assert nlu.parse("set the volume to one hundred").entity("level") == 100
