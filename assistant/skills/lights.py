"""Ambient light: on/off and colour, every ambient zone alike; a colour implies on."""

from __future__ import annotations

from assistant.skills.base import Skill, SkillContext, SkillRequest, SkillResult
from assistant.skills.zones import SIDES

AMBIENT = "Vehicle.Cabin.Light.AmbientLight"


class LightsSkill(Skill):
    name = "lights"
    domain = "light"
    intents = ("ambient_light",)
    slots = {"ambient_light": ("state", "color")}

    def ambient_light(self, request: SkillRequest, ctx: SkillContext) -> SkillResult:
        color, state = request.get("color"), request.get("state")
        if color is not None and state == "off":
            return SkillResult(ctx.replies.say(request.intent, "contradiction", color=color), denied="contradiction")
        on = color is not None or state != "off"
        changes = {f"{AMBIENT}.{side}.IsLightOn": on for side in SIDES}
        if color is not None:
            changes |= {f"{AMBIENT}.{side}.Color": color for side in SIDES}
        return self.act(request, ctx, changes, done="color" if color else ("on" if on else "off"), color=color)
