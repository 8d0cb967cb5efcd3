"""The simulated car's physics, in VSS terms: what the ECUs would report.

Windows and the sunroof travel over seconds, the cabin drifts toward the
driver's setpoint, distance accumulates with speed, fuel burns with distance
(and the range follows the fuel left), and speed and gear come from the
scenario. The simulator (simulator.py) puts this on the bus.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.vehicle.rules import GEAR, PARK, SPEED
from assistant.vehicle.vss import VssMap

_SIDES = ("Row1.DriverSide", "Row1.PassengerSide", "Row2.DriverSide", "Row2.PassengerSide")
_STATIONS = ("Row1.Driver", "Row1.Passenger", "Row2.Driver", "Row2.Passenger")
_WHEELS = ("Row1.Wheel.Left", "Row1.Wheel.Right", "Row2.Wheel.Left", "Row2.Wheel.Right")
DRIVE = 127

DEFAULTS: dict[str, Any] = {
    SPEED: 0.0,
    GEAR: PARK,
    "Vehicle.Powertrain.FuelSystem.RelativeLevel": 62.5,
    "Vehicle.Powertrain.Range": 480_000,
    "Vehicle.LowVoltageBattery.CurrentVoltage": 12.6,
    "Vehicle.TraveledDistance": 12_345_600.0,
    "Vehicle.Exterior.AirTemperature": 15.0,
    "Vehicle.Cabin.SteeringWheel.VoiceButton": False,
    "Vehicle.Cabin.HVAC.AmbientAirTemperature": 24.0,
    "Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed": 43,
    "Vehicle.Cabin.HVAC.IsAirConditioningActive": True,
    "Vehicle.Cabin.HVAC.IsRecirculationActive": False,
    "Vehicle.Cabin.HVAC.IsFrontDefrosterActive": False,
    "Vehicle.Cabin.HVAC.IsRearDefrosterActive": False,
    "Vehicle.Cabin.Sunroof.Position": 0,
    "Vehicle.Body.Trunk.Rear.IsOpen": False,
    "Vehicle.Body.Mirrors.DriverSide.IsFolded": False,
    "Vehicle.Body.Mirrors.PassengerSide.IsFolded": False,
    "Vehicle.Cabin.Infotainment.Media.Volume": 30,
    **{f"Vehicle.Cabin.HVAC.Station.{s}.Temperature": 22.0 for s in _STATIONS},
    **{f"Vehicle.Chassis.Axle.{w}.Tire.Pressure": 240 for w in _WHEELS},
    **{f"Vehicle.Cabin.Door.{s}.Window.Position": 0 for s in _SIDES},
    **{f"Vehicle.Cabin.Door.{s}.IsOpen": False for s in _SIDES},
    **{f"Vehicle.Cabin.Door.{s}.IsLocked": True for s in _SIDES},
    **{f"Vehicle.Cabin.Seat.{s}.HeatingCooling": 0 for s in _SIDES},
    **{f"Vehicle.Cabin.Light.AmbientLight.{s}.IsLightOn": False for s in _SIDES},
    **{f"Vehicle.Cabin.Light.AmbientLight.{s}.Color": "white" for s in _SIDES},
}

TRAVEL_PERCENT_PER_S = {"window": 25.0, "sunroof": 20.0}  # full travel in 4 s / 5 s
CABIN_DRIFT_PER_S = 0.05  # degC per second toward the driver setpoint
RANGE_M_PER_PERCENT = 7_680  # 62.5 % -> 480 km; a percent of the tank lasts this far
FUEL = "Vehicle.Powertrain.FuelSystem.RelativeLevel"
RANGE = "Vehicle.Powertrain.Range"
FUEL_REPORT_STEP = 0.5  # the EMS reports the level in half percents (DBC scale)


def range_for(fuel_percent: float) -> int:
    """The remaining range (m) the EMS reports for this much fuel, in whole km as on the bus."""
    return int(round(fuel_percent * RANGE_M_PER_PERCENT / 1000)) * 1000


@dataclass
class CarModel:
    """The simulated car's VSS state; `step()` advances it by simulated seconds."""

    vss: VssMap
    state: dict[str, Any] = field(default_factory=dict)
    targets: dict[str, Any] = field(default_factory=dict)  # travelling parts: path -> target
    sim_time: float = 0.0
    exact: dict[str, float] = field(default_factory=dict, repr=False)  # sub-step positions between reports

    def __post_init__(self) -> None:
        missing = [s.path for s in self.vss if s.path not in DEFAULTS]
        if missing:
            raise ValueError(f"car model has no default for {missing}")
        self.state = {s.path: DEFAULTS[s.path] for s in self.vss} | self.state

    def request(self, path: str, value: Any) -> None:
        """An ECU accepted a command for `path`."""
        if self.vss.get(path).motion:
            self.targets[path] = value
        else:
            self.state[path] = value

    def set(self, path: str, value: Any) -> None:
        """Scenario set-up: the value is there at once (no travel)."""
        self.vss.get(path)
        self.state[path] = value
        self.targets.pop(path, None)
        self.exact.pop(path, None)
        if path == FUEL:  # the range is computed from the fuel left, as the EMS does
            self.state[RANGE] = range_for(value)
        if path == SPEED and value > 0 and self.state[GEAR] == PARK:
            self.state[GEAR] = DRIVE  # a moving car is not in park unless the scenario says so

    @property
    def settled(self) -> bool:
        return not self.targets

    def step(self, dt: float) -> set[str]:
        """Advance `dt` simulated seconds; returns the paths that changed."""
        if dt <= 0:
            return set()
        self.sim_time += dt
        changed = self._travel(dt)
        changed |= self._drift(dt)
        speed = self.state[SPEED]
        if speed > 0:
            metres = speed / 3.6 * dt
            self.state["Vehicle.TraveledDistance"] += metres
            changed.add("Vehicle.TraveledDistance")
            changed |= self._burn(metres)
        return changed

    def _burn(self, metres: float) -> set[str]:
        """Driving burns fuel at the rate the range assumes; the level is reported in half percents."""
        exact = max(0.0, self.exact.get(FUEL, float(self.state[FUEL])) - metres / RANGE_M_PER_PERCENT)
        self.exact[FUEL] = exact
        shown = round(exact / FUEL_REPORT_STEP) * FUEL_REPORT_STEP
        changed = set()
        if shown != self.state[FUEL]:
            self.state[FUEL] = shown
            changed.add(FUEL)
        new_range = range_for(exact)
        if new_range != self.state[RANGE]:
            self.state[RANGE] = new_range
            changed.add(RANGE)
        return changed

    def _travel(self, dt: float) -> set[str]:
        changed = set()
        for path, target in list(self.targets.items()):
            rate = TRAVEL_PERCENT_PER_S["sunroof" if "Sunroof" in path else "window"]
            position = self.exact.get(path, float(self.state[path]))
            step = rate * dt
            position = target if abs(target - position) <= step else position + step * (1 if target > position else -1)
            self.exact[path] = position
            new = round(position)
            if new != self.state[path]:
                self.state[path] = new
                changed.add(path)
            if position == target:
                del self.targets[path]
                self.exact.pop(path, None)
        return changed

    def _drift(self, dt: float) -> set[str]:
        path = "Vehicle.Cabin.HVAC.AmbientAirTemperature"
        setpoint = self.state["Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"]
        current = self.exact.get(path, self.state[path])
        step = CABIN_DRIFT_PER_S * dt
        current = setpoint if abs(setpoint - current) <= step else current + step * (1 if setpoint > current else -1)
        self.exact[path] = current
        shown = round(current * 2) / 2  # the sensor reports half degrees
        if shown != self.state[path]:
            self.state[path] = shown
            return {path}
        return set()
