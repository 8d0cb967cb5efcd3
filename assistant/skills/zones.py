"""Seat zones (CATALOGUE.md) -> VSS sides and HVAC stations."""

from __future__ import annotations

from typing import Iterable

SIDES = ("Row1.DriverSide", "Row1.PassengerSide", "Row2.DriverSide", "Row2.PassengerSide")
ZONE_SIDES: dict[str, tuple[str, ...]] = {
    "driver": (SIDES[0],),
    "passenger": (SIDES[1],),
    "rear_left": (SIDES[2],),
    "rear_right": (SIDES[3],),
    "front": SIDES[:2],
    "rear": SIDES[2:],
    "all": SIDES,
}
STATION_OF_SIDE = {
    "Row1.DriverSide": "Row1.Driver", "Row1.PassengerSide": "Row1.Passenger",
    "Row2.DriverSide": "Row2.Driver", "Row2.PassengerSide": "Row2.Passenger",
}
_ZONE_OF_SIDES = {sides: zone for zone, sides in ZONE_SIDES.items()}


def resolve_sides(zones: Iterable[str], speaker_zone: str = "driver") -> tuple[str, ...]:
    """The sides named (in seat order); no zone = the speaker's own seat."""
    named = [z for z in zones if z in ZONE_SIDES] or [speaker_zone if speaker_zone in ZONE_SIDES else "driver"]
    covered = {side for zone in named for side in ZONE_SIDES[zone]}
    return tuple(side for side in SIDES if side in covered)


def zone_of(sides: tuple[str, ...]) -> str:
    """The catalogue zone that names exactly these sides ("front", "all", ...), else "all"."""
    return _ZONE_OF_SIDES.get(tuple(side for side in SIDES if side in sides), "all")


def stations(sides: Iterable[str]) -> list[str]:
    return [STATION_OF_SIDE[side] for side in sides]
