"""The live loop of `assistant run`: audio -> wake/button -> VAD -> ASR -> turn -> reply, until stopped.

Two threads: the audio pump fills a bounded queue (pump.py), and the processing
thread (the caller of `run()`) takes blocks through the speech front end. A turn
(NLU, dialogue, skills, gate, bus) runs in the processing thread while the pump
keeps capturing; the reply plays in the Player's thread, so listening goes on
while it speaks. A wake phrase, a button press or (with [wake] barge_in =
"speech") the start of speech cuts a reply that is playing.

After each reply the next utterance needs no wake phrase for [wake] follow_up_s
seconds (from the end of the reply; with speech barge-in the window is open
while the reply plays, too).

Proactive notices (assistant/notices/: low fuel, a door open at speed, ...) are
checked every 0.1 s of input and spoken only between turns: never over a reply, a turn
or anyone speaking. A notice is spoken like a reply (barge-in cuts it) and opens
the same follow-up window, so "thanks" needs no wake phrase.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

from assistant.asr.listener import TURN_TIMEOUT_S
from assistant.asr.triggers import VOICE_BUTTON_SIGNAL
from assistant.errors import BusError, ConfigError

from . import memory
from .assistant import Assistant
from .pump import AudioPump, QueueSource
from .report import TurnReport
from .taps import ButtonLink, EndpointerTap, TriggerTap

log = logging.getLogger(__name__)

BARGE_IN_MODES = ("speech", "trigger", "off")
NOTICE_AFTER_REPLY_S = 1.5  # a notice waits this long after a reply ends (the driver may answer first)
TRIGGERED_KINDS = ("wake", "button")  # a rejected utterance after these still gets a "sorry"


@dataclass(frozen=True)
class Cue:
    """A scripted event at stream time `at_s` (built-in simulator only): press the voice
    button (a real SWS_Buttons frame on the bus), change the simulated car, and/or set its
    injected faults (`{"silent": ["EMS"]}`: the ECUs each named fault kind now applies to)."""

    at_s: float
    press: bool = False
    set: dict[str, Any] = field(default_factory=dict)
    faults: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass
class RunSummary:
    """The final line of a run."""

    reason: str = ""
    turns: int = 0
    ignored: int = 0  # utterances heard in a follow-up window or always-on mode that were not commands
    notices: int = 0  # proactive notices said (assistant/notices/)
    frames: int = 0
    button_presses: int = 0
    wakes: int = 0
    barge_ins: int = 0
    dropped_blocks: int = 0  # audio lost because processing fell behind (bounded queue)
    mic_overruns: int = 0  # blocks the microphone driver itself dropped
    tts_errors: int = 0
    blocks: int = 0  # audio blocks processed (+ dropped_blocks = blocks captured)
    audio_s: float = 0.0  # stream time processed
    uptime_s: float = 0.0

    def to_json(self) -> dict:
        return {"event": "stopped", **asdict(self)}


class LiveAssistant:
    """One running assistant on one audio source. `open()`, then `run()` (blocks), `stop()` from anywhere."""

    def __init__(self, assistant: Assistant, source, *, realtime: bool, settle: bool = False,
                 cues: list[Cue] | tuple = (), on_turn: Callable[[TurnReport], None] | None = None,
                 notices: bool = True, on_notice: Callable[[dict], None] | None = None) -> None:
        config = assistant.config
        mode = config.wake.barge_in
        if mode not in BARGE_IN_MODES:
            raise ConfigError(f"[wake] barge_in = {mode!r} is not one of {', '.join(BARGE_IN_MODES)}")
        if assistant.front is None:
            raise ConfigError("the live loop needs an assistant that listens: Assistant.open(config, listen=True)")
        self.config = config
        self.assistant = assistant
        self.front = assistant.front
        self.speaker = assistant.speaker
        self.source = source
        self.realtime = realtime
        self.settle = settle
        self.on_turn = on_turn
        self.on_notice = on_notice
        self.barge_in = mode
        self.cues = sorted(cues, key=lambda c: c.at_s)
        self.summary = RunSummary()
        self.startup_ms = assistant.startup_ms
        self._stop = threading.Event()
        self._started = time.perf_counter()
        self._reply: tuple | None = None  # (Spoken, text) of the reply or notice playing, for the follow-up window
        self._reply_at_s = 0.0  # stream time the reply started
        self._follow_up_until = 0.0  # stream time the current follow-up window ends
        self._turn_open_until = 0.0  # stream time a turn opened by the wake phrase or button waits until
        self._notice_not_before = 0.0  # stream time: a moment after the last reply or turn
        self._button_pending = False  # pressed on the bus, the turn not yet opened by the front end
        self._answerable: dict | None = None  # the notice just said, until the next turn (its answer)
        self.notices_said: list[dict] = []  # the notice objects, as printed
        self.notice_timing = None
        if notices:
            from assistant.notices.timing import NoticeTiming
            self.notice_timing = NoticeTiming.from_config(config, assistant.vehicle)
        self.button_link = None
        front = self.front
        if front.trigger is not None:
            front.trigger = TriggerTap(front.trigger, self._triggered)
        if mode == "speech":
            front.endpointer = EndpointerTap(front.endpointer, self._speech_started)
        if assistant.button is not None:
            self.button_link = ButtonLink(assistant.vehicle.state, assistant.button, on_press=self._button_pressed)
        if self.cues:
            self._check_cues()
        self.pump = AudioPump(source, config.audio.queue_blocks, drop_when_full=realtime)
        if self.speaker is not None and not realtime:
            self.speaker.pace_by_stream()  # stream time is virtual: replies follow it, not the wall clock

    # -- start-up --------------------------------------------------------------
    @classmethod
    def open(cls, config, source, *, sink=None, realtime: bool = True, speak: bool = True,
             scenario: dict | None = None, time_scale: float | None = None, engine=None,
             **options) -> "LiveAssistant":
        """`Assistant.open(config, listen=True, ...)` (every stage timed in `startup_ms`), then the loop
        around it, ready to `run()`. `engine`: an ASR engine already loaded (tests and benchmarks reuse one).
        """
        assistant = Assistant.open(config, speak=speak, sink=sink, listen=True, engine=engine,
                                   scenario=scenario, time_scale=time_scale)
        try:
            return cls(assistant, source, realtime=realtime, **options)
        except BaseException:
            assistant.close()
            raise

    def ready_info(self) -> dict:
        """What the "ready" line says: what is listening, for what, on which bus."""
        vehicle = self.assistant.vehicle
        return {"event": "ready", "input": _describe(self.source), "realtime": self.realtime,
                "wake_phrase": self.config.wake.phrase.strip() or None,
                "push_to_talk": self.button_link is not None, "follow_up_s": self.config.wake.follow_up_s,
                "barge_in": self.barge_in, "asr": f"{self.front.engine.name} ({self.front.engine.mode})",
                "tts": (f"{self.speaker.tts.name} ({self.speaker.tts.voice}) -> {self.speaker.player.sink.name}"
                        if self.speaker else None),
                "bus": str(vehicle.spec), "simulator": "builtin" if vehicle.simulator is not None else "external",
                "silent_ecus": vehicle.silent_ecus(), "startup_ms": self.startup_ms}

    # -- running ---------------------------------------------------------------
    def run(self) -> RunSummary:
        """Listen and answer until the input ends or `stop()`; returns the summary."""
        queue_source = QueueSource(self.pump, self._stop, on_block=self._on_block)
        self.pump.start()
        try:
            for heard in self.front.listen(queue_source):
                if self._stop.is_set():
                    break
                self._turn(heard, queue_source)
            if self.pump.error is not None:
                raise self.pump.error
            if not self._stop.is_set():
                self.summary.reason = self.summary.reason or "end of input"
                if self.speaker is not None:
                    self.speaker.release()
                    self.speaker.wait()  # the last reply plays to its end
        finally:
            self._finish()
        return self.summary

    def stop(self, reason: str = "stopped") -> None:
        """Thread- and signal-safe: stop listening, cut the reply; `run()` returns soon after."""
        if not self.summary.reason:
            self.summary.reason = reason
        self._stop.set()
        if self.speaker is not None:
            self.speaker.stop()

    def close(self) -> None:
        self.pump.stop()
        self.assistant.close()

    def _finish(self) -> None:
        self.pump.stop()
        self.pump.join(timeout=2.0)
        if self.speaker is not None:
            if self._stop.is_set():
                self.speaker.stop()
            self.speaker.release()
            self.speaker.wait(timeout=5.0)
            self.summary.tts_errors = self.speaker.errors
        s = self.summary
        s.dropped_blocks = self.pump.dropped
        s.mic_overruns = getattr(self.source, "overruns", 0)
        s.button_presses = self.button_link.presses if self.button_link else 0
        s.uptime_s = round(time.perf_counter() - self._started, 3)

    # -- per block (processing thread) -----------------------------------------
    def _on_block(self, block) -> None:
        self.summary.blocks += 1
        self.summary.audio_s = round(block.end_s, 3)
        while self.cues and self.cues[0].at_s <= block.start_s:
            self._play_cue(self.cues.pop(0))
        if self._reply is not None and self.speaker is not None:
            self.speaker.advance(block.start_s - self._reply_at_s)  # as-fast-as-possible runs only
        if self._reply is not None and self.speaker is not None and not self.speaker.playing:
            (spoken, text), self._reply = self._reply, None
            self.speaker.check(spoken, text)
            memory.release()  # the turn's decode and synthesis buffers, now that it is over
            if not self.speaker.player.report.stopped:
                self._open_follow_up(block.start_s)  # the follow-up window runs from the reply's end
            self._notice_not_before = block.start_s + NOTICE_AFTER_REPLY_S
        if self.notice_timing is not None:
            notice = self.notice_timing.next(block, busy=self._busy(block.start_s))
            if notice is not None:
                self._say_notice(notice, block.start_s)

    def _play_cue(self, cue: Cue) -> None:
        simulator = self.assistant.vehicle.simulator
        for path, value in cue.set.items():
            simulator.set(path, value)
        if cue.set:  # the head unit sees the change at this stream time, however fast the input runs
            state, car = self.assistant.vehicle.state, simulator.snapshot()
            if not state.wait_until(lambda: all(state.read(p).value == car[p] for p in cue.set), timeout=1.0):
                log.warning("scripted car change at %.2f s was not seen on the bus", cue.at_s)
        for kind, ecus in cue.faults.items():
            nodes = getattr(simulator.faults, kind)
            nodes.clear()
            nodes.update(ecus)
        if cue.press:
            seen = self.button_link.presses
            simulator.set(VOICE_BUTTON_SIGNAL, True)
            if not self.button_link.wait_for_press(seen, timeout_s=1.0):
                log.warning("scripted voice-button press at %.2f s was not seen on the bus", cue.at_s)
            simulator.set(VOICE_BUTTON_SIGNAL, False)

    def _check_cues(self) -> None:
        if self.assistant.vehicle.simulator is None:
            raise BusError("scripted presses and car changes need the built-in simulator",
                           hint="press the real button, or steer `assistant sim --control` on the external bus")
        if any(c.press for c in self.cues) and self.button_link is None:
            raise ConfigError("a scripted button press needs push-to-talk", hint="set [wake] push_to_talk = true")
        from assistant.vehicle.simulator import FAULT_KINDS

        ecus = {node.name for node in self.assistant.vehicle.db.nodes} - {"HU"}
        for cue in self.cues:
            for kind, names in cue.faults.items():
                if kind not in FAULT_KINDS:
                    raise ConfigError(f"unknown fault {kind!r} at {cue.at_s:g} s", hint=f"use {', '.join(FAULT_KINDS)}")
                unknown = set(names) - ecus - {"*"}
                if unknown:
                    raise ConfigError(f"unknown ECU {', '.join(sorted(unknown))} in the faults at {cue.at_s:g} s",
                                      hint=f"the ECUs are {', '.join(sorted(ecus))}")

    # -- barge-in ---------------------------------------------------------------
    def _triggered(self, fired) -> None:
        self._turn_open_until = fired.at_s + TURN_TIMEOUT_S  # until the utterance (or the front end gives up)
        self._button_pending = False
        if fired.kind == "wake":
            self.summary.wakes += 1
        if self.barge_in != "off":
            self._cut(fired.kind)

    def _button_pressed(self) -> None:  # bus thread: cut at once, the turn starts at the next block
        self._button_pending = True
        if self.barge_in != "off":
            self._cut("button")

    def _speech_started(self, event) -> None:
        self._cut("speech")

    def _cut(self, why: str) -> None:
        if self.speaker is not None and self.speaker.stop():
            self.summary.barge_ins += 1
            log.info("barge-in (%s): reply cut", why)

    # -- one turn ----------------------------------------------------------------
    def _turn(self, heard, queue_source: QueueSource) -> None:
        self._turn_open_until = 0.0  # one utterance per turn; a follow-up window may open below
        if heard.rejected and heard.trigger not in TRIGGERED_KINDS:
            # noise or chatter in a follow-up window: no "sorry"; the window stays open until its
            # original end (so a cough does not cost the follow-up, and noise cannot hold it open)
            self.summary.ignored += 1
            log.info("ignored %s utterance (%s): %r", heard.trigger, heard.transcript.reason, heard.transcript.raw)
            if heard.trigger == "follow_up" and self._follow_up_until > heard.detected_s:
                self.front.open_turn(self._follow_up_until - heard.detected_s)
            return
        end_of_speech = self._end_of_speech(heard, queue_source)
        answering, self._answerable = self._answerable, None
        meaning = None
        if answering is not None and not heard.rejected and heard.trigger == "follow_up":  # "close it" after a notice
            from assistant.notices.answers import answer_to
            meaning = answer_to(answering, heard.text, self.notice_timing.watcher.texts)
        report = self.assistant.handle_heard(
            heard, input=_input_at(self.source, heard.start_s) or _describe(self.source), heard_at=end_of_speech,
            settle=self.settle, wait_reply=False, meaning=meaning,
            extra={"event": "turn", "turn": self.summary.turns + 1})
        spoken = report.spoken
        if spoken is not None:
            self._reply = (spoken, report.reply)
            self._reply_at_s = heard.detected_s
        self.summary.turns += 1
        self.summary.frames += len(report.turn.frames)
        self._notice_not_before = heard.detected_s + NOTICE_AFTER_REPLY_S
        if self.barge_in == "speech" or spoken is None or spoken.error:
            self._open_follow_up(heard.detected_s)
        if self.on_turn is not None:
            self.on_turn(report)

    # -- proactive notices -------------------------------------------------------
    def _busy(self, now_s: float) -> bool:
        """No notice now: a reply playing or just ended, a turn open (wake phrase, button), speech being
        endpointed, or a question of the dialogue waiting for its answer in the follow-up window."""
        conversation = self.assistant.dialogue.conversation
        question = conversation.pending_confirmation is not None or conversation.pending_slot is not None
        return (self._reply is not None or (self.speaker is not None and self.speaker.playing)
                or self._button_pending or self.front.endpointer.in_speech or now_s < self._turn_open_until
                or now_s < self._notice_not_before or (question and now_s < self._follow_up_until))

    def _say_notice(self, notice, now_s: float) -> None:
        """Speak a notice like a reply (barge-in cuts it; its end opens the follow-up window)."""
        spoken = None
        if self.speaker is not None:
            spoken = self.speaker.say(notice.text)
            self._reply = (spoken, notice.text)
            self._reply_at_s = now_s
        if self.barge_in == "speech" or spoken is None or spoken.error:
            self._open_follow_up(now_s)
        if spoken is None:  # not spoken (--no-tts): the next one still comes a moment later, not at once
            self._notice_not_before = now_s + NOTICE_AFTER_REPLY_S
        self.summary.notices += 1
        data = notice.to_json() | {"at_s": round(now_s, 3), "reply_audio": spoken.path if spoken else None}
        if spoken is not None and spoken.error:
            data["tts_error"] = spoken.error
        log.info("notice %s at %.2f s: %s", notice.kind, now_s, notice.text)
        self._answerable = data
        self.notices_said.append(data)
        if self.on_notice is not None:
            self.on_notice(data)

    def _open_follow_up(self, now_s: float) -> None:
        self._follow_up_until = now_s + self.config.wake.follow_up_s
        self.front.open_turn(self.config.wake.follow_up_s)

    def _end_of_speech(self, heard, queue_source: QueueSource) -> float:
        """perf_counter() time the speaker stopped talking."""
        if self.realtime and queue_source.last_arrival is not None:
            # the block that ended the utterance was captured at last_arrival, at stream time last_block.end_s
            return queue_source.last_arrival - max(0.0, queue_source.last_block.end_s - heard.end_s)
        return time.perf_counter() - heard.eos_to_final_ms / 1000  # as fast as possible: as if it were live


def _input_at(source, t: float) -> str | None:
    """The file of a multi-file source that stream time `t` falls in (the pump may be reading a later one)."""
    step_at = getattr(source, "step_at", None)
    if step_at is not None:
        index = step_at(t)
        return None if index is None else str(source.files[index])
    files, gap_s, block_ms = getattr(source, "files", None), getattr(source, "gap_s", None), getattr(source, "block_ms", 30)
    if not files or gap_s is None:
        return None
    import math

    from assistant.audio.wav import probe

    block_s, start = block_ms / 1000, 0.0
    for path in files:  # as FolderSource lays them out: whole blocks of each file, then the gap's blocks
        info = probe(path)
        start += math.ceil(info.frames / info.samplerate / block_s - 1e-9) * block_s + round(gap_s / block_s) * block_s
        if t < start:
            return str(path)
    return str(files[-1])


def _describe(source) -> str:
    files = getattr(source, "files", None) or ([source.path] if getattr(source, "path", None) else [])
    if files:
        return ", ".join(str(f) for f in files[:3]) + (f" (+{len(files) - 3} more)" if len(files) > 3 else "")
    device = getattr(source, "device", None)
    if isinstance(device, dict):
        return f"mic: {device.get('name')}"
    return type(source).__name__
