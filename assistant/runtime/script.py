"""A scripted drive: recorded commands with pauses between them, as one audio stream.

The script (YAML, e.g. assistant/data/demo/script.yml) lists what the driver says,
in order, with the recording of each:

    noise_dbfs: -50            # cabin noise under the whole stream (a mic never hears digital silence)
    wake_phrase: hey car       # the wake phrase the recordings say (default: [wake] phrase)
    steps:
      - file: 01_hello.wav     # relative to the script's folder
        say: hey car, good morning
        gap_s: 1.5             # pause before it (default 1.5 s)
        press: false           # press the steering-wheel voice button as it starts
        set: {}                # change the simulated car as it starts (the car drives off, ...)
        set_after_s: 0.5       # ... or this many seconds into the recording (a door opens mid-sentence)
        expect: {intent: greet, state: {}, denied: false}   # what the demo test checks

`ScriptSource` plays it as an AudioSource; its `cues` carry the presses and car
changes to the live loop at the right stream times, and `step_at(t)` says which
step a stream time belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import yaml

from assistant.audio.blocks import PIPELINE_RATE, AudioBlock, Blocker, block_samples
from assistant.audio.wav import paced, probe, read_wav
from assistant.errors import DataError

from .live import Cue

DEFAULT_GAP_S = 1.5
TAIL_S = 2.0  # pause after the last command, so its endpoint and reply come before the stream ends


@dataclass(frozen=True)
class Step:
    """One thing the driver says (see the module docstring)."""

    file: Path
    say: str
    gap_s: float = DEFAULT_GAP_S
    press: bool = False
    set: dict[str, Any] = field(default_factory=dict)
    expect: dict[str, Any] = field(default_factory=dict)
    set_after_s: float | None = None  # None: the car changes as the step starts


@dataclass
class Script:
    steps: list[Step]
    noise_dbfs: float | None = None
    voice: str = ""
    source: Path | None = None
    wake_phrase: str | None = None

    @classmethod
    def load(cls, path: str | Path) -> "Script":
        path = Path(path)
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise DataError(f"cannot read script {path}: {exc}") from exc
        if not isinstance(doc, dict) or not isinstance(doc.get("steps"), list) or not doc["steps"]:
            raise DataError(f"script {path} needs a non-empty `steps:` list")
        steps = []
        for n, raw in enumerate(doc["steps"], 1):
            if not isinstance(raw, dict) or not raw.get("file") or not isinstance(raw.get("say"), str):
                raise DataError(f"{path}: step {n} needs `file:` and `say:` text",
                                hint='quote words YAML reads as other types: say: "yes"')
            unknown = set(raw) - {"file", "say", "gap_s", "press", "set", "expect", "set_after_s"}
            if unknown:
                raise DataError(f"{path}: step {n} has unknown keys {sorted(unknown)}")
            steps.append(Step(path.parent / raw["file"], str(raw["say"]), float(raw.get("gap_s", DEFAULT_GAP_S)),
                              bool(raw.get("press", False)), dict(raw.get("set") or {}), dict(raw.get("expect") or {}),
                              None if raw.get("set_after_s") is None else float(raw["set_after_s"])))
        noise, wake = doc.get("noise_dbfs"), doc.get("wake_phrase")
        return cls(steps, None if noise is None else float(noise), str(doc.get("voice", "")), path,
                   None if wake is None else str(wake))


class ScriptSource:
    """A Script as 16 kHz mono blocks: pause, command, pause, command, ..., with cabin noise throughout."""

    def __init__(self, script: Script, *, block_ms: int = 30, realtime: bool = False, seed: int = 0) -> None:
        self.script = script
        self.block_samples = block_samples(block_ms)
        self.channels = 1
        self.realtime = realtime
        self.seed = seed
        self.files = [s.file for s in script.steps]
        self.spans: list[tuple[float, float]] = []  # (start, end) stream seconds of each step's recording
        self.cues: list[Cue] = []
        clock = 0.0
        for step in script.steps:
            clock += step.gap_s
            duration = probe(step.file).duration
            self.spans.append((clock, clock + duration))
            later = step.set if step.set_after_s is not None else {}
            if step.press or (step.set and not later):
                self.cues.append(Cue(max(0.0, clock - 0.1), press=step.press, set={} if later else step.set))
            if later:
                self.cues.append(Cue(clock + step.set_after_s, set=later))
            clock += duration
        self.duration_s = clock + TAIL_S
        self.current: Path | None = None

    def step_at(self, t: float) -> int | None:
        """Index of the step whose recording (or the pause after it) holds stream time t."""
        index = None
        for i, (start, _) in enumerate(self.spans):
            if t >= start - 0.5:
                index = i
        return index

    def blocks(self) -> Iterator[AudioBlock]:
        return paced(self._read(), self.realtime)

    def _read(self) -> Iterator[AudioBlock]:
        rng = np.random.default_rng(self.seed)
        blocker = Blocker(PIPELINE_RATE, 1, self.block_samples)

        def pause(seconds: float) -> np.ndarray:
            return self._with_noise(np.zeros(int(round(seconds * PIPELINE_RATE)), np.float32), rng)

        for step in self.script.steps:
            yield from blocker.push(pause(step.gap_s))
            self.current = step.file
            yield from blocker.push(self._with_noise(read_wav(step.file).astype(np.float32) / 32768.0, rng))
        yield from blocker.push(pause(TAIL_S), last=True)

    def _with_noise(self, audio: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        if self.script.noise_dbfs is None or not len(audio):
            return audio
        from assistant.audio.noise import car_noise

        noise = car_noise(len(audio) / PIPELINE_RATE, seed=int(rng.integers(1 << 31)))[:len(audio)]
        return audio + noise * 10 ** (self.script.noise_dbfs / 20)

    def close(self) -> None:
        pass
