"""The notice watcher: what needs the driver's attention, from the vehicle state alone.

`NoticeWatcher.check()` looks at the state cache (fresh readings only: a stale
value is no evidence) and returns the notices that are due now, each at most as
often as CATALOGUE.md allows:

| kind              | when                                                 | said at most                       |
|-------------------|------------------------------------------------------|------------------------------------|
| low_fuel          | RelativeLevel below 10 %, then below 5 %             | once per threshold per drive       |
| door_open_moving  | a door IsOpen while Vehicle.Speed >= 5               | once per opening, again after 60 s |
| trunk_open_moving | Trunk.Rear.IsOpen while Vehicle.Speed >= 5           | as door_open_moving                |
| tire_pressure_low | a tire below 200 kPa, or 40 kPa below the others     | once per tire per drive            |
| ecu_lost          | an ECU's status stale (silent, stuck counter, CRC)   | once per ECU until it recovers     |
|                   | while the engine runs                                |                                    |

The DBC has no "engine running" signal, so the engine counts as running when the
car is out of park or moving (the last values heard, since the VCU itself may be
the ECU that went quiet). A drive ends when the car has stood in park for
`Thresholds.new_drive_after_park_s`; the per-drive limits start again then.

Every time here comes from the injected `clock` (the state cache's clock by
default), so tests are deterministic.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

from assistant.vehicle.dbc import status_messages
from assistant.vehicle.rules import GEAR, PARK, SPEED

from .texts import NoticeTexts

FUEL = "Vehicle.Powertrain.FuelSystem.RelativeLevel"
RANGE = "Vehicle.Powertrain.Range"
TRUNK = "Vehicle.Body.Trunk.Rear.IsOpen"
DOORS = {  # VSS door -> the zone it is said as (zones.door in responses.yml)
    "Vehicle.Cabin.Door.Row1.DriverSide.IsOpen": "driver",
    "Vehicle.Cabin.Door.Row1.PassengerSide.IsOpen": "passenger",
    "Vehicle.Cabin.Door.Row2.DriverSide.IsOpen": "rear_left",
    "Vehicle.Cabin.Door.Row2.PassengerSide.IsOpen": "rear_right",
}
TIRES = {  # VSS tire -> zones.tire
    "Vehicle.Chassis.Axle.Row1.Wheel.Left.Tire.Pressure": "front_left",
    "Vehicle.Chassis.Axle.Row1.Wheel.Right.Tire.Pressure": "front_right",
    "Vehicle.Chassis.Axle.Row2.Wheel.Left.Tire.Pressure": "rear_left",
    "Vehicle.Chassis.Axle.Row2.Wheel.Right.Tire.Pressure": "rear_right",
}
KINDS = ("low_fuel", "door_open_moving", "trunk_open_moving", "tire_pressure_low", "ecu_lost")


@dataclass(frozen=True)
class Thresholds:
    """The catalogue's limits (CATALOGUE.md "Proactive notices"), plus debouncing."""

    fuel_percent: tuple[float, ...] = (10.0, 5.0)  # said once each per drive, highest first
    moving_kmh: float = 5.0
    open_repeat_s: float = 60.0  # a door still open at speed is said again after this
    tire_min_kpa: float = 200.0
    tire_below_others_kpa: float = 40.0
    ecu_lost_after_s: float = 1.0  # stale this much longer than its freshness window (a late frame is no loss)
    ecu_recovered_after_s: float = 2.0  # fresh this long before a lost ECU counts as back (no flapping notices)
    startup_grace_s: float = 2.0  # an ECU never heard counts as lost only after this
    new_drive_after_park_s: float = 120.0


@dataclass(frozen=True)
class Notice:
    """One thing to tell the driver unasked: `{"event": "notice", "kind", "text", "values"}`."""

    kind: str
    text: str
    values: dict[str, Any]
    key: str  # what it is about (a door path, a tire, an ECU, a threshold): repeat limits go per key
    at: float  # watcher clock when it became due

    def to_json(self) -> dict:
        return {"event": "notice", "kind": self.kind, "text": self.text, "values": self.values}


@dataclass
class _Opening:
    said_at: float | None = None  # when this opening was last said (None: not yet)


@dataclass
class _Ecu:
    messages: list[str]
    stale_since: float | None = None
    fresh_since: float | None = None
    lost: bool = False  # said, and not yet recovered


@dataclass
class _Drive:
    fuel_said: set[float] = field(default_factory=set)
    tires_said: set[str] = field(default_factory=set)


