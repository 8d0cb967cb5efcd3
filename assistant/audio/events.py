"""Events of the speech front end (small dataclasses, wyoming style).

Times ending in `_s` are stream times: seconds since the first sample of the
source, so they mean the same thing whether the audio came from a live mic or
a file replayed faster than real time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class SpeechStarted:
    """Speech began at `start_s` (confirmed once `min_speech_ms` of it was heard).

    `audio` is what the endpointer had buffered: the pre-roll before `start_s`
    and the speech up to now, so a recogniser started here misses nothing.
    """

    start_s: float
    audio: np.ndarray = field(repr=False)


@dataclass(frozen=True)
class SpeechEnded:
    """Speech ended at `end_s` (end of the last voiced frame).

    The endpointer decided at `detected_s` (after `trailing_silence_ms`, or at
    the length cap). `reason`: "silence", "max_length" or "end_of_stream".
    """

    start_s: float
    end_s: float
    detected_s: float
    reason: str = "silence"


@dataclass(frozen=True)
class Utterance:
    """One endpointed utterance: its audio (pre-roll to endpoint), times and speaker zone.

    `zone` is the seat zone of the loudest microphone channel over the speech
    (config.audio.channel_zones), or None for a single microphone. `steady`: its
    frame levels, first voiced frame to endpoint, hardly varied (`level_spread_db`
    below vad.STEADY_DB): steady noise, not speech (see assistant.audio.vad).
    """

    audio: np.ndarray = field(repr=False)
    audio_start_s: float
    start_s: float
    end_s: float
    detected_s: float
    zone: str | None = None
    channel_energy: tuple[float, ...] = ()
    reason: str = "silence"
    steady: bool = False
    level_spread_db: float = 0.0

    @property
    def duration_s(self) -> float:
        return len(self.audio) / 16000
