"""`assistant bench pipeline` and the bare `assistant bench` set (figures checked for shape and
consistency, never for wall-clock values)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.measure.recorded import synthesize_set


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> Path:
    """A few real recorded commands and one out-of-domain sentence (espeak-ng voices, car noise at 10 dB)."""
    return synthesize_set(tmp_path_factory.mktemp("recorded"))


def _row(n: int, *, frame_ms, audio_ms, warmup=False) -> dict:
    return {"file": f"f{n}.wav", "warmup": warmup, "transcript": "t", "rejected": False, "intent": "x",
            "frames": 1 if frame_ms else 0, "file_s": 3.0, "speech_s": 1.5, "asr_ms": 150.0,
            "eos_to_transcript_ms": 620.0, "front_wall_ms": 300.0, "turn_wall_ms": 60.0,
            "eos_to_first_frame_ms": frame_ms, "eos_to_first_audio_ms": audio_ms, "nlu_ms": 0.5,
            "dialogue_ms": 10.0, "tts_ms": 20.0, "reply_audio_s": 2.0, "tts_error": None}


def test_figures_skip_the_warmup_and_turns_without_frames():
    from assistant.measure.bench.pipeline import figures

    rows = [_row(0, frame_ms=5000.0, audio_ms=5000.0, warmup=True)]
    rows += [_row(n, frame_ms=600.0 + n if n % 2 else None, audio_ms=700.0 + n) for n in range(1, 11)]
    f = figures({"mode": "grammar", "rows": rows, "import_s": 1.0, "load_s": 2.0, "cold_start_s": 3.5,
                 "rss_mb": 300.0, "rss_peak_mb": 310.0})
    assert f["turns"] == 10 and f["turns_with_frames"] == 5
    assert f["eos_to_first_frame_ms"]["n"] == 5 and f["eos_to_first_frame_ms"]["max"] == 609.0
    assert f["eos_to_first_audio_ms"]["n"] == 10 and f["eos_to_first_audio_ms"]["p50"] == 705.5
    assert f["pipeline_rtf"] == 0.12 and f["pipeline_rtf_speech"] == 0.24  # (300 + 60) ms over 3 s / 1.5 s
    assert f["asr_rtf"] == 0.1 and f["tts_rtf"] == 0.01
    assert f["cold_start_s"] == 3.5


def test_bare_bench_runs_the_quick_set_and_says_what_is_opt_in(capsys):
    from assistant.cli import main
    from assistant.cli.bench import DEFAULT_AREAS, available_areas

    assert set(DEFAULT_AREAS) == {"asr", "nlu", "tts", "pipeline"} <= set(available_areas())
    assert not {"fuzz", "soak", "flood"} & set(DEFAULT_AREAS)
    assert DEFAULT_AREAS.index("nlu") < DEFAULT_AREAS.index("pipeline")  # pipeline reuses the nlu figures
    with pytest.raises(SystemExit):
        main(["bench", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "With no AREA: asr, nlu, tts, pipeline" in text
    opt_in = text.split("Only when named (long runs):")[1]
    assert all(area in opt_in for area in ("flood", "fuzz", "soak"))


@pytest.mark.slow
def test_bench_pipeline_cli(recorded, nlu_ready, tmp_path, capsys):
    from assistant.cli import main

    out = tmp_path / "bench"
    assert main(["bench", "pipeline", "--quick", "--fixtures", str(recorded), "--pipeline-limit", "6",
                 "--pipeline-open-limit", "2", "--nlu-backend", "embedded", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    report = json.loads((out / "pipeline.json").read_text())
    g = report["systems"]["default"]
    assert "error" not in g, g
    assert g["turns"] == 5  # 6 command files, the first a warm-up
    assert g["eos_to_first_audio_ms"]["n"] == 5  # every turn answers aloud, even "sorry"
    assert g["eos_to_first_frame_ms"]["n"] == g["turns_with_frames"]
    assert sum(g["endpoints"].values()) == g["turns"]
    for key in ("eos_to_first_frame_ms", "eos_to_first_audio_ms", "eos_to_transcript_ms"):
        s = g[key]
        assert s["n"] == 0 or s["p50"] <= s["p95"] <= s["max"]
    # first audio comes after the transcript: the reply needs NLU, dialogue and synthesis first
    assert g["eos_to_first_audio_ms"]["p50"] > g["eos_to_transcript_ms"]["p50"] - 1e-6
    assert g["pipeline_rtf"] > 0 and g["asr_rtf"] > 0 and g["tts_rtf"] > 0 and g["tts_errors"] == 0
    assert g["nlu_parse_ms"]["n"] == 5 and g["rss_mb"] > 50 and g["cold_start_s"] > g["load_s"] > 0
    assert report["cold_start_s"]["median"] > 0 and len(report["cold_start_s"]["runs"]) == 1
    assert g["system"] == "whisper" and report["systems"]["baseline"]["system"] == "pocketsphinx/grammar"
    b = report["ratios"]["baseline_over_default"]
    assert b["files_compared"] == 5 and b["asr_rtf"] > 0
    c = report["ratios"]["open_over_default"]
    assert c["files_compared"] == 1 and c["asr_rtf"] > 0
    assert report["nlu"]["backends"]["embedded"]["parse_ms_p50"] > 0
    assert len(report["turns"]["default"]) == 6 and len(report["turns"]["baseline"]) == 6
    assert (out / "pipeline_latency_cdf.png").stat().st_size > 0
    assert "end of speech -> first CAN frame" in printed and "baseline / default" in printed
