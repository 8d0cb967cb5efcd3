"""VSS paths bound to DBC signals (can_dbc/vss_map.yml): types, ranges and conversions.

Skills and the CLI speak VSS paths and VSS values (booleans, numbers in VSS
units, colour names). This module converts them to DBC physical values or
value-table names and back, and checks types and ranges before anything is
encoded.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from cantools.database.can import Database, Message, Signal

from assistant.errors import DataError, UnknownSignalError, ValueTypeError
from assistant.vehicle.dbc import HEAD_UNIT, NO_REQUEST

DATATYPES = {"boolean", "uint8", "int8", "uint16", "uint32", "float", "string"}
_INTEGER_TYPES = {"uint8", "int8", "uint16", "uint32"}
_TRUE_WORDS = {"true", "on", "yes", "1"}
_FALSE_WORDS = {"false", "off", "no", "0"}


@dataclass(frozen=True)
class SignalRef:
    """One DBC signal inside its message."""

    message: Message
    signal: Signal

    @property
    def name(self) -> str:
        return f"{self.message.name}.{self.signal.name}"


@dataclass(frozen=True)
class VssSignal:
    """A VSS path with the DBC signals that report and (if writable) command it."""

    path: str
    datatype: str
    status: SignalRef
    command: SignalRef | None = None
    unit: str = ""
    scale: float = 1.0
    choices: dict[str, Any] = field(default_factory=dict)  # DBC value name -> VSS value
    motion: bool = False

    @property
    def writable(self) -> bool:
        return self.command is not None

    @property
    def minimum(self) -> float | None:
        ref = self.command or self.status
        return None if self.choices or ref.signal.minimum is None else ref.signal.minimum * self.scale

    @property
    def maximum(self) -> float | None:
        ref = self.command or self.status
        return None if self.choices or ref.signal.maximum is None else ref.signal.maximum * self.scale

    @property
    def resolution(self) -> float:
        """Smallest step the status signal can show, in VSS units."""
        return abs(self.status.signal.scale) * self.scale

    def check_type(self, value: Any) -> Any:
        """The value normalised for this path, or ValueTypeError."""
        if self.datatype == "boolean":
            if not isinstance(value, bool):
                raise ValueTypeError(f"{self.path} takes true or false, not {value!r}")
            return value
        if self.choices:
            if value not in self.choices.values() or isinstance(value, bool):
                allowed = ", ".join(map(str, self.choices.values()))
                raise ValueTypeError(f"{self.path} takes one of {allowed}, not {value!r}")
            return value
        if self.datatype == "string" or isinstance(value, (bool, str)) or not isinstance(value, (int, float)):
            raise ValueTypeError(f"{self.path} takes a number ({self.datatype}), not {value!r}")
        if isinstance(value, float) and not math.isfinite(value):  # ints are finite, however big
            raise ValueTypeError(f"{self.path} takes a finite number, not {value!r}")
        if self.datatype in _INTEGER_TYPES:
            if value != int(value):
                raise ValueTypeError(f"{self.path} takes a whole number ({self.datatype}), not {value!r}")
            return int(value)
        if isinstance(value, int) and abs(value) > sys.float_info.max:
            return value  # no float can hold it, and no range does either: in_range() refuses it
        return float(value)

    def in_range(self, value: Any) -> bool:
        if self.minimum is None or isinstance(value, bool) or not isinstance(value, (int, float)):
            return True
        return self.minimum <= value <= self.maximum

    def parse_text(self, text: str) -> Any:
        """A value typed on the command line ("true", "40", "P", "blue") for this path."""
        word = text.strip()
        if self.datatype == "boolean":
            if word.lower() in _TRUE_WORDS:
                return True
            if word.lower() in _FALSE_WORDS:
                return False
            raise ValueTypeError(f"{self.path} takes true or false, not {text!r}")
        if self.choices:
            by_name = {name.lower(): value for name, value in self.choices.items()}
            by_value = {str(value).lower(): value for value in self.choices.values()}
            if word.lower() in by_name:
                return by_name[word.lower()]
            if word.lower() in by_value:
                return by_value[word.lower()]
            allowed = ", ".join(f"{n} ({v})" for n, v in self.choices.items())
            raise ValueTypeError(f"{self.path} takes one of {allowed}, not {text!r}")
        try:
            number = float(word)
        except ValueError:
            raise ValueTypeError(f"{self.path} takes a number, not {text!r}") from None
        return self.check_type(int(number) if number.is_integer() and self.datatype in _INTEGER_TYPES else number)

    def to_dbc(self, value: Any) -> Any:
        """VSS value -> DBC physical value or value-table name."""
        if self.choices:
            for name, vss_value in self.choices.items():
                if vss_value == value and type(vss_value) is type(value):
                    return name
            raise ValueTypeError(f"{self.path}: no DBC value for {value!r}")
        return value / self.scale

    def from_dbc(self, decoded: Any) -> Any:
        """DBC decoded value -> VSS value; None for 'no request' or an unknown enumeration."""
        if hasattr(decoded, "name"):  # cantools NamedSignalValue
            decoded = decoded.name
        if isinstance(decoded, str):
            return None if decoded == NO_REQUEST else self.choices.get(decoded)
        if self.choices:
            return None  # a raw number outside the value table: not a valid state
        value = decoded * self.scale
        if self.datatype in _INTEGER_TYPES:
            return int(round(value))
        return round(value, 6)

    def quantize(self, value: Any) -> Any:
        """What the bus can carry of `value` (e.g. 22.3 degC -> 22.5 with 0.5 steps)."""
        if self.choices or isinstance(value, bool) or not isinstance(value, (int, float)):
            return value
        ref = self.command or self.status
        raw = round((value / self.scale - ref.signal.offset) / ref.signal.scale)
        return self.from_dbc(raw * ref.signal.scale + ref.signal.offset)


class VssMap:
    """All mapped paths, with lookups from DBC signals back to paths."""

    def __init__(self, signals: list[VssSignal]) -> None:
        self.signals = {s.path: s for s in signals}
        self.by_status = {(s.status.message.name, s.status.signal.name): s for s in signals}
        self.by_command = {(s.command.message.name, s.command.signal.name): s for s in signals if s.command}

    def __contains__(self, path: str) -> bool:
        return path in self.signals

    def __iter__(self):
        return iter(self.signals.values())

    def get(self, path: str) -> VssSignal:
        try:
            return self.signals[path]
        except KeyError:
            raise UnknownSignalError(f"unknown VSS path {path!r}",
                                     hint="`assistant vehicle list` shows every mapped path") from None

    def writable(self, path: str) -> VssSignal:
        signal = self.get(path)
        if not signal.writable:
            raise UnknownSignalError(f"{path} is read-only (the head unit has no command for it)")
        return signal


def load_vss_map(path: Path | str, db: Database) -> VssMap:
    """Read the mapping YAML and bind every entry to signals of `db`."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"VSS mapping {path} does not exist",
                        hint="set [paths] vss_map in the config, or restore can_dbc/vss_map.yml") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise DataError(f"cannot read VSS mapping {path}: {exc}") from exc
    if not isinstance(doc, dict) or not doc:
        raise DataError(f"VSS mapping {path} must map VSS paths to their signals")
    return VssMap([_entry(vss_path, spec, db, path) for vss_path, spec in doc.items()])


