"""Media volume: set, change (clamped to 0-100), mute and unmute to the volume before muting."""

from __future__ import annotations

from assistant.skills.base import Skill, SkillContext, SkillRequest, SkillResult, is_negative

VOLUME = "Vehicle.Cabin.Infotainment.Media.Volume"
DEFAULT_STEP = 10
UNMUTE_DEFAULT = 30  # when nobody knows what it was before muting


class MediaSkill(Skill):
    name = "media"
    domain = "media"
    intents = ("volume_set", "volume_change", "volume_mute")
    slots = {"volume_set": ("level",), "volume_change": ("direction", "amount"), "volume_mute": ("state",)}
    required = {"volume_set": (("level",),), "volume_change": (("direction",),)}

    def volume_set(self, request: SkillRequest, ctx: SkillContext) -> SkillResult:
        level = request.get("level")
        return self.act(request, ctx, {VOLUME: level}, level=level)

    def volume_change(self, request: SkillRequest, ctx: SkillContext) -> SkillResult:
        values, stale = self.read_fresh(request, ctx, VOLUME)
        if stale:
            return stale
        amount = request.get("amount", DEFAULT_STEP)
        if is_negative(amount):  # "louder by minus ten" is not "quieter by ten"
            return SkillResult(ctx.replies.say(request.intent, "out_of_range"), denied="out_of_range")
        if not isinstance(amount, (int, float)) or isinstance(amount, bool):
            amount = DEFAULT_STEP
        sign = 1 if request.get("direction") == "up" else -1
        target = int(min(100, max(0, values[0] + sign * amount)))
        if target == values[0]:
            return self.say(request, ctx, "at_limit", level=target)
        return self.act(request, ctx, {VOLUME: target}, done="done_up" if sign > 0 else "done_down", level=target)

    def volume_mute(self, request: SkillRequest, ctx: SkillContext) -> SkillResult:
        if request.get("state", "on") == "on":
            values, stale = self.read_fresh(request, ctx, VOLUME)
            if stale:
                return stale
            if values[0] > 0:
                ctx.memory["volume_before_mute"] = values[0]
            return self.act(request, ctx, {VOLUME: 0}, done="on")
        level = ctx.memory.pop("volume_before_mute", UNMUTE_DEFAULT)
        return self.act(request, ctx, {VOLUME: level}, done="off", level=level)
