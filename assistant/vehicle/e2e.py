"""End-to-end protection of every frame: 4-bit alive counter + CRC-8 checksum.

Layout (the same in every message of can_dbc/faw_demo.dbc): COUNTER in the low
nibble of byte 6, CHECKSUM in byte 7. The CRC is CRC-8 SAE J1850 (poly 0x1D,
init 0xFF, final XOR 0xFF) over the CAN ID as two little-endian bytes followed
by bytes 0-6, so a frame copied onto another ID fails the check (the AUTOSAR
E2E "data ID" idea).
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Mapping

COUNTER_BYTE = 6
CHECKSUM_BYTE = 7
COUNTER_MODULO = 16


def _crc8_table(poly: int) -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = ((crc << 1) ^ poly) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
        table.append(crc)
    return tuple(table)


_TABLE = _crc8_table(0x1D)


def crc8_sae_j1850(data: bytes) -> int:
    """CRC-8 SAE J1850; check value for b"123456789" is 0x4B."""
    crc = 0xFF
    for byte in data:
        crc = _TABLE[crc ^ byte]
    return crc ^ 0xFF


def checksum(arbitration_id: int, data: bytes) -> int:
    """The CHECKSUM byte for a frame: CRC over the ID and bytes 0-6."""
    return crc8_sae_j1850(arbitration_id.to_bytes(2, "little") + bytes(data[:CHECKSUM_BYTE]))


def counter_of(data: bytes) -> int:
    return data[COUNTER_BYTE] & 0x0F


def protect(arbitration_id: int, data: bytes, counter: int) -> bytes:
    """Stamp `counter` and the checksum into an 8-byte payload."""
    frame = bytearray(data)
    frame[COUNTER_BYTE] = (frame[COUNTER_BYTE] & 0xF0) | (counter % COUNTER_MODULO)
    frame[CHECKSUM_BYTE] = checksum(arbitration_id, frame)
    return bytes(frame)


@dataclass(frozen=True)
class E2eResult:
    """Outcome of checking one received frame."""

    ok: bool
    error: str | None = None  # "checksum" | "stale_counter" | "length"


class AliveCounter:
    """The sending side: next counter value per CAN ID.

    `start` continues a sequence (a restarted head unit goes on where it stopped, see
    sender_lock.py); `on_advance(next_values)` is told after every step, to persist them.
    """

    def __init__(self, start: Mapping[int, int] | None = None,
                 on_advance: Callable[[dict[int, int]], None] | None = None) -> None:
        self._next: dict[int, int] = {int(i): int(v) % COUNTER_MODULO for i, v in (start or {}).items()}
        self._on_advance = on_advance

    def next(self, arbitration_id: int) -> int:
        value = self._next.get(arbitration_id, 0)
        self._next[arbitration_id] = (value + 1) % COUNTER_MODULO
        if self._on_advance is not None:
            self._on_advance(dict(self._next))
        return value

    def state(self) -> dict[int, int]:
        """The next counter value per CAN ID (what a restart continues from)."""
        return dict(self._next)

    def peek(self, arbitration_id: int) -> int:
        return self._next.get(arbitration_id, 0)


class E2eChecker:
    """The receiving side of on-change frames (the head unit's commands, judged by the ECUs):
    rejects bad checksums and repeated (stale) counters per CAN ID.

    A counter repeated within `resync_s` means the sender is stuck re-sending an
    old frame, so its content is not evidence of current state. A jump (lost
    frames) is accepted: the frame itself is intact. After `resync_s` of silence
    any counter is accepted again, so a restarted sender is not locked out (the
    AUTOSAR E2E re-initialisation idea).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic, resync_s: float = 1.0) -> None:
        self._clock = clock
        self._resync_s = resync_s
        self._last: dict[int, tuple[int, float]] = {}

    def check(self, arbitration_id: int, data: bytes, length: int = 8) -> E2eResult:
        if len(data) != length:
            return E2eResult(False, "length")
        if data[CHECKSUM_BYTE] != checksum(arbitration_id, data):
            return E2eResult(False, "checksum")
        counter, now = counter_of(data), self._clock()
        last = self._last.get(arbitration_id)
        self._last[arbitration_id] = (counter, now)
        if last is not None and last[0] == counter and now - last[1] < self._resync_s:
            return E2eResult(False, "stale_counter")
        return E2eResult(True)


# -- cyclic status reception: an E2E state machine per CAN ID ------------------------------
LIVE_AFTER = 3  # consecutive frames, each counter one more than the last, before a source is trusted
RATE_WINDOW_S = 1.0  # frames are counted over this window to spot a second sender
ON_CHANGE_MAX_RATE = 100.0  # frames/s an on-change status may reach (one per 10 ms)


