"""Vehicle status: each reply states the values read from the bus (fresh only), with units."""

from __future__ import annotations

from assistant.skills.base import Skill, SkillContext, SkillRequest, SkillResult
from assistant.skills.zones import SIDES

TIRES = {
    "front_left": "Vehicle.Chassis.Axle.Row1.Wheel.Left.Tire.Pressure",
    "front_right": "Vehicle.Chassis.Axle.Row1.Wheel.Right.Tire.Pressure",
    "rear_left": "Vehicle.Chassis.Axle.Row2.Wheel.Left.Tire.Pressure",
    "rear_right": "Vehicle.Chassis.Axle.Row2.Wheel.Right.Tire.Pressure",
}
LOW_TIRE_KPA = 200  # warn below this, or well below the fullest tire
LOW_TIRE_RATIO = 0.85
LOW_BATTERY_V = 12.0
DOOR_NAMES = dict(zip(SIDES, ("driver", "passenger", "rear_left", "rear_right")))


def join_words(words: list[str], conjunction: str = "and") -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


class StatusSkill(Skill):
    name = "status"
    domain = "status"
    intents = ("query_fuel", "query_tire_pressure", "query_outside_temperature", "query_cabin_temperature",
               "query_doors", "query_speed", "query_odometer", "query_battery")

    def _read(self, request, ctx, *paths):
        return self.read_fresh(request, ctx, *paths)

    def query_fuel(self, request: SkillRequest, ctx: SkillContext) -> SkillResult:
        values, stale = self._read(request, ctx, "Vehicle.Powertrain.FuelSystem.RelativeLevel", "Vehicle.Powertrain.Range")
        if stale:
            return stale
        level, range_m = values
        return self.say(request, ctx, "done", level=round(level), range_km=round(range_m / 1000))

    def query_tire_pressure(self, request: SkillRequest, ctx: SkillContext) -> SkillResult:
        values, stale = self._read(request, ctx, *TIRES.values())
        if stale:
            return stale
        pressures = dict(zip(TIRES, values))
        fullest = max(pressures.values())
        low = [t for t, kpa in pressures.items() if kpa < LOW_TIRE_KPA or kpa < LOW_TIRE_RATIO * fullest]
        if not low:
            return self.say(request, ctx, "done", kpa=round(sum(values) / len(values)))
        names = [ctx.replies.zone("tire", t) for t in low]
        key = "low_one" if len(low) == 1 else "low_many"
        return self.say(request, ctx, key, tires=ctx.replies.join(names),
                        kpa=ctx.replies.join([str(pressures[t]) for t in low]))

    def query_outside_temperature(self, request: SkillRequest, ctx: SkillContext) -> SkillResult:
        values, stale = self._read(request, ctx, "Vehicle.Exterior.AirTemperature")
        return stale or self.say(request, ctx, "done", temperature=values[0])

    def query_cabin_temperature(self, request: SkillRequest, ctx: SkillContext) -> SkillResult:
        values, stale = self._read(request, ctx, "Vehicle.Cabin.HVAC.AmbientAirTemperature",
                                   "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature")
        return stale or self.say(request, ctx, "done", temperature=values[0], setpoint=values[1])

    def query_doors(self, request: SkillRequest, ctx: SkillContext) -> SkillResult:
        open_paths = [f"Vehicle.Cabin.Door.{s}.IsOpen" for s in SIDES]
        lock_paths = [f"Vehicle.Cabin.Door.{s}.IsLocked" for s in SIDES]
        values, stale = self._read(request, ctx, *open_paths, *lock_paths, "Vehicle.Body.Trunk.Rear.IsOpen")
        if stale:
            return stale
        is_open, is_locked, trunk_open = values[:4], values[4:8], values[8]
        opened = [ctx.replies.zone("door", DOOR_NAMES[s]) for s, o in zip(SIDES, is_open) if o]
        unlocked = [ctx.replies.zone("door", DOOR_NAMES[s]) for s, locked in zip(SIDES, is_locked) if not locked]
        parts = [ctx.replies.say(request.intent, "open", doors=ctx.replies.join(opened)) if opened else
                 ctx.replies.say(request.intent, "all_closed")]
        if len(unlocked) == 4:
            parts.append(ctx.replies.say(request.intent, "all_unlocked"))
        elif unlocked:
            parts.append(ctx.replies.say(request.intent, "unlocked", doors=ctx.replies.join(unlocked)))
        else:
            parts.append(ctx.replies.say(request.intent, "all_locked"))
        parts.append(ctx.replies.say(request.intent, "trunk_open" if trunk_open else "trunk_closed"))
        return SkillResult(" ".join(parts))

    def query_speed(self, request: SkillRequest, ctx: SkillContext) -> SkillResult:
        values, stale = self._read(request, ctx, "Vehicle.Speed")
        return stale or self.say(request, ctx, "done" if values[0] >= 0.5 else "stopped", speed=round(values[0]))

    def query_odometer(self, request: SkillRequest, ctx: SkillContext) -> SkillResult:
        values, stale = self._read(request, ctx, "Vehicle.TraveledDistance")
        return stale or self.say(request, ctx, "done", km=round(values[0] / 1000))

    def query_battery(self, request: SkillRequest, ctx: SkillContext) -> SkillResult:
        values, stale = self._read(request, ctx, "Vehicle.LowVoltageBattery.CurrentVoltage")
        if stale:
            return stale
        return self.say(request, ctx, "low" if values[0] < LOW_BATTERY_V else "done", volts=values[0])
