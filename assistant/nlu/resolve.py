"""Canonical entity values, shared by every backend.

After classification each entity gets its catalogue value: categorical entities via
the synonym tables (zone "passenger side" -> passenger), numbers as numbers
("twenty two point five" -> 22.5), and qualitative amounts/levels by intent
("a bit" opens a window 20 % but warms the cabin 1 degree). Seat heating/ventilation
"on"/"off" become levels 2/0, the fan's "off" becomes level 0 (CATALOGUE.md). A bare
plural "windows"/"seats" is zone all only when no other zone is said.
"""

from __future__ import annotations

import re
from typing import Iterable

from assistant.nlu.numbers import parse_number
from assistant.nlu.numbers_zh import has_han
from assistant.nlu.text import stem_possessive
from assistant.nlu.result import Entity

CANONICAL: dict[str, frozenset[str]] = {
    "zone": frozenset({"driver", "passenger", "rear_left", "rear_right", "rear", "front", "all"}),
    "direction": frozenset({"up", "down"}),
    "state": frozenset({"on", "off"}),
    "target": frozenset({"front", "rear"}),
    "color": frozenset({"red", "orange", "yellow", "green", "blue", "purple", "pink", "white",
                        "warm_white", "cool_white"}),
    "room": frozenset({"living_room", "bedroom", "kitchen", "hallway", "garage", "all"}),
}
NUMERIC = frozenset({"temperature", "amount", "level", "brightness"})
# The car's ambient light has one white: the whites of lights at home are white to it.
INTENT_VALUES = {("ambient_light", "color"): {"warm_white": "white", "cool_white": "white"}}

_OPENING = {
    **dict.fromkeys(["a bit", "a little", "a little bit", "little", "bit", "a crack", "crack",
                     "slightly", "a touch", "a tad", "just a bit"], 20),
    **dict.fromkeys(["a quarter", "quarter", "a quarter of the way"], 25),
    **dict.fromkeys(["halfway", "half way", "half", "a half", "half of the way"], 50),
    **dict.fromkeys(["three quarters", "three quarters of the way"], 75),
    **dict.fromkeys(["all the way", "fully", "completely", "full", "the whole way", "all"], 100),
}
_SEAT = {
    **dict.fromkeys(["max", "maximum", "highest", "high", "full", "top", "hottest", "coldest"], 3),
    **dict.fromkeys(["medium", "mid", "middle"], 2),
    **dict.fromkeys(["low", "lowest", "minimum", "min"], 1),
}
QUALITATIVE: dict[tuple[str, str], dict[str, int]] = {
    ("window_open", "amount"): _OPENING,
    ("sunroof_open", "amount"): _OPENING,
    ("climate_change_temperature", "amount"): {
        **dict.fromkeys(["a bit", "a little", "a little bit", "slightly", "a touch", "a tad",
                         "a degree", "one degree", "little", "bit"], 1),
        **dict.fromkeys(["a couple", "a couple of", "couple", "a couple of degrees"], 2),
        **dict.fromkeys(["a lot", "much", "way", "lots", "a lot more", "a great deal"], 3),
    },
    ("volume_change", "amount"): {
        **dict.fromkeys(["a bit", "a little", "a little bit", "slightly", "a touch", "a tad",
                         "little", "bit"], 5),
        **dict.fromkeys(["a lot", "much", "way", "lots", "a great deal"], 20),
    },
    ("seat_heat", "level"): _SEAT,
    ("seat_ventilate", "level"): _SEAT,
    ("climate_fan", "level"): {
        **dict.fromkeys(["max", "maximum", "highest", "full", "full blast", "top", "full power"], 7),
        "high": 6,
        **dict.fromkeys(["medium", "mid", "middle"], 4),
        **dict.fromkeys(["low", "lowest", "minimum", "min"], 1),
    },
    ("volume_set", "level"): {
        **dict.fromkeys(["max", "maximum", "full", "highest", "all the way up", "top",
                         "full blast"], 100),
        **dict.fromkeys(["high", "loud"], 80),
        **dict.fromkeys(["medium", "mid", "middle", "half", "halfway", "half way"], 50),
        **dict.fromkeys(["low", "quiet"], 20),
        **dict.fromkeys(["minimum", "min", "lowest"], 5),
    },
    ("home_lights", "brightness"): {
        **dict.fromkeys(["dim", "dimmed", "dimmer", "low", "soft", "down low"], 30),
        **dict.fromkeys(["half", "halfway", "half way", "medium"], 50),
        **dict.fromkeys(["bright", "brighter", "full", "max", "maximum", "full brightness", "all the way up"], 100),
    },
}
STATE_LEVELS = {"seat_heat": {"on": 2, "off": 0}, "seat_ventilate": {"on": 2, "off": 0},
                "climate_fan": {"off": 0}}


