"""Fixtures for the live-runtime tests: the demo's recorded commands with cabin noise, a shared ASR engine.

The recordings are the bundled demo WAVs (assistant/data/demo/, flite voice), each put between
pauses of car-cabin noise, as a microphone in a car would hear it.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from assistant.config import Config

DEMO = Path(__file__).resolve().parents[2] / "assistant" / "data" / "demo"
NOISE_DBFS = -50
_channels = itertools.count()


@pytest.fixture
def config(tmp_path, monkeypatch):
    """Defaults without config file or env overrides; replies into tmp; PTT only (no wake phrase)."""
    for name in list(os.environ):
        if name.startswith("ASSISTANT_"):
            monkeypatch.delenv(name)
    config = Config()
    config.vehicle.channel = f"runtime{os.getpid()}_{next(_channels)}"
    config.wake.phrase = ""
    config.tts.out_dir = str(tmp_path / "replies")
    return config


def in_car(name: str, out: Path, *, before_s: float = 1.0, after_s: float = 1.5, seed: int = 0) -> Path:
    """The demo recording `name` between pauses, all under cabin noise, written to `out`."""
    from assistant.audio.noise import car_noise
    from assistant.audio.wav import read_wav

    speech = read_wav(DEMO / name).astype(np.float32) / 32768
    pad = lambda s: np.zeros(int(s * 16000), np.float32)  # noqa: E731
    audio = np.concatenate([pad(before_s), speech, pad(after_s)])
    audio += car_noise(len(audio) / 16000, seed=seed)[:len(audio)] * 10 ** (NOISE_DBFS / 20)
    out.parent.mkdir(parents=True, exist_ok=True)
    sf.write(out, np.round(audio * 32767).astype(np.int16), 16000, subtype="PCM_16")
    return out


@pytest.fixture
def recording(tmp_path):
    """recording("02_warmer.wav", before_s=...) -> a noisy copy of that demo command in tmp_path."""
    def make(name: str, **options) -> Path:
        return in_car(name, tmp_path / "in" / name, **options)
    return make


@pytest.fixture
def make_script(tmp_path):
    """make_script([{"file": "02_warmer.wav", "say": ..., "gap_s": ...}, ...]) -> a demo-style script
    (assistant.runtime.script) in tmp_path playing those demo recordings under cabin noise."""
    import yaml

    def make(steps: list[dict], noise_dbfs: float = NOISE_DBFS) -> Path:
        for step in steps:
            step["file"] = str(DEMO / step["file"])
        path = tmp_path / "script.yml"
        path.write_text(yaml.safe_dump({"noise_dbfs": noise_dbfs, "steps": steps}))
        return path
    return make
