"""The one safety gate: every frame the head unit sends goes through `SafetyGate`.

`write()` turns VSS changes into command frames and waits for the ECUs'
status frames to confirm them (the closed loop). Whatever builds a frame,
`_vet()` re-checks the finished bytes before they leave: whitelisted ID and
length, no bit set outside the DBC's signals, strict decode, every requested
value in its DBC range, the safety rules on fresh state, a live target ECU.
Then the rate limit, then the alive counter and checksum are stamped, then it
is sent (with a timeout: a bus that cannot take it is a `bus_error`, never a hang).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import can
from cantools.database.can import Database, Message

from assistant.errors import BusError
from assistant.vehicle import e2e
from assistant.vehicle.dbc import COUNTER, CHECKSUM, NO_REQUEST, command_messages, payload_signals
from assistant.vehicle.manifest import TransmitManifest, load_manifest
from assistant.vehicle.ratelimit import RateLimiter
from assistant.vehicle.rules import RULES, Rule, check_rules
from assistant.vehicle.state import VehicleState
from assistant.vehicle.vss import VssMap, VssSignal

log = logging.getLogger(__name__)

CONFIRMED, MOVING, TIMED_OUT, DENIED = "confirmed", "moving", "timed_out", "denied"
SEND_TIMEOUT_S = 0.05  # python-can's default (None) blocks forever on some buses, with the gate locked


@dataclass(frozen=True)
class SentFrame:
    """A frame that actually left the gate."""

    arbitration_id: int
    data: bytes
    name: str

    def to_json(self) -> dict:
        return {"id": f"0x{self.arbitration_id:03X}", "data": self.data.hex().upper(), "name": self.name}


@dataclass
class WriteResult:
    """Outcome of one closed-loop write.

    status: confirmed (the ECU reports every new value), moving (accepted, parts
    travelling toward the target), timed_out (sent, but not confirmed in time),
    denied (nothing sent; `reason` is a code and `detail` a sentence).
    """

    status: str
    requested: dict[str, Any]
    frames: list[SentFrame] = field(default_factory=list)
    reason: str | None = None
    detail: str = ""
    pending: list[str] = field(default_factory=list)  # paths not confirmed (timed out)
    targets: dict[str, Any] = field(default_factory=dict)  # what the bus can carry of `requested`

    @property
    def ok(self) -> bool:
        return self.status in (CONFIRMED, MOVING)

    def to_json(self) -> dict:
        return {"status": self.status, "reason": self.reason, "detail": self.detail,
                "requested": self.requested, "frames": [f.to_json() for f in self.frames],
                "pending": self.pending}


@dataclass(frozen=True)
class Verdict:
    """The gate's decision on one finished frame."""

    allowed: bool
    reason: str | None = None
    detail: str = ""


