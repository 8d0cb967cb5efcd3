"""Doors, trunk and mirrors. Unlocking asks for a yes first; the gate checks speed and gear."""

from __future__ import annotations

from assistant.skills.base import Skill, SkillContext, SkillRequest, SkillResult
from assistant.skills.zones import SIDES

TRUNK = "Vehicle.Body.Trunk.Rear.IsOpen"
MIRRORS = ("Vehicle.Body.Mirrors.DriverSide.IsFolded", "Vehicle.Body.Mirrors.PassengerSide.IsFolded")


def locks(locked: bool) -> dict[str, bool]:
    return {f"Vehicle.Cabin.Door.{side}.IsLocked": locked for side in SIDES}


class BodySkill(Skill):
    name = "body"
    domain = "body"
    intents = ("doors_lock", "doors_unlock", "trunk_open", "trunk_close", "mirrors_fold")
    slots = {"mirrors_fold": ("state",)}
    confirm_first = frozenset({"doors_unlock"})

    def planned_writes(self, request: SkillRequest) -> dict:
        """What a confirmed request would write (checked by the gate before asking)."""
        return locks(False) if request.intent == "doors_unlock" else {}

    def doors_lock(self, request: SkillRequest, ctx: SkillContext) -> SkillResult:
        return self.act(request, ctx, locks(True))

    def doors_unlock(self, request: SkillRequest, ctx: SkillContext) -> SkillResult:
        return self.act(request, ctx, locks(False))

    def trunk_open(self, request: SkillRequest, ctx: SkillContext) -> SkillResult:
        return self.act(request, ctx, {TRUNK: True})

    def trunk_close(self, request: SkillRequest, ctx: SkillContext) -> SkillResult:
        return self.act(request, ctx, {TRUNK: False})

    def mirrors_fold(self, request: SkillRequest, ctx: SkillContext) -> SkillResult:
        fold = request.get("state", "on") == "on"
        return self.act(request, ctx, {m: fold for m in MIRRORS}, done="done" if fold else "unfold")
