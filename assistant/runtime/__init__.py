"""The runtime: the one owner of a turn, and the live loop around it.

    assistant = Assistant.open(config)                 # the composition root: every stage from config
    report = assistant.handle_text("open my window halfway")
    report = assistant.handle_heard(heard, input="cmd.wav")   # an utterance of the speech front end

    live = LiveAssistant.open(config, MicSource(...))  # `assistant run`: audio thread, wake/button,
    summary = live.run()                               # follow-ups, barge-in, until the input ends

Modules: assistant (Assistant: open, handle_text, handle_heard, reset), report (TurnReport),
speech (ReplySpeaker: the one path that speaks replies, and reply sinks), live (LiveAssistant),
pump (audio thread and bounded queue), taps (barge-in hooks), script (a scripted drive).
"""

from .assistant import Assistant
from .report import TurnReport

__all__ = ["Assistant", "TurnReport"]
