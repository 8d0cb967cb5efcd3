"""The assistant for one session, and the one place a turn happens.

`Assistant.open()` is the composition root: every stage is wired here from config
(the car, NLU, replies, the reply speaker, and the speech front end when listening).
A turn is `handle_text()` (typed, or a transcript) or `handle_heard()` (an utterance
from the speech front end): NLU -> dialogue -> skills -> gate -> car, the reply
spoken, and one immutable `TurnReport` built at its end. chat, replay, run, demo,
eval, soak and the benches all take their turns here; `reset()` gives them a fresh
conversation and car between items.
"""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Any, Mapping

from assistant.config import Config
from assistant.dialogue.manager import DialogueManager
from assistant.dialogue.references import WordClasses
from assistant.dialogue.replies import Replies
from assistant.errors import AssistantError
from assistant.home import open_home
from assistant.nlu.result import fallback
from assistant.nlu.split import split_commands
from assistant.skills.registry import SkillRegistry
from assistant.vehicle.access import GatedVehicle
from assistant.vehicle.gate import SentFrame
from assistant.vehicle.session import VehicleSession

from .report import TurnReport

log = logging.getLogger(__name__)
HOME_INTENTS = ("home_lights", "query_home_lights")
UNSURE = ("unsure", "unsure_safety")  # understand.choose: the readings disagreed


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


