"""A number found in text, shared by the English and the Mandarin number readers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NumberChunk:
    """Tokens `first..last` (inclusive, indices into the word list) read as `value`."""

    first: int
    last: int
    value: int | float


def as_number(value: float) -> int | float:
    """int when integral (22.0 -> 22), else float; an int stays exact however big."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    value = float(value)
    return int(value) if value.is_integer() else value
