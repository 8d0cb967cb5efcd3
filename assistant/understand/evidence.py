"""The evidence for a reading, and the weights that turn it into the probability it is right.

Each reading of an utterance that the NLU understands is described by a few numbers
(`FEATURES`): how sure the NLU is, how the recogniser scored it and how far below the best
reading, its rank, how many of its words the intents never use, whether the cross-check
recogniser (`[asr] cross_check`) heard the same command or another one, and whether it is a
safety-relevant command. A logistic model turns them into P(this reading is what was said).

The weights and the thresholds the choice applies (`choose`) live in
`intents/<lang>/understand.json`, fitted by `assistant train understand` on recordings of the
training phrasings (`dev`) and the tuning phrasings (`tune`), never on a test split.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

FEATURES = ("bias", "nlu_confidence", "nlu_margin", "asr_score", "below_best", "rank", "support", "unknown_words",
            "words", "cross_agrees", "cross_disagrees", "safety")
MAX_UNKNOWN = 2  # two unknown words or more weigh the same
MAX_WORDS = 10


def features(*, nlu_confidence: float, nlu_margin: float, asr_score: float, best_score: float, rank: int,
             support: float, unknown: int, words: int, cross_agrees: bool, cross_disagrees: bool,
             safety: bool) -> tuple[float, ...]:
    """The FEATURES of one reading, in order. `nlu_margin`: the NLU's confidence less its second intent's;
    `support`: the share of the n-best readings that mean the same; `words`: how many (capped at 10)."""
    return (1.0, nlu_confidence, nlu_margin, asr_score, best_score - asr_score, float(rank), support,
            float(min(unknown, MAX_UNKNOWN)), min(words, MAX_WORDS) / MAX_WORDS, float(cross_agrees),
            float(cross_disagrees), float(safety))


@dataclass(frozen=True)
class Weights:
    """A fitted logistic model over FEATURES and the thresholds chosen with it."""

    weights: tuple[float, ...]
    threshold: float = 0.5  # P(right) a reading needs to be acted on
    safety_threshold: float = 0.8  # ... when it asks for a safety-relevant command
    margin: float = 0.1  # and its lead over the best reading that means something else
    fitted: dict = field(default_factory=dict, compare=False)  # on what, and the figures there

    def probability(self, x: tuple[float, ...]) -> float:
        z = sum(w * v for w, v in zip(self.weights, x))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    @classmethod
    def load(cls, path: str | Path) -> "Weights":
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        names = tuple(data["features"])
        if names != FEATURES:
            raise ValueError(f"{path} has weights for {names}, this version uses {FEATURES}: "
                             "run `assistant train understand`")
        return cls(tuple(float(w) for w in data["weights"]), float(data["threshold"]),
                   float(data["safety_threshold"]), float(data["margin"]), data.get("fitted", {}))

    def save(self, path: str | Path) -> None:
        data = {"features": list(FEATURES), "weights": [round(w, 4) for w in self.weights],
                "threshold": self.threshold, "safety_threshold": self.safety_threshold, "margin": self.margin,
                "fitted": self.fitted}
        Path(path).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
