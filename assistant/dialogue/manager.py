"""The dialogue manager: NLU results in, skill actions and replies out, one conversation per session.

Per result, in order: a pending yes/no question gets its answer (anything else
counts as no); a pending slot question gets its answer (asked once, then the
request is dropped); cancel, repeat and inform act on the conversation; every
other intent goes to its skill, with the zone carried over from the previous
command of the same domain ("open the passenger window" ... "close it again").

A request for a feature the car lacks ("increase the bass", "turn on the wipers") reaches the
dialogue as nlu_fallback naming the feature (`ParseResult.unsupported`, assistant/nlu/unsupported.py):
the reply names it ("Sorry, I can't control the bass here."), nothing is written, and a question
waiting for a slot is dropped.

A bare verb ("open", "turn on") is asked about ("What should I open?"), never acted on;
a command that names no part ("close it") acts on the last part acted on, whatever
kind it was ("open the sunroof" ... "close it" closes the sunroof), and a pronoun with
nothing to refer to is asked about (references.py).
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Callable

from assistant.dialogue.references import WordClasses, part_and_verb
from assistant.dialogue.replies import Replies
from assistant.dialogue.state import (ActionReport, Conversation, DialogueTurn, LastAction, PendingConfirmation,
                                      PendingSlot)
from assistant.nlu.resolve import STATE_LEVELS, canonical_value
from assistant.nlu.result import ParseResult
from assistant.skills.base import SkillContext, SkillRequest, SkillResult
from assistant.skills.registry import SkillRegistry
from assistant.vehicle.access import VehicleAccess

CONVERSATION_DOMAIN = "conversation"
NUMERIC_ENTITIES = ("temperature", "amount", "level")
# a direction after setting a value changes it from there: set -> change
RELATIVE = {"climate_set_temperature": "climate_change_temperature", "volume_set": "volume_change"}
# answers and small talk: never taken for a bare command verb ("stop" may be cancel)
SOCIAL_INTENTS = frozenset({"affirm", "deny", "cancel", "repeat", "greet", "thank", "goodbye", "help"})


def request_from(result: ParseResult, speaker_zone: str) -> SkillRequest:
    entities: dict = {}
    for entity in result.entities:
        entities.setdefault(entity.entity, entity.value)
    zones = tuple(dict.fromkeys(e.value for e in result.entities if e.entity == "zone"))
    return SkillRequest(result.name, entities, zones, speaker_zone, result.text)


class DialogueManager:
    """Turns NLU results into skill actions and replies."""

    def __init__(self, skills: SkillRegistry, replies: Replies, car: VehicleAccess, *,
                 clock: Callable[[], float] = time.monotonic, confirm_timeout_s: float = 8.0,
                 context_s: float = 120.0, words: WordClasses | None = None) -> None:
        self.skills = skills
        self.replies = replies
        self.conversation = Conversation()
        self._ctx = SkillContext(car, replies, self.conversation.memory)
        self._clock = clock
        self.confirm_timeout_s = confirm_timeout_s
        self.context_s = context_s
        self.words = words or WordClasses()  # empty: no bare-verb or pronoun handling

    def handle(self, results: list[ParseResult], *, speaker_zone: str = "driver") -> DialogueTurn:
        """Act on every command of one utterance, each gated and confirmed on its own."""
        return DialogueTurn([self._one(result, speaker_zone) for result in results])

    def answer_only(self, result: ParseResult, reply: str) -> DialogueTurn:
        """A turn that only answers (`reply`), acting on nothing; "say that again" repeats it."""
        self.conversation.last_reply = reply
        return DialogueTurn([ActionReport(result, result.name, reply)])

    def expire(self) -> str | None:
        """Drop a yes/no question nobody answered in time (counts as no); the reply to say, if any."""
        pending = self.conversation.pending_confirmation
        if pending is None or self._clock() <= pending.deadline:
            return None
        self.conversation.pending_confirmation = None
        return self.replies.say(pending.request.intent, "declined")

    # -- one command -------------------------------------------------------------
    def _one(self, result: ParseResult, speaker_zone: str) -> ActionReport:
        conv = self.conversation
        request = request_from(result, speaker_zone)
        intent = result.name

        if conv.pending_confirmation is not None:
            pending, conv.pending_confirmation = conv.pending_confirmation, None
            if self._clock() > pending.deadline:
                if intent == "affirm":
                    return self._say(result, "confirm_expired")
            elif intent == "affirm":
                return self._execute(result, pending.request)
            elif intent in ("deny", "cancel"):
                return self._report(result, pending.request.intent,
                                    SkillResult(self.replies.say(pending.request.intent, "declined")))
            # anything else: the question is dropped (no) and the new command handled

        if result.is_fallback and result.unsupported:
            conv.pending_slot = None  # "To what temperature?" - "turn on the wipers": the question is dropped
            return self._unsupported(result)

        if conv.pending_slot is not None:
            pending, conv.pending_slot = conv.pending_slot, None
            answer = self._resolved(self._numbers_as(request, (pending.missing,)), pending.request.intent)
            if intent in ("inform", pending.request.intent) and answer.get(pending.missing) is not None:
                return self._act(result, self._merged(pending.request, answer))
            if intent in ("deny", "cancel"):
                return self._cancel(result)
            if intent in ("inform", "affirm", "nlu_fallback"):
                return self._say(result, "dropped")
            # a new command replaces the question

        if intent not in SOCIAL_INTENTS:
            verb = self.words.bare_verb(result.text)
            if verb is not None:  # "open": open what? asking is better than guessing a window
                return self._say(result, "what_object", verb=verb)

        if intent == "cancel":
            return self._cancel(result)
        if intent == "repeat":
            reply = conv.last_reply or self.replies.say("repeat", "nothing")
            return ActionReport(result, "repeat", reply)
        if intent == "inform":
            last = conv.last_action
            if last is not None and self._clock() - last.at <= self.context_s:
                relative = RELATIVE.get(last.request.intent)
                if relative and "direction" in request.entities:  # "a bit higher" after "set it to 22"
                    changed = {k: v for k, v in request.entities.items() if k in ("direction", "amount")}
                    follow = replace(request, intent=relative, entities=changed, zones=request.zones or last.request.zones)
                    return self._act(result, self._resolved(follow, relative))
                slots = self.skills.for_intent(last.request.intent).slots.get(last.request.intent, ())
                follow_up = self._numbers_as(request, slots)
                if any(name in slots for name in follow_up.entities):
                    return self._act(result, self._merged(last.request, self._resolved(follow_up, last.request.intent)))
            return self._act(result, request)  # the conversation skill asks what to do with it
        request = self._referent(request)
        if isinstance(request, str):
            return self._say(result, "what_object", verb=request)
        return self._act(result, self._with_context(request))

    def _act(self, result: ParseResult, request: SkillRequest) -> ActionReport:
        skill = self.skills.for_intent(request.intent)
        missing = skill.missing(request)
        if missing is not None:
            self.conversation.pending_slot = PendingSlot(request, missing)
            return self._report(result, request.intent, SkillResult(self.replies.say(request.intent, "ask")))
        if request.intent in skill.confirm_first:
            planned = skill.planned_writes(request)
            denial = self._ctx.car.preflight(planned)
            if denial is not None:
                reply = skill.failure(request, self._ctx, denial, planned)
                return self._report(result, request.intent, SkillResult(reply, dict(planned), [denial], denial.reason))
            deadline = self._clock() + self.confirm_timeout_s
            self.conversation.pending_confirmation = PendingConfirmation(request, deadline)
            return self._report(result, request.intent, SkillResult(self.replies.say(request.intent, "confirm")))
        return self._execute(result, request)

    def _execute(self, result: ParseResult, request: SkillRequest) -> ActionReport:
        skill = self.skills.for_intent(request.intent)
        outcome = skill.handle(request, self._ctx)
        if skill.domain != CONVERSATION_DOMAIN:
            self.conversation.last_action = LastAction(request, skill.domain, self._clock())
        return self._report(result, request.intent, outcome)

    def _report(self, result: ParseResult, action: str, outcome: SkillResult) -> ActionReport:
        self.conversation.last_reply = outcome.reply
        return ActionReport(result, action, outcome.reply, outcome.writes, outcome.frames, outcome.denied)

    def _cancel(self, result: ParseResult) -> ActionReport:
        self.conversation.last_action = None  # "never mind": no follow-up should bring it back
        return self._say(result, "cancelled")

    def _unsupported(self, result: ParseResult) -> ActionReport:
        """"Sorry, I can't control the wipers here.": the features named, nothing done. A feature may
        have its own wording (`intents.nlu_fallback.unsupported_radio`)."""
        features = result.unsupported
        key = f"unsupported_{features[0]}" if len(features) == 1 else "unsupported"
        if not self.replies.has(result.name, key):
            key = "unsupported"
        named = self.replies.join([self.replies.feature(f) for f in features])
        reply = self.replies.say(result.name, key, feature=named)
        return self._report(result, result.name, SkillResult(reply, denied="unsupported"))

    def _say(self, result: ParseResult, key: str, **fields) -> ActionReport:
        return self._report(result, result.name, SkillResult(self.replies.say("dialogue", key, **fields)))

    # -- context -----------------------------------------------------------------
    def _resolved(self, request: SkillRequest, intent: str) -> SkillRequest:
        """Entities re-read in the light of `intent`: "a bit" opens a window 20 % but warms by 1 degree."""
        entities = {name: canonical_value(intent, name, value, str(value), {})
                    for name, value in request.entities.items()}
        levels = STATE_LEVELS.get(intent, {})
        if entities.get("state") in levels and "level" not in entities:
            entities["level"] = levels[entities.pop("state")]  # "turn it off" after seat heating: level 0
        return replace(request, entities=entities)

    def _numbers_as(self, request: SkillRequest, slots: tuple[str, ...]) -> SkillRequest:
        """A bare number answers whichever numeric slot is wanted ("twenty two" as temperature or level)."""
        numbers = [name for name in request.entities if name in NUMERIC_ENTITIES]
        wanted = [name for name in slots if name in NUMERIC_ENTITIES]
        if len(numbers) != 1 or not wanted or numbers[0] in slots:
            return request
        entities = {k: v for k, v in request.entities.items() if k != numbers[0]}
        return replace(request, entities={**entities, wanted[0]: request.entities[numbers[0]]})

    def _merged(self, base: SkillRequest, new: SkillRequest) -> SkillRequest:
        """`base` again with the slots `new` names changed."""
        kept = dict(base.entities)
        if "state" in new.entities and "color" not in new.entities:
            kept.pop("color", None)  # "turn it off" after "make it blue": a colour would mean on
        return replace(base, entities={**kept, **new.entities}, zones=new.zones or base.zones,
                       speaker_zone=new.speaker_zone, text=new.text)

    def _referent(self, request: SkillRequest) -> SkillRequest | str:
        """A part command that names no part acts on the last part acted on ("open the sunroof" ...
        "close it": sunroof_close). The verb to ask about when a pronoun has nothing to refer to."""
        own = part_and_verb(request.intent)
        if own is None or self.words.names_part(request.text):
            return request
        last = self.conversation.last_action
        recent = last is not None and self._clock() - last.at <= self.context_s
        previous = part_and_verb(last.request.intent) if recent else None
        if previous is None:
            # "close it" with nothing before it: it could be any part
            return own[1] if self.words.has_pronoun(request.text) else request
        intent = f"{previous[0]}_{own[1]}"
        if intent == request.intent:
            return request
        if not self.skills.handles(intent):
            return own[1]  # "open it" after locking the doors: the doors don't open
        return replace(request, intent=intent)

    def _with_context(self, request: SkillRequest) -> SkillRequest:
        """No zone said, same domain as the last command: it's about the same seat ("close it again").

        Only for skills that carry zones: in "make it warmer" the "it" is the cabin, not the last zone.
        """
        last = self.conversation.last_action
        if request.zones or last is None or not last.request.zones or self._clock() - last.at > self.context_s:
            return request
        skill = self.skills.for_intent(request.intent)
        if not skill.carries_zone or skill.domain != last.domain:
            return request
        return replace(request, zones=last.request.zones)
