"""Scenarios for the simulator: `--set PATH=VALUE` and YAML files with a timeline.

    set:                      # the car at t = 0
      Vehicle.Speed: 0
    timeline:                 # simulated seconds
      - at: 5
        set: {Vehicle.Speed: 50, Vehicle.Powertrain.Transmission.SelectedGear: D}
      - at: 20                # `assistant run --scenario` only (seconds of input there):
        faults: {silent: [EMS]}   # from now these ECUs have these faults ([] clears a kind)

`assistant sim --scenario` plays the timeline in simulated time; `assistant run
--scenario` plays it in seconds of input (with the built-in simulator), so a
recording and the car's changes stay in step even with --fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

from assistant.errors import DataError, ValueTypeError
from assistant.vehicle.simulator import FAULT_KINDS, ScenarioEvent


@dataclass(frozen=True)
class TimedChange:
    """One timeline entry: at `at` seconds, set these values and (run only) these faults."""

    at: float
    changes: dict[str, str] = field(default_factory=dict)
    faults: dict[str, tuple[str, ...]] = field(default_factory=dict)


def parse_assignments(items: Iterable[str]) -> dict[str, str]:
    """["Vehicle.Speed=80", ...] -> {"Vehicle.Speed": "80"}; the simulator types each value by its path."""
    values: dict[str, str] = {}
    for item in items:
        path, sep, text = item.partition("=")
        if not sep or not path.strip():
            raise ValueTypeError(f"--set {item!r} must look like VSS_PATH=VALUE, e.g. Vehicle.Speed=80")
        values[path.strip()] = text.strip()
    return values


def load_scenario(path: Path | str) -> tuple[dict[str, str], list[ScenarioEvent]]:
    """The initial values and the timeline of a scenario file (values typed later, by the simulator)."""
    initial, steps = load_timeline(path)
    if any(step.faults for step in steps):
        raise DataError(f"scenario {path}: `faults:` in the timeline are played by `assistant run --scenario`",
                        hint="for `assistant sim` inject faults with --silent ECU ... or `--control` "
                             '({"cmd": "faults", "silent": ["EMS"]})')
    return initial, [ScenarioEvent(step.at, step.changes) for step in steps]


def load_timeline(path: Path | str) -> tuple[dict[str, str], list[TimedChange]]:
    """The initial values and every timeline entry (values and faults), sorted by time."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise DataError(f"cannot read scenario {path}: {exc}") from exc
    if not isinstance(doc, dict) or set(doc) - {"set", "timeline"}:
        raise DataError(f"scenario {path} must have only `set:` and `timeline:`")
    initial = _typed(doc.get("set") or {}, f"{path}: set")
    timeline = []
    for n, event in enumerate(doc.get("timeline") or []):
        where = f"{path}: timeline[{n}]"
        if not isinstance(event, dict) or not isinstance(event.get("at"), (int, float)):
            raise DataError(f"{where} needs `at:` (seconds) and `set:` or `faults:`")
        if set(event) - {"at", "set", "faults"}:
            raise DataError(f"{where} has unknown keys {sorted(set(event) - {'at', 'set', 'faults'})}")
        timeline.append(TimedChange(float(event["at"]), _typed(event.get("set") or {}, where),
                                    _faults(event.get("faults") or {}, where)))
    return initial, sorted(timeline, key=lambda e: e.at)


def _faults(faults: Any, where: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(faults, dict) or set(faults) - set(FAULT_KINDS):
        raise DataError(f"{where}: `faults:` maps fault kinds ({', '.join(FAULT_KINDS)}) to lists of ECUs")
    typed = {}
    for kind, ecus in faults.items():
        ecus = [ecus] if isinstance(ecus, str) else ecus
        if not isinstance(ecus, list) or not all(isinstance(e, str) for e in ecus):
            raise DataError(f"{where}: faults.{kind} must be a list of ECU names, e.g. [EMS]")
        typed[kind] = tuple(ecus)
    return typed


def _typed(values: Any, where: str) -> dict[str, str]:
    if not isinstance(values, dict):
        raise DataError(f"{where} must map VSS paths to values")
    return {str(path): str(value) for path, value in values.items()}
