"""Notices in the live loop (`assistant run`): said unasked, once, between turns, never over one.

Real parts throughout: the demo's recorded commands under cabin noise, webrtcvad, pocketsphinx with
the compiled grammar, the embedded NLU, the gate, CAN frames on python-can's virtual bus, the built-in
ECU simulator, espeak-ng into reply WAVs. The car's changes come as cues at stream times (a scenario's
timeline), so an as-fast-as-possible run is the same as a live one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import soundfile as sf

from assistant.audio.sinks import NullSink
from assistant.audio.wav import FolderSource
from assistant.runtime.live import Cue, LiveAssistant
from assistant.runtime.speech import NumberedWavSink

ROOT = Path(__file__).resolve().parents[2]
DOOR = "Vehicle.Cabin.Door.Row1.PassengerSide.IsOpen"
FUEL = "Vehicle.Powertrain.FuelSystem.RelativeLevel"
REAR_LEFT = "Vehicle.Chassis.Axle.Row2.Wheel.Left.Tire.Pressure"
SILENCE = ROOT / "tests" / "asr" / "wav" / "silence.wav"


def run_live(config, source, asr_engine, *, realtime=False, time_scale=50, **options):
    turns, notices = [], []
    live = LiveAssistant.open(config, source, realtime=realtime, engine=asr_engine, time_scale=time_scale,
                              on_turn=turns.append, on_notice=notices.append, **options)
    try:
        summary = live.run()
    finally:
        live.close()
    return summary, turns, notices


def reply_span(turn, sink_dir: Path) -> tuple[float, float]:
    """Stream seconds from the end of the driver's speech to the end of the turn's spoken reply."""
    audio = turn.extra["audio"]
    start = audio["end_s"] + turn.timings_ms["endpoint"] / 1000
    return audio["end_s"], start + sf.info(turn.extra["reply_audio"]).duration


def test_a_door_opening_during_a_turn_is_said_after_the_reply_and_the_driver_can_answer(
        live_config, asr_engine, drive, tmp_path):
    # the door opens at speed while the driver is speaking (1.5-3.8 s); the notice waits for the turn and
    # its reply
    source = drive([
        {"file": "03_window_halfway.wav", "say": "open my window halfway", "press": True},
        {"file": "10_thank_you.wav", "say": "thank you", "gap_s": 7.0},  # in the window after the notice
    ])
    sink = NumberedWavSink(tmp_path / "replies")
    summary, turns, notices = run_live(live_config, source, asr_engine, sink=sink, scenario={"Vehicle.Speed": 60},
                                       cues=source.cues + [Cue(2.5, set={DOOR: True})])
    assert [n["kind"] for n in notices] == ["door_open_moving"]
    notice = notices[0]
    assert notice["text"] == "Careful, the passenger door is open." and notice["values"]["door"] == "passenger"
    assert set(notice) >= {"event", "kind", "text", "values"} and notice["event"] == "notice"
    first, thanks = turns
    assert first.extra["trigger"] == "button" and first.turn.actions[0].action == "window_open"
    speech_end, reply_end = reply_span(first, tmp_path)
    # not over the driver, not over the reply: after the reply has ended
    assert notice["at_s"] >= reply_end, (notice["at_s"], reply_end)
    assert notice["at_s"] < reply_end + 2.5  # but soon after it
    assert notice["reply_audio"] == str(tmp_path / "replies" / "reply_02.wav")  # after the turn's reply_01
    assert sf.info(notice["reply_audio"]).duration > 1.0  # it was spoken
    # "thank you" after the notice needs no wake phrase or button: the notice opened the follow-up window
    assert thanks.extra["trigger"] == "follow_up" and thanks.turn.actions[0].action == "thank"
    notice_end = notice["at_s"] + sf.info(notice["reply_audio"]).duration
    assert thanks.extra["audio"]["start_s"] > notice_end
    assert summary.notices == 1 and summary.turns == 2 and summary.barge_ins == 0


def test_an_ecu_going_silent_at_speed_is_said_once(live_config, asr_engine):
    # the engine management stops reporting 1 s into the drive; 5 s of cabin quiet follow. Paced like a
    # microphone: a status frame's freshness is wall time on the bus
    summary, turns, notices = run_live(live_config, FolderSource([SILENCE, SILENCE], gap_s=0.0, realtime=True),
                                       asr_engine, realtime=True, sink=NullSink(realtime=True),
                                       scenario={"Vehicle.Speed": 80},
                                       cues=[Cue(1.0, faults={"silent": ("EMS",)})])
    assert [(n["kind"], n["values"]["ecu"]) for n in notices] == [("ecu_lost", "EMS")]
    assert notices[0]["text"] == "The engine management has stopped reporting. Some features may not work."
    # its last frame (every 200 ms) before 1 s is stale 1 s later and lost 1 s after that: from 2.8 s on
    assert 2.75 <= notices[0]["at_s"] < 4.5 and turns == [] and summary.notices == 1


def test_a_slow_puncture_is_said_once_between_turns(live_config, asr_engine, drive, tmp_path):
    # the rear left tire loses 10 kPa every quarter second from 1 s on, while the driver asks about the fuel
    # (speech 0.8-3.3 s): 40 kPa below the others at 2.0 s, in mid-sentence; then 9 s of cabin noise
    cues = [Cue(1.0 + i * 0.25, set={REAR_LEFT: 240 - 10 * i}) for i in range(1, 9)]  # 230 ... 160 kPa
    source = drive([{"file": "08_fuel.wav", "say": "how much fuel do i have", "gap_s": 0.8, "press": True}]
                   + [{"file": str(SILENCE), "say": "(nothing)", "gap_s": 0.0}] * 3)
    summary, turns, notices = run_live(live_config, source, asr_engine, sink=NumberedWavSink(tmp_path / "replies"),
                                       scenario={"Vehicle.Speed": 90},
                                       cues=sorted(source.cues + cues, key=lambda c: c.at_s))
    assert [n["kind"] for n in notices] == ["tire_pressure_low"]  # once, though it kept falling to 160
    notice = notices[0]
    assert notice["values"]["tire"] == "rear_left" and notice["values"]["pressure"] <= 200
    assert notice["text"].startswith("The rear left tire is low")
    [fuel_turn] = turns
    assert fuel_turn.turn.actions[0].action == "query_fuel"
    speech_end, reply_end = reply_span(fuel_turn, tmp_path)
    assert notice["at_s"] >= reply_end > speech_end  # not over the driver's question, nor its answer


@pytest.mark.slow
def test_fuel_falling_through_10_and_5_percent_while_driving_is_said_once_each(live_config, asr_engine):
    # paced like a microphone (real time), the simulator 200x: 100 km/h burns 1 % of the tank per 1.4 s
    summary, turns, notices = run_live(live_config, FolderSource([SILENCE] * 3, gap_s=0.0, realtime=True),
                                       asr_engine, realtime=True, time_scale=200, sink=NullSink(realtime=True),
                                       scenario={"Vehicle.Speed": 100, FUEL: 10.5})
    assert [(n["kind"], n["values"]["threshold"]) for n in notices] == [("low_fuel", 10), ("low_fuel", 5)]
    first, second = notices
    assert first["values"]["level"] < 10 and second["values"]["level"] < 5
    assert second["values"]["range_km"] < first["values"]["range_km"]  # the range follows the fuel
    assert second["at_s"] - first["at_s"] >= 1.5  # the second waited for the first to be said
    assert summary.notices == 2


def run_cli(*args: str) -> list[dict]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env["ASSISTANT_VEHICLE_CHANNEL"] = f"notices_cli{os.getpid()}"
    done = subprocess.run([sys.executable, "-m", "assistant", "run", "--input", str(SILENCE), "--fast", "--json",
                           "--sink", "null", "--wake", "", *args],
                          capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_run_json_prints_one_notice_object(tmp_path):
    scenario = tmp_path / "door.yml"
    scenario.write_text("set: {Vehicle.Speed: 60}\ntimeline:\n  - at: 1.0\n    set: {%s: true}\n" % DOOR)
    lines = run_cli("--scenario", str(scenario))
    assert [line["event"] for line in lines] == ["ready", "notice", "stopped"]
    notice = lines[1]
    assert {k: notice[k] for k in ("event", "kind", "text")} == {
        "event": "notice", "kind": "door_open_moving", "text": "Careful, the passenger door is open."}
    assert notice["values"] == {"door": "passenger", "speed": 60.0} and notice["at_s"] >= 1.0
    assert lines[2]["notices"] == 1
    # --no-notices: the same drive, nothing said unasked
    assert [line["event"] for line in run_cli("--scenario", str(scenario), "--no-notices")] == ["ready", "stopped"]


def test_faults_in_a_scenario_are_for_run_not_sim(tmp_path):
    from assistant.errors import DataError
    from assistant.vehicle.scenario import load_scenario, load_timeline

    path = tmp_path / "ems.yml"
    path.write_text("timeline:\n  - at: 2\n    faults: {silent: [EMS]}\n")
    assert load_timeline(path)[1][0].faults == {"silent": ("EMS",)}
    with pytest.raises(DataError, match="assistant run --scenario"):
        load_scenario(path)
    path.write_text("timeline:\n  - at: 2\n    faults: {melted: [EMS]}\n")
    with pytest.raises(DataError, match="fault kinds"):
        load_timeline(path)


WINDOW = "Vehicle.Cabin.Door.Row1.DriverSide.Window.Position"
TRUNK = "Vehicle.Body.Trunk.Rear.IsOpen"


@pytest.mark.parametrize("part", ["door", "trunk"])
def test_close_it_after_a_notice_is_about_what_the_notice_said(live_config, asr_engine, drive, part):
    # driving with the driver's window half open; at 0.5 s the passenger door (or the trunk) opens, the car
    # says so, and the driver answers "close it again" without a wake phrase. To the NLU alone that is a
    # window follow-up: it must not close the window
    opened = DOOR if part == "door" else TRUNK
    source = drive([{"file": str(SILENCE), "say": "(nothing)", "gap_s": 0.0},
                    {"file": "04_close_it.wav", "say": "close it again", "gap_s": 1.0}])
    summary, turns, notices = run_live(live_config, source, asr_engine, sink=NullSink(),
                                       scenario={"Vehicle.Speed": 60, WINDOW: 50},
                                       cues=[Cue(0.5, set={opened: True})], settle=True)
    assert [n["kind"] for n in notices] == [f"{part}_open_moving"]
    [turn] = turns
    data = turn.to_json()
    assert data["trigger"] == "follow_up" and data["transcript"] == "close it again"
    assert data["state"][WINDOW] == 50 and WINDOW not in data["writes"]  # the window was not touched
    if part == "trunk":
        assert data["intent"]["name"] == "trunk_close" and data["writes"] == {TRUNK: False}
        assert data["frames"] and data["state"][TRUNK] is False
    else:  # the head unit cannot close a door: nothing is sent, and the reply says so
        assert data["writes"] == {} and data["frames"] == [] and data["state"][DOOR] is True
        assert data["reply"] == "I can't close a door myself. Please close the passenger door when it's safe to stop."


def test_only_a_pronoun_close_right_after_a_notice_is_redirected():
    from assistant.notices.answers import answer_to
    from assistant.notices.texts import NoticeTexts

    texts = NoticeTexts.load(ROOT / "intents" / "en" / "responses.yml")
    trunk = {"kind": "trunk_open_moving", "values": {"speed": 60}}
    door = {"kind": "door_open_moving", "values": {"door": "rear_left", "speed": 60}}
    assert answer_to(trunk, "close the window", texts).text == "close the window"  # a part is named: as heard
    assert answer_to(trunk, "shut it please", texts).text == "close the trunk"
    assert answer_to(trunk, "thanks", texts).text == "thanks"
    assert answer_to(door, "close that", texts).reply.endswith("close the rear left door when it's safe to stop.")
    assert answer_to(door, "close the sunroof", texts).reply is None


def test_a_scenario_naming_an_unknown_ecu_is_refused_before_anything_runs(tmp_path):
    scenario = tmp_path / "bad.yml"
    scenario.write_text("timeline:\n  - at: 1\n    faults: {silent: [FLUXCAP]}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env["ASSISTANT_VEHICLE_CHANNEL"] = f"notices_bad{os.getpid()}"
    done = subprocess.run([sys.executable, "-m", "assistant", "run", "--input", str(SILENCE), "--fast", "--json",
                           "--sink", "null", "--wake", "", "--scenario", str(scenario)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)
    assert done.returncode != 0 and "unknown ECU FLUXCAP" in done.stderr and "EMS" in done.stderr
    assert '"event": "ready"' not in done.stdout


def test_a_notice_waits_for_cabin_speech_that_is_not_a_turn(live_config, asr_engine, drive):
    # wake-phrase mode, and the driver talks to a passenger ("what is the capital of france", voiced
    # 1.63-3.25 s of the stream) without it: no turn opens, the endpointer sees nothing, but the
    # notice's own VAD hears the speech. The door opens at 2.0 s, mid-sentence
    live_config.wake.phrase = "hello copilot"
    source = drive([{"file": str(ROOT / "tests" / "asr" / "wav" / "ood_capital.wav"), "say": "chat", "gap_s": 1.0},
                    {"file": str(SILENCE), "say": "(nothing)", "gap_s": 0.0}])
    summary, turns, notices = run_live(live_config, source, asr_engine, sink=NullSink(),
                                       scenario={"Vehicle.Speed": 60}, cues=[Cue(2.0, set={DOOR: True})])
    assert turns == [] and [n["kind"] for n in notices] == ["door_open_moving"]
    assert 3.25 <= notices[0]["at_s"] < 3.25 + 1.5  # not at 2.0 over the sentence: after it, soon after


SCENARIOS = ROOT / "assistant" / "data" / "scenarios"


@pytest.mark.slow
@pytest.mark.parametrize("name, kinds", [("low_fuel", ["low_fuel", "low_fuel"]),
                                         ("door_at_speed", ["door_open_moving"]),
                                         ("slow_puncture", ["tire_pressure_low"]), ("ecu_silent", ["ecu_lost"])])
def test_the_bundled_scenarios_drive_their_notices(live_config, asr_engine, name, kinds):
    from assistant.vehicle.scenario import load_timeline

    initial, timeline = load_timeline(SCENARIOS / f"{name}.yml")
    cues = [Cue(step.at, set=step.changes, faults=step.faults) for step in timeline]
    summary, turns, notices = run_live(live_config, FolderSource([SILENCE] * 3, gap_s=0.0, realtime=True), asr_engine,
                                       realtime=True, time_scale=200, sink=NullSink(realtime=True), scenario=initial,
                                       cues=cues)
    assert [n["kind"] for n in notices] == kinds and summary.notices == len(kinds)
