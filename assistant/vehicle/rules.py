"""Safety rules from CATALOGUE.md: writes allowed only while fresh vehicle state permits.

Rules are data. Each guards some VSS paths (optionally only one written
value) and lists requirements on other paths that must hold on FRESH state;
stale or missing state denies.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any, Callable

from assistant.vehicle.state import VehicleState

SPEED = "Vehicle.Speed"
GEAR = "Vehicle.Powertrain.Transmission.SelectedGear"
PARK = 126  # VSS SelectedGear value for P

_SIDES = ("Row1.DriverSide", "Row1.PassengerSide", "Row2.DriverSide", "Row2.PassengerSide")
DOOR_LOCKS = tuple(f"Vehicle.Cabin.Door.{side}.IsLocked" for side in _SIDES)
TRUNK = "Vehicle.Body.Trunk.Rear.IsOpen"
MIRRORS = ("Vehicle.Body.Mirrors.DriverSide.IsFolded", "Vehicle.Body.Mirrors.PassengerSide.IsFolded")

ANY_VALUE = object()
_OPS: dict[str, Callable[[Any, Any], bool]] = {"<": operator.lt, "==": operator.eq}


@dataclass(frozen=True)
class Requirement:
    """`path op limit` must hold on fresh state; `reason` is the denial code otherwise."""

    path: str
    op: str
    limit: Any
    reason: str
    wording: str  # "below 3 km/h", "in park"

    def holds(self, value: Any) -> bool:
        return value is not None and _OPS[self.op](value, self.limit)


@dataclass(frozen=True)
class Rule:
    """Writing `value` (or anything, with ANY_VALUE) to one of `paths` needs every requirement."""

    name: str
    paths: tuple[str, ...]
    value: Any
    requires: tuple[Requirement, ...]

    def guards(self, path: str, value: Any) -> bool:
        return path in self.paths and (self.value is ANY_VALUE or self.value == value)


def _below(kmh: float) -> Requirement:
    return Requirement(SPEED, "<", kmh, "vehicle_moving", f"below {kmh:g} km/h")


RULES: tuple[Rule, ...] = (
    Rule("doors_unlock_below_3_kmh", DOOR_LOCKS, False, (_below(3),)),
    Rule("trunk_open_parked", (TRUNK,), True, (_below(1), Requirement(GEAR, "==", PARK, "not_in_park", "in park"))),
    Rule("mirrors_below_5_kmh", MIRRORS, ANY_VALUE, (_below(5),)),
)


@dataclass(frozen=True)
class Verdict:
    """Whether a write may go out, and if not, why (a code plus a sentence)."""

    allowed: bool
    reason: str | None = None
    detail: str = ""
    rule: str | None = None


ALLOWED = Verdict(True)


def check_rules(path: str, value: Any, state: VehicleState, rules: tuple[Rule, ...] = RULES) -> Verdict:
    for rule in rules:
        if not rule.guards(path, value):
            continue
        for req in rule.requires:
            reading = state.read(req.path)
            if not reading.fresh:
                return Verdict(False, "state_unknown",
                               f"{req.path} is not being reported, so {path} = {value} cannot be checked "
                               f"(needs {req.wording})", rule.name)
            if not req.holds(reading.value):
                return Verdict(False, req.reason,
                               f"{path} = {value} needs {req.wording}; {req.path} is {reading.value}", rule.name)
    return ALLOWED