class Assistant:
    """Everything one session needs; close it (or use `with`) to release the bus and the NLU.

    `speaker` (a `ReplySpeaker`) speaks replies, `front` (a `SpeechFrontEnd`) hears utterances and
    `button` (a `PushToTalk`, part of the front end's trigger) is the steering-wheel voice button;
    each may be None (text only, or not listening).
    """

    def __init__(self, config: Config, vehicle: VehicleSession, nlu, replies: Replies, *,
                 speaker=None, front=None, button=None, home=None) -> None:
        self.config = config
        self.vehicle = vehicle
        self.nlu = nlu
        self.replies = replies
        self.speaker = speaker
        self.front = front
        self.button = button
        self.words = WordClasses.load(config.intents_dir / "nlu")
        # The home bridge connects in its own thread: a slow or absent broker never delays a car turn.
        self.home = home if home is not None else open_home(config)
        self.skills = SkillRegistry.discover()  # once: reset() gives a new conversation, not new skills
        self._home_skill = self.skills.skills.get("home")
        if self._home_skill is not None:
            self._home_skill.bridge = self.home  # the lights at home: never the gate, never a frame
        self.dialogue = self._new_dialogue()
        self.startup_ms: dict[str, float] = {}
        self._frame_times: list[tuple[float, SentFrame]] = []
        vehicle.gate.listeners.append(lambda frame: self._frame_times.append((time.perf_counter(), frame)))

    def _new_dialogue(self) -> DialogueManager:
        return DialogueManager(self.skills, self.replies,
                               GatedVehicle(self.vehicle.gate, self.vehicle.state, self.vehicle.vss),
                               confirm_timeout_s=self.config.dialogue.confirm_timeout_s, words=self.words)

    # -- the composition root ----------------------------------------------------------
    @classmethod
    def open(cls, config: Config, *, speak: bool = True, player=None, sink=None, listen: bool = False,
             engine=None, triggers: bool = True, vehicle: VehicleSession | None = None,
             **vehicle_options) -> "Assistant":
        """Load and connect every stage from `config`, each timed in `startup_ms`.

        speak: replies go to the [tts] engine through `player` (or a Player on `sink`, else on the
        [tts] sink). listen: a speech front end with the [asr] engine (`engine` reuses a loaded one);
        with `triggers` a turn starts at the wake phrase ([wake] phrase) or the voice button ([wake]
        push_to_talk), without them every utterance is a turn (replaying recordings).
        vehicle_options go to `VehicleSession` (scenario, time_scale, ...).
        """
        from assistant.nlu.backend import load_nlu

        timings: dict[str, float] = {}

        def stage(name: str, load):
            started = time.perf_counter()
            result = load()
            timings[name] = round((time.perf_counter() - started) * 1000, 1)
            return result

        with contextlib.ExitStack() as undo:
            nlu = stage("nlu", lambda: load_nlu(config))
            undo.callback(nlu.close)
            replies = Replies.load(config.intents_dir / "responses.yml")
            front, button = _front_end(config, engine, triggers, stage, nlu) if listen else (None, None)
            speaker = stage("tts", lambda: _speaker(config, player, sink)) if speak else None
            # the car last: the built-in one starts moving (cabin drift, fuel) when it is created
            if vehicle is None:
                vehicle = stage("vehicle", lambda: VehicleSession(config, **vehicle_options))
                undo.callback(vehicle.close)
            stage("bus_ready", lambda: _wait_for_car(vehicle))
            home = stage("home", lambda: open_home(config))  # returns at once: it connects in the background
            undo.callback(home.close)
            assistant = cls(config, vehicle, nlu, replies, speaker=speaker, front=front, button=button, home=home)
            undo.pop_all()
        assistant.startup_ms = timings
        return assistant

    # -- turns ---------------------------------------------------------------------------
    def handle_text(self, text: str, *, speaker_zone: str = "driver", heard_at: float | None = None,
                    transcript: str | None = None, settle: bool = True, wait_reply: bool = True,
                    input: str | None = None, extra: Mapping[str, Any] | None = None) -> TurnReport:
        """One turn from text. `heard_at` is time.perf_counter() at end of speech (default: now).

        settle: wait for moving parts before reading the car's state. wait_reply: return once the
        reply has been spoken (False: once its first audio is out; the live loop listens meanwhile).
        """
        return self._turn(text, speaker_zone=speaker_zone, heard_at=heard_at, transcript=transcript,
                          settle=settle, wait_reply=wait_reply, input=input, extra=extra or {})

    def handle_heard(self, heard, *, input: str, heard_at: float | None = None, settle: bool = True,
                     wait_reply: bool = True, default_zone: str = "driver", meaning=None,
                     extra: Mapping[str, Any] | None = None) -> TurnReport:
        """One turn from an utterance of the speech front end (`asr.listener.Heard`).

        A transcript the recogniser rejected is an empty turn (the assistant says it did not catch
        it); `heard_at` defaults to when the speaker stopped, as if the audio had arrived live.
        `meaning` (a `notices.answers.NoticeAnswer`) is what the words mean here, right after a
        notice: its `text` goes to the NLU instead, or its `reply` is said and nothing is done.
        """
        if heard_at is None:
            heard_at = time.perf_counter() - heard.eos_to_final_ms / 1000
        stages = {"endpoint": round(max(0.0, heard.detected_s - heard.end_s) * 1000, 1),
                  "asr": round(heard.asr_ms, 1), "asr_finalize": round(heard.finalize_ms, 1),
                  "end_of_speech_to_transcript": round(heard.eos_to_final_ms, 1)}
        audio = {"zone": heard.zone, "start_s": round(heard.start_s, 3), "end_s": round(heard.end_s, 3),
                 "confidence": round(heard.confidence, 4), "rejected": heard.rejected, "endpoint": heard.reason}
        text = "" if heard.rejected else (meaning.text if meaning is not None else heard.text)
        fixed_reply = getattr(meaning, "reply", None)
        if heard.rejected and heard.transcript.reason in UNSURE:  # heard two ways: ask again, drop nothing
            fixed_reply = self.replies.say("nlu_fallback", "unsure")
        return self._turn(text, speaker_zone=heard.zone or default_zone,
                          heard_at=heard_at, transcript=heard.text, settle=settle, wait_reply=wait_reply,
                          input=input, heard_stages=stages, fixed_reply=fixed_reply,
                          extra={"trigger": heard.trigger, "audio": audio, **(extra or {})})

    def _turn(self, text: str, *, speaker_zone: str, heard_at: float | None, transcript: str | None,
              settle: bool, wait_reply: bool, input: str | None, extra: Mapping[str, Any],
              heard_stages: Mapping[str, float] | None = None, fixed_reply: str | None = None) -> TurnReport:
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
        if self._home_skill is not None:
            self._home_skill.take_requested()
        if fixed_reply is not None:  # understood, and the car can only answer it ("close it" after a door notice)
            turn = self.dialogue.answer_only(results[0], fixed_reply)
        else:
            turn = self.dialogue.handle(results, speaker_zone=speaker_zone)
        home = self._home_skill.take_requested() if self._home_skill is not None else {}
        acted = time.perf_counter()
        spoken = self._speak(turn.reply, wait=wait_reply)
        after_speech = time.perf_counter()
        if settle:
            self.vehicle.settle(timeout_s=30)
        first_frame = self._frame_times[0][0] if self._frame_times else None
        first_audio = spoken.first_audio_at if spoken else None
        timings = {
            **(heard_stages or {}),
            "nlu": _ms(parsed - started),
            "dialogue": _ms(acted - parsed),
            "tts": _ms(after_speech - acted) if spoken else None,
            "tts_first_audio": spoken.first_audio_ms if spoken else None,
            "end_of_speech_to_first_frame": _ms(first_frame - t0) if first_frame else None,
            "end_of_speech_to_first_audio": _ms(first_audio - t0) if first_audio else None,
            "settle": _ms(time.perf_counter() - after_speech),
            "total": _ms(time.perf_counter() - t0),
        }
        log.info("turn %r -> %s", text, turn.reply)
        if spoken is not None:
            extra = {**extra, "reply_audio": spoken.path}
        return TurnReport(text if input is None else input, turn, self.vehicle.car_state(), timings,
                          transcript=transcript, extra=extra, tts_error=spoken.error if spoken else None,
                          spoken=spoken,
                          home=home if any(a.action in HOME_INTENTS for a in turn.actions) else None)

    def _speak(self, reply: str, *, wait: bool):
        """Start the reply (and with `wait`, play it out); None when nothing is spoken. A TTS failure
        is logged with the text by the speaker and never undoes the action."""
        if self.speaker is None or not reply:
            return None
        spoken = self.speaker.say(reply)
        if wait and spoken.error is None:
            self.speaker.wait()
            spoken = self.speaker.check(spoken, reply)
        return spoken

    # -- between items ---------------------------------------------------------------------
    def reset(self, timeout_s: float = 2.0) -> bool:
        """A fresh conversation and a power-cycled built-in car, with the head unit's picture of the
        car caught up; False when the car cannot be reset (external) or its status did not arrive."""
        self.dialogue = self._new_dialogue()
        return self.vehicle.reset(timeout_s=timeout_s)

    def close(self) -> None:
        if self.speaker is not None:
            self.speaker.stop()
        self.home.close()
        self.vehicle.close()
        self.nlu.close()

    def __enter__(self) -> "Assistant":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _front_end(config: Config, engine, triggers: bool, stage, nlu):
    from assistant.asr.base import load_engine
    from assistant.asr.listener import SpeechFrontEnd
    from assistant.asr.triggers import AnyTrigger, PushToTalk
    from assistant.asr.wake import WakePhraseSpotter
    from assistant.understand import SpeechInterpreter

    engine = engine or stage("asr", lambda: load_engine(config))
    spotter = (stage("wake", lambda: WakePhraseSpotter.from_config(config))
               if triggers and config.wake.phrase.strip() else None)
    button = PushToTalk() if triggers and config.wake.push_to_talk else None
    starts = [t for t in (spotter, button) if t is not None]
    interpreter = SpeechInterpreter.from_config(config, nlu)
    front = SpeechFrontEnd(config, engine=engine, trigger=AnyTrigger(*starts) if starts else None,
                           interpret=interpreter, complete=interpreter.complete)
    return front, button


def _speaker(config: Config, player, sink):
    from assistant.tts import load_tts
    from assistant.tts.player import Player

    from .speech import ReplySpeaker, reply_sink

    tts = load_tts(config)
    if player is None:
        player = Player.from_config(config, sink if sink is not None else reply_sink(config, None))
    return ReplySpeaker(tts, player)


def _wait_for_car(vehicle: VehicleSession) -> None:
    if not vehicle.wait_ready(timeout_s=2.0):
        log.warning("no status from %s: is the car (or `assistant sim`) on %s? Writes to them will be refused",
                    ", ".join(vehicle.silent_ecus()), vehicle.spec)
