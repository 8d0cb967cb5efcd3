"""What a recogniser gives for one utterance: its transcript, and the readings of its n-best list."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Hypothesis:
    """One reading of an utterance from an n-best list: its text and the decoder's score
    (Whisper: average log-probability per token, higher is better)."""

    text: str
    score: float
    engine: str = ""

    def to_json(self) -> dict:
        return {"text": self.text, "score": round(self.score, 4), "engine": self.engine}


@dataclass
class Transcript:
    """The final result for one utterance.

    `text` is empty when `rejected`: out-of-domain speech, noise, or nothing
    the grammar accepts. `raw` keeps what the decoder actually output
    (garbage words included) for debugging and reports.
    """

    text: str
    confidence: float
    rejected: bool = False
    reason: str = ""  # why rejected: garbage, no_match, low_confidence, no_speech, clipped
    raw: str = ""
    engine: str = ""
    mode: str = ""
    words: list[str] = field(default_factory=list)
    # the n-best readings, best first (`text` among them), from engines that give them (Whisper);
    # empty otherwise, and when rejected
    alternatives: list[Hypothesis] = field(default_factory=list)
    # how the reading in `text` was chosen among the alternatives (the runtime's interpreter), for reports
    choice: dict | None = None

    def to_json(self) -> dict:
        out = {"text": self.text, "confidence": round(self.confidence, 4), "rejected": self.rejected,
               "reason": self.reason, "raw": self.raw, "engine": self.engine, "mode": self.mode}
        if self.alternatives:
            out["alternatives"] = [h.to_json() for h in self.alternatives]
        if self.choice is not None:
            out["choice"] = self.choice
        return out
