"""End-to-end protection of every frame: 4-bit alive counter + CRC-8 checksum.

Layout (the same in every message of can_dbc/faw_demo.dbc): COUNTER in the low
nibble of byte 6, CHECKSUM in byte 7. The CRC is CRC-8 SAE J1850 (poly 0x1D,
init 0xFF, final XOR 0xFF) over the CAN ID as two little-endian bytes followed
by bytes 0-6, so a frame copied onto another ID fails the check (the AUTOSAR
E2E "data ID" idea).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

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
    """The sending side: next counter value per CAN ID."""

    def __init__(self) -> None:
        self._next: dict[int, int] = {}

    def next(self, arbitration_id: int) -> int:
        value = self._next.get(arbitration_id, 0)
        self._next[arbitration_id] = (value + 1) % COUNTER_MODULO
        return value

    def peek(self, arbitration_id: int) -> int:
        return self._next.get(arbitration_id, 0)


class E2eChecker:
    """The receiving side: rejects bad checksums and repeated (stale) counters per CAN ID.

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
