"""Choosing among the readings of one utterance by what they mean.

The recogniser's n-best list is scored (Whisper: average log-probability per token). The rule:

1. the best reading, if the NLU understands it;
2. else the best reading that is understood and no more than `rescue_margin` below the best one
   ("open the window three corridors" -> "open the window three quarters"); else the best
   reading as it is (the NLU then says it did not understand, or names what the car lacks);
3. a reading in the intents' own words (no unknown word) no more than `plain_margin` below is
   preferred to one with an unknown word ("three corridors" -> "three quarters");
4. then doubt: if another reading no more than `conflict_margin` below the chosen one is
   understood as a different command ("lock the doors" / "unlock the doors", "turn on" / "turn
   off"), nothing is chosen: the turn asks again instead of guessing. When either reading asks
   for a safety-relevant command (`meaning.SAFETY_INTENTS`) the margin is `safety_margin`, so it
   takes a clearer lead. A reading with an unknown word is no rival of one without.

Margins are in the decoder's score units; they are chosen on the training phrasings' recordings
(`tests/fixtures/generated/dev`), never on a test split (README, "Speech understanding").
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.understand.meaning import Meaning


@dataclass(frozen=True)
class Policy:
    """The margins of the rule above (see `[understand]` in config)."""

    rescue_margin: float = 0.3
    conflict_margin: float = 0.15
    safety_margin: float = 0.4
    plain_margin: float = 0.0  # a reading in the domain's words this close below is preferred

    @classmethod
    def from_config(cls, config) -> "Policy":
        u = config.understand
        return cls(u.rescue_margin, u.conflict_margin, u.safety_margin, u.plain_margin)


@dataclass(frozen=True)
class Reading:
    """One reading of the utterance, its score and what the NLU makes of it."""

    text: str
    score: float
    meaning: Meaning
    unknown: tuple[str, ...] = ()  # words the intents never use: what the NLU could not have weighed

    @property
    def plain(self) -> bool:
        """Understood, and every word one the intents use."""
        return self.meaning.understood and not self.unknown

    def to_json(self) -> dict:
        return {"text": self.text, "score": round(self.score, 4), "meaning": str(self.meaning),
                "unknown": list(self.unknown)}


@dataclass(frozen=True)
class Choice:
    """The reading to act on (None: ask again) and why; `rivals` are the readings that made it unsure."""

    reading: Reading | None
    reason: str  # best, rescued, not_understood, unsure, unsure_safety, empty
    rivals: tuple[Reading, ...] = ()

    @property
    def unsure(self) -> bool:
        return self.reading is None

    def to_json(self) -> dict:
        return {"text": self.reading.text if self.reading else None, "reason": self.reason,
                "rivals": [r.to_json() for r in self.rivals]}


def choose(readings: list[Reading], policy: Policy) -> Choice:
    """The reading to act on among `readings` (best score first), by the rule of the module doc."""
    if not readings:
        return Choice(None, "empty")
    best = readings[0]
    chosen, reason = best, "best"
    if not best.meaning.understood:
        rescue = next((r for r in readings[1:] if r.meaning.understood
                       and r.score >= best.score - policy.rescue_margin), None)
        if rescue is None:
            return Choice(best, "not_understood")
        chosen, reason = rescue, "rescued"
    if not chosen.plain:
        plain = next((r for r in readings if r is not chosen and r.plain
                      and r.score >= chosen.score - policy.plain_margin), None)
        if plain is not None:
            chosen, reason = plain, "plain"
    # a reading with words the intents never use is no rival of one in the domain's own words
    rivals = tuple(r for r in readings if r is not chosen and r.meaning.understood and r.meaning != chosen.meaning
                   and (r.plain or not chosen.plain)
                   and r.score >= chosen.score - _margin(policy, chosen.meaning, r.meaning))
    if rivals:
        safety = chosen.meaning.safety or any(r.meaning.safety for r in rivals)
        return Choice(None, "unsure_safety" if safety else "unsure", rivals)
    return Choice(chosen, reason)


def _margin(policy: Policy, a: Meaning, b: Meaning) -> float:
    return policy.safety_margin if a.safety or b.safety else policy.conflict_margin
