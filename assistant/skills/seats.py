"""Seat heating and ventilation: level 0-3 -> HeatingCooling 0/33/67/100 (negative = ventilation)."""

from __future__ import annotations

from assistant.skills.base import Skill, SkillContext, SkillRequest, SkillResult, is_negative
from assistant.skills.zones import resolve_sides, zone_of

LEVELS = 3
DEFAULT_LEVEL = 2


def seat_path(side: str) -> str:
    return f"Vehicle.Cabin.Seat.{side}.HeatingCooling"


class SeatsSkill(Skill):
    name = "seats"
    domain = "seat"
    carries_zone = True  # "heat the passenger seat" ... "turn it off"
    intents = ("seat_heat", "seat_ventilate")
    slots = {"seat_heat": ("zone", "level", "state"), "seat_ventilate": ("zone", "level", "state")}

    def _seat(self, request: SkillRequest, ctx: SkillContext, sign: int) -> SkillResult:
        level = request.get("level", DEFAULT_LEVEL)
        if request.get("state") == "off" and request.get("level") not in (None, 0):
            # "turn off the seat heating to level two": ask rather than guess
            return SkillResult(ctx.replies.say(request.intent, "contradiction", level=level), denied="contradiction")
        # a negative level would flip heating into ventilation: refused, never sent
        if not isinstance(level, (int, float)) or isinstance(level, bool) or level != int(level) \
                or is_negative(level):
            return SkillResult(ctx.replies.say(request.intent, "out_of_range"), denied="out_of_range")
        sides = resolve_sides(request.zones, request.speaker_zone)
        # round(level * 100 / 3) in integers (no float overflow on huge levels); out-of-range levels
        # exceed +-100 and the gate refuses them
        percent = sign * ((int(level) * 200 + LEVELS) // (2 * LEVELS))
        where = ctx.replies.zone(self.domain, zone_of(sides))
        return self.act(request, ctx, {seat_path(s): percent for s in sides},
                        done="off" if level == 0 else "done", level=int(level), where=where)

    def seat_heat(self, request: SkillRequest, ctx: SkillContext) -> SkillResult:
        return self._seat(request, ctx, +1)

    def seat_ventilate(self, request: SkillRequest, ctx: SkillContext) -> SkillResult:
        return self._seat(request, ctx, -1)
