"""`assistant run` as a process: WAV standing in for the mic, JSON lines, SIGTERM, missing devices, systemd unit."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from assistant.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[2]
WINDOW = "Vehicle.Cabin.Door.Row1.DriverSide.Window.Position"


def assistant_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "assistant", *args]


def clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    return env | extra


@pytest.mark.slow
def test_run_with_wavs_for_the_mic_end_to_end(recording, tmp_path, nlu_ready):
    first = recording("03_window_halfway.wav", before_s=1.0, after_s=0.5)
    second = recording("04_close_it.wav", before_s=0.5, after_s=1.0, seed=1)
    log = tmp_path / "turns.jsonl"
    run = subprocess.run(assistant_cmd("run", "--json", "--fast", "--input", str(first), "--input", str(second),
                                       "--press", "0.8", "--sink", f"wav:{tmp_path / 'replies'}", "--log", str(log)),
                         capture_output=True, text=True, timeout=300, cwd=tmp_path,
                         env=clean_env(ASSISTANT_WAKE_PHRASE='""'))
    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    ready, *turns, stopped = lines
    assert ready["event"] == "ready" and ready["push_to_talk"] and ready["wake_phrase"] is None
    assert set(ready["startup_ms"]) >= {"vehicle", "nlu", "asr", "tts"}
    assert [t["event"] for t in turns] == ["turn", "turn"]
    assert [t["trigger"] for t in turns] == ["button", "follow_up"]
    assert [t["input"] for t in turns] == [str(first), str(second)]
    assert [t["writes"] for t in turns] == [{WINDOW: 50}, {WINDOW: 0}]
    assert all(len(t["frames"]) == 1 and t["frames"][0]["name"] == "HU_WindowCmd" for t in turns)
    for turn in turns:
        assert turn["timings_ms"]["end_of_speech_to_first_audio"] > 0 and turn["timings_ms"]["asr"] > 0
        assert Path(turn["reply_audio"]).is_file() and sf.info(turn["reply_audio"]).duration > 0.5
    assert stopped == stopped | {"event": "stopped", "reason": "end of input", "turns": 2, "frames": 2,
                                 "dropped_blocks": 0, "tts_errors": 0}
    assert [json.loads(line) for line in log.read_text().splitlines()] == turns


@pytest.mark.slow
def test_sigterm_stops_cleanly_with_a_summary(tmp_path, nlu_ready):
    noise = tmp_path / "cabin.wav"
    sf.write(noise, (np.random.default_rng(0).standard_normal(16000 * 120) * 40).astype(np.int16), 16000)
    proc = subprocess.Popen(assistant_cmd("run", "--json", "--input", str(noise), "--sink", "null"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=clean_env())
    try:
        ready = json.loads(proc.stdout.readline())
        assert ready["event"] == "ready", proc.stderr.read()
        time.sleep(1.0)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    stopped = json.loads(out.splitlines()[-1])
    assert stopped["event"] == "stopped" and stopped["reason"] == "SIGTERM"
    assert 0.5 < stopped["audio_s"] < 60  # it listened in real time, then stopped long before the input ended
    assert "Traceback" not in err


def test_a_missing_microphone_names_the_fix(capsys, monkeypatch):
    monkeypatch.delenv("ASSISTANT_CONFIG", raising=False)
    assert main(["run", "--device", "no such microphone 4711"]) == 2
    err = capsys.readouterr().err
    assert "no microphone" in err and "--input FILE.wav" in err and "assistant doctor" in err


def test_a_missing_speaker_names_the_fix(capsys, monkeypatch, recording):
    monkeypatch.setenv("ASSISTANT_AUDIO_OUTPUT_DEVICE", "no such speaker 4711")
    monkeypatch.setenv("ASSISTANT_TTS_SINK", "speaker")
    assert main(["run", "--input", str(recording("02_warmer.wav"))]) == 2
    err = capsys.readouterr().err
    assert "no speaker" in err and "--sink wav:" in err and "assistant doctor" in err


def test_fast_needs_a_recording():
    with pytest.raises(SystemExit, match="--fast needs --input"):
        main(["run", "--fast"])


def test_the_systemd_unit_runs_a_valid_command():
    unit = (ROOT / "tools" / "systemd" / "faw-assistant.service").read_text()
    exec_start = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    argv = shlex.split(exec_start.split("=", 1)[1])
    assert Path(argv[0]).name == "assistant" and argv[1] == "run"
    args = build_parser().parse_args(argv[1:])
    assert args.func.__module__ == "assistant.cli.run" and args.json  # JSON lines to the journal
    assert "KillSignal=SIGTERM" in unit
