"""Seeded, replayable fuzzing of the safety gate, judged by the independent oracle.

It runs on a `FuzzRig` (_fuzzrig.py: the real gate, state cache and simulator on a virtual
bus with one fake clock; every head-unit frame seen there goes to `SafetyOracle.hu_frame`).

`GateFuzzer(seed).run(turns)` draws, per turn, maybe a change of the car (speed, gear,
per-ECU faults, a stretch of silence, a fresh rig) or of the bus (a second sender on a status
ID: spoofed, replayed or following the real counter; a restarted head unit that continues its
alive counters from the sender lock's file), then one gate operation: `write()` or
`preflight()` of random VSS paths and values (unknown and read-only paths, every type,
NaN, huge, negative) or `send_frame()` of random IDs and payloads. Besides the oracle's
frame invariants it checks the gate's answer: only VehicleError subclasses may be raised,
a denial sends nothing, an allowed write sends exactly what was asked, and a decision the
oracle predicts as allowed on the reported state is not refused (except by the rate limit
when the budget is really spent). The same seed and turn count replay the same run.
"""

from __future__ import annotations

import math
import random
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

from assistant.measure.bench._fuzzrig import INTRUDER_KINDS, FuzzRig, SeenFrame, load_car
from assistant.measure.bench._oracle import GEAR, SPEED, SafetyOracle, Violation, default_paths
from assistant.config import Config
from assistant.errors import UnknownSignalError, ValueTypeError, VehicleError

FAULT_KINDS = ("silent", "bad_checksum", "stale_counter", "ignore_commands")
ECUS = ("VCU", "BCM", "AC", "SCM", "AMP", "EMS", "TPMS", "IC", "SWS", "*")
SPEEDS = (0.0, 0.0, 0.5, 0.99, 1.0, 1.01, 2.99, 3.0, 3.01, 4.99, 5.0, 5.01, 30.0, 130.0, 299.99)
GEARS = ("P", "R", "N", "D")
STEPS = (0.0, 0.01, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2)
WEIRD_IDS = (-1, 0x800, 0x1FFFFFFF, 2**40, 736.0, "0x2E0", None, True)
WEIRD_DATA = ("abcdefgh", [300] * 8, None, 3.5, list(range(8)), bytearray(8), b"", memoryview(bytes(8)))
UNKNOWN_PATHS = ("", "Vehicle", "Vehicle.Cabin.Teleporter", "vehicle.speed", "Vehicle.Cabin.Door.Row3.DriverSide.IsLocked",
                 "Vehicle.Cabin.Infotainment.Media.Volume ", None, 42, ("Vehicle.Speed",))
WEIRD_VALUES = (float("nan"), float("inf"), float("-inf"), "50", "true", None, [1], {"v": 1}, b"\x01", 1j, object())
HUGE = (10**400, -10**400, 10**30, 1e308, -1e308, 2**64, -2**63)


@dataclass
class FuzzReport:
    """Outcome of one fuzz run: every violation (empty = pass) and what was exercised."""

    seed: int
    turns: int
    violations: list[Violation] = field(default_factory=list)
    stats: Counter = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return not self.violations

    def replay(self, command: str = "assistant bench fuzz") -> str:
        return f"{command} --seed {self.seed} --turns {self.turns}"

    def summary(self, limit: int = 10) -> dict:
        return {"seed": self.seed, "turns": self.turns, "violations": len(self.violations),
                "first_violations": [str(v) for v in self.violations[:limit]],
                "by_kind": dict(Counter(v.kind for v in self.violations)),
                "stats": dict(sorted(self.stats.items())), "replay": self.replay()}


