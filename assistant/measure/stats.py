"""Small statistics shared by the speech benchmarks and the speech evaluation."""

from __future__ import annotations

from typing import Iterable, Sequence


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (linear interpolation between closest ranks); None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(values: Iterable[float | None], digits: int = 2) -> dict:
    """n, p50, p95, mean and max of the values that are not None."""
    kept = [float(v) for v in values if v is not None]
    if not kept:
        return {"n": 0, "p50": None, "p95": None, "mean": None, "max": None}
    return {"n": len(kept), "p50": round(percentile(kept, 50), digits), "p95": round(percentile(kept, 95), digits),
            "mean": round(sum(kept) / len(kept), digits), "max": round(max(kept), digits)}


def edit_distance(reference: Sequence[str], hypothesis: Sequence[str]) -> int:
    """Word-level Levenshtein distance: substitutions + deletions + insertions."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        current = [i]
        for j, hyp in enumerate(hypothesis, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref != hyp)))
        previous = current
    return previous[-1]


def ratio(numerator: float | None, denominator: float | None, digits: int = 3) -> float | None:
    """numerator / denominator, or None when either is missing or the denominator is 0."""
    if numerator is None or denominator in (None, 0):
        return None
    return round(numerator / denominator, digits)


def rate(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None
