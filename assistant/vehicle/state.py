"""The head unit's picture of the car, decoded from ECU status frames.

Every value remembers when its frame arrived. A value older than its
message's freshness window (10 x the cycle time, at most 1 s) is not evidence
of the car's current state: rules that need it deny, and writes to that ECU
are refused as "not responding". Neither is a message whose E2E state machine
(e2e.StatusMonitor) is not live: until its alive counter has advanced over
LIVE_AFTER frames, and again as soon as it repeats, jumps or comes too fast
(a stuck ECU, or a second sender on its ID), its values are unknown.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable

import can
from cantools.database.can import Database, Message

from assistant.vehicle.dbc import payload_signals, status_messages
from assistant.vehicle.e2e import StatusMonitor, max_frames_per_window, min_gap_s
from assistant.vehicle.vss import VssMap

log = logging.getLogger(__name__)

MAX_FRESHNESS_S = 1.0


def freshness_window(message: Message) -> float:
    """How long a status frame stays evidence of the current state."""
    if not message.cycle_time:
        return MAX_FRESHNESS_S
    return min(10 * message.cycle_time / 1000.0, MAX_FRESHNESS_S)


@dataclass(frozen=True)
class Reading:
    """A VSS value as last reported on the bus."""

    path: str
    value: Any  # None when never received
    age_s: float | None
    fresh: bool


class VehicleState(can.Listener):
    """State cache fed by a python-can Notifier (or `feed()` directly in tests)."""

    def __init__(self, db: Database, vss: VssMap, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._vss = vss
        self._clock = clock
        self._by_id = {m.frame_id: m for m in status_messages(db)}
        self._window = {m.name: freshness_window(m) for m in self._by_id.values()}
        self._ids = {m.name: m.frame_id for m in self._by_id.values()}
        self._values: dict[str, Any] = {}
        self._received_at: dict[str, float] = {}
        self._e2e = StatusMonitor(
            {m.frame_id: self._window[m.name] for m in self._by_id.values()},
            {m.frame_id: max_frames_per_window(m.cycle_time, m.send_type) for m in self._by_id.values()},
            {m.frame_id: min_gap_s(m.cycle_time, m.send_type) for m in self._by_id.values()})
        self._changed = threading.Condition()
        self._subscribers: dict[str, list[Callable[[Any], None]]] = {}
        self.rejected: Counter[str] = Counter()
        self.warming = 0  # good frames heard before their ID was live (start-up, after a gap)

    # -- input ---------------------------------------------------------------
    def on_message_received(self, msg: can.Message) -> None:
        if msg.is_error_frame or msg.is_remote_frame or msg.is_extended_id:
            self.rejected["not_a_status_frame"] += 1
            return
        self.feed(msg.arbitration_id, bytes(msg.data), sent_at=msg.timestamp or None)

    def feed(self, arbitration_id: int, data: bytes, *, sent_at: float | None = None) -> bool:
        """Decode one frame; False (and counted in `rejected`) when it is not trustworthy.

        `sent_at` is the frame's bus timestamp (socketcan: the kernel's receive time), used to
        spot frames that come too close together; without it the state's clock is used.
        """
        message = self._by_id.get(arbitration_id)
        if message is None:
            return False  # someone else's traffic: not ours to judge
        with self._changed:  # is_fresh() reads the monitor from other threads
            check = self._e2e.check(arbitration_id, data, self._clock(), message.length, sent_at)
        if check.error in ("length", "checksum"):
            return self._reject(check.error, message)
        try:
            decoded = message.decode(data, decode_choices=True, scaling=True)
        except Exception:  # cantools: DecodeError and friends
            return self._untrusted("malformed", message)
        updates: dict[str, Any] = {}
        for signal in payload_signals(message):
            mapped = self._vss.by_status.get((message.name, signal.name))
            if mapped is None:
                continue
            value = mapped.from_dbc(decoded[signal.name])
            if value is None or not _within(signal, decoded[signal.name]):
                return self._untrusted("out_of_range", message)
            updates[mapped.path] = value
        if not check.live:  # intact, but the sender has not earned trust (or just lost it)
            if check.error == "init":  # a good frame on the way to LIVE_AFTER: not a fault
                self.warming += 1
                return False
            return self._reject(check.error, message)
        with self._changed:
            changed = {p: v for p, v in updates.items() if self._values.get(p) != v}
            self._values.update(updates)
            self._received_at[message.name] = self._clock()
            self._changed.notify_all()
        for path, value in changed.items():
            for callback in self._subscribers.get(path, ()):
                callback(value)
        return True

    def _untrusted(self, reason: str, message: Message) -> bool:
        with self._changed:
            self._e2e.invalidate(message.frame_id)
        return self._reject(reason, message)

    def _reject(self, reason: str, message: Message) -> bool:
        self.rejected[reason] += 1
        log.debug("dropped %s frame: %s", message.name, reason)
        return False

    # -- queries -------------------------------------------------------------
    def read(self, path: str) -> Reading:
        signal = self._vss.get(path)
        message = signal.status.message.name
        with self._changed:
            value = self._values.get(path)
            received = self._received_at.get(message)
            live = self._e2e.live(signal.status.message.frame_id)
        if received is None:
            return Reading(path, None, None, False)
        age = self._clock() - received
        return Reading(path, value, age, live and age <= self._window[message])

    def received_at(self, message_name: str) -> float | None:
        with self._changed:
            return self._received_at.get(message_name)

    def is_fresh(self, message_name: str) -> bool:
        """A live E2E source whose last trusted frame is inside the freshness window."""
        with self._changed:
            received = self._received_at.get(message_name)
            live = self._e2e.live(self._ids[message_name])
        return live and received is not None and self._clock() - received <= self._window[message_name]

    def snapshot(self) -> dict[str, Any]:
        """Every value received so far (fresh or not), by VSS path."""
        with self._changed:
            return dict(sorted(self._values.items()))

    def now(self) -> float:
        return self._clock()

    def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Block until `predicate()` holds (re-checked on every update) or `timeout` real seconds pass."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(min(remaining, 0.05))
        return True

    def subscribe(self, path: str, callback: Callable[[Any], None]) -> None:
        """Call `callback(value)` (on the bus thread) whenever `path` changes, e.g. the PTT button."""
        self._vss.get(path)
        self._subscribers.setdefault(path, []).append(callback)


def _within(signal, decoded: Any) -> bool:
    if hasattr(decoded, "name") or signal.minimum is None:
        return True
    return signal.minimum <= decoded <= signal.maximum