class NoticeWatcher:
    """Turns the vehicle state into due notices; `check()` it often (the live loop: every 0.1 s)."""

    def __init__(self, state, db, texts: NoticeTexts, *, clock: Callable[[], float] | None = None,
                 thresholds: Thresholds | None = None) -> None:
        self.state = state
        self.texts = texts
        self.limits = thresholds or Thresholds()
        self._clock = clock or getattr(state, "now", time.monotonic)
        self._started = self._clock()
        self._drive = _Drive()
        self._parked_since: float | None = None
        self._openings: dict[str, _Opening] = {}
        ecus: dict[str, list[str]] = {}
        for message in status_messages(db):
            ecus.setdefault(message.senders[0], []).append(message.name)
        self._ecus = {name: _Ecu(sorted(messages)) for name, messages in sorted(ecus.items())}
        self.said: list[Notice] = []  # everything check() has returned, in order

    # -- the one entry point ---------------------------------------------------------
    def check(self) -> list[Notice]:
        """The notices due now (each returned once; the caller speaks or drops them)."""
        now = self._clock()
        self._track_drive(now)
        due = [*self._ecu_lost(now), *self._open_while_moving(now), *self._low_fuel(now), *self._tires(now)]
        self.said.extend(due)
        return due

    def still_applies(self, notice: Notice) -> bool:
        """A notice that waited (the driver was talking) is dropped when it is no longer true."""
        if notice.kind in ("door_open_moving", "trunk_open_moving"):
            return self._fresh(notice.key) is True
        if notice.kind == "ecu_lost":
            return self._ecus[notice.key].lost
        return True

    def new_drive(self) -> None:
        """Forget the per-drive limits (fuel thresholds, tires)."""
        self._drive = _Drive()

    # -- helpers ---------------------------------------------------------------------
    def _fresh(self, path: str) -> Any:
        reading = self.state.read(path)
        return reading.value if reading.fresh else None

    def _last(self, path: str) -> Any:
        return self.state.read(path).value  # stale or not: the last thing heard

    def _engine_runs(self) -> bool:
        gear, speed = self._last(GEAR), self._last(SPEED)
        return (gear is not None and gear != PARK) or (speed is not None and speed > 0)

    def _notice(self, kind: str, key: str, now: float, values: dict, variant: str | None = None,
                **wording) -> Notice:
        """`values` go into the JSON; `wording` only fills the template (how a door or an ECU is said)."""
        return Notice(kind, self.texts.render(variant or kind, **values, **wording), values, key, now)

    def _track_drive(self, now: float) -> None:
        parked = self._fresh(GEAR) == PARK and (self._fresh(SPEED) or 0) == 0
        if not parked:
            self._parked_since = None
        elif self._parked_since is None:
            self._parked_since = now
        elif now - self._parked_since >= self.limits.new_drive_after_park_s:
            self.new_drive()
            self._parked_since = now

    # -- the kinds -------------------------------------------------------------------
    def _low_fuel(self, now: float) -> list[Notice]:
        level = self._fresh(FUEL)
        if level is None:
            return []
        crossed = [t for t in self.limits.fuel_percent if level < t and t not in self._drive.fuel_said]
        if not crossed:
            return []
        lowest = min(crossed)
        # fuel already below 5 % at start: one notice (the reserve one), not two
        self._drive.fuel_said.update(t for t in self.limits.fuel_percent if t >= lowest)
        range_m = self._fresh(RANGE)
        variant = "low_fuel" if lowest == max(self.limits.fuel_percent) else "low_fuel_reserve"
        values = {"level": level, "threshold": lowest, "range_km": None if range_m is None else round(range_m / 1000)}
        return [self._notice("low_fuel", f"below_{lowest:g}", now, values, variant)]

    def _open_while_moving(self, now: float) -> list[Notice]:
        speed = self._fresh(SPEED)
        due = []
        for path, zone in [*DOORS.items(), (TRUNK, None)]:
            is_open = self._fresh(path)
            if is_open is False:
                self._openings.pop(path, None)  # closed: the next opening is a new one
                continue
            if is_open is not True:
                continue  # unknown: no evidence either way
            opening = self._openings.setdefault(path, _Opening())
            if speed is None or speed < self.limits.moving_kmh:
                continue
            if opening.said_at is not None and now - opening.said_at < self.limits.open_repeat_s:
                continue
            opening.said_at = now
            if zone is None:
                due.append(self._notice("trunk_open_moving", path, now, {"speed": speed}))
            else:
                due.append(self._notice("door_open_moving", path, now, {"door": zone, "speed": speed},
                                        where=self.texts.zone("door", zone)))
        return due

    def _tires(self, now: float) -> list[Notice]:
        pressures = {zone: self._fresh(path) for path, zone in TIRES.items()}
        if any(p is None for p in pressures.values()):
            return []
        due = []
        for zone, pressure in pressures.items():
            if zone in self._drive.tires_said:
                continue
            others = [p for z, p in pressures.items() if z != zone]
            others_kpa = sum(others) / len(others)
            if pressure < self.limits.tire_min_kpa or others_kpa - pressure >= self.limits.tire_below_others_kpa:
                self._drive.tires_said.add(zone)
                values = {"tire": zone, "pressure": pressure, "others": round(others_kpa)}
                due.append(self._notice("tire_pressure_low", zone, now, values, where=self.texts.zone("tire", zone)))
        return due

    def _ecu_lost(self, now: float) -> list[Notice]:
        engine_runs = self._engine_runs()
        due = []
        for name, ecu in self._ecus.items():
            stale = [m for m in ecu.messages if not self._evidence(m, now)]
            if stale:
                ecu.fresh_since = None
                ecu.stale_since = ecu.stale_since if ecu.stale_since is not None else now
            else:
                ecu.stale_since = None
                ecu.fresh_since = ecu.fresh_since if ecu.fresh_since is not None else now
                if ecu.lost and now - ecu.fresh_since >= self.limits.ecu_recovered_after_s:
                    ecu.lost = False  # back: a later loss is said again
                continue
            if ecu.lost or not engine_runs or now - ecu.stale_since < self.limits.ecu_lost_after_s:
                continue
            ecu.lost = True
            system = self.texts.system(name)
            due.append(self._notice("ecu_lost", name, now, {"ecu": name, "messages": stale},
                                    system=system, System=system[:1].upper() + system[1:]))
        return due

    def _evidence(self, message: str, now: float) -> bool:
        """Is the message fresh (or never heard, but still within the start-up grace)?"""
        if self.state.is_fresh(message):
            return True
        return self.state.received_at(message) is None and now - self._started < self.limits.startup_grace_s