def min_gap_s(cycle_ms: int | None, send_type: str | None) -> float:
    """The shortest gap between two frames of one cyclic sender: a quarter of its cycle.
    A frame sooner than that after the last is a second sender on the ID (0 = no limit,
    for on-change status, whose frames may come close together)."""
    return cycle_ms / 4000.0 if cycle_ms and send_type in (None, "Cyclic") else 0.0


def max_frames_per_window(cycle_ms: int | None, send_type: str | None) -> int:
    """How many frames of one status ID a single sender can put in RATE_WINDOW_S.

    Cyclic: 1.5 x the DBC cycle rate + 3 (jitter). Cyclic-and-on-change or no cycle time:
    at most ON_CHANGE_MAX_RATE. More means a second sender (a duplicated or spoofed ID).
    """
    if cycle_ms and send_type in (None, "Cyclic"):
        return int(1.5 * RATE_WINDOW_S * 1000.0 / cycle_ms) + 3
    return int(ON_CHANGE_MAX_RATE * RATE_WINDOW_S) + 3


@dataclass
class _Source:
    counter: int | None = None  # of the last frame with a good checksum
    at: float = 0.0
    sent_at: float | None = None  # its bus timestamp
    streak: int = 0  # consecutive frames in one correct counter sequence
    arrivals: deque = field(default_factory=deque)


@dataclass(frozen=True)
class StatusCheck:
    """Outcome of one received status frame: is its ID live after it, and if not, why."""

    live: bool
    error: str | None = None  # "length" | "checksum" | "repeated" | "wrong_sequence" | "too_fast" | "init"


class StatusMonitor:
    """AUTOSAR E2E profile 1/2 style state machine for cyclic ECU status, per CAN ID.

    A frame with a wrong length or checksum is dropped and the ID loses trust. Otherwise its
    counter must be one more than the last good frame's, and that frame no older than the ID's
    freshness window (`gap_s`): then the run of correct frames grows, else a new run starts
    at 1 (a repeated counter = a stuck or duplicated sender; a jump = lost frames, a restarted
    ECU or a second sender interleaving). More frames in RATE_WINDOW_S than one sender can
    send (`max_frames`), or a frame sooner than `min_gap_s` after the last by bus timestamp
    (a spoofer answering each real frame at once), also breaks the run. The ID is live while its run has LIVE_AFTER
    frames or more; until then its content is not evidence of the car's state.
    """

    def __init__(self, gap_s: Mapping[int, float], max_frames: Mapping[int, int],
                 min_gap: Mapping[int, float] | None = None) -> None:
        self._gap = dict(gap_s)
        self._max = dict(max_frames)
        self._min_gap = dict(min_gap or {})
        self._sources: dict[int, _Source] = {}
        self._live: dict[int, bool] = {}

    def check(self, arbitration_id: int, data: bytes, now: float, length: int = 8,
              sent_at: float | None = None) -> StatusCheck:
        """Judge one frame received at `now` (`sent_at`: its bus timestamp, else `now`)."""
        source = self._sources.setdefault(arbitration_id, _Source())
        if len(data) != length or data[CHECKSUM_BYTE] != checksum(arbitration_id, data):
            source.streak = 0
            return self._set(arbitration_id, StatusCheck(False, "length" if len(data) != length else "checksum"))
        counter = counter_of(data)
        in_sequence = (source.counter is not None and now - source.at <= self._gap[arbitration_id]
                       and counter == (source.counter + 1) % COUNTER_MODULO)
        error = None
        if in_sequence:
            source.streak += 1
        else:
            if source.counter is not None and now - source.at <= self._gap[arbitration_id]:
                error = "repeated" if counter == source.counter else "wrong_sequence"
            source.streak = 1
        sent_at = now if sent_at is None else sent_at
        too_soon = source.sent_at is not None and 0 <= sent_at - source.sent_at < self._min_gap.get(arbitration_id, 0.0)
        source.counter, source.at, source.sent_at = counter, now, sent_at
        arrivals = source.arrivals
        arrivals.append(now)
        while arrivals and now - arrivals[0] >= RATE_WINDOW_S:
            arrivals.popleft()
        if too_soon or len(arrivals) > self._max[arbitration_id]:
            source.streak, error = 0, "too_fast"
        live = source.streak >= LIVE_AFTER
        return self._set(arbitration_id, StatusCheck(live, None if live else (error or "init")))

    def invalidate(self, arbitration_id: int) -> None:
        """The frame passed E2E but its content is unusable (undecodable, out of range)."""
        self._sources.setdefault(arbitration_id, _Source()).streak = 0
        self._live[arbitration_id] = False

    def live(self, arbitration_id: int) -> bool:
        return self._live.get(arbitration_id, False)

    def _set(self, arbitration_id: int, result: StatusCheck) -> StatusCheck:
        self._live[arbitration_id] = result.live
        return result
