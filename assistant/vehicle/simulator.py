"""ECU simulator: the car's ECUs on any python-can bus, speaking the same DBC.

It applies only valid command frames (right ID and length, good checksum, a
fresh counter, values in range); everything else is counted in `ignored` and
dropped. It sends every status message at its DBC cycle time, and at once when
a command changes it. Faults can be injected per ECU: silent, bad checksum,
stale counter, ignoring commands.

It never dies on a frame: whatever a frame or the car's own state makes fail (a DBC edited
so that a command decodes to a value its status signal cannot carry) is counted in
`ignored` and skipped. A frame on one of its own status IDs from someone else (a second
car on the bus, or a head unit impersonating an ECU) is counted as `foreign_status`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

import can
from cantools.database.can import Database, Message

from assistant.errors import DataError, ValueTypeError
from assistant.vehicle import e2e
from assistant.vehicle.car_model import CarModel
from assistant.vehicle.dbc import COUNTER, CHECKSUM, NO_REQUEST, command_messages, payload_signals, status_messages
from assistant.vehicle.vss import VssMap

log = logging.getLogger(__name__)

FAULT_KINDS = ("silent", "bad_checksum", "stale_counter", "ignore_commands")
ALL_ECUS = "*"
ON_CHANGE_MIN_GAP_S = 0.02


@dataclass
class Faults:
    """Injected faults: for each kind, the ECU node names it applies to ("*" = every ECU)."""

    silent: set[str] = field(default_factory=set)
    bad_checksum: set[str] = field(default_factory=set)
    stale_counter: set[str] = field(default_factory=set)
    ignore_commands: set[str] = field(default_factory=set)

    def hits(self, kind: str, ecu: str) -> bool:
        nodes = getattr(self, kind)
        return ALL_ECUS in nodes or ecu in nodes


@dataclass(frozen=True)
class ScenarioEvent:
    """At simulated time `at` seconds, set these VSS values (speed, gear, doors...)."""

    at: float
    changes: dict[str, Any]


class EcuSimulator:
    """All ECUs of the demo car. Drive it with `start()` (a thread) or `handle()`/`poll()` in tests."""

    def __init__(self, bus: can.BusABC, db: Database, vss: VssMap, *, model: CarModel | None = None,
                 faults: Faults | None = None, time_scale: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._bus = bus
        self._vss = vss
        self._clock = clock
        self.model = model or CarModel(vss)
        self.faults = faults or Faults()
        self.time_scale = time_scale
        self.timeline: list[ScenarioEvent] = []
        self.ignored: Counter[str] = Counter()
        self.applied = 0
        self._commands = {m.frame_id: m for m in command_messages(db)}
        self._status = status_messages(db)
        self._status_ids = {m.frame_id for m in self._status}
        self._encode_failed: set[str] = set()
        for message in self._status:
            for signal in payload_signals(message):
                if (message.name, signal.name) not in vss.by_status:
                    raise DataError(f"status signal {message.name}.{signal.name} has no VSS path in the mapping")
        self._counter = e2e.AliveCounter()
        self._e2e = e2e.E2eChecker(clock)
        self._lock = threading.RLock()
        now = clock()
        self._last_step = now
        self._next_due = {m.name: now for m in self._status}
        self._last_sent: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- scenario --------------------------------------------------------------
    def _scenario_value(self, path: str, value: Any) -> Any:
        signal = self._vss.get(path)
        value = signal.parse_text(value) if isinstance(value, str) and signal.datatype != "string" else value
        value = signal.check_type(value)
        if not signal.in_range(value):
            raise ValueTypeError(f"{path} = {value} is outside {signal.minimum:g}..{signal.maximum:g}")
        return value

    def set(self, path: str, value: Any) -> None:
        """Set up the car (e.g. Vehicle.Speed = 80, or "80" as typed) before or during a run."""
        value = self._scenario_value(path, value)
        with self._lock:
            self.model.set(path, value)
            self._mark_changed({path, *([] if path != "Vehicle.Speed" else
                                        ["Vehicle.Powertrain.Transmission.SelectedGear"])})

    def add_timeline(self, events: list[ScenarioEvent]) -> None:
        """Schedule scenario events; values are checked now, not when they fire."""
        typed = [ScenarioEvent(e.at, {p: self._scenario_value(p, v) for p, v in e.changes.items()}) for e in events]
        with self._lock:
            self.timeline = sorted(self.timeline + typed, key=lambda e: e.at)

    def reset(self) -> None:
        """Power-cycle every ECU: default car, no faults, no timeline, counters and E2E state cleared."""
        with self._lock:
            self.model = CarModel(self._vss)
            for kind in FAULT_KINDS:
                getattr(self.faults, kind).clear()
            self.timeline.clear()
            self.ignored.clear()
            self.applied = 0
            self._counter = e2e.AliveCounter()
            self._e2e = e2e.E2eChecker(self._clock)
            now = self._clock()
            self._next_due = {m.name: now for m in self._status}

    def settled(self) -> bool:
        with self._lock:
            return self.model.settled

    def snapshot(self) -> dict[str, Any]:
        """The car's full VSS state."""
        with self._lock:
            return dict(sorted(self.model.state.items()))

    # -- bus input ---------------------------------------------------------------
    def handle(self, msg: can.Message) -> bool:
        """Apply one received frame if it is a valid command; count and drop it otherwise."""
        if msg.is_error_frame or msg.is_remote_frame:
            return self._ignore("not_a_data_frame")
        message = None if msg.is_extended_id else self._commands.get(msg.arbitration_id)
        if message is None:
            if not msg.is_extended_id and msg.arbitration_id in self._status_ids:
                if not self.ignored["foreign_status"]:
                    log.warning("another sender is on status ID 0x%03X: a second car or ECU on this bus",
                                msg.arbitration_id)
                return self._ignore("foreign_status")
            return self._ignore("unknown_id")
        try:
            return self._apply(message, msg)
        except Exception as exc:  # nothing a frame carries may stop the car
            log.warning("simulator ignored %s: %s: %s", message.name, type(exc).__name__, exc)
            return self._ignore("internal_error")

    def _apply(self, message: Message, msg: can.Message) -> bool:
        data = bytes(msg.data)
        check = self._e2e.check(message.frame_id, data, message.length)
        if not check.ok:
            return self._ignore(check.error)
        try:
            decoded = message.decode(data, decode_choices=True, scaling=True)
        except Exception:  # cantools decode errors
            return self._ignore("malformed")
        requests = []
        for signal in payload_signals(message):
            value = decoded[signal.name]
            if str(value) == NO_REQUEST:
                continue
            mapped = self._vss.by_command[(message.name, signal.name)]
            vss_value = mapped.from_dbc(value)
            if vss_value is None or (not hasattr(value, "name") and not signal.minimum <= value <= signal.maximum):
                return self._ignore("out_of_range")
            if not self._reportable(mapped, vss_value):
                return self._ignore("out_of_range")  # the status signal could not carry it
            requests.append((mapped, vss_value))
        ecus = {mapped.status.message.senders[0] for mapped, _ in requests}
        if any(self.faults.hits("silent", ecu) or self.faults.hits("ignore_commands", ecu) for ecu in ecus):
            return self._ignore("ecu_fault")
        with self._lock:
            for mapped, value in requests:
                self.model.request(mapped.path, value)
            self._mark_changed({mapped.path for mapped, _ in requests})
            self.applied += 1
        return True

    def _reportable(self, mapped, value: Any) -> bool:
        """Whether the status signal that reports `mapped` can carry `value` (in its DBC range)."""
        status = mapped.status.signal
        if isinstance(value, bool) or status.minimum is None or status.choices:
            return True
        try:
            raw = mapped.to_dbc(value)
        except Exception:  # cannot be expressed at all
            return False
        return isinstance(raw, str) or status.minimum <= raw <= status.maximum

    def _ignore(self, reason: str) -> bool:
        self.ignored[reason] += 1
        return False

    # -- time and bus output -------------------------------------------------------
    def poll(self) -> None:
        """Advance the physics to now and send every status frame that is due."""
        now = self._clock()
        with self._lock:
            dt = (now - self._last_step) * self.time_scale
            self._last_step = now
            while self.timeline and self.timeline[0].at <= self.model.sim_time + dt:
                for path, value in self.timeline.pop(0).changes.items():
                    self.set(path, value)
            self._mark_changed(self.model.step(dt))
            due = [m for m in self._status if self._next_due[m.name] <= now]
            for message in due:
                self._send_status(message, now)

    def _mark_changed(self, paths) -> None:
        """Status messages carrying changed values go out now (cyclic-and-on-change ECUs)."""
        now = self._clock()
        for path in paths:
            message = self._vss.get(path).status.message
            if message.send_type == "CyclicAndOnChange":
                earliest = self._last_sent.get(message.name, now - ON_CHANGE_MIN_GAP_S) + ON_CHANGE_MIN_GAP_S
                self._next_due[message.name] = min(self._next_due[message.name], max(now, earliest))

    def _send_status(self, message: Message, now: float) -> None:
        self._next_due[message.name] = now + (message.cycle_time or 100) / 1000.0
        ecu = message.senders[0]
        if self.faults.hits("silent", ecu):
            return
        try:
            values = {s.name: self._vss.by_status[(message.name, s.name)].to_dbc(
                self.model.state[self._vss.by_status[(message.name, s.name)].path]) for s in payload_signals(message)}
            data = message.encode({**values, COUNTER: 0, CHECKSUM: 0}, strict=True)
        except Exception as exc:  # cantools EncodeError & co: skip this frame, keep the car running
            self.ignored["status_encode_error"] += 1
            if message.name not in self._encode_failed:  # once per message, not per cycle
                self._encode_failed.add(message.name)
                log.warning("simulator could not encode %s (skipped while it lasts): %s", message.name, exc)
            return
        counter = self._counter.peek(message.frame_id) if self.faults.hits("stale_counter", ecu) \
            else self._counter.next(message.frame_id)
        data = bytearray(e2e.protect(message.frame_id, data, counter))
        if self.faults.hits("bad_checksum", ecu):
            data[e2e.CHECKSUM_BYTE] ^= 0xFF
        try:
            self._bus.send(can.Message(arbitration_id=message.frame_id, data=bytes(data), is_extended_id=False))
        except (can.CanError, OSError) as exc:
            log.warning("simulator could not send %s: %s", message.name, exc)
        self._last_sent[message.name] = now

    # -- running -----------------------------------------------------------------
    def run(self, stop: threading.Event | None = None) -> None:
        """Serve the bus until `stop` is set (or forever)."""
        stop = stop or self._stop
        while not stop.is_set():
            with self._lock:
                wait = max(0.0, min(min(self._next_due.values()) - self._clock(), 0.01))
            try:
                msg = self._bus.recv(timeout=wait)
                if msg is not None:
                    self.handle(msg)
                self.poll()
            except (can.CanError, OSError) as exc:  # a dying bus: say so and stop, don't spin
                log.error("simulator stopped: the bus failed: %s", exc)
                return
            except Exception as exc:  # a bug must not silently take the car off the bus
                self.ignored["internal_error"] += 1
                log.exception("simulator error (continuing): %s", exc)

    def start(self) -> "EcuSimulator":
        self.poll()  # the first status frames go out before start() returns
        self._thread = threading.Thread(target=self.run, name="ecu-simulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
