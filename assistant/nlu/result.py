"""Parse results in Rasa's /model/parse shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FALLBACK = "nlu_fallback"


@dataclass(frozen=True)
class Entity:
    """One entity: `text[start:end]` was said; `value` is canonical (str, int or float)."""

    entity: str
    value: Any
    start: int
    end: int
    confidence: float = 1.0
    extractor: str = "embedded"

    def to_json(self) -> dict:
        return {"entity": self.entity, "value": self.value, "start": self.start, "end": self.end,
                "confidence_entity": round(float(self.confidence), 4), "extractor": self.extractor}


@dataclass(frozen=True)
class IntentScore:
    """An intent name with its (calibrated) confidence."""

    name: str
    confidence: float

    def to_json(self) -> dict:
        return {"name": self.name, "confidence": round(float(self.confidence), 4)}


@dataclass(frozen=True)
class ParseResult:
    """What the NLU understood from one text."""

    text: str
    intent: IntentScore
    entities: tuple[Entity, ...] = ()
    intent_ranking: tuple[IntentScore, ...] = field(default=())
    # features the car does not have that the text asks for ("wipers"; assistant/nlu/unsupported.py)
    unsupported: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.intent.name

    @property
    def confidence(self) -> float:
        return self.intent.confidence

    @property
    def is_fallback(self) -> bool:
        return self.intent.name == FALLBACK

    def entity(self, name: str, default: Any = None) -> Any:
        """The value of the first entity called `name`, else `default`."""
        return next((e.value for e in self.entities if e.entity == name), default)

    def to_json(self) -> dict:
        data = {"text": self.text, "intent": self.intent.to_json(),
                "entities": [e.to_json() for e in self.entities],
                "intent_ranking": [s.to_json() for s in self.intent_ranking]}
        if self.unsupported:
            data["unsupported"] = list(self.unsupported)
        return data


def fallback(text: str, ranking: tuple[IntentScore, ...] = (), confidence: float = 1.0, *,
             unsupported: tuple[str, ...] = ()) -> ParseResult:
    """The nlu_fallback result for `text`, keeping the ranking that led to it (and the features
    the car lacks that it names)."""
    top = IntentScore(FALLBACK, confidence)
    rest = tuple(s for s in ranking if s.name != FALLBACK)
    return ParseResult(text=text, intent=top, entities=(), intent_ranking=(top,) + rest, unsupported=unsupported)
