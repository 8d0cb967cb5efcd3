"""Conversation state and the per-turn report: small dataclasses, no behaviour."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.nlu.result import ParseResult
from assistant.skills.base import SkillRequest
from assistant.vehicle.gate import SentFrame


@dataclass
class PendingSlot:
    """A request waiting for one missing entity ("To what temperature?")."""

    request: SkillRequest
    missing: str


@dataclass
class PendingConfirmation:
    """A request waiting for yes/no; silence past `deadline` counts as no."""

    request: SkillRequest
    deadline: float


@dataclass
class LastAction:
    """The last command acted on, for "a bit more", "the passenger side too", "close it again"."""

    request: SkillRequest
    domain: str
    at: float


@dataclass
class Conversation:
    """Everything remembered between turns of one session."""

    pending_slot: PendingSlot | None = None
    pending_confirmation: PendingConfirmation | None = None
    last_action: LastAction | None = None
    last_reply: str = ""
    memory: dict[str, Any] = field(default_factory=dict)  # skills' own, e.g. volume before mute


@dataclass
class ActionReport:
    """One understood command and what came of it."""

    parse: ParseResult  # what the NLU understood
    action: str  # the intent acted on: "yes" to an unlock question acts on doors_unlock
    reply: str
    writes: dict[str, Any] = field(default_factory=dict)
    frames: list[SentFrame] = field(default_factory=list)
    denied: str | None = None


@dataclass
class DialogueTurn:
    """Everything one utterance caused (several actions when it held several commands)."""

    actions: list[ActionReport]

    @property
    def reply(self) -> str:
        return " ".join(a.reply for a in self.actions if a.reply)

    @property
    def writes(self) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for action in self.actions:
            merged.update(action.writes)
        return merged

    @property
    def frames(self) -> list[SentFrame]:
        return [frame for action in self.actions for frame in action.frames]

    @property
    def denied(self) -> str | None:
        return next((a.denied for a in self.actions if a.denied), None)
