"""Split reply text into sentences small enough to synthesise one at a time.

Streaming TTS speaks the first sentence while the rest is still text, so the
split decides the time to first audio. Rules:

- a sentence ends at `.`, `!`, `?` or `…` followed by white space (so "22.5"
  and "v1.2" never split), except after a few abbreviations ("Dr. Smith");
- it ends right after the CJK terminators `。！？；` (no space is written there);
- line breaks always end a sentence;
- a sentence longer than `max_sentence_chars` is cut at a clause mark
  (`,;:` and CJK `，、；：`), else at a space, else hard;
- pieces with nothing to pronounce ("...", "-") are dropped.
"""

from __future__ import annotations

import logging
import re

log = logging.getLogger(__name__)

MAX_SENTENCE_CHARS = 200

# Lower-case, without the final dot. Kept short on purpose: "no." and "etc."
# usually end sentences in replies, units like "km." too.
_ABBREVIATIONS = frozenset({"mr", "mrs", "ms", "dr", "prof", "st", "vs", "e.g", "i.e", "approx"})

_LATIN_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)")
_CJK_END = re.compile(r"[。！？；]+[”’」』)）]*")
_CLAUSE = re.compile(r"(?<=[,;:])\s+|(?<=[，、；：])")


def split_sentences(text: str, max_sentence_chars: int = MAX_SENTENCE_CHARS) -> list[str]:
    """The sentences of `text`, in order, each at most `max_sentence_chars` long."""
    if not text:
        return []  # None or "" from a reply template that produced nothing
    sentences: list[str] = []
    for line in text.splitlines():
        for sentence in _split_line(line):
            sentences.extend(_cut_long(sentence, max_sentence_chars))
    return [s for s in sentences if any(ch.isalnum() for ch in s)]


def limit_text(sentences: list[str], max_chars: int) -> list[str]:
    """Keep whole sentences while they fit in `max_chars` (always at least the first)."""
    kept: list[str] = []
    total = 0
    for sentence in sentences:
        if kept and total + len(sentence) > max_chars:
            log.warning("reply too long: speaking %d of %d sentences (tts.max_chars = %d)",
                        len(kept), len(sentences), max_chars)
            break
        kept.append(sentence)
        total += len(sentence) + 1
    return kept


def _split_line(line: str) -> list[str]:
    ends = sorted({m.end() for m in _CJK_END.finditer(line)}
                  | {m.end() for m in _LATIN_END.finditer(line) if not _is_abbreviation(line, m.start())})
    pieces, start = [], 0
    for end in ends:
        pieces.append(line[start:end])
        start = end
    pieces.append(line[start:])
    return [p.strip() for p in pieces if p.strip()]


def _is_abbreviation(line: str, dot: int) -> bool:
    if line[dot] != ".":
        return False
    word = line[:dot].rsplit(None, 1)[-1].lower() if line[:dot].strip() else ""
    return word in _ABBREVIATIONS


def _cut_long(sentence: str, limit: int) -> list[str]:
    if len(sentence) <= limit:
        return [sentence]
    for splitter in (_CLAUSE, re.compile(r"\s+")):
        parts = [p for p in splitter.split(sentence) if p.strip()]
        if len(parts) > 1:
            return [piece for chunk in _pack(parts, limit) for piece in _cut_long(chunk, limit)]
    return [sentence[i:i + limit] for i in range(0, len(sentence), limit)]


def _pack(parts: list[str], limit: int) -> list[str]:
    """Join neighbouring parts back together while they fit in `limit`."""
    packed: list[str] = []
    for part in parts:
        part = part.strip()
        if packed and len(packed[-1]) + 1 + len(part) <= limit:
            joiner = "" if _is_cjk(packed[-1][-1]) else " "
            packed[-1] = packed[-1] + joiner + part
        else:
            packed.append(part)
    return packed


def _is_cjk(ch: str) -> bool:
    return "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef"
