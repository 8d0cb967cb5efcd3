"""The speech front end: audio source -> (wake / button) -> endpointing -> ASR -> what was heard.

    from assistant.asr.listener import SpeechFrontEnd
    from assistant.audio.wav import WavSource
    front = SpeechFrontEnd(config)                  # engine + endpointer from config
    for heard in front.listen(WavSource("cmd.wav")):
        heard.text, heard.confidence, heard.rejected, heard.zone, heard.end_s, heard.timings_ms()

Each `listen(source)` starts from the same state: the endpointer's noise floor, the
denoiser, and what the recogniser and wake spotter adapted to (`new_stream()`, see below)
are reset, so a recording is heard the same alone or after others. Within one source
(one live stream) they keep adapting.

Always-listening by default (every utterance is transcribed: replay, transcribe,
tests). Give a `trigger` (see assistant.asr.triggers) and only the first utterance
after a wake phrase or a button press is transcribed; `open_turn(seconds)`
opens a turn without either (continued conversation after a reply).

The recogniser is fed while the person speaks (streaming), so at the endpoint
only the final search remains. Timings: `finalize_ms` is the wall time from
the endpoint decision to the final transcript; `eos_to_final_ms` adds the
trailing silence the endpointer waited (stream time), i.e. what a speaker
waits from their last word to the transcript when audio arrives in real time.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Callable, Iterator

import numpy as np

from assistant.asr.base import AsrEngine, Transcript, load_engine
from assistant.audio.blocks import AudioBlock, AudioSource
from assistant.audio.denoise import make_denoiser
from assistant.audio.events import SpeechEnded, SpeechStarted, Utterance
from assistant.audio.vad import Endpointer

FULL_SCALE = 32000      # int16 magnitude counted as clipped (-0.2 dBFS: resampling rings below 32767)
TURN_TIMEOUT_S = 6.0    # after a wake/button, how long to wait for speech to start
WAKE_REPLAY_S = 1.0     # audio kept to replay what follows the wake phrase in the same breath


@dataclass
class Heard:
    """One transcribed utterance with its speaker zone and timings.

    Stream times (`start_s`, `end_s` = end of speech, `detected_s` = endpoint
    decision) are seconds since the source began. Wall-clock costs are in ms.
    """

    transcript: Transcript
    zone: str | None
    start_s: float
    end_s: float
    detected_s: float
    audio_s: float
    asr_ms: float
    finalize_ms: float
    trigger: str = "always"
    reason: str = "silence"
    partials: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.transcript.text

    @property
    def confidence(self) -> float:
        return self.transcript.confidence

    @property
    def rejected(self) -> bool:
        return self.transcript.rejected

    @property
    def eos_to_final_ms(self) -> float:
        return max(0.0, self.detected_s - self.end_s) * 1000 + self.finalize_ms

    @property
    def rtf(self) -> float:
        return self.asr_ms / 1000 / self.audio_s if self.audio_s else 0.0

    def timings_ms(self) -> dict:
        return {"asr": round(self.asr_ms, 1), "endpoint_wait": round(max(0.0, self.detected_s - self.end_s) * 1000, 1),
                "finalize": round(self.finalize_ms, 1), "eos_to_transcript": round(self.eos_to_final_ms, 1)}

    def to_json(self) -> dict:
        return {**self.transcript.to_json(), "zone": self.zone, "start_s": round(self.start_s, 3),
                "end_s": round(self.end_s, 3), "audio_s": round(self.audio_s, 3), "rtf": round(self.rtf, 4),
                "trigger": self.trigger, "endpoint": self.reason, "timings_ms": self.timings_ms()}


class SpeechFrontEnd:
    """Turns an AudioSource into `Heard` utterances (see the module docstring)."""

    def __init__(self, config, *, engine: AsrEngine | None = None, trigger=None,
                 endpointer: Endpointer | None = None, keep_partials: bool = False,
                 interpret: Callable[[Transcript], Transcript] | None = None,
                 complete: Callable[[Transcript], bool] | None = None) -> None:
        self.config = config
        # the runtime's judges (the ASR never imports the NLU): `interpret` chooses among an n-best
        # list by meaning; `complete` says whether a transcript is a whole command (early endpoint)
        self.interpret = interpret
        self.complete = complete
        self.engine = engine or load_engine(config)
        self.trigger = trigger
        self.endpointer = endpointer or Endpointer.from_config(config)
        self.denoiser = make_denoiser(config)  # [audio] denoise: before the wake spotter, VAD and ASR
        self.keep_partials = keep_partials
        self.command_grammar = self._command_grammar(config) if self.endpointer.complete_silence_s else None
        self._turn_until: float | None = None
        self._turn_kind = "always"
        self._pending_open: float | None = None

    def _command_grammar(self, config):
        """The grammar whose sentences are complete commands, when the engine decodes with it."""
        if getattr(self.engine, "mode", "") != "grammar":
            return None
        from assistant.asr.compile import load_domain_grammar
        return load_domain_grammar(config)

    def open_turn(self, seconds: float) -> None:
        """Listen for the next utterance without wake phrase or button (follow-ups), for `seconds`."""
        self._pending_open = seconds

    def listen(self, source: AudioSource) -> Iterator[Heard]:
        """Every transcribed utterance of the source, as it is endpointed."""
        recent: deque[AudioBlock] = deque(maxlen=max(1, int(WAKE_REPLAY_S * 1000 / 30) + 1))
        # each source is its own recording: the noise floor of the last one would make this
        # one's noise look like speech (a quiet file followed by car noise opened a 7 s utterance)
        self.endpointer.new_stream()
        if self.denoiser is not None:
            self.denoiser.reset()  # its noise estimate is of the last recording too
        # so is what the recogniser (and the wake spotter) adapted to: a file was heard differently
        # after others; a turn still open belongs to the last source's timeline
        new_stream(self.engine)
        new_stream(self.trigger)
        self._turn_until, self._turn_kind = None, "always"
        state = _Utterance()
        last: AudioBlock | None = None
        for block in source.blocks():
            if self.denoiser is not None:
                block = self.denoiser.process(block)
            last = block
            for b in self._gate(block, recent):
                yield from self._feed(b, state)
        if last is not None and self.endpointer.in_speech:
            yield from self._handle(self.endpointer.flush(last.end_s), state, last)

    def _gate(self, block: AudioBlock, recent: deque) -> list[AudioBlock]:
        """The blocks the endpointer should see now (none while waiting for a trigger)."""
        if self._pending_open is not None:
            self._turn_until, self._turn_kind, self._pending_open = block.start_s + self._pending_open, "follow_up", None
        if self.trigger is None:
            return [block]
        recent.append(block)
        fired = self.trigger.check(block)
        if fired is not None:
            self._turn_until, self._turn_kind = fired.at_s + TURN_TIMEOUT_S, fired.kind
            self.endpointer.reset()
            return [b for b in recent if b.end_s > fired.at_s]  # speech said right after the wake phrase
        if self._turn_until is None:
            self.endpointer.observe(block)  # the noise floor stays current between turns
            return []
        if block.start_s > self._turn_until and not self.endpointer.in_speech:
            self._turn_until = None
            self.endpointer.reset()
            self.endpointer.observe(block)
            return []
        return [block]

    def _feed(self, block: AudioBlock, state: "_Utterance") -> Iterator[Heard]:
        events = self.endpointer.process(block)
        if self.endpointer.in_speech and not any(isinstance(e, SpeechStarted) for e in events):
            state.feed(self.engine, block.pcm, self.keep_partials)
        yield from self._handle(events, state, block)
        self._check_complete(block, state)

    def _check_complete(self, block: AudioBlock, state: "_Utterance") -> None:
        """Once per pause, halfway to `complete_silence_ms`: is what was heard a whole command?

        If so the endpointer need not wait the full trailing silence. The partial result of a
        grammar decode is checked against the compiled templates (a few ms, once per pause). An
        engine that does not stream (Whisper) decodes what it has so far (`peek`), and the runtime's
        `complete` judges the transcript; when no more speech follows, that early decode is the
        utterance's (`finish_peeked`: not decoded twice), judged again at the end with the
        cross-check's final reading.
        """
        ep = self.endpointer
        if not ep.in_speech or state.checked_pause == ep.last_voiced_end:
            return
        peeks = self.complete is not None and hasattr(self.engine, "peek")
        if (self.command_grammar is None and not peeks) or not ep.complete_silence_s:
            return
        if ep.silence_s(block.end_s) < ep.complete_silence_s / 2:
            return
        state.checked_pause = ep.last_voiced_end
        started = time.perf_counter()
        if self.command_grammar is not None:
            text = self.engine.partial()
            whole = bool(text) and self.command_grammar.accepts(text)
        else:
            transcript = self.engine.peek()
            judged = self.interpret(transcript) if self.interpret is not None and not transcript.rejected else transcript
            # in a live stream the endpoint cannot come before this decode is done
            state.early = _Early(transcript, ep.last_voiced_end, block.end_s + time.perf_counter() - started)
            whole = self.complete(judged)
        if whole:
            ep.mark_complete()
        state.asr_s += time.perf_counter() - started

    def _handle(self, events: list, state: "_Utterance", block: AudioBlock) -> Iterator[Heard]:
        for event in events:
            if isinstance(event, SpeechStarted):
                state.begin(self.engine)
                state.feed(self.engine, event.audio, self.keep_partials)
            elif isinstance(event, SpeechEnded):
                state.ended = event
            elif isinstance(event, Utterance):
                heard = state.finish(self.engine, event, self._turn_kind if self.trigger else "always",
                                     max_clipped=self.config.asr.max_clipped, interpret=self.interpret)
                if self.trigger is not None:
                    self._turn_until = None  # one utterance per turn
                yield heard


@dataclass(frozen=True)
class _Early:
    """A transcript decoded at a pause, before the endpoint (see SpeechFrontEnd._check_complete)."""

    transcript: Transcript  # as the engine gave it (not yet interpreted)
    pause_s: float  # the end of the speech it covers
    ready_s: float  # stream time at which it was ready, as if the audio had arrived live


class _Utterance:
    """Book-keeping for the utterance being decoded."""

    def __init__(self) -> None:
        self.asr_s = 0.0
        self.partials: list[str] = []
        self.ended: SpeechEnded | None = None
        self.checked_pause: float | None = None  # the pause (by its start) already checked
        self.early: _Early | None = None

    def begin(self, engine: AsrEngine) -> None:
        self.asr_s, self.partials, self.ended, self.checked_pause, self.early = 0.0, [], None, None, None
        started = time.perf_counter()
        engine.start()
        self.asr_s += time.perf_counter() - started

    def feed(self, engine: AsrEngine, pcm, keep_partials: bool) -> None:
        started = time.perf_counter()
        engine.feed(pcm)
        if keep_partials:
            text = engine.partial()
            if text and (not self.partials or self.partials[-1] != text):
                self.partials.append(text)
        self.asr_s += time.perf_counter() - started

    def finish(self, engine: AsrEngine, utterance: Utterance, trigger: str, max_clipped: float = 1.0,
               interpret: Callable[[Transcript], Transcript] | None = None) -> Heard:
        started = time.perf_counter()
        detected_s = utterance.detected_s
        early = self.early if self.early is not None and self.early.pause_s == utterance.end_s else None
        if early is not None:  # nothing was said after the early decode: it is this utterance's
            # the engine ends the utterance without decoding it again (a cross-check still finishes its own)
            finish_peeked = getattr(engine, "finish_peeked", None)
            if finish_peeked is not None:
                transcript = finish_peeked()
            else:
                engine.start()  # drops the audio buffered for a decode that is not needed
                transcript = early.transcript
            detected_s = max(detected_s, early.ready_s)
        else:
            transcript = engine.finish()
        if not transcript.rejected and clipped_share(utterance.audio) > max_clipped:
            # measured: a command 26 dB too hot was heard as another command ("a lot hot") and acted on
            transcript = replace(transcript, text="", rejected=True, reason="clipped", words=[], alternatives=[])
        if not transcript.rejected and utterance.steady:
            # measured: steady noise starting in the follow-up window (a blower, pink/white noise at
            # -35 dBFS) was heard as "off" and answered; speech is never that steady (audio/vad.py)
            transcript = replace(transcript, text="", rejected=True, reason="steady_noise", words=[], alternatives=[])
        if interpret is not None and not transcript.rejected:
            transcript = interpret(transcript)
        finalize = time.perf_counter() - started
        self.asr_s += finalize
        return Heard(transcript, utterance.zone, utterance.start_s, utterance.end_s, detected_s,
                     utterance.duration_s, self.asr_s * 1000, finalize * 1000, trigger, utterance.reason,
                     list(self.partials))


def new_stream(part) -> None:
    """A new source begins: reset what an engine or trigger adapted to, if it keeps such state.

    The optional method is `new_stream()` (pocketsphinx: cepstral mean and noise estimate; the wake
    spotter: the same for its own decoder). An engine made of engines forwards it to each; the
    trigger wrappers that have none (`AnyTrigger.triggers`, the live loop's `TriggerTap.trigger`)
    are walked here. Whisper decodes each utterance on its own; vosk reuses one recogniser
    (`Reset()` per utterance) and has no `new_stream()` yet.
    """
    if part is None:
        return
    method = getattr(part, "new_stream", None)
    if callable(method):
        method()
        return
    for inner in (*getattr(part, "triggers", ()), getattr(part, "trigger", None)):
        new_stream(inner)


def clipped_share(audio: np.ndarray) -> float:
    """Share of int16 samples at full scale (0 for empty audio)."""
    if not len(audio):
        return 0.0
    return float(np.count_nonzero(np.abs(audio.astype(np.int32)) >= FULL_SCALE)) / len(audio)
