"""`assistant bench tts` runs end to end and reports every figure (values are not timed here)."""

from __future__ import annotations

import json

import pytest

from assistant.cli import main


@pytest.mark.slow
def test_bench_tts_quick(config, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path))
    assert main(["bench", "tts", "--quick", "--tts-reps", "2", "--out", str(tmp_path / "bench")]) == 0
    result = json.loads((tmp_path / "bench" / "tts.json").read_text())
    engines = result["engines"]
    assert "espeak:en-us" in engines
    assert any(label.startswith("piper:generated-tiny-test-voice") for label in engines)
    assert "piper:en_US-joe-medium" in engines  # the packaged voice, measured in the same run as espeak-ng
    for figures in engines.values():
        assert figures["sentences"] == 5 and figures["audio_s"] > 0
        assert 0 < figures["first_audio_ms"] <= figures["whole_reply_ms"]
        assert figures["real_time_factor"] > 0
    barge = result["barge_in"]
    assert barge["n"] >= 10 and barge["p50_ms"] <= barge["p95_ms"] <= barge["max_ms"]
    assert barge["max_frames_after_stop"] <= 22050 * barge["block_ms"] // 1000  # at most the block in flight
    piper = result["barge_in_piper"]
    assert piper["n"] >= 10 and piper["max_frames_after_stop"] <= 22050 * piper["block_ms"] // 1000
    out = capsys.readouterr().out
    assert "barge-in (espeak-ng) over" in out and "barge-in (piper en_US-joe-medium) over" in out
