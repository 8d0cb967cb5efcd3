"""Hooks the live loop puts around the speech front end, and the voice button's link to CAN.

- `TriggerTap` and `EndpointerTap` wrap the front end's trigger and endpointer
  and report what they see (a wake phrase, a button press, the start of speech),
  so a reply that is playing can be cut at once (barge-in).
- `ButtonLink` subscribes to Vehicle.Cabin.SteeringWheel.VoiceButton in the
  vehicle state cache: a CAN status frame showing "Pressed" presses the
  front end's push-to-talk button.
"""

from __future__ import annotations

import threading
from typing import Callable

from assistant.asr.triggers import VOICE_BUTTON_SIGNAL, PushToTalk, Triggered
from assistant.audio.blocks import AudioBlock
from assistant.audio.events import SpeechStarted


class TriggerTap:
    """A Trigger that calls `on_fire(triggered)` whenever the wrapped trigger fires."""

    def __init__(self, trigger, on_fire: Callable[[Triggered], None]) -> None:
        self.trigger = trigger
        self.on_fire = on_fire

    def check(self, block: AudioBlock) -> Triggered | None:
        fired = self.trigger.check(block)
        if fired is not None:
            self.on_fire(fired)
        return fired

    def reset(self) -> None:
        self.trigger.reset()


class EndpointerTap:
    """An Endpointer that calls `on_speech(event)` on every SpeechStarted it emits."""

    def __init__(self, endpointer, on_speech: Callable[[SpeechStarted], None]) -> None:
        self.endpointer = endpointer
        self.on_speech = on_speech

    def process(self, block: AudioBlock) -> list:
        events = self.endpointer.process(block)
        for event in events:
            if isinstance(event, SpeechStarted):
                self.on_speech(event)
        return events

    def __getattr__(self, name: str):  # in_speech, reset, flush, ... are the endpointer's own
        return getattr(self.endpointer, name)


class ButtonLink:
    """The steering-wheel voice button, from the CAN state cache to a PushToTalk.

    The state cache calls back on the bus thread when the decoded value changes;
    a change to pressed presses `button` and calls `on_press()` (the loop cuts a
    reply at once there, without waiting for the next audio block).
    """

    path = VOICE_BUTTON_SIGNAL

    def __init__(self, state, button: PushToTalk, on_press: Callable[[], None] | None = None) -> None:
        self.button = button
        self.on_press = on_press
        self.presses = 0
        self._pressed = threading.Condition()
        state.subscribe(self.path, self._changed)

    def _changed(self, value) -> None:
        if value is not True:
            return
        self.button.press()
        with self._pressed:
            self.presses += 1
            self._pressed.notify_all()
        if self.on_press is not None:
            self.on_press()

    def wait_for_press(self, seen: int, timeout_s: float = 1.0) -> bool:
        """Block until more than `seen` presses have arrived from the bus."""
        with self._pressed:
            return self._pressed.wait_for(lambda: self.presses > seen, timeout_s)
