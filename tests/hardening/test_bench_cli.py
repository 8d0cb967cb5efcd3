"""`assistant bench fuzz soak flood` run end to end with small counts and report their figures."""

import json
import subprocess
import sys

import pytest


@pytest.mark.slow
def test_bench_fuzz_soak_flood(tmp_path, nlu_ready):
    cmd = [sys.executable, "-m", "assistant", "bench", "fuzz", "soak", "flood", "--json", "--out", str(tmp_path),
           "--seed", "3", "--turns", "300", "--text-turns", "10", "--soak-turns", "200", "--flood-turns", "4"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    results = {r["area"]: r for r in (json.loads(line) for line in done.stdout.splitlines() if line.startswith("{"))}
    fuzz, soak, flood = results["fuzz"], results["soak"], results["flood"]
    assert (fuzz["violations"], fuzz["gate"]["turns"], fuzz["text"]["turns"]) == (0, 300, 10)
    assert "--seed 3 --turns 300" in fuzz["replay"] and "PASS" in done.stdout
    assert (soak["turns"], soak["exceptions"], soak["network_connections"]) == (200, 0, [])
    assert flood["failed_turns"] == {"quiet": 0, "flood": 0} and flood["flood_frames_seen_by_simulator"] > 0
    assert {"ratio_p50_total", "ratio_p50_first_frame", "cpu_share_of_one_core"} <= set(flood)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["flood.json", "fuzz.json", "soak.json"]
