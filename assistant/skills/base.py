"""What a skill receives and returns.

A skill maps intents to VSS reads and writes. It gets a `SkillRequest` (the
intent with canonical entity values) and a `SkillContext` (the car through
`VehicleAccess`, reply templates, a per-conversation memory) and returns a
`SkillResult`. It never sees the bus: every write goes through the gate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

from assistant.errors import ValueTypeError
from assistant.vehicle.access import VehicleAccess
from assistant.vehicle.gate import CONFIRMED, DENIED, MOVING, WriteResult

if TYPE_CHECKING:
    from assistant.dialogue.replies import Replies


@dataclass(frozen=True)
class SkillRequest:
    """One intent to act on, entities already canonical ("passenger", 22.5, "up")."""

    intent: str
    entities: Mapping[str, Any] = field(default_factory=dict)  # entity -> first value
    zones: tuple[str, ...] = ()  # every zone said, in order; () = none said
    speaker_zone: str = "driver"  # seat of whoever spoke (mic channel), driver when unknown
    text: str = ""

    def get(self, entity: str, default: Any = None) -> Any:
        return self.entities.get(entity, default)


@dataclass
class SkillResult:
    """What happened: the reply to speak and what was asked of the car."""

    reply: str
    writes: dict[str, Any] = field(default_factory=dict)  # VSS path -> value requested
    outcomes: list[WriteResult] = field(default_factory=list)
    denied: str | None = None  # reason code when something was refused or failed

    @property
    def frames(self):
        return [frame for outcome in self.outcomes for frame in outcome.frames]


@dataclass
class SkillContext:
    """Everything a skill may use besides the request."""

    car: VehicleAccess
    replies: "Replies"
    memory: dict[str, Any] = field(default_factory=dict)  # per conversation, e.g. volume before mute


def is_negative(value: Any) -> bool:
    """A number below zero ("minus two"): never a size of change or a level, so it is refused as
    out of range rather than turned into the opposite action."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0


class Skill:
    """Base for skills: dispatches `request.intent` to the method of the same name.

    Subclasses set `intents`, `domain` (zone wording, "not responding" naming),
    `slots` (intent -> the entities it takes, CATALOGUE.md), `required`
    (intent -> alternatives of entities that must be present, else the dialogue asks), `confirm_first` (intents that need a yes) and
    `carries_zone` (a follow-up without a zone means the last zone: "close it again").
    """

    name: str = ""
    domain: str = ""
    carries_zone: bool = False
    intents: tuple[str, ...] = ()
    slots: Mapping[str, tuple[str, ...]] = {}
    required: Mapping[str, tuple[tuple[str, ...], ...]] = {}
    confirm_first: frozenset[str] = frozenset()

    def handle(self, request: SkillRequest, ctx: SkillContext) -> SkillResult:
        return getattr(self, request.intent)(request, ctx)

    def planned_writes(self, request: SkillRequest) -> dict[str, Any]:
        """For `confirm_first` intents: the writes a yes would make, checked with the gate before asking."""
        return {}

    def missing(self, request: SkillRequest) -> str | None:
        """The first required slot the request lacks (the first alternative names it)."""
        for alternatives in self.required.get(request.intent, ()):
            if not any(request.get(name) is not None for name in alternatives):
                return alternatives[0]
        return None

    # -- helpers for subclasses --------------------------------------------------
    def act(self, request: SkillRequest, ctx: SkillContext, changes: dict[str, Any], *,
            done: str = "done", moving: str = "moving", **fields) -> SkillResult:
        """Write `changes` through the gate and say what really happened."""
        try:
            outcome = ctx.car.write(changes)
        except ValueTypeError:  # a slot filled with a word, not a number ("low" as a temperature): nothing sent
            return SkillResult(ctx.replies.denial("out_of_range", request.intent), dict(changes), [], "out_of_range")
        if outcome.status == CONFIRMED:
            reply = ctx.replies.say(request.intent, done, **fields)
        elif outcome.status == MOVING:
            reply = ctx.replies.say(request.intent, moving if ctx.replies.has(request.intent, moving) else done,
                                    **fields)
        else:
            reply = self.failure(request, ctx, outcome, changes)
        return SkillResult(reply, dict(changes), [outcome], None if outcome.ok else outcome.reason)

    def failure(self, request: SkillRequest, ctx: SkillContext, outcome: WriteResult, changes) -> str:
        reason = outcome.reason if outcome.status == DENIED else "timed_out"
        ecu = ctx.car.ecu_of(next(iter(outcome.pending or changes)))
        return ctx.replies.denial(reason, request.intent, ecu=ecu)

    def read_fresh(self, request: SkillRequest, ctx: SkillContext, *paths: str) -> tuple[list[Any], SkillResult | None]:
        """Fresh values of `paths`, or (.., a 'not responding' result) when any is stale."""
        readings = [ctx.car.read(path) for path in paths]
        stale = [r for r in readings if not r.fresh]
        if stale:
            reply = ctx.replies.denial("ecu_not_responding", request.intent, ecu=ctx.car.ecu_of(stale[0].path))
            return [], SkillResult(reply, denied="ecu_not_responding")
        return [r.value for r in readings], None

    def say(self, request: SkillRequest, ctx: SkillContext, key: str, **fields) -> SkillResult:
        return SkillResult(ctx.replies.say(request.intent, key, **fields))
