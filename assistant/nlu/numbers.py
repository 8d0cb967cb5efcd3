"""Numbers said as words or typed as digits -> int/float, with their token span.

text2num (`alpha2digit`) does the word -> digit conversion, including decimals
("twenty two point five" -> 22.5). It has no fractions, so "... and a half" is
handled here as +0.5. A run of number words that text2num reads as several numbers
("three twenty") is split into one chunk per number.
"""

from __future__ import annotations

import re

from text_to_num import alpha2digit

from assistant.nlu import numbers_zh as _zh  # Mandarin text
from assistant.nlu.number_chunk import NumberChunk, as_number
from assistant.nlu.text import Token

UNITS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
         "fifteen sixteen seventeen eighteen nineteen").split()
TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
SCALES = ("hundred", "thousand")
NUMBER_WORDS = frozenset(UNITS + TENS + list(SCALES))
_DIGITS = re.compile(r"^\d+(?:\.\d+)?$")


def _is_number_word(word: str) -> bool:
    return word in NUMBER_WORDS or (
        "-" in word and all(part in NUMBER_WORDS for part in word.split("-")))


def parse_number(phrase: str) -> int | float | None:
    """The number a phrase says ("twenty two point five", "22.5", "nineteen and a half"), or None."""
    if _zh.has_han(phrase):
        return _zh.parse_number_zh(phrase)
    words = phrase.lower().replace("-", " ").split()
    if not words:
        return None
    half = 0.0
    for tail in (["and", "a", "half"], ["and", "half"]):
        if words[-len(tail):] == tail and len(words) > len(tail):
            words, half = words[:-len(tail)], 0.5
            break
    if words[:1] == ["a"] and words[1:2] in (["hundred"], ["thousand"]):
        words = ["one"] + words[1:]
    if len(words) == 1 and _DIGITS.match(words[0]):
        return as_number(float(words[0]) + half)
    if not all(_is_number_word(w) or w in ("point", "and") for w in words):
        return None
    digits = alpha2digit(" ".join(words), "en", threshold=0)
    if not _DIGITS.match(digits):
        return None
    return as_number(float(digits) + half)


def find_numbers(tokens: list[Token]) -> list[NumberChunk]:
    """Every number in a word-token list, longest readings first, never overlapping."""
    if any(_zh.has_han(t.norm) for t in tokens):
        return _zh.find_numbers_zh(tokens)
    norms = [t.norm for t in tokens]
    chunks: list[NumberChunk] = []
    i = 0
    while i < len(norms):
        end = _run_end(norms, i)
        if end == i:
            i += 1
            continue
        while i < end:  # split a run that reads as several numbers
            for j in range(end, i, -1):
                value = parse_number(" ".join(norms[i:j]))
                if value is not None:
                    chunks.append(NumberChunk(i, j - 1, value))
                    i = j
                    break
            else:
                i += 1
        i = end
    return chunks


def _run_end(norms: list[str], i: int) -> int:
    """End (exclusive) of the run of number tokens starting at i (i if none)."""
    def numeric(k: int) -> bool:
        return k < len(norms) and (_is_number_word(norms[k]) or bool(_DIGITS.match(norms[k])))

    if norms[i] == "a" and i + 1 < len(norms) and norms[i + 1] in SCALES:
        pass
    elif not numeric(i):
        return i
    j = i + 1
    while j < len(norms):
        if numeric(j) and not _DIGITS.match(norms[j]) and not _DIGITS.match(norms[j - 1]):
            j += 1
        elif norms[j] == "point" and numeric(j + 1):
            j += 2
        elif norms[j:j + 3] == ["and", "a", "half"]:
            return j + 3
        elif norms[j:j + 2] == ["and", "half"]:
            return j + 2
        elif norms[j] == "and" and norms[j - 1] in SCALES and numeric(j + 1):
            j += 2
        else:
            break
    return j

