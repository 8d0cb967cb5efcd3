"""Mandarin numbers -> int/float, with their token span (the tokenizer gives one token per Han character).

Drivers and the recogniser say numbers as Chinese numerals, digits or both: 二十二, 22, 二十二点五,
22.5, 两度, 一百, 百分之五十, 一半 (50, as in 开一半), 二十二度半 (22.5). A lone 一/两 that starts a
word rather than a number (一点 "a bit", 一下, 一些, 两边) is no number.
`to_chinese` goes the other way, for the ASR phrase list (22.5 -> 二十二点五).
"""

from __future__ import annotations

import re

from assistant.nlu.number_chunk import NumberChunk, as_number

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}
_HAN = re.compile(r"[\u3400-\u9fff]")
_ARABIC = re.compile(r"^\d+(?:\.\d+)?$")
# characters a number may be written with (度 only in 二十二度半, 分之 only in 百分之)
_NUMBER_CHARS = frozenset(DIGITS) | frozenset(UNITS) | frozenset("点半分之度")
# a lone 一/两 before these starts a word, not a number: 一点 (a bit), 一下, 一些, 两边
_WORD_AFTER_ONE = frozenset("点些下会个样起直定共般路边切半")
MAX_TOKENS = 12


def has_han(text: str) -> bool:
    return bool(_HAN.search(text))


def _integer(text: str) -> int | None:
    """二十二 -> 22, 十二 -> 12, 一百零五 -> 105, 两百 -> 200, 一百五 -> 150, 22 -> 22; else None."""
    if not text:
        return None
    if text.isdigit():
        return int(text)
    if len(text) == 1 and text in DIGITS:
        return DIGITS[text]
    total, digit, last_unit, zero_seen = 0, None, 10 ** 9, False
    for k, ch in enumerate(text):
        if ch in ("零", "〇"):
            if k == 0 or digit is not None:
                return None
            zero_seen = True
        elif ch in DIGITS:
            if digit is not None:
                return None  # 二二: two digits in a row
            digit = DIGITS[ch]
        elif ch in UNITS:
            unit = UNITS[ch]
            if unit >= last_unit:
                return None
            if digit is None:
                if ch != "十" or k != 0:
                    return None
                digit = 1  # 十二 = 12
            total += digit * unit
            digit, last_unit, zero_seen = None, unit, False
        else:
            return None
    if digit is not None:
        # 一百五 = 150 (the trailing digit counts in the next unit down), 一百零五 = 105
        total += digit * (last_unit // 10 if last_unit < 10 ** 9 and last_unit > 10 and not zero_seen else 1)
    return total


def parse_number_zh(phrase: str) -> int | float | None:
    """The number a Mandarin phrase says (二十二点五, 22度半, 百分之五十, 一半), or None."""
    text = "".join(phrase.split())
    if not text:
        return None
    if text == "一半":
        return 50
    if text.startswith("百分之"):
        return parse_number_zh(text[3:]) if len(text) > 3 and not text[3:].startswith("百分之") else None
    half = 0.0
    for tail in ("度半", "半"):
        if text.endswith(tail) and len(text) > len(tail):
            text, half = text[:-len(tail)], 0.5
            break
    if _ARABIC.match(text):
        return as_number(float(text) + half)
    whole, point, frac = text.partition("点")
    value = _integer(whole)
    if value is None:
        return None
    if point:
        if not frac or half or not all(c in DIGITS or c.isdigit() for c in frac):
            return None
        digits = "".join(str(DIGITS[c]) if c in DIGITS else c for c in frac)
        return as_number(float(f"{value}.{digits}"))
    return as_number(value + half)


def _numberish(norm: str) -> bool:
    return norm in _NUMBER_CHARS or bool(_ARABIC.match(norm))


def find_numbers_zh(tokens) -> list[NumberChunk]:
    """Every number in a word-token list, longest reading first, never overlapping."""
    norms = [t.norm for t in tokens]
    chunks: list[NumberChunk] = []
    i = 0
    while i < len(norms):
        if not _numberish(norms[i]) or norms[i] in "点分之度半":
            i += 1
            continue
        end = i
        while end < len(norms) and end - i < MAX_TOKENS and _numberish(norms[end]):
            end += 1
        found = None
        for j in range(end, i, -1):
            phrase = "".join(norms[i:j])
            if phrase[-1] in "度分之":
                continue
            value = parse_number_zh(phrase)
            if value is None:
                continue
            if phrase in ("一", "两") and j < len(norms) and norms[j] in _WORD_AFTER_ONE:
                break
            found = NumberChunk(i, j - 1, value)
            break
        if found is None:
            i += 1
        else:
            chunks.append(found)
            i = found.last + 1
    return chunks


def to_chinese(value: int | float) -> str:
    """22 -> 二十二, 22.5 -> 二十二点五, 100 -> 一百, 105 -> 一百零五 (how the recogniser writes them)."""
    value = as_number(value)
    if isinstance(value, float):
        whole, _, frac = f"{value}".partition(".")
        return to_chinese(int(whole)) + "点" + "".join("零一二三四五六七八九"[int(d)] for d in frac)
    if value < 0:
        raise ValueError("negative numbers are not spoken here")
    names = "零一二三四五六七八九"
    if value < 10:
        return names[value]
    if value < 20:
        return "十" + (names[value % 10] if value % 10 else "")
    if value < 100:
        return names[value // 10] + "十" + (names[value % 10] if value % 10 else "")
    if value < 1000:
        rest = value % 100
        head = names[value // 100] + "百"
        if not rest:
            return head
        return head + ("零" + names[rest] if rest < 10 else to_chinese(rest) if rest >= 20 else "一" + to_chinese(rest))
    raise ValueError(f"{value} is out of the spoken range here")


_WRITTEN = re.compile(r"(-?)(\d+)(?:\.(\d+))?(%?)")


def speakable_zh(text: str) -> str:
    """Digits in a Mandarin reply as words for a voice that would misread them: Debian's espeak-ng
    reads 22.5 as 二十二 五 and drops the minus of -4.5. 22.5 -> 二十二点五, -4.5度 -> 零下四点五度,
    62% -> 百分之六十二; whole numbers stay digits (espeak-ng reads 480 and 45678 right)."""
    if not has_han(text):
        return text

    def spell(m: re.Match) -> str:
        minus, whole, frac, percent = m.groups()
        if not (minus or frac or percent):
            return m.group()
        said = (to_chinese(int(whole)) if int(whole) < 1000 else whole) + (
            "点" + "".join("零一二三四五六七八九"[int(d)] for d in frac) if frac else "")
        if minus:
            said = ("零下" if text[m.end():m.end() + 1] == "度" else "负") + said
        return ("百分之" + said) if percent else said

    return _WRITTEN.sub(spell, text)
