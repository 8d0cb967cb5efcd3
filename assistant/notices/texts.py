"""How notices are said: the `notices:` block of intents/<lang>/responses.yml.

    notices:
      low_fuel: "Fuel is getting low: {level} percent left, about {range_km} kilometres."
      door_open_moving: "The {where} door is open."

Doors and tires are said with the file's `zones.door` / `zones.tire`, ECUs with
`systems`, as the replies of the dialogue are. Variants of a key are used in turn.
"""

from __future__ import annotations

import string
from collections import Counter
from pathlib import Path

import yaml

from assistant.dialogue.replies import spoken_number
from assistant.errors import DataError

REQUIRED = ("low_fuel", "low_fuel_reserve", "door_open_moving", "trunk_open_moving", "tire_pressure_low", "ecu_lost",
            "door_close_self")


class NoticeTexts:
    """Renders notice templates; a missing template is a DataError at load time, not mid-drive."""

    def __init__(self, doc: dict, source: str) -> None:
        self.source = source
        self._notices = doc.get("notices") or {}
        self._zones = doc.get("zones") or {}
        self._systems = doc.get("systems") or {}
        self._used: Counter[str] = Counter()
        missing = [k for k in REQUIRED if k not in self._notices]
        if missing:
            raise DataError(f"{source}: no notice template for {', '.join(missing)}",
                            hint="add them to the `notices:` block of the language's responses.yml")

    @classmethod
    def load(cls, path: Path | str) -> "NoticeTexts":
        path = Path(path)
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise DataError(f"cannot read notice templates in {path}: {exc}") from exc
        if not isinstance(doc, dict):
            raise DataError(f"{path} must be a mapping with a `notices:` block")
        return cls(doc, str(path))

    def render(self, key: str, **fields) -> str:
        variants = self._notices[key]
        if isinstance(variants, str):
            variants = [variants]
        template = variants[self._used[key] % len(variants)]
        self._used[key] += 1
        try:
            text = string.Formatter().vformat(template, (), {k: spoken_number(v) for k, v in fields.items()})
        except (KeyError, IndexError) as exc:
            raise DataError(f"{self.source}: template notices.{key} needs field {exc}") from None
        return text[:1].upper() + text[1:]

    def zone(self, domain: str, zone: str) -> str:
        return (self._zones.get(domain) or {}).get(zone, zone.replace("_", " "))

    def system(self, ecu: str) -> str:
        return self._systems.get(ecu, self._systems.get("default", "the car"))
