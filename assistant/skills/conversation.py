"""Small talk and meta requests. The dialogue manager handles affirm/deny/cancel/repeat/inform
itself when a confirmation, a question or a previous action gives them meaning; otherwise
they land here."""

from __future__ import annotations

from assistant.skills.base import Skill, SkillContext, SkillRequest, SkillResult


class ConversationSkill(Skill):
    name = "conversation"
    domain = "conversation"
    intents = ("greet", "thank", "goodbye", "help", "affirm", "deny", "cancel", "repeat", "inform", "nlu_fallback")

    def handle(self, request: SkillRequest, ctx: SkillContext) -> SkillResult:
        result = SkillResult(ctx.replies.say(request.intent, "done"))
        if request.intent == "nlu_fallback":
            result.denied = "not_understood"
        return result
