"""What a reading asks for: one (intent, entities) per command in it."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.nlu.result import FALLBACK, ParseResult
from assistant.skills import climate, media, seats, windows
from assistant.skills.status import StatusSkill

# A wrong one of these opens the car, lets someone in or blinds the driver (CATALOGUE.md's rules):
# a reading that asks for one needs a clearer lead over the readings that ask for something else.
SAFETY_INTENTS = frozenset({"doors_unlock", "doors_lock", "trunk_open", "trunk_close", "mirrors_fold"})
# intents that only read the car or talk: a wrong one is a wrong answer, never a wrong action
NO_WRITE_INTENTS = frozenset(StatusSkill.intents) | {"query_home_lights", "affirm", "deny", "cancel", "help",
                                                     "repeat", "greet", "thank", "goodbye"}


# The catalogue's defaults, as the skills apply them: a reading that leaves one out asks for the
# same thing as one that says it ("turn it on my seat heating" = "... on", level 2).
# intent -> (entity, value, unless the command has one of these entities)
DEFAULTS: dict[str, tuple[str, str, frozenset]] = {
    "window_open": ("amount", str(windows.FULLY_OPEN), frozenset({"amount"})),
    "sunroof_open": ("amount", str(windows.FULLY_OPEN), frozenset({"amount"})),
    "seat_heat": ("level", str(seats.DEFAULT_LEVEL), frozenset({"level", "state", "direction"})),
    "seat_ventilate": ("level", str(seats.DEFAULT_LEVEL), frozenset({"level", "state", "direction"})),
    "climate_defrost": ("target", climate.DEFAULT_DEFROST, frozenset({"target"})),
    "climate_change_temperature": ("amount", str(climate.DEFAULT_STEP), frozenset({"amount"})),
    "volume_change": ("amount", str(media.DEFAULT_STEP), frozenset({"amount"})),
}


@dataclass(frozen=True)
class Meaning:
    """The commands of one reading, in order: (intent, frozenset of (entity, value))."""

    commands: tuple[tuple[str, frozenset], ...] = ()

    @classmethod
    def of(cls, results: list[ParseResult]) -> "Meaning":
        """From the NLU's results for a text (`split_commands`); not understood -> no commands."""
        return cls(tuple((r.name, frozenset((e.entity, _value(e.value)) for e in r.entities))
                         for r in results if r.name != FALLBACK)).with_defaults()

    def with_defaults(self) -> "Meaning":
        """Every command with the catalogue's default for what it leaves out (DEFAULTS)."""
        commands = []
        for intent, entities in self.commands:
            default = DEFAULTS.get(intent)
            if default is not None and not {name for name, _ in entities} & default[2]:
                entities = entities | {(default[0], default[1])}
            commands.append((intent, entities))
        return Meaning(tuple(commands))

    @property
    def understood(self) -> bool:
        return bool(self.commands)

    @property
    def intents(self) -> tuple[str, ...]:
        return tuple(intent for intent, _ in self.commands)

    @property
    def writes(self) -> bool:
        """Whether acting on it may change something (the car, or the lights at home); inform can, as it
        fills or changes the last command."""
        return any(intent not in NO_WRITE_INTENTS for intent in self.intents)

    @property
    def safety(self) -> bool:
        return any(intent in SAFETY_INTENTS for intent in self.intents)

    def __str__(self) -> str:
        if not self.commands:
            return "not understood"
        return " + ".join(intent + (f"({', '.join(f'{k}={v}' for k, v in sorted(ents))})" if ents else "")
                          for intent, ents in self.commands)


def _value(value) -> str:
    """Values compared as text; 22 and 22.0 are the same temperature."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)
