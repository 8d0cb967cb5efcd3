"""What starts a listening turn: the wake phrase, or the steering-wheel voice button.

Both are a `Trigger`: something that looks at each audio block and says
whether a turn starts now. The wake phrase is spotted by pocketsphinx's
keyword search (kws) running on every block; the button (VSS
`Vehicle.Cabin.SteeringWheel.VoiceButton`, decoded from CAN by the vehicle
layer) just sets a `threading.Event` - or any callable that returns True once
per press - and the next block starts the turn.

The wake phrase is config.wake.phrase (default "hey car"); every word must be
in the pocketsphinx dictionary. Longer phrases false-alarm less: "hey copilot"
(nine phones) is a good choice where "hey car" wakes too often; measure with
`assistant bench wake` on the fixtures.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol, runtime_checkable

import numpy as np

from assistant.audio.blocks import AudioBlock
from assistant.errors import ConfigError, ModelMissingError

VOICE_BUTTON_SIGNAL = "Vehicle.Cabin.SteeringWheel.VoiceButton"
RESTART_EVERY_S = 60.0  # keyword search restarts so a stream of hours keeps no growing state
DITHER_RMS = 20.0


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


class WakePhraseSpotter:
    """pocketsphinx keyword spotting of config.wake.phrase over a continuous stream."""

    def __init__(self, phrase: str, *, threshold: float = 1e-20, hmm: Path | None = None) -> None:
        from pocketsphinx import Decoder, get_model_path

        from assistant.asr.lexicon import pronounce

        self.phrase = " ".join(phrase.lower().split())
        if not self.phrase:
            raise ConfigError("[wake] phrase is empty", hint='set a phrase, e.g. phrase = "hey copilot"')
        model = Path(get_model_path()) / "en-us"
        hmm = hmm or model / "en-us"
        if not (hmm / "mdef").is_file():
            raise ModelMissingError(f"no pocketsphinx acoustic model in {hmm}", hint="reinstall pocketsphinx")
        words = pronounce(self.phrase.split(), _cmudict_entries(model / "cmudict-en-us.dict", self.phrase.split()))
        dict_path = _private_dict(words)
        try:
            self._decoder = Decoder(hmm=str(hmm), dict=str(dict_path), keyphrase=self.phrase,
                                    kws_threshold=float(threshold), lm=None, loglevel="FATAL", logfn=os.devnull)
        finally:
            dict_path.unlink(missing_ok=True)
        self._rng = np.random.default_rng(0)
        self._utt_start_s: float | None = None
        self._now = 0.0

    @classmethod
    def from_config(cls, config) -> "WakePhraseSpotter":
        return cls(config.wake.phrase, threshold=config.wake.threshold)

    def check(self, block: AudioBlock) -> Triggered | None:
        if self._utt_start_s is None:
            self._decoder.start_utt()
            self._utt_start_s = block.start_s
        self._now = block.end_s
        noisy = block.pcm + self._rng.normal(0.0, DITHER_RMS, len(block.pcm))
        self._decoder.process_raw(np.clip(noisy, -32768, 32767).astype(np.int16).tobytes(), False, False)
        hyp = self._decoder.hyp()
        if hyp is not None and hyp.hypstr:
            end_s = block.end_s
            for seg in self._decoder.seg():
                end_s = self._utt_start_s + (seg.end_frame + 1) / 100.0
            self._restart(block.end_s)
            return Triggered("wake", min(end_s, block.end_s), self.phrase)
        if block.end_s - self._utt_start_s > RESTART_EVERY_S:
            self._restart(block.end_s)
        return None

    def _restart(self, at_s: float) -> None:
        self._decoder.end_utt()
        self._decoder.start_utt()
        self._utt_start_s = at_s

    def reset(self) -> None:
        if self._utt_start_s is not None:
            self._restart(self._now)


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


def _cmudict_entries(path: Path, words: list[str]) -> dict[str, list[str]]:
    """Only these words' entries of a CMU dictionary: parsing all 134k lines cost ~0.5 s of start-up."""
    import re

    from assistant.asr.lexicon import read_cmudict

    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return read_cmudict(path)  # raises the ModelMissingError that says what to do
    wanted = "|".join(re.escape(w) for w in sorted(set(words)))
    table: dict[str, list[str]] = {}
    for word, phones in re.findall(rf"^({wanted})(?:\(\d+\))?[ \t]+([^\n#]+)", text, re.M):
        table.setdefault(word, []).append(" ".join(phones.split()))
    return table


def _private_dict(words) -> Path:
    import tempfile
    fd, name = tempfile.mkstemp(prefix="wake-", suffix=".dict")
    os.close(fd)
    path = Path(name)
    words.write_dict(path)
    return path


def build_trigger(config, *, button: PushToTalk | None = None) -> AnyTrigger:
    """Wake phrase (when set) plus push-to-talk (when enabled) from config."""
    parts: list[Trigger] = []
    if config.wake.phrase.strip():
        parts.append(WakePhraseSpotter.from_config(config))
    if config.wake.push_to_talk:
        parts.append(button or PushToTalk())
    return AnyTrigger(*parts)
