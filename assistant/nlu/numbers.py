"""Numbers said as words or typed as digits -> int/float, with their token span.

text2num (`alpha2digit`) does the word -> digit conversion, including decimals
("twenty two point five" -> 22.5). It has no fractions, so "... and a half" is
handled here as +0.5. A run of number words that text2num reads as several numbers
("three twenty") is split into one chunk per number.

The sign is kept: "minus twenty", "negative five" and a typed "-22" are negative (the
gate then refuses them as out of range, never acts on the positive number). A typed
numeral that is not a plain number ("1e309", "22,5", "1.2.3", or one beyond a float's range)
is *unreadable*: `unreadable_numbers` finds them and the NLU treats such a text as not
understood rather than read part of it as another number.
"""

from __future__ import annotations

import math
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
_DIGITS = re.compile(r"^-?\d+(?:\.\d+)?$")
_GROUPED = re.compile(r"^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")  # "1,000", "12,500.5"
_NUMERAL = re.compile(r"^-?\d")
NEGATORS = frozenset({"minus", "negative"})


def numeral_value(token: str) -> int | float | None:
    """A typed numeral's value ("22", "-22", "22.5", "1,000"), None for anything else
    (words, and unreadable numerals such as "1e309" or "22,5")."""
    if _DIGITS.match(token):
        text = token
    elif _GROUPED.match(token):
        text = token.replace(",", "")
    else:
        return None
    value = float(text)
    if not math.isfinite(value):
        return None  # beyond a float's range (309+ digits): no reading of it is safe
    return int(text) if "." not in text else as_number(value)  # an int stays exact


def is_unreadable(token: str) -> bool:
    """A token that starts like a number but is not one we can read ("1e309", "22,5", "1.2.3")."""
    return bool(_NUMERAL.match(token)) and numeral_value(token) is None


def unreadable_numbers(tokens: list[Token]) -> list[Token]:
    """The numerals in `tokens` that cannot be read safely (see the module doc)."""
    return [t for t in tokens if is_unreadable(t.norm)]


def _is_number_word(word: str) -> bool:
    return word in NUMBER_WORDS or (
        "-" in word and all(part in NUMBER_WORDS for part in word.split("-")))


def parse_number(phrase: str) -> int | float | None:
    """The number a phrase says ("twenty two point five", "22.5", "nineteen and a half"), or None."""
    if _zh.has_han(phrase):
        return _zh.parse_number_zh(phrase)
    phrase = phrase.strip().lower().replace("−", "-")
    sign = 1
    if phrase.startswith("-") and phrase[1:2].isdigit():
        phrase, sign = phrase[1:], -1
    words = phrase.replace("-", " ").split()
    if words[:1] and words[0] in NEGATORS and len(words) > 1:
        words, sign = words[1:], -sign
    if not words or (sign < 0 and words[0] in NEGATORS):
        return None
    value = _unsigned_number(words)
    return None if value is None else sign * value if value else value


def _unsigned_number(words: list[str]) -> int | float | None:
    half = 0.0
    for tail in (["and", "a", "half"], ["and", "half"]):
        if words[-len(tail):] == tail and len(words) > len(tail):
            words, half = words[:-len(tail)], 0.5
            break
    if words[:1] == ["a"] and words[1:2] in (["hundred"], ["thousand"]):
        words = ["one"] + words[1:]
    if len(words) == 1 and _NUMERAL.match(words[0]):
        value = numeral_value(words[0])
        return None if value is None or value < 0 else _plus_half(value, half)
    if not all(_is_number_word(w) or w in ("point", "and") for w in words):
        return None
    digits = alpha2digit(" ".join(words), "en", threshold=0)
    value = numeral_value(digits) if _DIGITS.match(digits) and not digits.startswith("-") else None
    return None if value is None else _plus_half(value, half)


def _plus_half(value: int | float, half: float) -> int | float | None:
    if not half:
        return value
    return as_number(value + half) if abs(value) < 1e15 else None  # no float overflow


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
        first_of_run = True
        while i < end:  # split a run that reads as several numbers
            for j in range(end, i, -1):
                value = parse_number(" ".join(norms[i:j]))
                if value is not None:
                    start = i
                    # "minus twenty", "negative 5": the sign word belongs to the number
                    if first_of_run and i > 0 and norms[i - 1] in NEGATORS and value == abs(value) \
                            and not (chunks and chunks[-1].last == i - 1):
                        start, value = i - 1, -value if value else value
                    chunks.append(NumberChunk(start, j - 1, value))
                    i = j
                    break
            else:
                i += 1
            first_of_run = False
        i = end
    return chunks


def _run_end(norms: list[str], i: int) -> int:
    """End (exclusive) of the run of number tokens starting at i (i if none)."""
    def numeric(k: int) -> bool:
        return k < len(norms) and (_is_number_word(norms[k]) or numeral_value(norms[k]) is not None)

    if norms[i] == "a" and i + 1 < len(norms) and norms[i + 1] in SCALES:
        pass
    elif not numeric(i):
        return i
    j = i + 1
    while j < len(norms):
        if numeric(j) and not _NUMERAL.match(norms[j]) and not _NUMERAL.match(norms[j - 1]):
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

