"""Which skill handles which intent.

Built-in skills are listed here as name -> "module:Class" (python-can's
backend registry pattern); third-party packages join through the
`assistant.skills` entry-point group, e.g. in their pyproject.toml:

    [project.entry-points."assistant.skills"]
    parking = "my_skills.parking:ParkingSkill"

A skill class has `intents`; the first skill to claim an intent keeps it.
"""

from __future__ import annotations

import importlib
import logging
from importlib.metadata import entry_points

from assistant.errors import ConfigError
from assistant.skills.base import Skill

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "assistant.skills"
BUILTIN_SKILLS: dict[str, str] = {
    "climate": "assistant.skills.climate:ClimateSkill",
    "windows": "assistant.skills.windows:WindowsSkill",
    "seats": "assistant.skills.seats:SeatsSkill",
    "lights": "assistant.skills.lights:LightsSkill",
    "body": "assistant.skills.body:BodySkill",
    "media": "assistant.skills.media:MediaSkill",
    "status": "assistant.skills.status:StatusSkill",
    "conversation": "assistant.skills.conversation:ConversationSkill",
}


def _load(target: str) -> type[Skill]:
    module_name, _, class_name = target.partition(":")
    return getattr(importlib.import_module(module_name), class_name)


class SkillRegistry:
    """Skills by name and by intent."""

    def __init__(self, skills: list[Skill]) -> None:
        self.skills = {skill.name: skill for skill in skills}
        self._by_intent: dict[str, Skill] = {}
        for skill in skills:
            for intent in skill.intents:
                if intent in self._by_intent:
                    log.warning("intent %s: %s wins over %s", intent, self._by_intent[intent].name, skill.name)
                    continue
                self._by_intent[intent] = skill

    @classmethod
    def discover(cls) -> "SkillRegistry":
        """Built-ins first, then every installed `assistant.skills` entry point."""
        skills = [_load(target)() for target in BUILTIN_SKILLS.values()]
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if ep.name in BUILTIN_SKILLS:
                continue
            try:
                skills.append(ep.load()())
            except Exception as exc:  # a broken plug-in must not take the assistant down
                log.error("skill plug-in %s (%s) failed to load: %s", ep.name, ep.value, exc)
        return cls(skills)

    def for_intent(self, intent: str) -> Skill:
        try:
            return self._by_intent[intent]
        except KeyError:
            raise ConfigError(f"no skill handles intent {intent!r}",
                              hint="add a skill (see README: Adding a skill)") from None

    def handles(self, intent: str) -> bool:
        return intent in self._by_intent

    @property
    def intents(self) -> list[str]:
        return sorted(self._by_intent)
