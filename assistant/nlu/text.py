"""Tokens with character offsets, normalised the same way for training and parsing.

ASR text is lower case with numbers as words; typed text may have capitals, digits,
punctuation and "%". Both end up as the same `norm` forms; offsets always point into
the original text so entity spans are exact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# a number as typed (a leading "-" or "−" keeps its sign unless glued to a word, as in "2-3";
# digit groups, decimals and exponents stay one token so "1e309" or "22,5" is never read as 1 or
# 22), one Han character (Chinese has no spaces: words are character n-grams to the features, see
# numbers_zh for its numbers), a word (letters with inner ' or -), or any other single non-space char
_HAN = "\u3400-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"(?<![\w.,])[-−]?\d+(?:[.,]\d+)*(?:[eE][-+]?\d+)?|\d+(?:[.,]\d+)*(?:[eE][-+]?\d+)?"
                    rf"|[{_HAN}]|[^\W\d_{_HAN}]+(?:['’\-][^\W\d_{_HAN}]+)*|\S", re.UNICODE)
_SYMBOLS = {"%": "percent", "&": "and", "+": "plus"}
_NUMERAL = re.compile(r"^-?\d")


@dataclass(frozen=True)
class Token:
    """One token: `text` as written, `norm` as matched and featurised."""

    text: str
    norm: str
    start: int
    end: int

    @property
    def is_word(self) -> bool:
        return self.norm[:1].isalnum() or bool(_NUMERAL.match(self.norm))


def normalise(word: str) -> str:
    word = word.lower().replace("’", "'").replace("−", "-")
    return _SYMBOLS.get(word, word)


def tokenize(text: str) -> list[Token]:
    return [Token(m.group(), normalise(m.group()), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def words(tokens: list[Token]) -> list[Token]:
    """Tokens that carry meaning (punctuation and emoji dropped)."""
    return [t for t in tokens if t.is_word]


def stem_possessive(word: str) -> str:
    """"everyone's" -> "everyone": lets gazetteer phrases match possessive forms."""
    for suffix in ("'s", "s'"):
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            return word[: -len(suffix)] if suffix == "'s" else word[:-1]
    return word
