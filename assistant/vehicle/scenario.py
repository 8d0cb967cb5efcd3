"""Scenarios for the simulator: `--set PATH=VALUE` and YAML files with a timeline.

    set:                      # the car at t = 0
      Vehicle.Speed: 0
    timeline:                 # simulated seconds
      - at: 5
        set: {Vehicle.Speed: 50, Vehicle.Powertrain.Transmission.SelectedGear: D}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

import yaml

from assistant.errors import DataError, ValueTypeError
from assistant.vehicle.simulator import ScenarioEvent


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
            raise DataError(f"{where} needs `at:` (seconds) and `set:`")
        timeline.append(ScenarioEvent(float(event["at"]), _typed(event.get("set") or {}, where)))
    return initial, sorted(timeline, key=lambda e: e.at)


def _typed(values: Any, where: str) -> dict[str, str]:
    if not isinstance(values, dict):
        raise DataError(f"{where} must map VSS paths to values")
    return {str(path): str(value) for path, value in values.items()}
