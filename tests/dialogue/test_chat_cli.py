"""`assistant chat --json` as a user runs it: the PRODUCT.md turn contract, field for field."""

import json
import subprocess
import sys

import soundfile

CONTRACT = {"input", "intent", "entities", "reply", "writes", "frames", "denied", "state", "timings_ms"}
TRUNK = "Vehicle.Body.Trunk.Rear.IsOpen"


def chat(*args):
    run = subprocess.run([sys.executable, "-m", "assistant", "chat", "--json", *args],
                         capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr
    return [json.loads(line) for line in run.stdout.splitlines()]


def test_turns_follow_the_contract_and_form_one_conversation(nlu_ready):
    turns = chat("--set", "Vehicle.Speed=80", "set the passenger side to twenty two degrees", "open the trunk",
                 "unlock the doors")
    assert len(turns) == 3
    for turn in turns:
        assert CONTRACT <= set(turn)
        assert set(turn["intent"]) == {"name", "confidence"}
        assert all({"entity", "value", "start", "end"} <= set(e) for e in turn["entities"])
        assert all(set(f) >= {"id", "data"} and int(f["id"], 16) < 0x800 for f in turn["frames"])
        assert turn["state"]["Vehicle.Speed"] == 80
        timings = turn["timings_ms"]
        assert timings["nlu"] >= 0 and timings["total"] >= timings["nlu"]
        assert timings["end_of_speech_to_first_audio"] > 0  # replies are synthesised (null sink)
    first, trunk, unlock = turns
    assert first["intent"]["name"] == "climate_set_temperature"
    assert {(e["entity"], e["value"]) for e in first["entities"]} == {("zone", "passenger"), ("temperature", 22)}
    assert first["writes"] == {"Vehicle.Cabin.HVAC.Station.Row1.Passenger.Temperature": 22}
    assert first["denied"] is None and len(first["frames"]) == 1
    assert first["timings_ms"]["end_of_speech_to_first_frame"] > 0
    assert (trunk["denied"], trunk["frames"], trunk["state"][TRUNK]) == ("vehicle_moving", [], False)
    assert unlock["denied"] == "vehicle_moving" and "moving" in unlock["reply"]


def test_replies_written_as_wav(tmp_path, nlu_ready):
    turns = chat("--sink", "wav", "--replies-dir", str(tmp_path), "open the sunroof", "what's the tire pressure")
    assert "sunroof" in turns[0]["reply"].lower()
    wavs = sorted(tmp_path.glob("*.wav"))
    assert len(wavs) == 2
    for wav in wavs:
        audio, rate = soundfile.read(wav)
        assert len(audio) / rate > 0.5 and abs(audio).max() > 0.05  # speech, not silence


def test_chat_reads_turns_from_stdin(nlu_ready):
    run = subprocess.run([sys.executable, "-m", "assistant", "chat", "--no-tts"], input="hello\nlock the doors\n",
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "you> lock the doors" in run.stdout and "car> Doors locked." in run.stdout
