"""Windows and sunroof: positions in percent open; they travel, so replies say "opening"."""

from __future__ import annotations

from assistant.skills.base import Skill, SkillContext, SkillRequest, SkillResult
from assistant.skills.zones import resolve_sides, zone_of

SUNROOF = "Vehicle.Cabin.Sunroof.Position"
FULLY_OPEN = 100  # percent: "open the window" with no amount (CATALOGUE.md)


def window_path(side: str) -> str:
    return f"Vehicle.Cabin.Door.{side}.Window.Position"


class WindowsSkill(Skill):
    name = "windows"
    domain = "window"
    carries_zone = True  # "open the passenger window" ... "close it again"
    intents = ("window_open", "window_close", "sunroof_open", "sunroof_close")
    slots = {"window_open": ("zone", "amount"), "window_close": ("zone",), "sunroof_open": ("amount",)}

    def _windows(self, request: SkillRequest, ctx: SkillContext, position) -> SkillResult:
        sides = resolve_sides(request.zones, request.speaker_zone)
        where = ctx.replies.zone(self.domain, zone_of(sides))
        return self.act(request, ctx, {window_path(s): position for s in sides}, where=where, amount=position)

    def window_open(self, request: SkillRequest, ctx: SkillContext) -> SkillResult:
        amount = request.get("amount", FULLY_OPEN)
        if amount == 0:  # "open it zero percent" contradicts the intent: say so, don't close anything
            return SkillResult(ctx.replies.say(request.intent, "contradiction"), denied="contradiction")
        return self._windows(request, ctx, amount)

    def window_close(self, request: SkillRequest, ctx: SkillContext) -> SkillResult:
        return self._windows(request, ctx, 0)

    def sunroof_open(self, request: SkillRequest, ctx: SkillContext) -> SkillResult:
        amount = request.get("amount", FULLY_OPEN)
        if amount == 0:
            return SkillResult(ctx.replies.say(request.intent, "contradiction"), denied="contradiction")
        return self.act(request, ctx, {SUNROOF: amount}, amount=amount)

    def sunroof_close(self, request: SkillRequest, ctx: SkillContext) -> SkillResult:
        return self.act(request, ctx, {SUNROOF: 0})
