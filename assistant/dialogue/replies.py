"""Reply templates per language (intents/<lang>/responses.yml).

Keys are looked up per intent first, then in the shared `common` section.
Variants of a key are used in turn, so repeated replies don't sound canned
and tests stay deterministic. Numbers are spoken without a trailing ".0".
"""

from __future__ import annotations

import string
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import DataError

SECTIONS = ("common", "intents", "denials", "zones", "systems", "values", "words", "features")


def spoken_number(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, float):
        return round(value, 1)
    return value


class Replies:
    """Renders reply templates; a missing key is a DataError naming the file."""

    def __init__(self, doc: dict, source: str) -> None:
        self.source = source
        self._doc = {section: doc.get(section) or {} for section in SECTIONS}
        self._used: Counter[str] = Counter()

    @classmethod
    def load(cls, path: Path | str) -> "Replies":
        path = Path(path)
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DataError(f"reply templates {path} do not exist",
                            hint="each language pack needs intents/<lang>/responses.yml") from None
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise DataError(f"cannot read reply templates {path}: {exc}") from exc
        if not isinstance(doc, dict) or not isinstance(doc.get("intents"), dict):
            raise DataError(f"reply templates {path} need an `intents:` section")
        return cls(doc, str(path))

    def has(self, intent: str, key: str) -> bool:
        return key in (self._doc["intents"].get(intent) or {}) or key in self._doc["common"]

    def say(self, intent: str, key: str, **fields) -> str:
        """The next variant of `intent.key` (or `common.key`) with `fields` filled in."""
        variants = (self._doc["intents"].get(intent) or {}).get(key)
        name = f"intents.{intent}.{key}"
        if variants is None:
            variants, name = self._doc["common"].get(key), f"common.{key}"
        if variants is None:
            raise DataError(f"{self.source}: no reply template intents.{intent}.{key} or common.{key}")
        return self._render(name, variants, fields)

    def denial(self, reason: str, intent: str, *, ecu: str = "", **fields) -> str:
        """Why nothing (or not everything) happened, in the driver's words."""
        if self.has(intent, reason):
            return self.say(intent, reason, **fields)
        template = self._doc["denials"].get(reason) or self._doc["denials"].get("default")
        if template is None:
            raise DataError(f"{self.source}: no denial template for {reason!r} and no `default`")
        system = self.system(ecu)
        action = (self._doc["intents"].get(intent) or {}).get("action", "do that")
        return self._render(f"denials.{reason}", template,
                            {"action": action, "system": system, "System": system[:1].upper() + system[1:], **fields})

    def zone(self, domain: str, zone: str) -> str:
        return (self._doc["zones"].get(domain) or {}).get(zone, zone.replace("_", " "))

    def feature(self, name: str) -> str:
        """How a feature the car lacks is said (`features: wipers: the wipers`; unsupported_<name> in
        nlu/lexicon.yml), else its name with spaces."""
        return self._doc["features"].get(name) or name.replace("_", " ")

    def system(self, ecu: str) -> str:
        return self._doc["systems"].get(ecu, self._doc["systems"].get("default", "the car"))

    def join(self, items: list[str]) -> str:
        """"a, b and c" in the pack's words (`words: and / separator`; 左前、右前和左后)."""
        words = self._doc["words"]
        conjunction, separator = words.get("and", "and"), words.get("separator", ", ")
        if len(items) == 1:
            return items[0]
        spaced = " " if separator.endswith(" ") else ""
        return f"{separator.join(items[:-1])}{spaced}{conjunction}{spaced}{items[-1]}"

    def _spoken(self, field: str, value: Any) -> Any:
        """A canonical value as the pack says it (`values: color: blue: 蓝色`), else as it is."""
        said = (self._doc["values"].get(field) or {}).get(value) if isinstance(value, str) else None
        return said if said is not None else spoken_number(value)

    def _render(self, name: str, variants: Any, fields: dict) -> str:
        if isinstance(variants, str):
            variants = [variants]
        template = variants[self._used[name] % len(variants)]
        self._used[name] += 1
        values = {k: self._spoken(k, v) for k, v in fields.items()}
        try:
            text = string.Formatter().vformat(template, (), values)
        except (KeyError, IndexError) as exc:
            raise DataError(f"{self.source}: template {name} needs field {exc}") from None
        return text[:1].upper() + text[1:]
