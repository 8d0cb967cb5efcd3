"""Choosing among the readings of one utterance by what they mean.

Every reading the NLU understands gets P(it is what was said) from its evidence (`evidence`:
NLU confidence, recogniser score and rank, unknown words, whether the cross-check recogniser
heard the same command). The rule:

1. the understood reading with the highest probability;
2. acted on only if that probability reaches the threshold (`safety_threshold` when it asks for
   a safety-relevant command: unlock, lock, trunk, mirrors), and it leads every reading that
   means something else by `margin`; otherwise nothing is chosen ("unsure": the turn asks
   again rather than guess between "lock" and "unlock"). A safety-relevant command is never
   acted on when the cross-check recogniser heard another command, however sure the rest is
   (measured: Whisper's whole n-best said "lock the doors" for a synthetic "unlock the doors",
   which the grammar recogniser heard right);
3. when no reading is understood, the best one goes on as it is: the NLU then says it did not
   understand, or names the feature the car lacks.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.understand.evidence import Weights
from assistant.understand.meaning import Meaning


@dataclass(frozen=True)
class Reading:
    """One reading of the utterance, its score and what the NLU makes of it."""

    text: str
    score: float  # the recogniser's (Whisper: average log-probability per token)
    meaning: Meaning
    unknown: tuple[str, ...] = ()  # words the intents never use
    evidence: tuple[float, ...] | None = None  # evidence.FEATURES; None when not understood
    probability: float = 0.0
    contradicted: bool = False  # the cross-check recogniser heard another command

    def to_json(self) -> dict:
        return {"text": self.text, "score": round(self.score, 4), "meaning": str(self.meaning),
                "unknown": list(self.unknown), "p": round(self.probability, 3)}


@dataclass(frozen=True)
class Choice:
    """The reading to act on (None: ask again) and why; `rivals` are the readings that made it unsure."""

    reading: Reading | None
    reason: str  # chosen, not_understood, unsure, unsure_safety, empty
    rivals: tuple[Reading, ...] = ()

    @property
    def unsure(self) -> bool:
        return self.reading is None

    def to_json(self) -> dict:
        return {"text": self.reading.text if self.reading else None, "reason": self.reason,
                "p": round(self.reading.probability, 3) if self.reading else None,
                "rivals": [r.to_json() for r in self.rivals]}


def choose(readings: list[Reading], weights: Weights) -> Choice:
    """The reading to act on among `readings` (the recogniser's best first), by the rule of the module doc."""
    if not readings:
        return Choice(None, "empty")
    understood = sorted((r for r in readings if r.meaning.understood), key=lambda r: -r.probability)
    if not understood:
        return Choice(readings[0], "not_understood")
    best = understood[0]
    rivals = tuple(r for r in understood[1:] if r.meaning != best.meaning
                   and r.probability > best.probability - weights.margin)
    safety = best.meaning.safety or any(r.meaning.safety for r in rivals)
    needed = weights.safety_threshold if best.meaning.safety else weights.threshold
    if best.probability < needed or rivals or (best.meaning.safety and best.contradicted):
        return Choice(None, "unsure_safety" if safety else "unsure", rivals or (best,))
    return Choice(best, "chosen")