class SafetyGate:
    """Owns the bus's transmit side. Nothing else in the runtime may call `bus.send`."""

    def __init__(self, bus: can.BusABC, db: Database, vss: VssMap, state: VehicleState, *,
                 rules: tuple[Rule, ...] = RULES, rate_limiter: RateLimiter | None = None,
                 write_timeout_s: float = 2.0, clock: Callable[[], float] = time.monotonic,
                 alive_counter: e2e.AliveCounter | None = None, manifest: "TransmitManifest | None" = None) -> None:
        (manifest or load_manifest()).verify(db)  # DataError when the DBC's transmit side is not the pinned one
        self._bus = bus
        self._vss = vss
        self._state = state
        self._rules = rules
        self._clock = clock
        self._limiter = rate_limiter or RateLimiter(clock=clock)
        self._counter = alive_counter or e2e.AliveCounter()
        self._commands = {m.frame_id: m for m in command_messages(db)}
        self.whitelist = frozenset((m.frame_id, m.length) for m in self._commands.values())
        self._defined = {i: _defined_bits(m) for i, m in self._commands.items()}
        self.write_timeout_s = write_timeout_s
        self._lock = threading.Lock()
        self.listeners: list[Callable[[SentFrame], None]] = []

    def counters(self) -> dict[int, int]:
        """The next alive counter per command ID (what a restarted head unit must continue)."""
        with self._lock:
            return self._counter.state()

    # -- high level: VSS writes with confirmation -------------------------------
    def write(self, changes: Mapping[str, Any], *, timeout_s: float | None = None) -> WriteResult:
        """Request `changes` (VSS path -> value) and wait for the car to confirm them.

        Unknown or read-only paths and wrongly typed values raise VehicleError
        subclasses; everything else that stops a write is a `denied` result.
        """
        with self._lock:
            prepared = self._prepare(changes)
            if isinstance(prepared, WriteResult):
                return prepared
            requested, signals, frames = prepared
            if not self._limiter.take([m.frame_id for m, _ in frames]):
                return WriteResult(DENIED, requested, reason="rate_limited",
                                   detail="too many commands in a short time; try again in a moment")
            sent_at = self._state.now()
            before = {path: self._state.read(path).value for path in requested}
            sent: list[SentFrame] = []
            for message, data in frames:
                try:
                    sent.append(self._transmit(message, data))
                except BusError as exc:
                    return WriteResult(DENIED, requested, sent, reason="bus_error", detail=str(exc))
        return self._confirm(requested, signals, before, sent_at, sent, timeout_s)

    def preflight(self, changes: Mapping[str, Any]) -> WriteResult | None:
        """The denial `write(changes)` would give now (range, rules, ECU alive), else None. Sends nothing."""
        with self._lock:
            prepared = self._prepare(changes)
        return prepared if isinstance(prepared, WriteResult) else None

    def reset_rate_limit(self) -> None:
        """Forget the commands counted so far (a new car was put on the bus, e.g. between evaluation items)."""
        with self._lock:
            self._limiter = RateLimiter(clock=self._clock)

    def _prepare(self, changes: Mapping[str, Any]):
        """Typed values, their signals and vetted frames; or a denied WriteResult."""
        signals = {path: self._vss.writable(path) for path in changes}
        requested = {path: signals[path].check_type(value) for path, value in changes.items()}
        for path, value in requested.items():
            signal = signals[path]
            if not signal.in_range(value):
                return WriteResult(DENIED, requested, reason="out_of_range",
                                   detail=f"{path} must be between {signal.minimum:g} and {signal.maximum:g}"
                                          f"{' ' + signal.unit if signal.unit else ''}, not {_number(value)}")
        frames = self._encode(requested, signals)
        for message, data in frames:
            verdict = self._vet(message.frame_id, data)
            if not verdict.allowed:
                return WriteResult(DENIED, requested, reason=verdict.reason, detail=verdict.detail)
        return requested, signals, frames

    def _encode(self, requested: dict[str, Any], signals: dict[str, VssSignal]) -> list[tuple[Message, bytes]]:
        by_message: dict[int, dict[str, Any]] = {}
        for path, value in requested.items():
            ref = signals[path].command
            by_message.setdefault(ref.message.frame_id, {})[ref.signal.name] = signals[path].to_dbc(value)
        frames = []
        for frame_id, values in sorted(by_message.items()):
            message = self._commands[frame_id]
            payload = {s.name: values.get(s.name, NO_REQUEST) for s in payload_signals(message)}
            # strict=True: cantools refuses out-of-range values and unknown value names
            frames.append((message, message.encode({**payload, COUNTER: 0, CHECKSUM: 0}, strict=True)))
        return frames

    def _confirm(self, requested, signals, before, sent_at, sent, timeout_s) -> WriteResult:
        targets = {path: signals[path].quantize(value) for path, value in requested.items()}

        def progress() -> dict[str, str]:
            states = {}
            for path, target in targets.items():
                signal = signals[path]
                received = self._state.received_at(signal.status.message.name)
                value = self._state.read(path).value
                if received is None or received < sent_at:
                    states[path] = "waiting"  # only a status frame sent after our command counts
                elif _close(value, target, signal.resolution):
                    states[path] = CONFIRMED
                elif signal.motion and _moved_toward(before[path], value, target):
                    states[path] = MOVING
                else:
                    states[path] = "waiting"
            return states

        timeout = self.write_timeout_s if timeout_s is None else timeout_s
        self._state.wait_until(lambda: all(s != "waiting" for s in progress().values()), timeout)
        states = progress()
        pending = sorted(p for p, s in states.items() if s == "waiting")
        if pending:
            ecus = sorted({signals[p].status.message.senders[0] for p in pending})
            return WriteResult(TIMED_OUT, requested, sent, reason="not_confirmed", pending=pending,
                               detail=f"no confirmation from {', '.join(ecus)} within {timeout:g} s")
        status = MOVING if MOVING in states.values() else CONFIRMED
        return WriteResult(status, requested, sent, targets=targets)

    def finish_motion(self, result: WriteResult, *, stall_timeout_s: float | None = None) -> WriteResult:
        """Follow a `moving` write until every target is reached (confirmed) or movement stalls (timed_out)."""
        if result.status != MOVING:
            return result
        stall = self.write_timeout_s if stall_timeout_s is None else stall_timeout_s
        signals = {path: self._vss.get(path) for path in result.targets}

        def values() -> dict[str, Any]:
            return {path: self._state.read(path).value for path in result.targets}

        def reached() -> bool:
            return all(_close(values()[p], t, signals[p].resolution) for p, t in result.targets.items())

        while not reached():
            last = values()
            if not self._state.wait_until(lambda: reached() or values() != last, stall):
                pending = sorted(p for p, t in result.targets.items()
                                 if not _close(values()[p], t, signals[p].resolution))
                return WriteResult(TIMED_OUT, result.requested, result.frames, reason="stalled",
                                   detail=f"{', '.join(pending)} stopped short of the target", pending=pending,
                                   targets=result.targets)
        return WriteResult(CONFIRMED, result.requested, result.frames, targets=result.targets)

    # -- low level: one finished frame ------------------------------------------
    def send_frame(self, arbitration_id: int, data: bytes, *, is_extended_id: bool = False) -> Verdict:
        """Vet, rate-limit, protect and send one raw command payload (COUNTER/CHECKSUM are overwritten)."""
        if isinstance(arbitration_id, bool) or not isinstance(arbitration_id, int):
            return Verdict(False, "not_whitelisted", f"{arbitration_id!r} is not a CAN ID")
        if not isinstance(data, (bytes, bytearray, memoryview, list, tuple)):  # bytes(8) would be 8 zeros
            return Verdict(False, "malformed", f"a payload must be bytes, not {type(data).__name__}")
        try:
            data = bytes(data)
        except (TypeError, ValueError) as exc:
            return Verdict(False, "malformed", f"the payload is not bytes: {exc}")
        with self._lock:
            verdict = self._vet(arbitration_id, data, is_extended_id=is_extended_id)
            if not verdict.allowed:
                return verdict
            if not self._limiter.take([arbitration_id]):
                return Verdict(False, "rate_limited", "command rate limit reached")
            try:
                self._transmit(self._commands[arbitration_id], data)
            except BusError as exc:
                return Verdict(False, "bus_error", str(exc))
        return Verdict(True)

    def _vet(self, arbitration_id: int, data: bytes, *, is_extended_id: bool = False) -> Verdict:
        if is_extended_id or (arbitration_id, len(data)) not in self.whitelist:
            return Verdict(False, "not_whitelisted",
                           f"frame 0x{arbitration_id:X} with {len(data)} bytes is not on the transmit whitelist")
        message = self._commands[arbitration_id]
        if any(byte & ~bits & 0xFF for byte, bits in zip(data, self._defined[arbitration_id])):
            return Verdict(False, "malformed", f"{message.name} sets bits that no signal of the DBC defines")
        try:
            decoded = message.decode(data, decode_choices=True, scaling=True)
        except Exception as exc:  # cantools decode errors
            return Verdict(False, "malformed", f"{message.name} does not decode: {exc}")
        requests: list[tuple[VssSignal, Any]] = []
        for signal in payload_signals(message):
            value = decoded[signal.name]
            if str(value) == NO_REQUEST:
                continue
            mapped = self._vss.by_command.get((message.name, signal.name))
            vss_value = mapped.from_dbc(value) if mapped else None
            if vss_value is None or (not hasattr(value, "name") and not signal.minimum <= value <= signal.maximum):
                return Verdict(False, "out_of_range", f"{message.name}.{signal.name} = {value} is outside its range")
            requests.append((mapped, vss_value))
        if not requests:
            return Verdict(False, "no_request", f"{message.name} requests nothing")
        for mapped, value in requests:
            rule = check_rules(mapped.path, value, self._state, self._rules)
            if not rule.allowed:
                return Verdict(False, rule.reason, rule.detail)
        for mapped, _ in requests:
            status = mapped.status.message
            if not self._state.is_fresh(status.name):
                return Verdict(False, "ecu_not_responding",
                               f"{status.senders[0]} is not responding (no fresh {status.name})")
        return Verdict(True)

    def _transmit(self, message: Message, data: bytes) -> SentFrame:
        protected = e2e.protect(message.frame_id, data, self._counter.next(message.frame_id))
        try:
            self._bus.send(can.Message(arbitration_id=message.frame_id, data=protected, is_extended_id=False),
                           timeout=SEND_TIMEOUT_S)
        except (can.CanError, OSError) as exc:
            raise BusError(f"sending {message.name} failed: {exc}") from exc
        frame = SentFrame(message.frame_id, protected, message.name)
        log.info("sent %s %s", message.name, protected.hex())
        for listener in self.listeners:
            listener(frame)
        return frame


def _defined_bits(message: Message) -> bytes:
    """A mask of the bits some signal of `message` covers (COUNTER and CHECKSUM included)."""
    ones = {s.name: -1 if s.is_signed else (1 << s.length) - 1 for s in message.signals}
    return message.encode(ones, scaling=False, strict=False)


def _number(value: Any) -> str:
    """A requested number for a message; `:g` would overflow on ints beyond float range."""
    if isinstance(value, float):
        return f"{value:g}"
    text = str(value)
    return text if len(text) <= 20 else f"{text[:8]}...({len(text)} digits)"


def _close(value: Any, target: Any, resolution: float) -> bool:
    if isinstance(target, bool) or not isinstance(target, (int, float)) or not isinstance(value, (int, float)):
        return value == target
    return abs(value - target) <= resolution / 2 + 1e-9


def _moved_toward(before: Any, now: Any, target: Any) -> bool:
    if before is None or now is None:
        return False
    return abs(target - now) < abs(target - before)
