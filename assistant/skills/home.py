"""Lights at home, through the home bridge (`[home]`): never the car's bus, never a frame.

A change is reported done only when each light's state topic shows it; lights that do
not answer are named, no link is said at once, and nothing is left queued (CATALOGUE.md).
"""

from __future__ import annotations

import logging
from typing import Any

from assistant.home.base import CONFIRMED, NO_ANSWER, NO_LINK, NOT_SET_UP, PARTIAL, HomeBridge, HomeOutcome, OffHome
from assistant.home.zigbee import COLORS, LightCommand, is_on
from assistant.skills.base import Skill, SkillContext, SkillRequest, SkillResult

ALL = "all"
log = logging.getLogger(__name__)


def light_name(name: str) -> str:
    return name.replace("_", " ").replace("/", " ")


class HomeSkill(Skill):
    name = "home"
    domain = "home"
    intents = ("home_lights", "query_home_lights")
    slots = {"home_lights": ("state", "room", "brightness", "color"), "query_home_lights": ("room",)}

    def __init__(self) -> None:
        self.bridge: HomeBridge = OffHome()  # the runtime attaches the configured bridge
        self.requested: dict[str, dict[str, Any]] = {}  # light -> payload asked for this turn (turn JSON `home`)

    def take_requested(self) -> dict[str, dict[str, Any]]:
        requested, self.requested = self.requested, {}
        return requested

    def _lights(self, room: str) -> list[str]:
        if room == ALL:
            return sorted({name for names in self.bridge.rooms.values() for name in names})
        return list(self.bridge.rooms.get(room, ()))

    def _where(self, ctx: SkillContext, room: str) -> str:
        said = ctx.replies.zone("home", room)
        return f"the {said} lights" if said == room.replace("_", " ") else said  # a room only the config names

    def home_lights(self, request: SkillRequest, ctx: SkillContext) -> SkillResult:
        room = request.get("room") or ALL
        state, color, brightness = request.get("state"), request.get("color"), request.get("brightness")
        fields = {"where": self._where(ctx, room), "color": str(color).replace("_", " "), "brightness": brightness}
        if color is not None and color not in COLORS:
            return SkillResult(ctx.replies.say(request.intent, "unknown_color", **fields), denied="out_of_range")
        if brightness is not None and (isinstance(brightness, bool) or not isinstance(brightness, (int, float))
                                       or not 0 <= brightness <= 100):
            return SkillResult(ctx.replies.say(request.intent, "out_of_range", **fields), denied="out_of_range")
        if state == "off" and (color is not None or brightness):
            return SkillResult(ctx.replies.say(request.intent, "contradiction", **fields), denied="contradiction")
        lights = self._lights(room)
        if not lights:
            return SkillResult(ctx.replies.say(request.intent, "no_room", **fields), denied="no_such_room")
        on = state != "off" and brightness != 0
        command = LightCommand(on, brightness if on else None, color if on else None)
        outcome = self._ask(lambda: self.bridge.set_lights(lights, command), {n: command.payload() for n in lights})
        self.requested.update(outcome.requested)
        if outcome.status == CONFIRMED:
            key = "color" if color else "brightness" if brightness is not None and on else "on" if on else "off"
            return SkillResult(ctx.replies.say(request.intent, key, **fields))
        if outcome.status == PARTIAL:
            reply = ctx.replies.say(request.intent, "partial",
                                    done=ctx.replies.join([light_name(n) for n in outcome.confirmed]),
                                    missed=ctx.replies.join([light_name(n) for n in outcome.unanswered]))
            return SkillResult(reply, denied="home_partial")
        return self._failure(request, ctx, outcome.status)

    def query_home_lights(self, request: SkillRequest, ctx: SkillContext) -> SkillResult:
        room = request.get("room") or ALL
        where = self._where(ctx, room)
        lights = self._lights(room)
        if not lights:
            return SkillResult(ctx.replies.say(request.intent, "no_room", where=where), denied="no_such_room")
        outcome = self._ask(lambda: self.bridge.query_lights(lights), {})
        self.requested.update(outcome.requested)
        if outcome.status not in (CONFIRMED, PARTIAL):
            return self._failure(request, ctx, outcome.status)
        lit = [name for name in outcome.confirmed if is_on(outcome.states.get(name))]
        if not lit:
            parts = [ctx.replies.say(request.intent, "all_off", where=where)]
        else:
            rooms, single = self._spoken(lit)
            items = ([self._rooms_lights(request, ctx, rooms)] if rooms else []) + single
            key = "on_one" if not rooms and len(single) == 1 else "on_many"
            parts = [ctx.replies.say(request.intent, key, lights=ctx.replies.join(items))]
        if outcome.unanswered:
            parts.append(ctx.replies.say(request.intent, "unanswered",
                                         lights=ctx.replies.join([light_name(n) for n in outcome.unanswered])))
        return SkillResult(" ".join(parts), denied="home_partial" if outcome.unanswered else None)

    def _ask(self, request, requested) -> HomeOutcome:
        """The bridge's answer; a failure inside it costs this request a "can't reach home", not the session."""
        try:
            return request()
        except Exception:
            log.exception("home bridge failed")
            return HomeOutcome(NO_LINK, requested=requested)

    @staticmethod
    def _rooms_lights(request: SkillRequest, ctx: SkillContext, rooms: list[str]) -> str:
        """"bedroom and kitchen lights"; a pack with `zones.home_room` and a `rooms` template
        says it in its own words (卧室和厨房的灯)."""
        said = ctx.replies.join([ctx.replies.zone("home_room", room) for room in rooms])
        return ctx.replies.say(request.intent, "rooms", rooms=said) if ctx.replies.has(request.intent, "rooms") \
            else f"{said} lights"

    def _spoken(self, lights: list[str]) -> tuple[list[str], list[str]]:
        """Rooms whose lights are all on ("bedroom"), and the other lights by name ("living room lamp")."""
        rest, rooms = set(lights), []
        for room, names in self.bridge.rooms.items():
            if names and set(names) <= rest:
                rooms.append(room)
                rest -= set(names)
        return rooms, [light_name(n) for n in lights if n in rest]

    def _failure(self, request: SkillRequest, ctx: SkillContext, status: str) -> SkillResult:
        key = {NO_LINK: "no_link", NO_ANSWER: "no_answer", NOT_SET_UP: "not_set_up"}.get(status, "no_link")
        return SkillResult(ctx.replies.say(request.intent, key), denied=f"home_{key}")
