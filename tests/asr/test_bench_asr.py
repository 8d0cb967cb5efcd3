"""`assistant bench asr`: scoring of decoded files, and the bench end to end on a few synthesised WAVs
(figures are checked for shape and consistency, never for wall-clock values)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.measure.recorded import load_recorded, synthesize_set
from assistant.config import Config


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> Path:
    """A few real recorded commands and one out-of-domain sentence (espeak-ng voices, car noise at 10 dB)."""
    return synthesize_set(tmp_path_factory.mktemp("recorded"))


def _row(item, text: str, *, rejected: bool = False) -> dict:
    return {"file": str(item.path), "text": text, "rejected": rejected, "reason": "", "raw": text, "utterances": 1,
            "file_s": 3.0, "speech_s": 2.0, "asr_ms": 100.0, "wall_ms": 150.0, "eos_to_final_ms": 600.0,
            "finalize_ms": 5.0}


def test_score_counts_wrong_and_rejected_transcripts(recorded):
    from assistant.measure.stats import edit_distance
    from assistant.measure.bench.asr import score

    items = load_recorded(Config(), recorded)
    commands = [i for i in items if i.is_command]
    ood = [i for i in items if not i.is_command]
    right, misheard = commands[0], commands[1]
    rows = [_row(right, right.spoken), _row(misheard, "open the trunk " + misheard.spoken.split(" ", 1)[1]),
            _row(commands[2], "", rejected=True), _row(ood[0], "", rejected=True), _row(ood[1], "open the trunk")]
    result = {"engine": "pocketsphinx", "mode": "grammar", "load_s": 1.0, "rss_mb": 100, "rss_peak_mb": 100,
              "rss_engine_mb": 50, "rows": rows}
    figures = score(result, items)
    o = figures["overall"]
    assert (o["commands"], o["ood"]) == (3, 2)
    assert o["sentence_accuracy"] == round(1 / 3, 4)  # only the exact transcript counts
    ref = sum(len(i.spoken.split()) for i in commands[:3])
    misheard_errors = edit_distance(misheard.spoken.split(), rows[1]["text"].split())
    assert misheard_errors > 0
    expected_errors = misheard_errors + len(commands[2].spoken.split())  # rejected: every word deleted
    assert o["wer"] == round(expected_errors / ref, 4)
    assert o["commands_rejected"] == round(1 / 3, 4) and o["ood_rejected"] == 0.5
    assert figures["asr_rtf"] == 0.05 and figures["front_end_rtf"] == 0.05
    assert figures["eos_to_final_ms"]["p50"] == 600.0
    assert sum(g["files"] for g in figures["by_snr"].values()) == 5
    assert next(t for t in figures["transcripts"] if t["heard"] == right.spoken)["errors"] == 0


@pytest.mark.slow
def test_bench_asr_cli(recorded, tmp_path, capsys):
    from assistant.cli import main

    out = tmp_path / "bench"
    assert main(["bench", "asr", "--fixtures", str(recorded), "--asr-limit", "8", "--asr-open-limit", "2",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    report = json.loads((out / "asr.json").read_text())
    runs = report["runs"]
    modes = ("grammar", "ngram", "open")
    assert set(runs) == {f"{engine}/{mode}" for engine in ("pocketsphinx", "vosk") for mode in modes} | {
        "whisper", "whisper+webrtc"}  # whisper has no grammar: one run, and one with the noise suppressor
    for label in (f"pocketsphinx/{mode}" for mode in modes):
        r = runs[label]
        assert "error" not in r, r
        assert r["failed_files"] == 0 and r["files"] == (2 if label.endswith("open") else 8)
        assert r["asr_rtf"] > 0 and r["front_end_rtf"] > 0 and r["rss_mb"] > r["rss_engine_mb"] > 0
        eos = r["eos_to_final_ms"]
        assert eos["n"] == r["files"] and eos["p50"] <= eos["p95"] <= eos["max"]
        assert sum(r["endpoints"].values()) == r["files"] and r["vad_eos_to_final_ms"]["n"] == r["files"]
        assert set(r["by_snr"]) <= {"clean", "10"} and sum(g["files"] for g in r["by_snr"].values()) == r["files"]
        assert sum(g["files"] for g in r["by_split"].values()) == r["files"]
        assert 0 <= r["overall"]["sentence_accuracy"] <= 1 and r["overall"]["wer"] >= 0
        assert len(r["transcripts"]) == r["files"]
    for label in ("whisper", "whisper+webrtc"):
        r = runs[label]
        assert "error" not in r, r
        assert r["failed_files"] == 0 and r["files"] == 8 and r["mode"] == "open"  # the grammar files
        assert sum(g["files"] for g in r["by_voice"].values()) == r["files"]
        assert {t["file"] for t in r["transcripts"]} == {t["file"] for t in runs["pocketsphinx/grammar"]["transcripts"]}
    assert runs["whisper"]["denoise"] == "off" and runs["whisper"]["denoise_cpu_share"] is None
    assert runs["whisper+webrtc"]["denoise"] == "webrtc" and 0 < runs["whisper+webrtc"]["denoise_cpu_share"] < 1
    assert "by voice" in printed and "webrtc noise suppressor took" in printed
    vosk = runs["vosk/grammar"]
    if "error" in vosk:  # no vosk model here: said so, with how to get one
        assert vosk["error"].startswith("not installed") and "make models" in vosk["hint"]
        assert "not installed" in printed
    c = report["comparisons"]["pocketsphinx"]
    assert c["open"]["files_compared"] == 2 and c["open"]["rtf_over_grammar"] > 0
    assert c["ngram"]["files_compared"] == 8 and set(c["ngram"]["sentence_accuracy"]) == {"grammar", "ngram"}
    assert (out / "asr_accuracy_by_snr.png").stat().st_size > 0 and (out / "asr_eos_to_final_cdf.png").stat().st_size > 0
    assert "open / grammar" in printed and "ngram / grammar" in printed


def test_missing_fixtures_fail_with_the_command_that_makes_them(tmp_path, capsys):
    from assistant.cli import main

    assert main(["bench", "asr", "--fixtures", str(tmp_path / "none"), "--out", str(tmp_path / "o")]) == 2
    assert "make fixtures" in capsys.readouterr().err
