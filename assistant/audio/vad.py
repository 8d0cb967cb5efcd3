"""Voice activity detection and endpointing.

Why webrtcvad: it is the WebRTC GMM detector in C (webrtcvad-wheels), about
10 microseconds per 30 ms frame on one core with no model file, so it runs on
any head unit and processes ten minutes of audio in well under a second.
silero-vad is more accurate in babble, but needs onnxruntime and a neural
model per frame (~100x the CPU) - too much for a detector that runs all the
time on the embedded default.

webrtcvad alone calls loud car rumble "speech", so the detector first
high-passes the audio at 200 Hz (tyre and engine rumble live below it, speech
formants above), and a frame counts as speech only when webrtcvad says so AND
its energy is a margin above an adaptive noise floor (falls fast, rises
slowly: it sits at the noise's lower envelope). Steady noise then never opens
an utterance, while speech 5 dB above the noise still does. The recogniser
gets the unfiltered audio.

The endpointer turns speech frames into SpeechStarted / SpeechEnded /
Utterance events: speech starts once `min_speech_ms` of voiced frames fall in
a short window (clicks and door slams are shorter), ends after
`trailing_silence_ms` without speech, or is cut at `max_utterance_s`. When the
recogniser already holds a complete command (`mark_complete()`, see
assistant.asr.listener), `complete_silence_ms` of silence is enough: the
driver hears the reply sooner, and a pause inside a command still waits the
full trailing silence.

Steady noise (a blower turned on, a window opened: white, pink, brown, cabin
noise) that starts louder than the floor looked like speech until the slow
floor caught up, seconds later; in the follow-up window after "turn on the air
conditioning" the blower's noise was heard as "off" and answered. Speech is
never steady: its 30 ms frame levels spread (90th - 10th percentile) by 6 dB
or more over any 1.5 s and by 7.7 dB or more over an utterance with its
trailing pause, while steady noise spreads by at most 3.5 dB (measured on the
dev fixtures at clean..5 dB and on seeded white/pink/brown/cabin noise). So
(1) when the last STEADY_WINDOW_S of levels spread less than STEADY_DB and sit
well above the floor, the floor moves up to them at once, and (2) an utterance
whose levels, from its first voiced frame to the endpoint, spread less than
STEADY_DB is marked `steady` (the listener rejects it: reason "steady_noise").
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from assistant.audio.blocks import PIPELINE_RATE, AudioBlock
from assistant.audio.highpass import Biquad
from assistant.audio.events import SpeechEnded, SpeechStarted, Utterance
from assistant.errors import ConfigError

PRE_ROLL_MS = 300
HIGHPASS_HZ = 200
NOISE_MARGIN_DB = 6.0
FLOOR_FALL = 0.3        # per frame, towards a quieter frame
FLOOR_RISE = 0.004      # per frame, towards a louder one (~7 s time constant at 30 ms)
FLOOR_RISE_WARMUP = 0.05
WARMUP_S = 1.0
SILENCE_DB = -90.0
STEADY_DB = 4.5          # frame levels spreading less than this (p90 - p10) are steady noise, not speech
STEADY_WINDOW_S = 1.5    # the floor catches up with noise that stayed this steady this long
STEADY_GAP_DB = 3.0      # ... when it sits this far above the floor (in steady cabin noise it does not)
STEADY_MIN_S = 0.5       # an utterance (first voiced frame to endpoint) shorter than this is not judged


def frame_ms_for(block_ms: int) -> int:
    """The longest webrtcvad frame (30, 20 or 10 ms) that tiles a block exactly."""
    for ms in (30, 20, 10):
        if block_ms % ms == 0:
            return ms
    raise ConfigError(f"[audio] block_ms = {block_ms} cannot be split into 10, 20 or 30 ms VAD frames",
                      hint="use a multiple of 10 ms, e.g. 30")


def energy_db(frame: np.ndarray) -> float:
    power = float(np.mean(frame.astype(np.float64) ** 2)) / (32768.0 ** 2)
    return 10 * math.log10(power) if power > 1e-9 else SILENCE_DB


def level_spread_db(levels) -> float:
    """How much frame levels (dB) vary: 90th minus 10th percentile (0 for fewer than two)."""
    if len(levels) < 2:
        return 0.0
    low, high = np.percentile(np.asarray(levels, dtype=np.float64), (10, 90))
    return float(high - low)


class SpeechDetector:
    """Per-frame speech decision: webrtcvad, gated by an adaptive noise floor."""

    def __init__(self, aggressiveness: int = 2, frame_ms: int = 30, margin_db: float = NOISE_MARGIN_DB) -> None:
        import webrtcvad

        if not 0 <= aggressiveness <= 3:
            raise ConfigError(f"[vad] aggressiveness must be 0-3, not {aggressiveness}")
        self._vad = webrtcvad.Vad(aggressiveness)
        self._vad_mode = aggressiveness
        self.frame_ms = frame_ms
        self.frame_samples = PIPELINE_RATE * frame_ms // 1000
        self.margin_db = margin_db
        self.floor_db: float | None = None
        self.level_db = SILENCE_DB  # the last frame's (high-passed) level
        self._frames = 0
        self._levels: deque[float] = deque(maxlen=max(2, round(STEADY_WINDOW_S * 1000 / frame_ms)))
        self._highpass = Biquad.butter_highpass(HIGHPASS_HZ, PIPELINE_RATE)  # numpy only: no scipy at start-up

    def is_speech(self, frame: np.ndarray) -> bool:
        filtered = self._highpass.process(frame)
        level = self.level_db = energy_db(filtered)
        self._track_floor(level)
        if level <= SILENCE_DB or self.floor_db is None or level < self.floor_db + self.margin_db:
            return False
        pcm = np.clip(filtered, -32768, 32767).astype(np.int16)
        return self._vad.is_speech(pcm.tobytes(), PIPELINE_RATE)

    def observe(self, frame: np.ndarray) -> None:
        """Track the noise floor only (no decision): audio heard while no turn is open."""
        filtered = self._highpass.process(frame)
        self._track_floor(energy_db(filtered))

    def _track_floor(self, level: float) -> None:
        if level <= SILENCE_DB:
            return  # digital silence says nothing about the cabin noise
        self._frames += 1
        if self.floor_db is None:
            self.floor_db = level  # a stream starts quiet; if not, the floor falls fast at the first pause
            return
        warm = self._frames * self.frame_ms / 1000 < WARMUP_S
        rate = FLOOR_FALL if level < self.floor_db else (FLOOR_RISE_WARMUP if warm else FLOOR_RISE)
        self.floor_db += rate * (level - self.floor_db)
        self._levels.append(level)
        if len(self._levels) == self._levels.maxlen and self._frames % 3 == 0:  # every 90 ms is soon enough
            low, high = np.percentile(self._levels, (10, 90))
            if high - low < STEADY_DB and low > self.floor_db + STEADY_GAP_DB:
                self.floor_db = float(low)  # new steady noise: it is the floor now, not speech


class Endpointer:
    """Blocks in, speech events out. One instance per stream; `reset()` between turns."""

    def __init__(self, *, block_ms: int = 30, aggressiveness: int = 2, trailing_silence_ms: int = 600,
                 max_utterance_s: float = 8.0, min_speech_ms: int = 150, zones: list[str] | tuple = (),
                 complete_silence_ms: int = 0) -> None:
        self.frame_ms = frame_ms_for(block_ms)
        self.detector = SpeechDetector(aggressiveness, self.frame_ms)
        self.trailing_silence_s = trailing_silence_ms / 1000
        self.complete_silence_s = min(complete_silence_ms, trailing_silence_ms) / 1000 if complete_silence_ms > 0 else 0.0
        self.max_utterance_s = max_utterance_s
        self.min_frames = max(1, math.ceil(min_speech_ms / self.frame_ms))
        self.onset_window = self.min_frames + max(1, 150 // self.frame_ms)
        self.pre_roll_frames = PRE_ROLL_MS // self.frame_ms
        self.zones = tuple(zones)
        self.reset()

    @classmethod
    def from_config(cls, config) -> "Endpointer":
        return cls(block_ms=config.audio.block_ms, aggressiveness=config.vad.aggressiveness,
                   trailing_silence_ms=config.vad.trailing_silence_ms,
                   max_utterance_s=config.vad.max_utterance_s, min_speech_ms=config.vad.min_speech_ms,
                   zones=config.audio.channel_zones, complete_silence_ms=config.vad.complete_silence_ms)

    @property
    def in_speech(self) -> bool:
        return self._start_s is not None

    @property
    def last_voiced_end(self) -> float:
        return self._last_voiced_end

    def silence_s(self, now: float) -> float:
        """Seconds since the last voiced frame of the utterance in progress (0 outside one)."""
        return max(0.0, now - self._last_voiced_end) if self._start_s is not None else 0.0

    def mark_complete(self) -> None:
        """What was said so far is a whole command: end after `complete_silence_ms` of silence."""
        self._complete = self._start_s is not None and self.complete_silence_s > 0

    def new_stream(self) -> None:
        """Forget everything, the noise floor too: another recording, another cabin."""
        self.detector = SpeechDetector(self.detector._vad_mode, self.frame_ms, self.detector.margin_db)
        self.reset()

    def reset(self) -> None:
        """Forget any speech in progress (the noise floor is kept: the cabin is the same)."""
        self._recent: deque = deque(maxlen=self.pre_roll_frames + self.onset_window)
        self._start_s: float | None = None
        self._audio: list[np.ndarray] = []
        self._audio_start_s = 0.0
        self._last_voiced_end = 0.0
        self._complete = False
        self._energy: np.ndarray | None = None
        self._levels: list[float] = []  # frame levels from the first voiced frame on (steady noise?)

    def process(self, block: AudioBlock) -> list:
        """Events caused by this block, in order."""
        events: list = []
        size = self.detector.frame_samples
        for i in range(0, len(block.pcm) - size + 1, size):
            frame = block.pcm[i:i + size]
            start = block.start_s + i / PIPELINE_RATE
            voiced = self.detector.is_speech(frame)
            events.extend(self._step(frame, start, voiced, block.channel_rms, self.detector.level_db))
        return events

    def observe(self, block: AudioBlock) -> None:
        """Audio outside a turn: keeps the noise floor current, so a turn that opens with speech
        at once (right after a wake phrase or a button press) is judged against the real cabin noise."""
        size = self.detector.frame_samples
        for i in range(0, len(block.pcm) - size + 1, size):
            self.detector.observe(block.pcm[i:i + size])

    def flush(self, at_s: float) -> list:
        """End of stream: close an utterance in progress."""
        if self._start_s is None:
            return []
        return self._end(at_s, "end_of_stream")

    def _step(self, frame, start: float, voiced: bool, rms: tuple, level: float = 0.0) -> list:
        end = start + self.frame_ms / 1000
        if self._start_s is None:
            self._recent.append((frame, start, voiced, rms, level))
            window = list(self._recent)[-self.onset_window:]
            if sum(v for _, _, v, _, _ in window) < self.min_frames:
                return []
            first_voiced = next(s for _, s, v, _, _ in window if v)
            buffered = list(self._recent)
            self._audio = [f for f, _, _, _, _ in buffered]
            self._audio_start_s = buffered[0][1]
            self._start_s = first_voiced
            self._last_voiced_end = end
            self._energy = None
            for _, s, v, r, lv in buffered:
                if s >= first_voiced:
                    self._add_energy(r)
                    self._levels.append(lv)
            self._recent.clear()
            return [SpeechStarted(first_voiced, np.concatenate(self._audio))]
        self._audio.append(frame)
        self._levels.append(level)
        if voiced:
            self._last_voiced_end = end
            self._complete = False  # more speech: whatever follows decides again
            self._add_energy(rms)
        if end - self._last_voiced_end >= self.trailing_silence_s:
            return self._end(end, "silence")
        if self._complete and end - self._last_voiced_end >= self.complete_silence_s:
            return self._end(end, "complete")
        if end - self._start_s >= self.max_utterance_s:
            return self._end(end, "max_length")
        return []

    def _add_energy(self, rms: tuple) -> None:
        if rms:
            power = np.square(np.asarray(rms, dtype=np.float64))
            self._energy = power if self._energy is None or len(self._energy) != len(power) else self._energy + power

    def _end(self, detected: float, reason: str) -> list:
        end_s = self._last_voiced_end if reason != "max_length" else detected
        energy = tuple(float(e) for e in self._energy) if self._energy is not None else ()
        zone = None
        if self.zones and len(energy) == len(self.zones):
            zone = self.zones[int(np.argmax(energy))]
        audio = np.concatenate(self._audio) if self._audio else np.zeros(0, np.int16)
        spread = level_spread_db(self._levels)
        steady = len(self._levels) * self.frame_ms / 1000 >= STEADY_MIN_S and spread < STEADY_DB
        events = [SpeechEnded(self._start_s, end_s, detected, reason),
                  Utterance(audio, self._audio_start_s, self._start_s, end_s, detected, zone, energy, reason,
                            steady=steady, level_spread_db=round(spread, 2))]
        self.reset()
        return events
