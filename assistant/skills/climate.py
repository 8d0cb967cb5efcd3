"""Climate: temperature per zone, A/C, fan, defrost, recirculation."""

from __future__ import annotations

from assistant.skills.base import Skill, SkillContext, SkillRequest, SkillResult, is_negative
from assistant.skills.zones import resolve_sides, stations, zone_of

HVAC = "Vehicle.Cabin.HVAC"
FAN = f"{HVAC}.Station.Row1.Driver.FanSpeed"
TEMP_MIN, TEMP_MAX = 16.0, 30.0
FAN_LEVELS = 7
DEFAULT_STEP = 1  # degrees: "warmer" with no amount (CATALOGUE.md)
DEFAULT_DEFROST = "front"


def temperature_path(station: str) -> str:
    return f"{HVAC}.Station.{station}.Temperature"


def fan_percent(level: int) -> int:
    # round(level * 100 / 7) in integers: a float overflows for the huge levels ASR can produce
    return (level * 200 + FAN_LEVELS) // (2 * FAN_LEVELS)


def fan_level(percent: int) -> int:
    return round(percent * FAN_LEVELS / 100)


class ClimateSkill(Skill):
    name = "climate"
    domain = "climate"
    intents = ("climate_set_temperature", "climate_change_temperature", "climate_ac", "climate_fan",
               "climate_defrost", "climate_recirculation")
    slots = {
        "climate_set_temperature": ("temperature", "zone"),
        "climate_change_temperature": ("direction", "amount", "zone"),
        "climate_ac": ("state",),
        "climate_fan": ("level", "direction"),
        "climate_defrost": ("target", "state"),
        "climate_recirculation": ("state",),
    }
    required = {
        "climate_set_temperature": (("temperature",),),
        "climate_change_temperature": (("direction",),),
        "climate_fan": (("level", "direction"),),
    }

    def _where(self, request: SkillRequest, ctx: SkillContext, sides) -> str:
        return ctx.replies.zone(self.domain, zone_of(sides))

    def climate_set_temperature(self, request: SkillRequest, ctx: SkillContext) -> SkillResult:
        sides = resolve_sides(request.zones, request.speaker_zone)
        target = request.get("temperature")
        changes = {temperature_path(s): target for s in stations(sides)}
        key = "done_zone" if request.zones or request.speaker_zone != "driver" else "done"
        return self.act(request, ctx, changes, done=key, temperature=target, where=self._where(request, ctx, sides))

    def climate_change_temperature(self, request: SkillRequest, ctx: SkillContext) -> SkillResult:
        sides = resolve_sides(request.zones, request.speaker_zone)
        paths = [temperature_path(s) for s in stations(sides)]
        current, stale = self.read_fresh(request, ctx, *paths)
        if stale:
            return stale
        sign = 1 if request.get("direction") == "up" else -1
        amount = request.get("amount", DEFAULT_STEP)
        if is_negative(amount):  # "warmer by minus two" is not "cooler by two"
            return SkillResult(ctx.replies.say(request.intent, "out_of_range"), denied="out_of_range")
        if not isinstance(amount, (int, float)) or isinstance(amount, bool):
            amount = DEFAULT_STEP  # an amount the NLU could not turn into a number: the catalogue default
        targets = {p: min(TEMP_MAX, max(TEMP_MIN, value + sign * amount)) for p, value in zip(paths, current)}
        if all(targets[p] == value for p, value in zip(paths, current)):
            limit = TEMP_MAX if sign > 0 else TEMP_MIN
            return self.say(request, ctx, "at_limit", temperature=limit)
        shown = targets[paths[0]]
        key = "done_up" if sign > 0 else "done_down"
        return self.act(request, ctx, targets, done=key, temperature=shown, where=self._where(request, ctx, sides))

    def climate_ac(self, request: SkillRequest, ctx: SkillContext) -> SkillResult:
        on = request.get("state", "on") == "on"
        return self.act(request, ctx, {f"{HVAC}.IsAirConditioningActive": on}, done="on" if on else "off")

    def climate_fan(self, request: SkillRequest, ctx: SkillContext) -> SkillResult:
        level = request.get("level")
        if level is None:
            values, stale = self.read_fresh(request, ctx, FAN)
            if stale:
                return stale
            level = fan_level(values[0]) + (1 if request.get("direction") == "up" else -1)
            if not 0 <= level <= FAN_LEVELS:
                return self.say(request, ctx, "at_limit", level=max(0, min(FAN_LEVELS, level)))
        if not isinstance(level, (int, float)) or isinstance(level, bool) or level != int(level) \
                or is_negative(level):
            return SkillResult(ctx.replies.say(request.intent, "out_of_range"), denied="out_of_range")
        # levels outside 0-7 become percentages outside 0-100: the gate refuses those
        return self.act(request, ctx, {FAN: fan_percent(int(level))}, done="off" if level == 0 else "done",
                        level=int(level))

    def climate_defrost(self, request: SkillRequest, ctx: SkillContext) -> SkillResult:
        target = request.get("target", DEFAULT_DEFROST)
        on = request.get("state", "on") == "on"
        path = f"{HVAC}.IsFrontDefrosterActive" if target == "front" else f"{HVAC}.IsRearDefrosterActive"
        return self.act(request, ctx, {path: on}, done="on" if on else "off", target=target)

    def climate_recirculation(self, request: SkillRequest, ctx: SkillContext) -> SkillResult:
        on = request.get("state", "on") == "on"
        return self.act(request, ctx, {f"{HVAC}.IsRecirculationActive": on}, done="on" if on else "off")
