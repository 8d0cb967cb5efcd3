"""What starts a listening turn: a `Trigger` looks at each audio block and says whether a turn starts now.

The steering-wheel voice button (VSS `Vehicle.Cabin.SteeringWheel.VoiceButton`, decoded
from CAN by the vehicle layer) is `PushToTalk`: it just sets a `threading.Event` - or any
callable that returns True once per press - and the next block starts the turn. The wake
phrase is `wake.WakePhraseSpotter`; `AnyTrigger` takes the first of several.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable, Protocol, runtime_checkable

from assistant.audio.blocks import AudioBlock

VOICE_BUTTON_SIGNAL = "Vehicle.Cabin.SteeringWheel.VoiceButton"


@dataclass(frozen=True)
class Triggered:
    """A listening turn starts: `kind` is "wake" or "button"; speech counts from `at_s` on."""

    kind: str
    at_s: float
    detail: str = ""


@runtime_checkable
class Trigger(Protocol):
    """Looks at each audio block; returns Triggered when a listening turn should start."""

    def check(self, block: AudioBlock) -> Triggered | None:
        ...

    def reset(self) -> None:
        ...


class PushToTalk:
    """The steering-wheel voice button: `press()` (or the event/callable given) starts a turn.

    The vehicle layer calls `press()` from its CAN thread when
    Vehicle.Cabin.SteeringWheel.VoiceButton goes to pressed; `check` runs in the
    audio thread. A `threading.Event` makes the hand-over thread-safe.
    """

    signal = VOICE_BUTTON_SIGNAL

    def __init__(self, pressed: threading.Event | Callable[[], bool] | None = None) -> None:
        self._event = pressed if isinstance(pressed, threading.Event) else threading.Event()
        self._poll = pressed if callable(pressed) and not isinstance(pressed, threading.Event) else None

    def press(self) -> None:
        self._event.set()

    def check(self, block: AudioBlock) -> Triggered | None:
        fired = self._event.is_set() or bool(self._poll and self._poll())
        if not fired:
            return None
        self._event.clear()
        return Triggered("button", block.start_s, self.signal)

    def reset(self) -> None:
        self._event.clear()


class AnyTrigger:
    """The first of several triggers to fire (all of them see every block)."""

    def __init__(self, *triggers: Trigger) -> None:
        self.triggers = [t for t in triggers if t is not None]

    def check(self, block: AudioBlock) -> Triggered | None:
        fired = [t.check(block) for t in self.triggers]
        return next((f for f in fired if f is not None), None)

    def reset(self) -> None:
        for t in self.triggers:
            t.reset()
