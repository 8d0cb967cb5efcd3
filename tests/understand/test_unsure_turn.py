"""An utterance the speech choice is unsure about: the turn says so, does nothing, and drops nothing pending."""

from __future__ import annotations

from assistant.asr.base import Transcript
from assistant.asr.listener import Heard


def _heard(transcript: Transcript, trigger: str = "button") -> Heard:
    return Heard(transcript, None, 0.5, 1.5, 1.8, 1.3, 40.0, 5.0, trigger)


def test_unsure_asks_again_and_keeps_the_question(make_assistant):
    assistant = make_assistant()
    asked = assistant.handle_text("unlock the doors")
    assert asked.turn.writes == {} and assistant.dialogue.conversation.pending_confirmation is not None
    unsure = Transcript("", 0.5, True, "unsure_safety", "Yes.", "whisper", "open")
    report = assistant.handle_heard(_heard(unsure), input="mic")
    assert report.reply == assistant.replies.say("nlu_fallback", "unsure")
    assert report.turn.writes == {} and report.turn.frames == []
    assert assistant.dialogue.conversation.pending_confirmation is not None  # "yes" can still answer it
    done = assistant.handle_text("yes")
    assert done.turn.writes and not assistant.dialogue.conversation.pending_confirmation


def test_a_rejection_for_another_reason_is_the_usual_sorry(make_assistant):
    assistant = make_assistant()
    noise = Transcript("", 0.1, True, "no_speech", "", "whisper", "open")
    report = assistant.handle_heard(_heard(noise), input="mic")
    assert report.reply != assistant.replies.say("nlu_fallback", "unsure") and report.turn.writes == {}
