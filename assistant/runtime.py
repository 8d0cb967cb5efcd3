"""The assistant for one session: NLU -> dialogue -> skills -> gate -> car, and the reply spoken.

`Assistant.handle_text()` is one turn; `chat`, `replay` and `run` all go
through it, so every front end reports the same JSON (PRODUCT.md):
input, transcript, intent, entities, reply, writes, frames, denied, state,
timings_ms.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from assistant.config import Config
from assistant.dialogue.manager import DialogueManager
from assistant.dialogue.references import WordClasses
from assistant.dialogue.replies import Replies
from assistant.dialogue.state import DialogueTurn
from assistant.errors import AssistantError
from assistant.nlu.result import fallback
from assistant.nlu.split import split_commands
from assistant.skills.registry import SkillRegistry
from assistant.vehicle.access import GatedVehicle
from assistant.vehicle.gate import SentFrame
from assistant.vehicle.session import VehicleSession

log = logging.getLogger(__name__)


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


@dataclass
class TurnReport:
    """One turn, as every front end reports it."""

    input: str
    turn: DialogueTurn
    state: dict[str, Any]
    timings_ms: dict[str, float | None]
    transcript: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # front-end specific (audio file, zone, ...)
    tts_error: str | None = None

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
            "state": self.state,
            "timings_ms": self.timings_ms,
            "actions": [{"intent": a.parse.intent.name, "action": a.action, "text": a.parse.text,
                         "entities": [e.to_json() for e in a.parse.entities], "reply": a.reply,
                         "writes": a.writes, "frames": [f.to_json() for f in a.frames], "denied": a.denied}
                        for a in self.turn.actions],
        }
        if self.tts_error:
            data["tts_error"] = self.tts_error
        return data | self.extra


class Assistant:
    """Everything one session needs; close it (or use `with`) to release the bus and the NLU."""

    def __init__(self, config: Config, vehicle: VehicleSession, nlu, replies: Replies, *,
                 tts=None, player=None) -> None:
        self.config = config
        self.vehicle = vehicle
        self.nlu = nlu
        self.tts = tts
        self.player = player
        self.dialogue = DialogueManager(SkillRegistry.discover(), replies,
                                        GatedVehicle(vehicle.gate, vehicle.state, vehicle.vss),
                                        confirm_timeout_s=config.dialogue.confirm_timeout_s,
                                        words=WordClasses.load(config.intents_dir / "nlu"))
        self._frame_times: list[tuple[float, SentFrame]] = []
        vehicle.gate.listeners.append(lambda frame: self._frame_times.append((time.perf_counter(), frame)))

    @classmethod
    def open(cls, config: Config, *, vehicle: VehicleSession | None = None, speak: bool = True,
             player=None, **vehicle_options) -> "Assistant":
        """Load NLU, reply templates and TTS, and connect to the car (built-in simulator by default)."""
        from assistant.nlu.backend import load_nlu

        nlu = load_nlu(config)
        replies = Replies.load(config.intents_dir / "responses.yml")
        tts = None
        if speak:
            from assistant.tts import load_tts
            from assistant.tts.player import Player

            tts = load_tts(config)
            player = player or Player.from_config(config)
        try:
            vehicle = vehicle or VehicleSession(config, **vehicle_options)
        except BaseException:
            nlu.close()
            raise
        vehicle.wait_ready(timeout_s=2.0)
        return cls(config, vehicle, nlu, replies, tts=tts, player=player)

    def handle_text(self, text: str, *, speaker_zone: str = "driver", heard_at: float | None = None,
                    transcript: str | None = None, settle: bool = True) -> TurnReport:
        """One turn. `heard_at` is time.perf_counter() at end of speech (default: now)."""
        t0 = time.perf_counter() if heard_at is None else heard_at
        self._frame_times.clear()
        started = time.perf_counter()
        try:
            results = split_commands(text, self.nlu)
        except AssistantError:
            raise
        except Exception:  # a bug in an NLU engine costs this turn a "sorry", not the session
            log.exception("NLU failed on %r; treated as not understood", text[:200])
            results = [fallback(text)]
        parsed = time.perf_counter()
        turn = self.dialogue.handle(results, speaker_zone=speaker_zone)
        acted = time.perf_counter()
        first_audio, tts_error = self._speak(turn.reply)
        spoken = time.perf_counter()
        if settle:
            self.vehicle.settle(timeout_s=30)
        state = self.vehicle.car_state()
        first_frame = self._frame_times[0][0] if self._frame_times else None
        timings = {
            "nlu": _ms(parsed - started),
            "dialogue": _ms(acted - parsed),
            "tts": _ms(spoken - acted) if self.tts else None,
            "end_of_speech_to_first_frame": _ms(first_frame - t0) if first_frame else None,
            "end_of_speech_to_first_audio": _ms(first_audio - t0) if first_audio else None,
            "settle": _ms(time.perf_counter() - spoken),
            "total": _ms(time.perf_counter() - t0),
        }
        log.info("turn %r -> %s", text, turn.reply)
        return TurnReport(text, turn, state, timings, transcript=transcript, tts_error=tts_error)

    def _speak(self, reply: str) -> tuple[float | None, str | None]:
        """Play the reply; a TTS failure is logged with the text and never undoes the action."""
        if self.tts is None or self.player is None or not reply:
            return None, None
        try:
            report = self.player.play(self.tts.synthesize(reply))
            return report.first_audio_at, None
        except AssistantError as exc:
            log.error("could not speak the reply %r: %s", reply, exc)
            return None, str(exc)

    def close(self) -> None:
        self.vehicle.close()
        self.nlu.close()

    def __enter__(self) -> "Assistant":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
