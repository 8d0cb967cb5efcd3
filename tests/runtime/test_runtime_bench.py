"""`assistant bench runtime`: every figure is produced from real `assistant run` processes, with its baselines."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


@pytest.mark.slow
def test_bench_runtime_reports_start_idle_rss_and_first_audio(tmp_path, nlu_ready):
    run = subprocess.run([sys.executable, "-m", "assistant", "bench", "runtime", "--quick", "--json",
                          "--runtime-starts", "1", "--runtime-idle-s", "2", "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.splitlines()[-1])
    assert result == json.loads((tmp_path / "runtime.json").read_text()) | {"wall_s": result["wall_s"]}
    cold, idle, first = result["cold_start"], result["idle"], result["first_audio"]
    assert cold["ready_s"]["n"] == 1 and cold["ready_s"]["p50"] > cold["cli_floor_s"]["p50"] > 0
    assert {"vehicle", "nlu", "asr", "wake", "tts"} <= set(cold["stages_ms_p50"])
    for mode in ("defaults", "push_to_talk_only"):
        assert 0 < idle[mode]["cpu_share"] < 1.5 and idle[mode]["turns"] == 0  # cabin noise: nothing to answer
        assert idle[mode]["rss_idle_mb"] > idle["rss_floor_mb"] > 0
    assert idle["asr_decoding_everything"]["cpu_share"] > 0 and idle["simulated_car_alone"]["cpu_share"] >= 0
    assert first["turns"] == 1 and first["heard"] == ["open my window halfway"]
    assert first["rss_peak_mb"] >= first["rss_after_turns_mb"] > idle["rss_floor_mb"]
    e2a, wait = first["end_of_speech_to_first_audio_ms"]["p50"], first["endpoint_wait_ms"]["p50"]
    assert e2a > wait >= 200  # the endpointer's wait (250 ms after a complete command, by default) comes first
    assert result["targets"] == {"ready_s": 2.0, "first_audio_ms": 200.0}
    assert "cold start to ready p50" in run.stdout and "idle CPU while listening" in run.stdout
