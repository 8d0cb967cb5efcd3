"""Token buckets that cap how fast command frames may leave the head unit.

A runaway loop upstream (a stuck dialogue, a fuzzed input) must not flood the
bus: each command message has its own bucket, and all share a global one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable


@dataclass
class TokenBucket:
    """`capacity` frames at once, refilled at `rate` frames per second."""

    capacity: float
    rate: float
    tokens: float = field(default=-1.0)
    stamp: float | None = None

    def __post_init__(self) -> None:
        if self.tokens < 0:
            self.tokens = self.capacity

    def refill(self, now: float) -> None:
        if self.stamp is not None:
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now


class RateLimiter:
    """Per-message and global budgets; `take()` spends from all or from none."""

    def __init__(self, *, per_message: tuple[float, float] = (5, 5.0), overall: tuple[float, float] = (20, 20.0),
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._per_message = per_message
        self._overall = TokenBucket(*overall)
        self._buckets: dict[int, TokenBucket] = {}
        self._clock = clock

    def take(self, frame_ids: list[int]) -> bool:
        now = self._clock()
        buckets = [self._buckets.setdefault(i, TokenBucket(*self._per_message)) for i in frame_ids]
        for bucket in (*buckets, self._overall):
            bucket.refill(now)
        need: dict[int, int] = {}
        for frame_id in frame_ids:
            need[frame_id] = need.get(frame_id, 0) + 1
        if self._overall.tokens < len(frame_ids) or any(
                self._buckets[i].tokens < n for i, n in need.items()):
            return False
        for frame_id in frame_ids:
            self._buckets[frame_id].tokens -= 1
        self._overall.tokens -= len(frame_ids)
        return True