def _entry(vss_path: str, spec: Any, db: Database, file: Path) -> VssSignal:
    where = f"{file}: {vss_path}"
    if not isinstance(spec, dict):
        raise DataError(f"{where}: expected a mapping of datatype/status/command")
    unknown = set(spec) - {"datatype", "unit", "status", "command", "scale", "choices", "motion"}
    if unknown:
        raise DataError(f"{where}: unknown keys {sorted(unknown)}")
    datatype = spec.get("datatype")
    if datatype not in DATATYPES:
        raise DataError(f"{where}: datatype must be one of {sorted(DATATYPES)}")
    if "status" not in spec:
        raise DataError(f"{where}: every path needs a status signal")
    status = _ref(spec["status"], db, where, sent_by_head_unit=False)
    command = _ref(spec["command"], db, where, sent_by_head_unit=True) if spec.get("command") else None
    choices = spec.get("choices") or {}
    if not isinstance(choices, dict) or not all(isinstance(name, str) for name in choices):
        raise DataError(f"{where}: choices must map quoted DBC value names to VSS values "
                        "(a bare On/Off/Yes/No is read by YAML as a boolean)")
    for ref in filter(None, (status, command)):
        names = {str(v) for v in (ref.signal.choices or {}).values()}
        missing = [name for name in choices if name not in names]
        if missing:
            raise DataError(f"{where}: {ref.name} has no value(s) named {missing}")
    scale = spec.get("scale", 1)
    if not isinstance(scale, (int, float)) or scale == 0:
        raise DataError(f"{where}: scale must be a non-zero number")
    return VssSignal(path=vss_path, datatype=datatype, status=status, command=command,
                     unit=str(spec.get("unit", "")), scale=float(scale), choices=dict(choices),
                     motion=bool(spec.get("motion", False)))


def _ref(text: Any, db: Database, where: str, *, sent_by_head_unit: bool) -> SignalRef:
    message_name, _, signal_name = str(text).partition(".")
    try:
        message = db.get_message_by_name(message_name)
        signal = message.get_signal_by_name(signal_name)
    except KeyError:
        raise DataError(f"{where}: {text} is not a signal in the DBC") from None
    if (HEAD_UNIT in message.senders) != sent_by_head_unit:
        role = "command (sent by HU)" if sent_by_head_unit else "status (sent by an ECU)"
        raise DataError(f"{where}: {text} is not a {role} signal")
    return SignalRef(message, signal)
