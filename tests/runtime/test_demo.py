"""`make demo`'s command: the bundled drive end to end, spoken replies that contain speech, the car changed."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from assistant.cli import main
from assistant.runtime.script import Script

DEMO = Path(__file__).resolve().parents[2] / "assistant" / "data" / "demo"

STEPS = len(Script.load(DEMO / "script.yml").steps)


def speech_stats(path) -> tuple[float, float, float]:
    """(duration s, RMS dBFS, share of 20 ms frames louder than -40 dBFS)."""
    audio, rate = sf.read(path, dtype="float32")
    frames = audio[: len(audio) // (rate // 50) * (rate // 50)].reshape(-1, rate // 50)
    level = 10 * np.log10(np.mean(frames ** 2, axis=1) + 1e-12)
    rms = 10 * np.log10(float(np.mean(audio ** 2)) + 1e-12)
    return len(audio) / rate, rms, float(np.mean(level > -40))


@pytest.mark.slow
def test_demo_end_to_end(tmp_path, capsys, monkeypatch, nlu_ready):
    for name in ("ASSISTANT_CONFIG", "ASSISTANT_TTS_ENGINE", "ASSISTANT_WAKE_PHRASE", "ASSISTANT_ASR_ENGINE"):
        monkeypatch.delenv(name, raising=False)
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out)]) == 0
    text = capsys.readouterr().out

    # every scripted command was heard and understood, in order, with the right trigger
    assert f"{STEPS} of {STEPS} commands understood as scripted" in text, text
    said = re.findall(r"^\s*(\d+)\s+driver: \"(.*?)\"\s+\[(.*?)\]", text, re.M)
    assert [int(n) for n, _, _ in said] == list(range(1, STEPS + 1))
    triggers = [how for _, _, how in said]
    assert triggers[0] == "wake phrase" and "voice button (CAN)" in triggers and "follow-up, no wake phrase" in triggers

    # the car's state changed as the conversation says
    changes = re.findall(r"car: (\S+) (\S+) -> (\S+)", text)
    assert ("Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature", "22", "23") in changes
    assert ("Vehicle.Cabin.Door.Row1.DriverSide.Window.Position", "0", "50") in changes
    assert ("Vehicle.Cabin.Door.Row1.DriverSide.Window.Position", "50", "0") in changes
    assert ("Vehicle.Cabin.Seat.Row1.DriverSide.HeatingCooling", "0", "67") in changes
    assert ("Vehicle.Cabin.Door.Row1.DriverSide.IsLocked", "True", "False") in changes
    assert not any(path == "Vehicle.Body.Trunk.Rear.IsOpen" for path, _, _ in changes)
    assert "denied: vehicle_moving" in text and "Unlock all doors?" in text

    # one reply WAV per turn, each with speech in it
    replies = sorted(out.glob("reply_*.wav"))
    assert [p.name for p in replies] == [f"reply_{n:02d}.wav" for n in range(1, STEPS + 1)]
    for path in replies:
        duration, rms, voiced = speech_stats(path)
        assert 0.5 < duration < 15, (path, duration)
        assert rms > -35, (path, rms)
        assert voiced > 0.3, (path, voiced)
