"""An independent safety oracle: judges every frame seen on the bus against the spec.

It shares no code with the gate. It loads its own copy of the DBC with cantools and reads
the VSS mapping YAML itself, computes CRC-8 SAE J1850 bit by bit, restates the CATALOGUE.md
rules, tracks which ECU status is fresh from the status frames it sees itself, and checks
the rules against the simulator's ground truth (not the head unit's picture of the car).

For each frame the head unit put on the bus (`hu_frame`), a violation is any of:
not_whitelisted (ID, length, extended/remote/error), checksum, counter (repeated or skipped),
undefined_bits (set outside every DBC signal), out_of_range, no_request, rule (the catalogue
rule fails on the car's true state), rule_on_stale_state (the rule's inputs were not fresh),
stale_target (the ECU that reports the commanded value was not fresh), rate (the token
bucket budget of ratelimit.py's documented defaults was exceeded).

Status trust is restated from the spec (README "Trust is earned"), not imported: per status
ID, a frame with a bad length or CRC breaks the run; otherwise its counter must be the last
good frame's plus one, within the ID's freshness window, to extend the run (else a new run of
1 starts); more frames in 1 s than one sender sends (1.5 x the cycle rate + 3 for cyclic IDs,
103 for on-change ones), a cyclic frame sooner than a quarter cycle after the last, or an
undecodable payload breaks it. The ID is live while the run has
3 frames or more; only live frames count as reported state and freshness. A frame that
decodes to a value outside its signal's range or to no known state also breaks the run.

`predict()` answers what a correct gate should decide for a candidate frame on the state
the bus has reported, so callers can also catch a gate that refuses what it should allow.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import cantools
import yaml

HEAD_UNIT = "HU"
COUNTER_BYTE, CHECKSUM_BYTE, COUNTER_MODULO = 6, 7, 16
LIVE_RUN = 3  # frames in one correct counter sequence before a status source is trusted
RATE_WINDOW_S = 1.0
ON_CHANGE_FRAMES_PER_S = 100
MAX_WINDOW_S = 1.0  # PRODUCT.md: freshness is 10 x the status period, 1 s at most
SPEED, GEAR = "Vehicle.Speed", "Vehicle.Powertrain.Transmission.SelectedGear"
LOCKS = tuple(f"Vehicle.Cabin.Door.{row}.{side}.IsLocked"
              for row in ("Row1", "Row2") for side in ("DriverSide", "PassengerSide"))
MIRRORS = ("Vehicle.Body.Mirrors.DriverSide.IsFolded", "Vehicle.Body.Mirrors.PassengerSide.IsFolded")
TRUNK = "Vehicle.Body.Trunk.Rear.IsOpen"
ANY = object()


@dataclass(frozen=True)
class CatalogueRule:
    """CATALOGUE.md: writing `value` (ANY = any value) to `paths` needs speed below `below_kmh`
    (and the gear in park when `park`), on fresh state."""

    paths: tuple[str, ...]
    value: Any
    below_kmh: float
    park: bool = False


CATALOGUE_RULES = (
    CatalogueRule(LOCKS, False, 3.0),  # doors_unlock: only when Vehicle.Speed < 3
    CatalogueRule((TRUNK,), True, 1.0, park=True),  # trunk_open: Speed < 1 and gear is park
    CatalogueRule(MIRRORS, ANY, 5.0),  # mirrors_fold (fold or unfold): Speed < 5
)
RATE_PER_MESSAGE = (5.0, 5.0)  # (burst, frames per second), the documented gate budget
RATE_OVERALL = (20.0, 20.0)
RATE_EPS = 1e-6  # float slack: only a clear breach of the budget counts


@dataclass(frozen=True)
class Violation:
    """One broken invariant, with the frame (hex) and the time it was seen."""

    kind: str
    detail: str
    frame: str = ""
    at: float = 0.0
    context: str = ""  # set by the harness: seed, turn, operation

    def __str__(self) -> str:
        where = f" [{self.context}]" if self.context else ""
        return f"{self.kind}: {self.detail} (frame {self.frame} at {self.at:.3f}){where}"


@dataclass(frozen=True)
class Request:
    """One signal a command frame asks for, in VSS terms."""

    signal: str
    path: str
    value: Any
    status: int  # frame ID of the status message that reports it


@dataclass
class _Bucket:
    capacity: float
    rate: float
    tokens: float
    stamp: float | None = None

    def level(self, now: float) -> float:
        if self.stamp is None:
            return self.tokens
        return min(self.capacity, self.tokens + (now - self.stamp) * self.rate)

    def spend(self, now: float, n: int) -> None:
        self.tokens, self.stamp = self.level(now) - n, now


def crc8_j1850(data: bytes) -> int:
    """CRC-8 SAE J1850 (poly 0x1D, init 0xFF, xor-out 0xFF), bit by bit; b"123456789" -> 0x4B."""
    crc = 0xFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1D) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc ^ 0xFF


def expected_checksum(frame_id: int, data: bytes) -> int:
    return crc8_j1850(frame_id.to_bytes(2, "little") + bytes(data[:CHECKSUM_BYTE]))


@dataclass
class _VssEntry:
    path: str
    datatype: str
    status: tuple[str, str]
    command: tuple[str, str] | None
    scale: float
    choices: dict[str, Any]


class SafetyOracle:
    """Judges frames; `truth()` returns the car's true VSS state (the simulator's) at call time.

    `freshness_slack_s` widens every freshness window, for real-time harnesses where the
    frame timestamps and the gate's receive times differ by thread scheduling.
    """

    def __init__(self, dbc_path: Path | str, vss_map_path: Path | str, *,
                 truth: Callable[[], Mapping[str, Any]], freshness_slack_s: float = 0.0,
                 strict_counter: bool = True) -> None:
        self.db = cantools.database.load_file(str(dbc_path), database_format="dbc")
        self.truth = truth
        self.slack = freshness_slack_s
        self.strict_counter = strict_counter
        self.commands = {m.frame_id: m for m in self.db.messages if HEAD_UNIT in m.senders}
        self.statuses = {m.frame_id: m for m in self.db.messages if HEAD_UNIT not in m.senders}
        self.window = {i: min(10 * m.cycle_time / 1000.0, MAX_WINDOW_S) if m.cycle_time else MAX_WINDOW_S
                       for i, m in self.statuses.items()}
        self.min_gap = {i: m.cycle_time / 4000.0 if m.cycle_time and m.send_type in (None, "Cyclic") else 0.0
                        for i, m in self.statuses.items()}
        self.max_per_window = {
            i: (int(1.5 * RATE_WINDOW_S * 1000.0 / m.cycle_time) + 3
                if m.cycle_time and m.send_type in (None, "Cyclic") else int(ON_CHANGE_FRAMES_PER_S * RATE_WINDOW_S) + 3)
            for i, m in self.statuses.items()}
        self.defined = {i: _defined_bits(m) for i, m in self.commands.items()}
        entries = _read_vss_map(vss_map_path)
        self.by_command = {e.command: e for e in entries if e.command}
        self.by_status = {e.status: e for e in entries}
        self.by_path = {e.path: e for e in entries}
        self.status_id = {e.path: self.db.get_message_by_name(e.status[0]).frame_id for e in entries}
        park = self.by_path[GEAR].choices.get("P")
        self.park_value = park
        self.reset()

    def reset(self) -> None:
        self.last_valid: dict[int, float] = {}  # status frame ID -> when its last trustworthy frame came
        self.reported: dict[int, dict[str, Any]] = {}  # status frame ID -> its last trustworthy values
        self._seen_counter: dict[int, tuple[int, float]] = {}  # last good-CRC counter and when
        self._run: dict[int, int] = {}
        self._arrivals: dict[int, list[float]] = {}
        self.live: dict[int, bool] = {}
        self._hu_counter: dict[int, int] = {}
        self._buckets: dict[int, _Bucket] = {}
        self._overall = _Bucket(RATE_OVERALL[0], RATE_OVERALL[1], RATE_OVERALL[0])
        self.frames_checked = 0
        self.status_frames = 0

    # -- status frames: what the ECUs said, and whether it can be trusted -----------------
    def status_frame(self, frame_id: int, data: bytes, at: float) -> bool:
        """Record an ECU status frame seen at `at`; True when it is trustworthy (E2E and decode)."""
        message = self.statuses.get(frame_id)
        self.status_frames += 1
        if message is None:
            return False
        if len(data) != message.length or data[CHECKSUM_BYTE] != expected_checksum(frame_id, data):
            self._run[frame_id], self.live[frame_id] = 0, False
            return False
        counter = data[COUNTER_BYTE] & 0x0F
        previous = self._seen_counter.get(frame_id)
        self._seen_counter[frame_id] = (counter, at)
        follows = (previous is not None and at - previous[1] <= self.window[frame_id]
                   and counter == (previous[0] + 1) % COUNTER_MODULO)
        run = self._run.get(frame_id, 0) + 1 if follows else 1
        arrivals = [t for t in self._arrivals.get(frame_id, ()) if at - t < RATE_WINDOW_S] + [at]
        self._arrivals[frame_id] = arrivals
        too_soon = previous is not None and 0 <= at - previous[1] < self.min_gap[frame_id]
        if too_soon or len(arrivals) > self.max_per_window[frame_id]:
            run = 0  # two senders on one ID
        try:
            values = message.decode(data, decode_choices=True, scaling=True)
        except Exception:  # cantools: anything undecodable is untrustworthy
            run = 0
            values = None
        if values is not None and not self._plausible(frame_id, values):
            run = 0  # intact but impossible (out of range, not a named state): not this ECU's word
        self._run[frame_id] = run
        self.live[frame_id] = run >= LIVE_RUN
        if not self.live[frame_id]:
            return False
        self.last_valid[frame_id] = at
        self.reported[frame_id] = values
        return True

    def _plausible(self, frame_id: int, values: Mapping[str, Any]) -> bool:
        """Every mapped signal holds a state the mapping knows (a value name) or a number in range."""
        message = self.statuses[frame_id]
        for signal in message.signals:
            entry = self.by_status.get((message.name, signal.name))
            if entry is None:
                continue
            value = values[signal.name]
            if hasattr(value, "name") or isinstance(value, str):
                if str(value) not in entry.choices:
                    return False
            elif entry.choices:
                return False
            elif signal.minimum is not None and not signal.minimum <= value <= signal.maximum:
                return False
        return True

    def fresh(self, status_id: int, at: float) -> bool:
        seen = self.last_valid.get(status_id)
        return self.live.get(status_id, False) and seen is not None and at - seen <= self.window[status_id] + self.slack

    # -- command frames ---------------------------------------------------------------------
    def hu_frame(self, frame_id: Any, data: bytes, at: float, *, is_extended_id: bool = False,
                 is_remote_frame: bool = False, is_error_frame: bool = False) -> list[Violation]:
        """Every invariant for one frame the head unit sent at `at`."""
        self.frames_checked += 1
        data = bytes(data)
        hexed = f"{frame_id:03X}#{data.hex().upper()}" if isinstance(frame_id, int) else repr(frame_id)

        def bad(kind: str, detail: str) -> Violation:
            return Violation(kind, detail, hexed, at)

        message = self.commands.get(frame_id)
        if is_extended_id or is_remote_frame or is_error_frame or message is None or len(data) != message.length:
            return [bad("not_whitelisted", "not a (standard ID, length) pair the head unit may send")]
        found = []
        if data[CHECKSUM_BYTE] != expected_checksum(frame_id, data):
            found.append(bad("checksum", f"CHECKSUM 0x{data[CHECKSUM_BYTE]:02X}, "
                                         f"expected 0x{expected_checksum(frame_id, data):02X}"))
        counter, last = data[COUNTER_BYTE] & 0x0F, self._hu_counter.get(frame_id)
        if last is not None and counter == last:
            found.append(bad("counter", f"COUNTER {counter} repeated"))
        elif last is not None and self.strict_counter and counter != (last + 1) % COUNTER_MODULO:
            found.append(bad("counter", f"COUNTER {counter} after {last}"))
        self._hu_counter[frame_id] = counter
        found += [bad(kind, detail) for kind, detail in self._content(frame_id, data, at, self._true_state())]
        if not self._take_tokens([frame_id], at):
            found.append(bad("rate", "more command frames than the rate budget allows"))
        return found

    def predict(self, frame_id: Any, data: bytes, at: float) -> tuple[bool, str]:
        """What a correct gate decides for this payload now, on the state the bus reported.

        Ignores COUNTER/CHECKSUM (the gate stamps them) and the rate limit (see `rate_allows`).
        """
        if not isinstance(frame_id, int) or isinstance(frame_id, bool):
            return False, "not_whitelisted"
        try:
            data = bytes(data)
        except (TypeError, ValueError):
            return False, "malformed"
        message = self.commands.get(frame_id)
        if message is None or len(data) != message.length:
            return False, "not_whitelisted"
        problems = self._content(frame_id, data, at, self._reported_state(at), stamped=False)
        return (False, problems[0][0]) if problems else (True, "")

    def rate_allows(self, frame_ids: list[int], at: float) -> bool | None:
        """True/False when the budget clearly has/lacks the tokens, None on a float boundary."""
        levels = [self._bucket(i).level(at) for i in frame_ids] + [self._overall.level(at)]
        needs = [frame_ids.count(i) for i in frame_ids] + [len(frame_ids)]
        if all(level >= need + RATE_EPS for level, need in zip(levels, needs)):
            return True
        if any(level < need - RATE_EPS for level, need in zip(levels, needs)):
            return False
        return None

    def requests(self, frame_id: int, data: bytes) -> list[Request]:
        """What a whitelisted, in-range payload asks for, in VSS terms."""
        message = self.commands[frame_id]
        raw = message.decode(bytes(data), decode_choices=False, scaling=False)
        found = []
        for signal in message.signals:
            if signal.name in ("COUNTER", "CHECKSUM") or raw[signal.name] == 0:
                continue
            entry = self.by_command[(message.name, signal.name)]
            value = raw[signal.name]
            if entry.choices:
                value = entry.choices[str(signal.choices[value])]
            else:
                value = (value * signal.scale + signal.offset) * entry.scale
            found.append(Request(signal.name, entry.path, value, self.status_id[entry.path]))
        return found

    def encode(self, changes: Mapping[str, Any]) -> dict[int, bytes] | None:
        """The payloads (COUNTER/CHECKSUM zero) a write of `changes` should produce; None if one
        is not writable or cannot be expressed in the DBC (wrong type, out of range)."""
        by_message: dict[str, dict[str, Any]] = {}
        for path, value in changes.items():
            entry = self.by_path.get(path) if isinstance(path, str) else None
            if entry is None or entry.command is None:
                return None
            message, signal = entry.command
            if entry.choices:
                names = [n for n, v in entry.choices.items() if v == value and type(v) is type(value)]
                if not names:
                    return None
                dbc_value = names[0]
            elif isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
                return None
            else:
                sig = self.db.get_message_by_name(message).get_signal_by_name(signal)
                if not sig.minimum * entry.scale <= value <= sig.maximum * entry.scale:
                    return None  # compared in VSS units: a huge int never becomes a float here
                dbc_value = value / entry.scale
            by_message.setdefault(message, {})[signal] = dbc_value
        frames = {}
        for name, values in by_message.items():
            message = self.db.get_message_by_name(name)
            # raw 0 is "no request" in every command signal (the DBC's convention)
            payload = {s.name: values.get(s.name, 0 if s.name in ("COUNTER", "CHECKSUM") else "NoRequest")
                       for s in message.signals}
            try:
                frames[message.frame_id] = message.encode(payload, scaling=True, strict=True)
            except Exception:  # cantools refuses it: not expressible
                return None
        return frames

    # -- internals ------------------------------------------------------------------------
    def _content(self, frame_id: int, data: bytes, at: float, state: Mapping[str, Any],
                 stamped: bool = True) -> list[tuple[str, str]]:
        """Range, undefined bits, rules and freshness problems of a whitelisted payload."""
        message = self.commands[frame_id]
        mask = self.defined[frame_id]
        if not stamped:  # COUNTER and CHECKSUM are the gate's to fill
            data = data[:COUNTER_BYTE] + bytes([data[COUNTER_BYTE] & 0xF0, 0])
        stray = [i for i, (byte, m) in enumerate(zip(data, mask)) if byte & ~m & 0xFF]
        problems = []
        if stray:
            problems.append(("undefined_bits", f"bits set outside every signal in byte(s) {stray}"))
        raw = message.decode(data, decode_choices=False, scaling=False)
        requested = []
        for signal in message.signals:
            if signal.name in ("COUNTER", "CHECKSUM") or raw[signal.name] == 0:
                continue
            value = raw[signal.name]
            named = signal.choices and value in signal.choices
            physical = value * signal.scale + signal.offset
            entry = self.by_command[(message.name, signal.name)]
            in_range = signal.minimum - 1e-9 <= physical <= signal.maximum + 1e-9
            if (not named) if entry.choices else (not in_range):
                problems.append(("out_of_range", f"{signal.name} raw {value} is not a valid request"))
                continue
            requested.append(signal.name)
        if problems:
            return problems
        if not requested:
            return [("no_request", f"{message.name} requests nothing")]
        for req in self.requests(frame_id, data):
            for rule in CATALOGUE_RULES:
                if req.path not in rule.paths or (rule.value is not ANY and rule.value != req.value):
                    continue
                if not (self.fresh(self.status_id[SPEED], at) and self.fresh(self.status_id[GEAR], at)):
                    problems.append(("rule_on_stale_state", f"{req.path} = {req.value} without fresh speed/gear"))
                    continue
                speed, gear = state.get(SPEED), state.get(GEAR)
                if speed is None or not speed < rule.below_kmh or (rule.park and gear != self.park_value):
                    problems.append(("rule", f"{req.path} = {req.value} at {speed} km/h in gear {gear} "
                                             f"(needs below {rule.below_kmh:g} km/h{' and park' if rule.park else ''})"))
            if not self.fresh(req.status, at):
                problems.append(("stale_target", f"{req.path}: {self.statuses[req.status].name} not fresh"))
        return problems

    def _true_state(self) -> Mapping[str, Any]:
        return self.truth()

    def _reported_state(self, at: float) -> dict[str, Any]:
        """Speed and gear as the last trustworthy VCU frame said, in VSS units."""
        state: dict[str, Any] = {}
        for path in (SPEED, GEAR):
            entry, values = self.by_path[path], self.reported.get(self.status_id[path])
            if values is None:
                continue
            value = values[entry.status[1]]
            state[path] = entry.choices.get(str(value)) if entry.choices else value * entry.scale
        return state

    def _bucket(self, frame_id: int) -> _Bucket:
        return self._buckets.setdefault(frame_id, _Bucket(*RATE_PER_MESSAGE, RATE_PER_MESSAGE[0]))

    def _take_tokens(self, frame_ids: list[int], at: float) -> bool:
        ok = self.rate_allows(frame_ids, at) is not False
        for frame_id in frame_ids:
            self._bucket(frame_id).spend(at, 1)
        self._overall.spend(at, len(frame_ids))
        return ok


def _defined_bits(message) -> bytes:
    """A byte mask of the bits some signal of `message` covers."""
    ones = {s.name: (1 << s.length) - 1 if not s.is_signed else -1 for s in message.signals}
    return message.encode(ones, scaling=False, strict=False)


def _read_vss_map(path: Path | str) -> list[_VssEntry]:
    doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    entries = []
    for vss_path, spec in doc.items():
        status = tuple(spec["status"].split(".", 1))
        command = tuple(spec["command"].split(".", 1)) if spec.get("command") else None
        entries.append(_VssEntry(vss_path, spec["datatype"], status, command, float(spec.get("scale", 1)),
                                 {str(k): v for k, v in (spec.get("choices") or {}).items()}))
    return entries


def default_paths(config) -> tuple[Path, Path]:
    """The DBC and VSS map the configured car uses (the oracle reads them itself)."""
    return config.resolve(config.paths.dbc), config.resolve(config.paths.vss_map)

