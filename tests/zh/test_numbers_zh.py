"""Mandarin numbers: Chinese numerals, digits and mixed forms read as the number, spans exact."""

import pytest

from assistant.nlu.numbers import find_numbers, parse_number
from assistant.nlu.numbers_zh import parse_number_zh, speakable_zh, to_chinese
from assistant.nlu.text import tokenize, words


@pytest.mark.parametrize("said, value", [
    ("二十二", 22), ("22", 22), ("二十二点五", 22.5), ("22.5", 22.5), ("十六", 16), ("十", 10), ("三十", 30),
    ("两", 2), ("一百", 100), ("一百零五", 105), ("一百五", 150), ("两百", 200), ("百分之五十", 50),
    ("百分之三十五", 35), ("一半", 50), ("二十二度半", 22.5), ("零", 0), ("十九点五", 19.5),
])
def test_numbers_read_as_their_value(said, value):
    assert parse_number_zh(said) == value
    assert parse_number(said) == value  # the shared reader dispatches Han text here


@pytest.mark.parametrize("said", ["一点", "点五", "二二", "十百", "百分之", "度", "空调", "半"])
def test_words_that_are_no_number(said):
    assert parse_number_zh(said) is None


@pytest.mark.parametrize("text, spans", [
    ("把空调调到二十二度", [("二十二", 22)]),
    ("22度", [("22", 22)]),
    ("温度调到二十二点五度", [("二十二点五", 22.5)]),
    ("车窗开到百分之五十", [("百分之五十", 50)]),
    ("车窗开一半", [("一半", 50)]),
    ("温度调到二十一度半", [("二十一度半", 21.5)]),
    ("再高一点", []),            # 一点 is "a bit", not 1.
    ("两边后视镜折叠", []),       # 两边 is "both sides"
    ("温度降低两度", [("两", 2)]),
    ("风量调到3档", [("3", 3)]),
])
def test_number_spans_index_the_original_text(text, spans):
    toks = words(tokenize(text))
    found = [(text[toks[c.first].start:toks[c.last].end], c.value) for c in find_numbers(toks)]
    assert found == spans


def test_english_numbers_are_unchanged():
    toks = words(tokenize("set it to twenty two point five"))
    assert [c.value for c in find_numbers(toks)] == [22.5]
    assert parse_number("nineteen and a half") == 19.5


@pytest.mark.parametrize("value, said", [(0, "零"), (7, "七"), (10, "十"), (16, "十六"), (22, "二十二"),
                                         (22.5, "二十二点五"), (100, "一百"), (105, "一百零五"), (110, "一百一十")])
def test_to_chinese_round_trips(value, said):
    assert to_chinese(value) == said
    assert parse_number_zh(said) == value


def test_replies_spell_what_espeak_misreads():
    assert speakable_zh("好的，22.5度。") == "好的，二十二点五度。"
    assert speakable_zh("车外-4.5度。") == "车外零下四点五度。"
    assert speakable_zh("油箱还有62%。") == "油箱还有百分之六十二。"
    assert speakable_zh("总里程45678公里。") == "总里程45678公里。"  # whole numbers espeak-ng reads right
    assert speakable_zh("set it to 22.5") == "set it to 22.5"
