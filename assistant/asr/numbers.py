"""Numbers as a recogniser hears them: 22.5 -> "twenty two point five".

The grammar must contain every spoken form of the numbers the intents use
(temperatures 16-30 with halves, percents and volume 0-100, levels 0-7), and
written training text ("set it to 22") must become the words a speaker says.
"""

from __future__ import annotations

_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
         "fourteen fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def integer_words(n: int) -> str:
    """0 <= n < 1000 as words: 42 -> "forty two", 100 -> "one hundred"."""
    if not 0 <= n < 1000:
        raise ValueError(f"integer_words supports 0-999, not {n}")
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + ("" if ones == 0 else " " + _ONES[ones])
    hundreds, rest = divmod(n, 100)
    head = f"{_ONES[hundreds]} hundred"
    return head if rest == 0 else f"{head} {integer_words(rest)}"


def spoken_forms(value: float) -> list[str]:
    """Every way a speaker says a number in a command: the first is the canonical one."""
    whole = int(value)
    frac = round(value - whole, 3)
    if frac == 0:
        forms = [integer_words(whole)]
        if whole == 100:
            forms.append("a hundred")
        return forms
    base = integer_words(whole)
    digits = f"{value:.3f}".rstrip("0").split(".")[1]
    forms = [f"{base} point {' '.join(_ONES[int(d)] for d in digits)}"]
    if frac == 0.5:
        forms.append(f"{base} and a half")
    return forms


def number_to_words(token: str) -> str | None:
    """A written number ("22", "22.5", "1,000" is not supported) as words, or None if not a number."""
    try:
        value = float(token)
    except ValueError:
        return None
    if not 0 <= value < 1000 or token.strip().lower() in {"nan", "inf", "infinity"}:
        return None
    return spoken_forms(value)[0]


def number_range(low: float, high: float, step: float = 1.0) -> list[float]:
    """low..high inclusive in `step` increments, without float drift."""
    count = int(round((high - low) / step))
    return [round(low + i * step, 3) for i in range(count + 1)]
