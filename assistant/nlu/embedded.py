"""The embedded NLU backend: numpy only at run time, about a millisecond per parse."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.errors import DataError, ModelMissingError
from assistant.nlu.data import data_fingerprint
from assistant.nlu.entities import EntityTagger
from assistant.nlu.features import Gazetteer, Vectorizer, intent_features, is_meta_feature
from assistant.nlu.model import ModelBundle, load_bundle, model_path
from assistant.nlu.numbers import unreadable_numbers
from assistant.nlu.result import FALLBACK, IntentScore, ParseResult, fallback
from assistant.nlu.resolve import resolve_entities
from assistant.nlu.softmax import softmax, sparse_logits
from assistant.nlu.split import mixed_intents
from assistant.nlu.unsupported import FeatureWords

MAX_CHARS = 400   # a spoken command is a sentence or two; 10 kB of text is not one
MAX_WORDS = 48
RANKING = 10


class EmbeddedNlu:
    """Intent classifier + entity tagger trained by `assistant train`."""

    name = "embedded"

    def __init__(self, bundle: ModelBundle, *, threshold: float = 0.5, path: Path | None = None):
        meta = bundle.meta
        self.path = path
        self.threshold = threshold
        self.intents: list[str] = meta["intents"]
        self.temperature = float(meta["temperature"])
        self.vectorizer = Vectorizer(meta["intent_vocab"], bundle.idf)
        self.W, self.b = bundle.intent_W, bundle.intent_b
        self.gazetteer = Gazetteer.from_json(meta["gazetteer"])
        self.synonyms: dict[str, str] = meta["synonyms"]
        self.tagger = EntityTagger(meta["entity_labels"], meta["entity_vocab"], bundle.entity_W, bundle.entity_b,
                                   meta.get("intent_entities"))
        self.features = FeatureWords.from_json(meta.get("unsupported"))  # what the car lacks: named, never acted on
        self.meta = meta

    @classmethod
    def from_config(cls, config) -> "EmbeddedNlu":
        path = model_path(config)
        bundle = load_bundle(path)
        data_dir = config.intents_dir / "nlu"
        if not data_dir.is_dir():
            raise DataError(f"NLU training data folder {data_dir} does not exist",
                            hint="intents/<language>/nlu/*.yml must be present to check the model against")
        if data_fingerprint(data_dir) != bundle.meta.get("fingerprint"):
            raise ModelMissingError(f"NLU model {path} was trained on different data than {data_dir} has now",
                                    hint="run `assistant train` to retrain it")
        return cls(bundle, threshold=config.nlu.threshold, path=path)

    def close(self) -> None:
        pass

    # -- classification --------------------------------------------------------------
    def _scores(self, text: str):
        an = self.gazetteer.analyse(text)
        feats = intent_features(an)
        idx, values = self.vectorizer.transform(feats)
        if not any(f in self.vectorizer.index for f in feats if not is_meta_feature(f)):
            return an, None  # no word, n-gram or value it knows: another language, emoji, noise
        return an, softmax(sparse_logits(self.W, self.b, idx, values) / self.temperature)

    def classify(self, text: str) -> tuple[str, float]:
        """Top intent and its calibrated confidence (no entities, no mixing check)."""
        _, probs = self._scores(text)
        if probs is None:
            return FALLBACK, 1.0
        best = int(np.argmax(probs))
        return self.intents[best], float(probs[best])

    def parse(self, text: str) -> ParseResult:
        result = self.parse_single(text)
        if result.is_fallback:
            return result
        mixed = mixed_intents(text, self.parse_single, self.threshold)
        if mixed:
            return self.features.check(fallback(text, result.intent_ranking, min(r.confidence for r in mixed)))
        return result

    def parse_single(self, text: str) -> ParseResult:
        """Parse as one command (`parse` also checks that it is not several)."""
        return self.features.check(self._classified(text))

    def _classified(self, text: str) -> ParseResult:
        if not isinstance(text, str):
            raise TypeError(f"parse() needs a str, got {type(text).__name__}")
        if not text.strip() or len(text) > MAX_CHARS:
            return fallback(text)
        an, probs = self._scores(text)
        if probs is None or len(an.words) > MAX_WORDS or unreadable_numbers(an.words):
            return fallback(text)  # "1e309" is not understood, never read as 1
        order = np.argsort(-probs)[:RANKING]
        ranking = tuple(IntentScore(self.intents[i], float(probs[i])) for i in order)
        top = ranking[0]
        if top.name == FALLBACK:
            return fallback(text, ranking, top.confidence)
        if top.confidence < self.threshold:
            return fallback(text, ranking, 1.0 - top.confidence)
        entities = resolve_entities(top.name, text, self.tagger.extract(an, top.name), self.synonyms)
        return ParseResult(text=text, intent=top, entities=entities, intent_ranking=ranking)
