"""What one turn did, as every front end reports it (PRODUCT.md's turn JSON)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from assistant.dialogue.state import DialogueTurn


@dataclass(frozen=True)
class TurnReport:
    """One turn, built once by `Assistant` when the turn ends.

    `extra` holds the front end's own fields (audio, trigger, event, ...); `spoken` is how the
    reply's playback began (the live loop follows it for the follow-up window), not part of the JSON.
    """

    input: str
    turn: DialogueTurn
    state: Mapping[str, Any]
    timings_ms: Mapping[str, float | None]
    transcript: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    tts_error: str | None = None
    home: Mapping[str, Any] | None = None  # light -> zigbee2mqtt state requested, on turns of home intents
    spoken: Any = field(default=None, compare=False, repr=False)

    @property
    def reply(self) -> str:
        return self.turn.reply

    def to_json(self) -> dict:
        first = self.turn.actions[0].parse if self.turn.actions else None
        data = {"input": self.input}
        if self.transcript is not None:
            data["transcript"] = self.transcript
        data |= {
            "intent": first.intent.to_json() if first else None,
            "entities": [e.to_json() for e in first.entities] if first else [],
            "reply": self.reply,
            "writes": self.turn.writes,
            "frames": [f.to_json() for f in self.turn.frames],
            "denied": self.turn.denied,
            "state": dict(self.state),
            "timings_ms": dict(self.timings_ms),
            "actions": [{"intent": a.parse.intent.name, "action": a.action, "text": a.parse.text,
                         "entities": [e.to_json() for e in a.parse.entities], "reply": a.reply,
                         "writes": a.writes, "frames": [f.to_json() for f in a.frames], "denied": a.denied}
                        for a in self.turn.actions],
        }
        if self.home is not None:
            data["home"] = dict(self.home)
        if self.tts_error:
            data["tts_error"] = self.tts_error
        return data | dict(self.extra)
