"""Home intents through the whole assistant (NLU, dialogue, home skill, bridge) against a real
mosquitto and the simulated home, next to the car: home turns carry `home` and never a frame."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from home_broker import home_config

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def home_assistant(make_assistant, new_config, broker):
    def make(**home):
        return make_assistant(config=home_config(broker, new_config(), **home))

    return make


def test_living_room_lights_on_is_confirmed_by_the_bulbs(home_assistant, home_sim):
    sim = home_sim()
    assistant = home_assistant()
    report = assistant.handle_text("turn on the living room lights at home")
    data = report.to_json()
    assert data["intent"]["name"] == "home_lights"
    assert data["reply"] in ("The living room lights are on.", "Okay, the living room lights are on.")
    assert data["home"] == {"living_room_ceiling": {"state": "ON"}, "living_room_lamp": {"state": "ON"}}
    assert data["frames"] == [] and data["writes"] == {} and data["denied"] is None
    assert sim.state("living_room_ceiling")["state"] == "ON" and sim.state("living_room_lamp")["state"] == "ON"


def test_brightness_colour_and_query(home_assistant, home_sim):
    sim = home_sim()
    assistant = home_assistant()
    report = assistant.handle_text("set the kitchen lights at home to fifty percent")
    assert report.to_json()["home"] == {"kitchen_ceiling": {"state": "ON", "brightness": 127}}
    assert report.reply == "The kitchen lights are at 50 percent."
    assert sim.state("kitchen_ceiling")["brightness"] == 127
    report = assistant.handle_text("make the bedroom lights at home blue")
    assert report.reply == "The bedroom lights are blue." and report.turn.frames == []
    report = assistant.handle_text("which lights are on at home")
    assert report.to_json()["intent"]["name"] == "query_home_lights"
    assert report.reply.startswith("The bedroom and kitchen lights are on at home.")
    assert "I couldn't reach the garage light." in report.reply
    assert report.to_json()["home"] == {}


def test_an_unreachable_bulb_is_said_not_done(home_assistant, home_sim):
    home_sim()
    report = home_assistant().handle_text("turn on the garage light at home")
    assert report.reply == "I couldn't reach the lights at home."
    assert report.turn.denied == "home_no_answer"
    assert report.to_json()["home"] == {"garage_light": {"state": "ON"}}


def test_no_broker_says_so_and_car_turns_go_on(make_assistant, new_config, broker):
    config = home_config(broker, new_config(), connect_wait_s=0.5)
    broker.stop()
    assistant = make_assistant(config=config)
    car = assistant.handle_text("open the passenger window")
    assert car.turn.frames and car.to_json().get("home") is None
    report = assistant.handle_text("switch off everything at home")
    assert report.reply == "I can't reach home right now."
    assert report.to_json()["frames"] == [] and report.turn.denied == "home_no_link"


def test_home_off_by_default_says_not_set_up(make_assistant):
    report = make_assistant().handle_text("turn on the lights at home")
    assert report.to_json()["intent"]["name"] == "home_lights"
    assert "isn't set up" in report.reply and report.turn.frames == []


@pytest.mark.parametrize("text", ["make the lights blue", "turn off the interior lights",
                                  "turn on the ambient lighting", "set the mood lights to red"])
def test_car_light_commands_stay_the_cars(make_assistant, text):
    report = make_assistant().handle_text(text)
    assert report.to_json()["intent"]["name"] == "ambient_light"
    assert "home" not in report.to_json() and report.turn.frames


def test_turn_on_the_lights_is_never_a_home_intent(make_assistant):
    report = make_assistant().handle_text("turn on the lights")
    assert report.to_json()["intent"]["name"] == "ambient_light"  # CATALOGUE.md: no home word = the car's
    assert "home" not in report.to_json()


def test_chat_cli_end_to_end(broker, home_sim, tmp_path, nlu_ready):
    """`assistant chat --json` with [home] from the environment, as the README says."""
    sim = home_sim()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ASSISTANT_HOME_BACKEND": "mqtt",
           "ASSISTANT_HOME_BROKER": "127.0.0.1", "ASSISTANT_HOME_PORT": str(broker.port),
           "ASSISTANT_HOME_CREDENTIALS_FILE": str(broker.credentials_file)}
    out = subprocess.run([sys.executable, "-m", "assistant", "chat", "--json",
                          "turn on the living room lights at home", "are the lights at home still on",
                          "open the sunroof"], env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    turns = [json.loads(line) for line in out.stdout.splitlines()]
    assert [t["intent"]["name"] for t in turns] == ["home_lights", "query_home_lights", "sunroof_open"]
    assert turns[0]["home"] == {"living_room_ceiling": {"state": "ON"}, "living_room_lamp": {"state": "ON"}}
    assert turns[0]["frames"] == [] and turns[1]["frames"] == []
    assert turns[1]["reply"].startswith("The living room lights are on at home.")
    assert "home" not in turns[2] and turns[2]["frames"]
    assert sim.state("living_room_lamp")["state"] == "ON"


def test_a_colour_a_bulb_cannot_show_is_named(home_assistant, home_sim):
    sim = home_sim()
    report = home_assistant().handle_text("make the living room lights at home red")
    assert report.reply == "Done, but the living room lamp didn't change."
    assert report.turn.denied == "home_partial"
    assert sim.state("living_room_ceiling")["color_mode"] == "xy"


@pytest.mark.slow
def test_demo_home_script(tmp_path):
    out = subprocess.run(["bash", str(ROOT / "assistant/data/demo_home/run.sh")], capture_output=True, text=True,
                         timeout=300, env={**os.environ, "PYTHON": sys.executable})
    assert out.returncode == 0, out.stderr
    assert "car> The living room lights are on." in out.stdout
    assert 'living_room_lamp     <- {"state": "ON"}  now ON' in out.stdout
    assert "car> I couldn't reach the lights at home." in out.stdout
    if shutil.which("espeak-ng"):  # the spoken part: synthesised speech through ASR, NLU and the bridge
        assert "heard 'turn on the living room lights at home' -> home_lights" in out.stdout


def test_a_bridge_that_fails_inside_costs_one_reply(home_assistant, home_sim):
    home_sim()
    assistant = home_assistant()

    def broken(*args):
        raise RuntimeError("paho exploded")

    assistant.home.set_lights = broken
    report = assistant.handle_text("turn on the kitchen lights at home")
    assert report.reply == "I can't reach home right now." and report.turn.frames == []
    assert assistant.handle_text("open the sunroof").turn.frames  # the session goes on


def test_home_sim_cli_refuses_an_unknown_light(broker):
    out = subprocess.run([sys.executable, "-m", "assistant", "home-sim", "--port", str(broker.port),
                          "--credentials-file", str(broker.credentials_file), "--unreachable", "porch"],
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "no light named porch" in out.stderr and out.stdout == ""
