"""Train the embedded NLU model from intents/<lang>/nlu (numpy + scipy, a few seconds).

1. Gazetteer from synonyms, lookups, canonical values and every annotated span.
2. Intent classifier: softmax regression on TF-IDF features. Its temperature is fitted
   on out-of-fold logits (k-fold cross-validation), so confidences are calibrated on
   sentences the model did not see; the final model is then fitted on all the data.
3. Entity tagger: softmax regression over candidate spans, labels masked to the types
   each span can be. A candidate overlapping an annotation with the same value ("rear"
   in "[rear seats]") is taught as that entity, not as "none".

Settings are chosen by cross-validation on the training data (`python -m
assistant.measure.crossval`), never on the held-out splits.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timezone

import numpy as np

from assistant.nlu.data import NluData, load_nlu_data
from assistant.nlu.entities import NONE, candidate_features, gold_label, same_value_overlap
from assistant.nlu.features import MAX_PHRASE, Gazetteer, Vectorizer, intent_features
from assistant.nlu.model import FORMAT, ModelBundle, model_path
from assistant.nlu.numbers import parse_number
from assistant.nlu.resolve import CANONICAL, NUMERIC, canonical_value, phrase_key
from assistant.nlu.softmax import fit_softmax, fit_temperature, softmax
from assistant.nlu.text import tokenize, words
from assistant.nlu.unsupported import FeatureWords

INTENT_L2 = 3e-7      # chosen by 5-fold cross-validation on the training data (seeds 13, 1, 2)
ENTITY_L2 = 1e-4
CLASS_WEIGHT_POWER = 0.5  # sample weight 1/count**0.5: the big nlu_fallback class no longer soaks up rare intents
MIN_DF = 2            # features seen in one sentence only are noise (and double the training time)
FOLDS = 3             # out-of-fold logits for temperature scaling

Progress = Callable[[float, str], None]


def build_gazetteer(data: NluData) -> Gazetteer:
    phrases: dict[tuple[str, ...], dict[str, object]] = {}

    def add(said: str, entity: str, value) -> None:
        key = tuple(t.norm for t in words(tokenize(said)))
        if key and len(key) <= MAX_PHRASE:
            phrases.setdefault(key, {}).setdefault(entity, value)

    for entity, values in CANONICAL.items():
        for value in values:
            add(value.replace("_", " "), entity, value)
    for said, value in data.synonyms.items():
        for entity, values in CANONICAL.items():
            if value in values:
                add(said, entity, value)
    lexicon: dict[tuple[str, ...], list[str]] = {}
    for name, items in data.lookups.items():
        for item in items:
            if name in CANONICAL:
                add(item, name, data.synonyms.get(item.lower(), item.lower()))
            elif name not in NUMERIC and name != "number":
                key = tuple(t.norm for t in words(tokenize(item)))
                if key and len(key) <= MAX_PHRASE and name not in lexicon.setdefault(key, []):
                    lexicon[key].append(name)
    for ex in data.examples:
        for span in ex.entities:
            said = ex.text[span.start:span.end]
            if span.entity in NUMERIC:
                if parse_number(said) is None:  # qualitative: "a bit", "halfway", "max"
                    add(said, span.entity, phrase_key(said))
            else:
                add(said, span.entity, canonical_value(ex.intent, span.entity, span.value, said, data.synonyms))
    return Gazetteer(phrases, lexicon)


def _folds(y: np.ndarray, k: int, seed: int = 13) -> np.ndarray:
    """Stratified fold number per sample."""
    rng = np.random.default_rng(seed)
    fold = np.empty(len(y), int)
    for label in np.unique(y):
        idx = np.flatnonzero(y == label)
        rng.shuffle(idx)
        fold[idx] = np.arange(len(idx)) % k
    return fold


def _fit_intents(docs: list[list[str]], y: np.ndarray, n_classes: int, l2: float):
    vec = Vectorizer.fit(docs, min_df=MIN_DF)
    counts = np.bincount(y, minlength=n_classes).astype(float)
    weights = 1.0 / np.maximum(counts[y], 1.0) ** CLASS_WEIGHT_POWER
    W, b = fit_softmax(vec.matrix(docs), y, n_classes, l2=l2, sample_weight=weights)
    return vec, W, b


def cross_validated_logits(docs, y, n_classes, *, l2=None, folds=FOLDS, progress=None):
    """Out-of-fold logits: each sentence scored by a model that never saw it."""
    l2 = INTENT_L2 if l2 is None else l2  # read at call time: the final fit uses the same
    fold = _folds(y, folds)
    logits = np.zeros((len(y), n_classes))
    for f in range(folds):
        train, test = fold != f, fold == f
        vec, W, b = _fit_intents([d for d, t in zip(docs, train) if t], y[train], n_classes, l2)
        logits[test] = vec.matrix([d for d, t in zip(docs, test) if t]) @ W + b
        if progress:
            progress(0.1 + 0.5 * (f + 1) / folds, f"calibration fold {f + 1}/{folds}")
    return logits


def train_embedded(config, progress: Progress | None = None) -> tuple[str, dict]:
    """Train and save the embedded model; returns (path, stats)."""
    started = time.perf_counter()
    progress = progress or (lambda fraction, message: None)
    data_dir = config.intents_dir / "nlu"
    progress(0.0, f"reading {data_dir}")
    data = load_nlu_data(data_dir)
    bundle = fit_bundle(data, language=config.language, progress=progress)
    path = model_path(config)
    bundle.save(path)
    stats = bundle.meta["stats"]
    stats["seconds"] = round(time.perf_counter() - started, 2)
    progress(1.0, "saved")
    return str(path), stats


def fit_bundle(data: NluData, *, language: str = "en", progress: Progress | None = None) -> ModelBundle:
    """The whole embedded model fitted on `data`, in memory (cross-validation fits it per fold)."""
    progress = progress or (lambda fraction, message: None)
    gazetteer = build_gazetteer(data)
    analyses = [gazetteer.analyse(ex.text) for ex in data.examples]
    intents = data.intents
    y = np.array([intents.index(ex.intent) for ex in data.examples])
    docs = [intent_features(a) for a in analyses]
    progress(0.1, "calibrating intent confidence")
    oof = cross_validated_logits(docs, y, len(intents), progress=progress)
    temperature = fit_temperature(oof, y)
    cv_pred = oof.argmax(axis=1)
    progress(0.65, "fitting intent classifier")
    vec, intent_W, intent_b = _fit_intents(docs, y, len(intents), INTENT_L2)
    progress(0.8, "fitting entity tagger")
    entity_labels, entity_vocab, entity_W, entity_b, coverage = _fit_entities(data, analyses)
    intent_entities = {i: sorted({s.entity for ex in data.examples if ex.intent == i for s in ex.entities})
                       for i in intents}
    meta = {
        "format": FORMAT, "language": language,
        "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "fingerprint": data.fingerprint() if data.files else "", "files": [p.name for p in data.files],
        "intents": intents, "intent_vocab": vec.vocab, "temperature": temperature,
        "entity_labels": entity_labels, "entity_vocab": entity_vocab, "intent_entities": intent_entities,
        "gazetteer": gazetteer.to_json(), "synonyms": data.synonyms,
        "unsupported": FeatureWords.build(data.lookups, data.examples).to_json(),
        "stats": {"examples": len(data.examples), "intents": len(intents),
                  "cv_accuracy": float((cv_pred == y).mean()),
                  "cv_confidence": float(softmax(oof / temperature).max(axis=1).mean()),
                  "candidate_coverage": coverage},
    }
    return ModelBundle(meta, intent_W, intent_b, vec.idf, entity_W, entity_b)


def _fit_entities(data: NluData, analyses):
    labels = [NONE] + sorted({s.entity for ex in data.examples for s in ex.entities})
    rows, y, masks = [], [], []
    gold_total = covered = 0
    for ex, an in zip(data.examples, analyses):
        gold = [(s.entity, s.start, s.end) for s in ex.entities]
        values = [(s.entity, s.start, s.end, canonical_value(ex.intent, s.entity, s.value, ex.text[s.start:s.end],
                                                            data.synonyms)) for s in ex.entities]
        gold_total += len(gold)
        found = set()
        for cand in an.candidates:
            label = gold_label(cand, gold)
            if label != NONE:
                found.add((label, cand.start, cand.end))
            else:  # "rear" inside "[rear seats]" is the same zone, not a "none" (chosen by cross-validation)
                label = same_value_overlap(cand, values) or NONE
            rows.append(candidate_features(an, cand, ex.intent))
            y.append(labels.index(label))
            allowed = np.zeros(len(labels), bool)
            allowed[0] = True
            for entity, _ in cand.options:
                if entity in labels:
                    allowed[labels.index(entity)] = True
            masks.append(allowed)
        covered += len(found)
    vocab = sorted({f for r in rows for f in r})
    index = {f: i for i, f in enumerate(vocab)}
    from scipy.sparse import csr_matrix

    cols = [index[f] for r in rows for f in r]
    row_ids = [i for i, r in enumerate(rows) for _ in r]
    X = csr_matrix((np.ones(len(cols)), (row_ids, cols)), shape=(len(rows), len(vocab)))
    W, b = fit_softmax(X, np.array(y), len(labels), l2=ENTITY_L2, mask=np.array(masks))
    return labels, vocab, W, b, (covered / gold_total if gold_total else 1.0)
