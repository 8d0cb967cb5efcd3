"""Load Rasa 3.x NLU training data (YAML) into plain dataclasses.

Supports what the intents/ packs use: `intent` examples with entity
annotations `[text](entity)` and `[text]{"entity": ..., "value": ...}`,
`synonym`, `lookup` and `regex` blocks. Every engine that learns from the
intents (embedded NLU, Rasa, the ASR grammar compiler) reads them through here,
so they all see the same data.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from assistant.errors import DataError

# [text](entity) or [text]{"entity": ..., "value": ...}
_ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\](?:\((?P<name>[^)]+)\)|(?P<json>\{[^}]*\}))")


@dataclass(frozen=True)
class EntitySpan:
    """One annotated entity: `text[start:end]` is what was said, `value` its canonical form."""

    entity: str
    value: str
    start: int
    end: int
    role: str | None = None


@dataclass(frozen=True)
class Example:
    """One training sentence, annotations stripped, with its intent and entities."""

    text: str
    intent: str
    entities: tuple[EntitySpan, ...] = ()


@dataclass
class NluData:
    """Everything in a set of Rasa NLU files."""

    examples: list[Example] = field(default_factory=list)
    synonyms: dict[str, str] = field(default_factory=dict)  # spoken form (lower case) -> canonical value
    lookups: dict[str, list[str]] = field(default_factory=dict)
    regexes: dict[str, list[str]] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    @property
    def intents(self) -> list[str]:
        return sorted({e.intent for e in self.examples})

    @property
    def entities(self) -> list[str]:
        return sorted({s.entity for e in self.examples for s in e.entities})

    def fingerprint(self) -> str:
        """Hash of the source files, so a model can tell it is stale."""
        return _hash_files(self.files)


def data_fingerprint(*paths: Path | str) -> str:
    """`load_nlu_data(*paths).fingerprint()` without parsing the YAML (fast, for model loading)."""
    return _hash_files(_expand(paths))


def _hash_files(files) -> str:
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.name.encode())
        try:
            digest.update(path.read_bytes())
        except OSError as exc:
            raise DataError(f"cannot read training file {path}: {exc}") from exc
    return digest.hexdigest()


def load_nlu_data(*paths: Path | str) -> NluData:
    """Read Rasa YAML files, or every *.yml under each folder given (sorted, recursive)."""
    data = NluData()
    for path in _expand(paths):
        _load_file(path, data)
    if not data.examples:
        raise DataError(f"no NLU training examples found in {', '.join(map(str, paths))}",
                        hint="intent data lives in intents/<language>/*.yml (Rasa 3 format)")
    return data


def load_lookups(*paths: Path | str) -> dict[str, list[str]]:
    """Only the `lookup` blocks (word classes) of Rasa YAML files or folders; a file of lookups
    alone (lexicon.yml) is fine here."""
    data = NluData()
    for path in _expand(paths):
        _load_file(path, data)
    return data.lookups


def _expand(paths) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.yml") if _is_nlu_file(p)))
        elif path.is_file():
            files.append(path)
        else:
            raise DataError(f"training data {path} does not exist")
    return files


def _is_nlu_file(path: Path) -> bool:
    try:
        head = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read training file {path}: {exc}") from exc
    return re.search(r"^nlu:", head, re.MULTILINE) is not None


def _load_file(path: Path, data: NluData) -> None:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise DataError(f"corrupt training file {path}: {exc}",
                        hint="it must be Rasa 3 YAML with a top-level `nlu:` list") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("nlu"), list):
        raise DataError(f"training file {path} has no `nlu:` list")
    data.files.append(path)
    for n, block in enumerate(doc["nlu"]):
        where = f"{path} (nlu item {n + 1})"
        if not isinstance(block, dict):
            raise DataError(f"{where}: expected a mapping")
        lines = _example_lines(block.get("examples"), where)
        if "intent" in block:
            data.examples.extend(parse_example(line, str(block["intent"]), where) for line in lines)
        elif "synonym" in block:
            for line in lines:
                data.synonyms[line.lower()] = str(block["synonym"])
        elif "lookup" in block:
            data.lookups.setdefault(str(block["lookup"]), []).extend(lines)
        elif "regex" in block:
            data.regexes.setdefault(str(block["regex"]), []).extend(lines)
        else:
            raise DataError(f"{where}: expected one of intent, synonym, lookup, regex")


def _example_lines(examples, where: str) -> list[str]:
    if not isinstance(examples, str):
        raise DataError(f"{where}: `examples` must be a block of `- ` lines")
    lines = []
    for raw in examples.splitlines():
        raw = raw.strip()
        if not raw:
            continue
        if not raw.startswith("- "):
            raise DataError(f"{where}: example line must start with '- ': {raw!r}")
        lines.append(raw[2:].strip())
    return lines


def parse_example(line: str, intent: str, where: str = "example") -> Example:
    """Strip annotations from one example line and record the entity spans."""
    text_parts: list[str] = []
    spans: list[EntitySpan] = []
    cursor = 0
    length = 0
    for match in _ANNOTATION.finditer(line):
        before = line[cursor:match.start()]
        text_parts.append(before)
        length += len(before)
        said = match["text"]
        entity, value, role = _annotation(match, where)
        spans.append(EntitySpan(entity, value if value is not None else said, length, length + len(said), role))
        text_parts.append(said)
        length += len(said)
        cursor = match.end()
    text_parts.append(line[cursor:])
    text = "".join(text_parts)
    if "[" in text or "]" in text:
        raise DataError(f"{where}: malformed entity annotation in {line!r}")
    return Example(text=text, intent=intent, entities=tuple(spans))


def _annotation(match: re.Match, where: str) -> tuple[str, str | None, str | None]:
    if match["name"]:
        name, _, value = match["name"].partition(":")  # Rasa 2 style [text](entity:value)
        return name.strip(), (value.strip() or None), None
    try:
        spec = json.loads(match["json"])
    except json.JSONDecodeError as exc:
        raise DataError(f"{where}: bad entity JSON {match['json']!r}: {exc}") from exc
    if not isinstance(spec, dict) or "entity" not in spec:
        raise DataError(f"{where}: entity annotation needs an \"entity\" key: {match['json']!r}")
    value = spec.get("value")
    return str(spec["entity"]), (None if value is None else str(value)), spec.get("role")
