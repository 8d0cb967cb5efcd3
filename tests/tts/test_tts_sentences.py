"""Sentence splitting decides what is synthesised first."""

from __future__ import annotations

from hypothesis import given, strategies as st

from assistant.tts.sentences import MAX_SENTENCE_CHARS, limit_text, split_sentences


def test_two_short_sentences():
    assert split_sentences("Done. Opening the passenger window.") == ["Done.", "Opening the passenger window."]


def test_decimals_and_abbreviations_do_not_split():
    assert split_sentences("Set to 22.5 degrees. Dr. Smith's car is at 3.5 bar!") == [
        "Set to 22.5 degrees.", "Dr. Smith's car is at 3.5 bar!"]


def test_question_exclamation_quotes_and_units():
    assert split_sentences('Really?! "Yes." Range is 300 km. OK') == ['Really?!', '"Yes."', "Range is 300 km.", "OK"]


def test_chinese_terminators_need_no_space():
    assert split_sentences("好的。正在打开车窗！温度是22.5度") == ["好的。", "正在打开车窗！", "温度是22.5度"]


def test_line_breaks_split_and_blank_text_is_empty():
    assert split_sentences("first line\nsecond line") == ["first line", "second line"]
    assert split_sentences("") == [] and split_sentences("  \n\t ") == []


def test_nothing_to_pronounce_is_dropped():
    assert split_sentences("... -- !") == []
    assert split_sentences("... Hi.") == ["Hi."]


def test_long_sentence_is_cut_at_clauses_then_spaces():
    text = ", ".join(["the window is moving"] * 40) + "."
    pieces = split_sentences(text)
    assert len(pieces) > 1 and all(len(p) <= MAX_SENTENCE_CHARS for p in pieces)
    assert " ".join(pieces).replace(" ,", ",") == text
    unbroken = "x" * 450
    assert [len(p) for p in split_sentences(unbroken)] == [200, 200, 50]


def test_limit_keeps_whole_sentences():
    sentences = ["One.", "Two two.", "Three three three."]
    assert limit_text(sentences, 13) == ["One.", "Two two."]  # 4 + space + 8
    assert limit_text(sentences, 1) == ["One."]  # never nothing
    assert limit_text(sentences, 1000) == sentences


@given(st.text(max_size=600))
def test_any_text_splits_into_bounded_pronounceable_pieces(text):
    pieces = split_sentences(text)
    assert all(len(p) <= MAX_SENTENCE_CHARS and p == p.strip() and any(c.isalnum() for c in p) for p in pieces)
    kept = "".join(c for c in text if c.isalnum())
    assert "".join(c for p in pieces for c in p if c.isalnum()) == kept
