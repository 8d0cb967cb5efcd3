"""Which skill handles which intent.

Built-in skills are listed here as name -> "module:Class" (an
`assistant.registry.Registry`); third-party packages join through the
`assistant.skills` entry-point group, e.g. in their pyproject.toml:

    [project.entry-points."assistant.skills"]
    parking = "my_skills.parking:ParkingSkill"

A skill class has `intents`; the first skill to claim an intent keeps it.
"""

from __future__ import annotations

import logging

from assistant.errors import ConfigError
from assistant.registry import Registry
from assistant.skills.base import Skill

log = logging.getLogger(__name__)

BUILTIN_SKILLS: dict[str, str] = {
    "climate": "assistant.skills.climate:ClimateSkill",
    "windows": "assistant.skills.windows:WindowsSkill",
    "seats": "assistant.skills.seats:SeatsSkill",
    "lights": "assistant.skills.lights:LightsSkill",
    "body": "assistant.skills.body:BodySkill",
    "media": "assistant.skills.media:MediaSkill",
    "status": "assistant.skills.status:StatusSkill",
    "home": "assistant.skills.home:HomeSkill",
    "conversation": "assistant.skills.conversation:ConversationSkill",
}
SKILLS = Registry("skill", "assistant.skills", BUILTIN_SKILLS)


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
        # a broken plug-in is logged and left out: it must not take the assistant down
        return cls([skill() for skill in SKILLS.load_all().values()])

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