def phrase_key(text: str) -> str:
    words = text.lower().replace("’", "'").split()
    if words[:1] == ["the"] and len(words) > 1:
        words = words[1:]
    return " ".join(words)


def _qualitative_key(text: str, synonyms: dict[str, str]) -> str:
    """The table key of a qualitative amount; another language's phrase (一点) maps through its
    synonyms to the English key the tables use (a bit)."""
    key = phrase_key(text)
    return synonyms.get(key, key) if has_han(key) else key


def canonical_value(intent: str, entity: str, value, said: str, synonyms: dict[str, str]):
    """The catalogue value of one entity; unknown phrases keep their text."""
    found = _canonical_value(intent, entity, value, said, synonyms)
    return INTENT_VALUES.get((intent, entity), {}).get(found, found) if isinstance(found, str) else found


def _canonical_value(intent: str, entity: str, value, said: str, synonyms: dict[str, str]):
    if entity in NUMERIC:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        for text in (str(value), said):
            number = parse_number(text)
            if number is not None:
                return number
        table = QUALITATIVE.get((intent, entity), {})
        for text in (str(value), said):
            key = _qualitative_key(text, synonyms)
            if key in table:
                return table[key]
        return _qualitative_key(str(value), synonyms)
    allowed = CANONICAL.get(entity)
    for text in (str(value), said):
        key = phrase_key(text)
        for key in dict.fromkeys((key, " ".join(stem_possessive(w) for w in key.split()))):  # "everyone's"
            if allowed is None or key in allowed:
                return key
            mapped = synonyms.get(key) or synonyms.get(text.lower())
            if mapped is not None and (allowed is None or mapped in allowed):
                return mapped
    return phrase_key(str(value))


def resolve_entities(intent: str, text: str, entities: Iterable[Entity],
                     synonyms: dict[str, str]) -> tuple[Entity, ...]:
    """Entities with canonical values, after the intent is known."""
    resolved = [Entity(e.entity, _signed(text, e, canonical_value(intent, e.entity, e.value, text[e.start:e.end],
                                                                  synonyms)),
                       e.start, e.end, e.confidence, e.extractor) for e in entities]
    levels = STATE_LEVELS.get(intent)
    if levels:
        has_level = any(e.entity == "level" for e in resolved)
        out = []
        for e in resolved:
            if e.entity == "state" and e.value in levels:
                if has_level:
                    continue  # "turn on the seat heater to three": the level says it all
                e = Entity("level", levels[e.value], e.start, e.end, e.confidence, e.extractor)
            out.append(e)
        resolved = out
    return tuple(sorted(_dedupe(_plural_zone(text, resolved)), key=lambda e: (e.start, e.end)))


# a sign said just before a number span ("minus [20]", "-[22]"): an extractor that was never
# shown a negative number (Rasa's DIET) tags the digits alone, and the sign must not be lost
_SIGN_BEFORE = re.compile(r"(?:\b(?:minus|negative)\s+|(?<![\w.])[-−]\s*)$", re.IGNORECASE)


def _signed(text: str, entity: Entity, value):
    if entity.entity in NUMERIC and isinstance(value, (int, float)) and not isinstance(value, bool) \
            and value > 0 and _SIGN_BEFORE.search(text[:entity.start]):
        return -value
    return value


PLURAL_NOUNS = frozenset({"windows", "seats"})


def _plural_zone(text: str, entities: list[Entity]) -> list[Entity]:
    """"the windows" alone means all of them (zone all); with a zone said as well
    ("the windows on the passenger side") the plural noun only names the thing."""
    plural = [e for e in entities if e.entity == "zone" and text[e.start:e.end].lower() in PLURAL_NOUNS]
    if plural and len(plural) < sum(e.entity == "zone" for e in entities):
        return [e for e in entities if e not in plural]
    return entities


def _dedupe(entities: list[Entity]) -> list[Entity]:
    """One entity per (type, value): "fold the mirrors in" says "on" twice."""
    best: dict[tuple, Entity] = {}
    for e in entities:
        key = (e.entity, repr(e.value))
        if key not in best or e.confidence > best[key].confidence:
            best[key] = e
    return list(best.values())