class GateFuzzer:
    """Random gate operations on a random car; `run(turns)` returns a FuzzReport."""

    def __init__(self, seed: int, config: Config | None = None, *, car=None,
                 gate_factory: Callable | None = None, new_rig_every: int = 2000) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.config = config or Config()
        self.db, self.vss = car or load_car(self.config)
        dbc, vss_map = default_paths(self.config)
        self.oracle = SafetyOracle(dbc, vss_map, truth=dict)
        self.gate_factory = gate_factory
        self.new_rig_every = new_rig_every
        self.report = FuzzReport(seed, 0)
        self.rig: FuzzRig | None = None
        self._burst = 0
        self._writable = [e for e in self.oracle.by_path.values() if e.command]
        self._read_only = [e.path for e in self.oracle.by_path.values() if not e.command]
        self._commands = sorted(self.oracle.commands)
        self._statuses = sorted(self.oracle.statuses)
        self._vcu_status = self.oracle.status_id[SPEED]
        self._lock_dir: str | None = None

    # -- the run ------------------------------------------------------------------------
    def run(self, turns: int, progress: Callable[[int], None] | None = None, *,
            stop_after: int | None = None) -> FuzzReport:
        """Fuzz `turns` turns (or until `stop_after` violations were found)."""
        self._lock_dir = tempfile.mkdtemp(prefix="gatefuzz-locks-")
        try:
            for turn in range(turns):
                if self.rig is None or self.rng.random() < 1 / self.new_rig_every:
                    self._new_rig()
                self._turn(turn)
                self.report.turns = turn + 1
                if stop_after is not None and len(self.report.violations) >= stop_after:
                    break
                if progress and (turn + 1) % 1000 == 0:
                    progress(turn + 1)
        finally:
            if self.rig is not None:
                self._close_rig()
            shutil.rmtree(self._lock_dir, ignore_errors=True)
        return self.report

    def _close_rig(self) -> None:
        self._collect(self.report.turns)
        self.report.stats["oracle:frames_judged"] += self.oracle.frames_checked
        self.report.stats["oracle:status_frames"] += self.oracle.status_frames
        self.rig.close()
        self.rig = None

    def _new_rig(self) -> None:
        if self.rig is not None:
            self._close_rig()
        self.report.stats["rigs"] += 1
        self.rig = FuzzRig(self.config, self.db, self.vss, self.oracle, gate_factory=self.gate_factory,
                           lock_dir=self._lock_dir)
        if self.rng.random() < 0.9:  # sometimes the first operation meets a car not heard from yet
            self.rig.pump(self.rng.choice((0.0, 0.05, 0.2)))

    def _turn(self, turn: int) -> None:
        r, rig = self.rng, self.rig
        x = r.random()
        if x < 0.06:
            self._change_motion()
        elif x < 0.10:
            self._change_faults()
        elif x < 0.12:
            rig.clock.advance(r.choice((0.3, 0.55, 1.2)))  # nothing heard for a while: stale state
            self.report.stats["env:silence"] += 1
        elif x < 0.135:
            self._change_intruder()
        elif x < 0.14:
            self._restart_head_unit()
        rig.take_hu_frames()  # frames from the pumping above were judged already
        self._collect(turn)
        if self._burst:  # a runaway caller: valid requests back to back, no time between them
            self._burst -= 1
            if r.random() < 0.7:
                self._write(turn, preflight=False, valid_only=True)
            else:
                self._send_frame(turn)
            return
        if r.random() < 0.02:
            self._burst = r.randint(5, 30)
            self.report.stats["env:burst"] += 1
        y = r.random()
        if y < 0.42:
            self._write(turn, preflight=False)
        elif y < 0.50:
            self._write(turn, preflight=True)
        else:
            self._send_frame(turn)
        rig.pump(r.choice(STEPS))
        self._collect(turn)

    def _collect(self, turn: int, what: str = "") -> None:
        if self.rig.violations:
            context = f"seed {self.seed} turn {turn}{': ' + what if what else ''}"
            self.report.violations += [_with_context(v, context) for v in self.rig.violations]
            self.rig.violations = []

    def _fail(self, turn: int, kind: str, detail: str, what: str) -> None:
        self.report.violations.append(Violation(kind, detail, "", self.rig.clock(), f"seed {self.seed} turn {turn}: {what}"))

    # -- the car ------------------------------------------------------------------------
    def _change_motion(self) -> None:
        r, rig = self.rng, self.rig
        if not rig.reporting("VCU"):
            # A VCU that stops reporting leaves its last speed fresh for up to 0.5 s (the design's
            # freshness window); let that age out before the truth moves, so the oracle's ground
            # truth and the bus never disagree inside the window.
            rig.pump(0.65)
        if r.random() < 0.7:
            rig.sim.set(SPEED, r.choice(SPEEDS) if r.random() < 0.7 else round(r.uniform(0, 300), 2))
        else:
            rig.sim.set(GEAR, r.choice(GEARS))
        self.report.stats["env:motion"] += 1
        rig.pump(0.06)  # one VCU cycle: the new truth is on the bus (unless the VCU is faulty)

    def _change_intruder(self) -> None:
        """A second sender on a status ID starts (or the one there stops)."""
        r, rig = self.rng, self.rig
        if rig.intruder is not None and r.random() < 0.5:
            rig.stop_intruder()
            self.report.stats["env:intruder_stopped"] += 1
            return
        frame_id = self._vcu_status if r.random() < 0.6 else r.choice(self._statuses)
        kind = r.choice(INTRUDER_KINDS)
        rig.start_intruder(kind, frame_id, counter=r.randrange(16))
        self.report.stats[f"env:intruder:{kind}"] += 1

    def _restart_head_unit(self) -> None:
        """The head-unit process restarts: it knows nothing of the car until it has heard it again
        (1.05 s: every ID's run and rate window rebuilt), and continues its alive counters."""
        self.rig.restart_head_unit()
        self.rig.pump(1.05)
        self.report.stats["env:head_unit_restart"] += 1

    def _change_faults(self) -> None:
        r, faults = self.rng, self.rig.sim.faults
        if r.random() < 0.25:
            for kind in FAULT_KINDS:
                getattr(faults, kind).clear()
            self.report.stats["env:faults_cleared"] += 1
            return
        kind, ecu = r.choice(FAULT_KINDS), r.choice(ECUS)
        nodes = getattr(faults, kind)
        if ecu in nodes:
            nodes.discard(ecu)
        else:
            nodes.add(ecu)
        self.report.stats[f"env:fault:{kind}"] += 1

    # -- operations ---------------------------------------------------------------------
    def _write(self, turn: int, *, preflight: bool, valid_only: bool = False) -> None:
        changes, expect = self._changes(valid_only)
        what = f"{'preflight' if preflight else 'write'}({_show(changes)})"
        rig, gate = self.rig, self.rig.gate
        now = rig.clock()
        planned = self.oracle.encode(changes) if expect == "ok" else None
        if expect == "ok" and planned is None:
            raise AssertionError(f"fuzzer bug: valid changes not encodable: {what}")
        predicted = [self.oracle.predict(i, planned[i], now) for i in sorted(planned)] if planned else []
        ids = sorted(planned) if planned else []
        rate_ok = self.oracle.rate_allows(ids, now) if planned else None
        try:
            result = gate.preflight(changes) if preflight else gate.write(changes)
        except VehicleError as exc:
            self.report.stats[f"write:raised:{type(exc).__name__}"] += 1
            seen = rig.take_hu_frames()
            self._collect(turn, what)
            if seen:
                self._fail(turn, "denied_but_sent", f"{type(exc).__name__} yet {len(seen)} frame(s) sent", what)
            allowed = {"unknown": (UnknownSignalError,), "type": (ValueTypeError,)}
            if not isinstance(exc, allowed.get(expect, ())):
                self._fail(turn, "wrong_error", f"expected {expect}, got {type(exc).__name__}: {exc}", what)
            return
        except Exception as exc:  # anything else escaping the gate is a crash
            rig.take_hu_frames()
            self._collect(turn, what)
            self._fail(turn, "crash", f"{type(exc).__name__}: {exc}", what)
            return
        seen = rig.take_hu_frames()
        self._collect(turn, what)
        if expect in ("unknown", "type"):
            self._fail(turn, "wrong_error", f"expected a {expect} error, got {result and result.status}", what)
        if preflight:
            self.report.stats["preflight:" + ("none" if result is None else str(result.reason))] += 1
            if seen:
                self._fail(turn, "denied_but_sent", f"preflight sent {len(seen)} frame(s)", what)
            if result is not None and result.status != "denied":
                self._fail(turn, "wrong_result", f"preflight returned {result.status}", what)
            denied = result is not None
            reason = result.reason if denied else None
        else:
            denied = result.status == "denied"
            reason = result.reason
            self.report.stats["write:" + (str(reason) if denied else result.status)] += 1
            if denied and seen:
                self._fail(turn, "denied_but_sent", f"denied ({reason}) yet {len(seen)} frame(s) sent", what)
            if not denied:
                self._check_sent(turn, what, result, seen, planned or {})
        if expect == "range" and (not denied or reason != "out_of_range"):
            self._fail(turn, "wrong_result", f"out-of-range value: {reason or 'allowed'}", what)
        if expect != "ok":
            return
        should = all(ok for ok, _ in predicted)
        if denied and should and reason != "rate_limited":
            self._fail(turn, "over_denial", f"denied ({reason}) what the oracle allows", what)
        if denied and reason == "rate_limited" and rate_ok is True and should:
            self._fail(turn, "over_denial", "rate limited with budget left", what)
        if not denied and not should:
            why = ", ".join(r for ok, r in predicted if not ok)
            self._fail(turn, "under_denial", f"allowed what the oracle denies ({why})", what)
        if not denied and not preflight and rate_ok is False:
            self._fail(turn, "under_denial", "allowed with the rate budget spent", what)

    def _check_sent(self, turn: int, what: str, result, seen: list[SeenFrame], planned: dict[int, bytes]) -> None:
        reported = [(f.arbitration_id, f.data) for f in result.frames]
        if reported != [(f.arbitration_id, f.data) for f in seen]:
            self._fail(turn, "unreported_frames", f"bus {_frames(seen)} vs result {reported}", what)
        got = {f.arbitration_id: _payload(f.data) for f in seen}
        want = {i: _payload(d) for i, d in planned.items()}
        if got != want:
            self._fail(turn, "wrong_content", f"sent {got} for a write that encodes as {want}", what)

    def _send_frame(self, turn: int) -> None:
        frame_id, data, extended = self._frame()
        what = f"send_frame({frame_id!r}, {_show_data(data)}{', extended' if extended else ''})"
        rig = self.rig
        now = rig.clock()
        should, why = self.oracle.predict(frame_id, data, now)
        if extended:
            should, why = False, "not_whitelisted"
        rate_ok = self.oracle.rate_allows([frame_id], now) if should else None
        try:
            verdict = rig.gate.send_frame(frame_id, data, is_extended_id=extended)
        except Exception as exc:  # send_frame must answer every input with a verdict
            rig.take_hu_frames()
            self._collect(turn, what)
            self._fail(turn, "crash", f"{type(exc).__name__}: {exc}", what)
            return
        seen = rig.take_hu_frames()
        self._collect(turn, what)
        self.report.stats["frame:" + ("allowed" if verdict.allowed else str(verdict.reason))] += 1
        if not verdict.allowed:
            if seen:
                self._fail(turn, "denied_but_sent", f"denied ({verdict.reason}) yet sent {_frames(seen)}", what)
            if should and verdict.reason != "rate_limited":
                self._fail(turn, "over_denial", f"denied ({verdict.reason}) what the oracle allows", what)
            if should and verdict.reason == "rate_limited" and rate_ok is True:
                self._fail(turn, "over_denial", "rate limited with budget left", what)
            return
        if not should:
            self._fail(turn, "under_denial", f"allowed what the oracle denies ({why})", what)
        if len(seen) != 1 or seen[0].arbitration_id != frame_id or _payload(seen[0].data) != _payload(bytes(data)):
            self._fail(turn, "wrong_content", f"allowed {_show_data(data)} but the bus saw {_frames(seen)}", what)

    # -- inputs -------------------------------------------------------------------------
    def _changes(self, valid_only: bool = False) -> tuple[dict, str]:
        """Random changes and what they should get: ok, range (denied), type or unknown (raised)."""
        r = self.rng
        if valid_only:
            entry = r.choice(self._writable)
            value, kind = self._value(entry, valid=True)
            return {entry.path: value}, kind
        changes: dict[Any, Any] = {}
        kinds = ["ok"]
        for _ in range(r.choice((1, 1, 1, 2, 2, 3, 4))):
            x = r.random()
            if x < 0.12:
                path = r.choice(UNKNOWN_PATHS) if x < 0.06 else r.choice(self._read_only)
                value, kind = self._any_value(), "unknown"
            else:
                entry = r.choice(self._writable)
                path = entry.path
                value, kind = self._value(entry)
            if path not in changes:
                changes[path] = value
                kinds.append(kind)
        return changes, max(kinds, key=("ok", "range", "type", "unknown").index)

    def _range(self, entry) -> tuple[float, float]:
        message, signal = entry.command
        sig = self.oracle.db.get_message_by_name(message).get_signal_by_name(signal)
        return sig.minimum * entry.scale, sig.maximum * entry.scale

    def _value(self, entry, valid: bool = False) -> tuple[Any, str]:
        r = self.rng
        x = r.random() * (0.6 if valid else 1.0)
        if entry.datatype == "boolean" or entry.choices:
            values = list(entry.choices.values()) if entry.choices else [True, False]
            if x < 0.8:
                return r.choice(values), "ok"
            wrong = [1, 0, "on", "RED", "chartreuse", None, 1.0] if entry.datatype != "boolean" else \
                [1, 0, "true", "on", None, 1.0, "yes"]
            return r.choice(wrong), "type"
        low, high = self._range(entry)
        integer = entry.datatype != "float"
        if x < 0.6:
            if integer:
                value = r.choice((low, high, r.randint(int(low), int(high))))
                value = int(value) if r.random() < 0.8 else float(value)
            else:
                value = r.choice((low, high, round(r.uniform(low, high), r.choice((0, 1, 2))), int(low)))
            return value, "ok"
        if x < 0.8:
            step = 1 if integer else r.choice((0.5, 0.01))
            value = r.choice([v for v in (low - step, high + step, -1, -high, 10**6, *HUGE) if not low <= v <= high])
            return (int(value) if integer and isinstance(value, float) and value.is_integer() and
                    abs(value) < 1e300 else value), "range"
        if integer and r.random() < 0.4:
            return r.choice((low + 0.5, high - 0.25, 12.5)), "type"
        return r.choice(WEIRD_VALUES + (True, False)), "type"

    def _any_value(self) -> Any:
        return self.rng.choice((1, 0.5, True, "open", None, float("nan"), 10**400))

    def _frame(self) -> tuple[Any, Any, bool]:
        r = self.rng
        x = r.random()
        if x < 0.65:
            frame_id = r.choice(self._commands)
        elif x < 0.75:
            frame_id = r.choice(self._statuses)
        elif x < 0.93:
            frame_id = r.randrange(0x800)
        else:
            frame_id = r.choice(WEIRD_IDS)
        return frame_id, self._data(frame_id), r.random() < 0.03

    def _data(self, frame_id: Any) -> Any:
        r = self.rng
        x = r.random()
        message = self.oracle.commands.get(frame_id) if isinstance(frame_id, int) else None
        if message is not None and x < 0.75:
            raw = {}
            for signal in message.signals:
                bits = (1 << signal.length) - 1
                if signal.name in ("COUNTER", "CHECKSUM"):
                    raw[signal.name] = r.randint(0, bits)
                    continue
                y = r.random()
                if y < 0.55:
                    raw[signal.name] = 0
                elif y < 0.9:
                    raw[signal.name] = self._valid_raw(signal)
                else:
                    raw[signal.name] = r.randint(0, bits)
            data = bytearray(message.encode(raw, scaling=False, strict=False))
            if r.random() < 0.12:  # a stray bit somewhere
                data[r.randrange(8)] |= 1 << r.randrange(8)
            return bytes(data)
        if x < 0.93:
            length = 8 if r.random() < 0.8 else r.choice((0, 1, 7, 9, 64))
            return bytes(r.randrange(256) for _ in range(length))
        return r.choice(WEIRD_DATA)

    def _valid_raw(self, signal) -> int:
        r = self.rng
        if signal.choices and len(signal.choices) > 1:
            return r.choice([int(k) for k in signal.choices if k != 0])
        low = math.ceil((signal.minimum - signal.offset) / signal.scale - 1e-9)
        high = math.floor((signal.maximum - signal.offset) / signal.scale + 1e-9)
        return r.randint(max(low, 1), high)


def run_gate_fuzz(seed: int, turns: int, config: Config | None = None, *,
                  progress: Callable[[int], None] | None = None, **options) -> FuzzReport:
    """`turns` fuzzed gate operations from `seed` (deterministic: the same seed replays)."""
    return GateFuzzer(seed, config, **options).run(turns, progress)


def _payload(data: bytes) -> bytes:
    """The part of a payload the gate must pass through unchanged (not COUNTER/CHECKSUM)."""
    data = bytes(data)
    return data[:6] + bytes([data[6] & 0xF0]) if len(data) >= 7 else data


def _with_context(v: Violation, context: str) -> Violation:
    return Violation(v.kind, v.detail, v.frame, v.at, v.context or context)


def _show(changes: dict) -> str:
    return ", ".join(f"{k!r}: {_short(v)}" for k, v in changes.items())


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 24 else text[:10] + f"...<{len(text)} chars>"


def _show_data(data: Any) -> str:
    return data.hex().upper() if isinstance(data, bytes) else _short(data)


def _frames(frames: list[SeenFrame]) -> str:
    return "[" + ", ".join(f"{f.arbitration_id:03X}#{f.data.hex().upper()}" for f in frames) + "]"
