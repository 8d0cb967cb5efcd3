"""Text analysis and intent features: words, bigrams, character n-grams, number and
gazetteer markers, weighted by sublinear TF-IDF and L2-normalised.

Numbers become one `<num>` token plus a magnitude band, so "twenty two" and "23"
look alike to the classifier; gazetteer hits add their entity type ("e:zone"), so an
unseen way of naming a seat still reads as "a zone was said"; and how many words are
no value at all marks utterances that are only values (inform).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from assistant.nlu.numbers import NumberChunk, find_numbers
from assistant.nlu.text import Token, stem_possessive, tokenize, words

MAX_PHRASE = 5


@dataclass(frozen=True)
class Candidate:
    """A span that may be an entity: tokens first..last, and the entity types it could be."""

    first: int
    last: int
    start: int
    end: int
    options: tuple[tuple[str, object], ...]  # (entity, value) pairs, value canonical or spoken
    number: int | float | None = None

    @property
    def kind(self) -> str:
        return "num" if self.number is not None else "gaz"


@dataclass
class Analysis:
    """Everything later stages need to know about one text."""

    text: str
    words: list[Token]
    numbers: list[NumberChunk]
    candidates: list[Candidate] = field(default_factory=list)
    classes: set[str] = field(default_factory=set)  # word classes (lexicon lookups) said
    word_classes: dict[int, list[str]] = field(default_factory=dict)  # word index -> its classes

    @property
    def norms(self) -> list[str]:
        return [t.norm for t in self.words]


class Gazetteer:
    """Known phrases (token tuples) -> the (entity, value) pairs they can be, and
    word-class phrases (lexicon lookups) -> class names."""

    NUMERIC = ("temperature", "amount", "level", "brightness")

    def __init__(self, phrases: dict[tuple[str, ...], dict[str, object]],
                 lexicon: dict[tuple[str, ...], list[str]] | None = None):
        self.phrases = phrases
        self.lexicon = lexicon or {}

    def to_json(self) -> dict:
        return {"entities": [[" ".join(k), v] for k, v in sorted(self.phrases.items())],
                "lexicon": [[" ".join(k), v] for k, v in sorted(self.lexicon.items())]}

    @classmethod
    def from_json(cls, data) -> "Gazetteer":
        return cls({tuple(k.split()): dict(v) for k, v in data["entities"]},
                   {tuple(k.split()): list(v) for k, v in data["lexicon"]})

    def analyse(self, text: str) -> Analysis:
        toks = words(tokenize(text))
        numbers = find_numbers(toks)
        an = Analysis(text, toks, numbers)
        for chunk in numbers:
            an.candidates.append(Candidate(chunk.first, chunk.last, toks[chunk.first].start,
                                           toks[chunk.last].end,
                                           tuple((e, chunk.value) for e in self.NUMERIC), chunk.value))
        norms = an.norms
        stems = [stem_possessive(n) for n in norms]
        for i in range(len(norms)):
            for n in range(1, min(MAX_PHRASE, len(norms) - i) + 1):
                key = tuple(norms[i:i + n])
                hit = self.phrases.get(key)
                if hit is None and stems[i + n - 1] != norms[i + n - 1]:
                    hit = self.phrases.get(key[:-1] + (stems[i + n - 1],))
                if hit:
                    an.candidates.append(Candidate(i, i + n - 1, toks[i].start, toks[i + n - 1].end,
                                                   tuple(sorted(hit.items()))))
                classes = self.lexicon.get(key)
                if classes is None and stems[i + n - 1] != norms[i + n - 1]:
                    classes = self.lexicon.get(key[:-1] + (stems[i + n - 1],))
                if classes:
                    an.classes.update(classes)
                    if n == 1:
                        an.word_classes[i] = sorted(classes)
        return an


def _band(value: float) -> str:
    if value < 0:
        return "neg"  # "minus twenty": no training sentence has one, so it weighs nothing
    if value != int(value):
        return "dec"
    for top, name in ((7, "0-7"), (15, "8-15"), (30, "16-30"), (100, "31-100")):
        if value <= top:
            return name
    return "big"


def intent_features(an: Analysis) -> list[str]:
    """Feature names of one analysed text for the intent classifier."""
    in_number = {}
    for chunk in an.numbers:
        for k in range(chunk.first, chunk.last + 1):
            in_number[k] = chunk
    seq: list[str] = []
    feats: list[str] = []
    for k, tok in enumerate(an.words):
        chunk = in_number.get(k)
        if chunk is None:
            seq.append(tok.norm)
            padded = f"<{tok.norm}>"
            for n in (3, 4, 5):
                feats.extend("c:" + padded[j:j + n] for j in range(max(1, len(padded) - n + 1)))
        elif k == chunk.first:
            seq.append("<num>")
            feats.append("n:" + _band(chunk.value))
    feats.extend("w:" + w for w in seq)
    padded_seq = ["<s>"] + seq + ["</s>"]
    feats.extend(f"b:{a}_{b}" for a, b in zip(padded_seq, padded_seq[1:]))
    feats.extend(sorted({"e:" + e for c in an.candidates if c.number is None for e, _ in c.options}))
    classes = sorted(an.classes)
    feats.extend("lk:" + c for c in classes)
    feats.extend(f"lk2:{a}|{b}" for k, a in enumerate(classes) for b in classes[k + 1:])
    # bigrams with words replaced by their class: "pop the hatch" ~ "open the trunk"
    slots = [["<s>"]] + [an.word_classes.get(k, [w]) for k, w in enumerate(_plain(an))] + [["</s>"]]
    feats.extend(f"cb:{a}_{b}" for left, right in zip(slots, slots[1:]) for a in left for b in right)
    feats.extend(coverage_features(an))  # chosen by cross-validation on the training data
    return feats


def is_meta_feature(feature: str) -> bool:
    """Features about the text's shape, not its words: alone they know nothing."""
    return feature.startswith("unc:")


