"""Written text -> the word tokens a recogniser outputs.

Training sentences are written ("set it to 22.5°", "A/C off, please!"); a
recogniser hears lower-case words. The grammar compiler, the fixture manifest
and the WER scorer all normalise through `spoken_tokens`, so they agree.
"""

from __future__ import annotations

import re

from assistant.asr.numbers import number_to_words
from assistant.nlu.numbers_zh import has_han

_SYMBOLS = {"%": " percent ", "°c": " degrees ", "°": " degrees ", "&": " and ", "+": " plus "}
_EDGE_PUNCT = ".,!?;:\"()[]{}…“”‘’"
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
_NUMBER_IN_WORD = re.compile(r"(\d+(?:\.\d+)?)")


def spoken_tokens(text: str) -> list[str]:
    """Lower-case spoken word tokens: digits become number words, symbols words, punctuation goes."""
    if has_han(text):
        from assistant.asr.zh import segment  # Mandarin: words as the recogniser writes them

        return segment(text)
    text = text.lower().replace("’", "'")
    for symbol, words in _SYMBOLS.items():
        text = text.replace(symbol, words)
    text = _NUMBER_IN_WORD.sub(r" \1 ", text)  # "22c" -> "22 c", "level3" -> "level 3"
    tokens: list[str] = []
    for raw in text.split():
        raw = raw.strip(_EDGE_PUNCT)
        # a lone or trailing dot after a number was sentence punctuation ("it to 22.")
        for part in raw.replace("-", " ").replace("_", " ").split():
            part = part.strip(_EDGE_PUNCT + "'")
            if not part:
                continue
            if _NUMBER.match(part):
                words = number_to_words(part)
                tokens.extend((words or part).split())
            else:
                tokens.append(part)
    return tokens


def spoken_text(text: str) -> str:
    """`spoken_tokens` joined by single spaces."""
    return " ".join(spoken_tokens(text))
