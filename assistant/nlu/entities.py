"""Entity extraction: which candidate spans are entities, and of which type.

Candidates come from the gazetteer (synonyms, lookups and every annotated span in the
training data) and from the number reader. A linear classifier, conditioned on the
intent and the words around the span, labels each candidate with an entity type it can
be, or "none" ("one" in "the rear one", "on" in "turn on the radio" for a fallback,
"right" in "all right"). Overlaps keep the most confident span.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from assistant.nlu.features import Analysis, Candidate, _band
from assistant.nlu.result import Entity
from assistant.nlu.softmax import softmax, sparse_logits

NONE = "none"


def _context(an: Analysis, k: int) -> str:
    if k < 0:
        return "<s>"
    if k >= len(an.words):
        return "</s>"
    for chunk in an.numbers:
        if chunk.first <= k <= chunk.last:
            return "<num>"
    return an.words[k].norm


def candidate_features(an: Analysis, cand: Candidate, intent: str) -> list[str]:
    phrase = "<num>" if cand.number is not None else " ".join(an.norms[cand.first:cand.last + 1])
    l1, l2 = _context(an, cand.first - 1), _context(an, cand.first - 2)
    r1, r2 = _context(an, cand.last + 1), _context(an, cand.last + 2)
    feats = ["bias", "p:" + phrase, "k:" + cand.kind, "i:" + intent, "ip:" + intent + "|" + phrase,
             "l1:" + l1, "l2:" + l2 + "_" + l1, "r1:" + r1, "r2:" + r1 + "_" + r2,
             "l1p:" + l1 + "|" + phrase, "pr1:" + phrase + "|" + r1, "il1:" + intent + "|" + l1,
             "ir1:" + intent + "|" + r1, "len:" + str(min(cand.last - cand.first + 1, 4))]
    if cand.number is not None:
        feats.append("n:" + _band(cand.number))
        feats.append("in:" + intent + "|" + _band(cand.number))
    for entity, _ in cand.options:
        feats.append("o:" + entity)
        feats.append("io:" + intent + "|" + entity)
    # lists: "the driver and passenger", "front and rear" - a same-type candidate across "and"/"or"
    for other in an.candidates:
        linked = (other.last == cand.first - 2 and l1 in _LIST_WORDS) or \
                 (other.first == cand.last + 2 and r1 in _LIST_WORDS)
        if linked:
            for entity in {e for e, _ in cand.options} & {e for e, _ in other.options}:
                feats.append("co:" + entity)
    return feats


_LIST_WORDS = frozenset({"and", "or", "plus"})


def gold_label(cand: Candidate, gold: Iterable[tuple[str, int, int]]) -> str:
    """The annotated entity whose span is exactly this candidate's, else none."""
    for entity, start, end in gold:
        if (start, end) == (cand.start, cand.end) and entity in dict(cand.options):
            return entity
    return NONE


def same_value_overlap(cand: Candidate, gold: Iterable[tuple[str, int, int, object]]) -> str | None:
    """The annotated entity this candidate overlaps and names with the same canonical value
    ("rear" inside "[rear seats]", "passenger" inside "[passenger side]"), else None. Such a
    candidate says the same thing as the annotation, so it must not be taught as "none"."""
    options = dict(cand.options)
    for entity, start, end, value in gold:
        if cand.start < end and start < cand.end and entity in options and options[entity] == value:
            return entity
    return None


class EntityTagger:
    """The trained candidate classifier (weights over hashed-free feature names)."""

    def __init__(self, labels: list[str], vocab: list[str], W: np.ndarray, b: np.ndarray,
                 intent_entities: dict[str, list[str]] | None = None):
        self.labels = labels
        # entity types each intent was annotated with; inform may carry any of them
        self.intent_entities = {k: set(v) for k, v in (intent_entities or {}).items()}
        self.label_index = {l: i for i, l in enumerate(labels)}
        self.vocab = vocab
        self.index = {f: i for i, f in enumerate(vocab)}
        self.W, self.b = W, b

    def mask(self, cand: Candidate, intent: str | None = None) -> np.ndarray:
        allowed = np.zeros(len(self.labels), bool)
        allowed[self.label_index[NONE]] = True
        types = self.intent_entities.get(intent) if intent != "inform" else None
        for entity, _ in cand.options:
            if entity in self.label_index and (types is None or entity in types):
                allowed[self.label_index[entity]] = True
        return allowed

    def probabilities(self, an: Analysis, cand: Candidate, intent: str) -> np.ndarray:
        idx = [self.index[f] for f in candidate_features(an, cand, intent) if f in self.index]
        logits = sparse_logits(self.W, self.b, idx, [1.0] * len(idx))
        logits = np.where(self.mask(cand, intent), logits, -np.inf)
        return softmax(logits)

    def extract(self, an: Analysis, intent: str) -> list[Entity]:
        """Non-overlapping entities, most confident first wins (then widened to the longest
        overlapping phrase with the same value); values as annotated/spoken."""
        scored = []
        for cand in an.candidates:
            p = self.probabilities(an, cand, intent)
            best = int(np.argmax(p))
            label = self.labels[best]
            if label != NONE:
                scored.append((float(p[best]), cand, label))
        scored.sort(key=lambda s: (-s[0], -(s[1].end - s[1].start)))
        taken: list[tuple[Candidate, str, float]] = []
        for prob, cand, label in scored:
            clash = [k for k, (t, _, _) in enumerate(taken) if cand.start < t.end and t.start < cand.end]
            if not clash:
                taken.append((cand, label, prob))
                continue
            # "passenger" and "passenger side" say the same: keep the whole phrase as the span
            other, other_label, other_prob = taken[clash[0]]
            if len(clash) == 1 and label == other_label and _value(cand, label) == _value(other, label) \
                    and cand.start <= other.start and other.end <= cand.end:
                taken[clash[0]] = (cand, label, other_prob)
        return [Entity(label, _value(cand, label), cand.start, cand.end, prob, "embedded")
                for cand, label, prob in taken]


def _value(cand: Candidate, label: str):
    return dict(cand.options)[label]