def coverage_features(an: Analysis) -> list[str]:
    """How much of the text is values: "red", "in blue", "twenty two point five" are all
    value (inform); "orange juice" leaves a word that is no value. No words, no features
    (emoji or another script must stay featureless, hence fallback)."""
    if not an.words:
        return []
    covered = {k for c in an.candidates for k in range(c.first, c.last + 1)}
    left = len(an.words) - len(covered & set(range(len(an.words))))
    return ["unc:" + str(min(left, 3))] + (["unc:none"] if covered and not left else [])


def _plain(an: Analysis) -> list[str]:
    """Word norms with number tokens as <num> (one per word, positions kept)."""
    out = [t.norm for t in an.words]
    for chunk in an.numbers:
        for k in range(chunk.first, chunk.last + 1):
            out[k] = "<num>"
    return out


class Vectorizer:
    """Feature names -> sparse (indices, values): sublinear TF-IDF, L2-normalised."""

    def __init__(self, vocab: list[str], idf: np.ndarray):
        self.vocab = vocab
        self.index = {f: i for i, f in enumerate(vocab)}
        self.idf = idf

    @classmethod
    def fit(cls, documents: list[list[str]], min_df: int = 1) -> "Vectorizer":
        df = Counter(f for doc in documents for f in set(doc))
        vocab = sorted(f for f, n in df.items() if n >= min_df)
        n = len(documents)
        idf = np.array([math.log((1 + n) / (1 + df[f])) + 1 for f in vocab], np.float32)
        return cls(vocab, idf)

    def transform(self, features: list[str]) -> tuple[list[int], list[float]]:
        counts = Counter(self.index[f] for f in features if f in self.index)
        if not counts:
            return [], []
        indices = list(counts)
        values = np.array([(1 + math.log(counts[i])) * self.idf[i] for i in indices])
        values /= np.linalg.norm(values)
        return indices, values.tolist()

    def matrix(self, documents: list[list[str]]):
        from scipy.sparse import csr_matrix

        rows, cols, vals = [], [], []
        for r, doc in enumerate(documents):
            idx, v = self.transform(doc)
            rows.extend([r] * len(idx))
            cols.extend(idx)
            vals.extend(v)
        X = csr_matrix((vals, (rows, cols)), shape=(len(documents), len(self.vocab)), dtype=np.float64)
        X.sum_duplicates()
        return X
