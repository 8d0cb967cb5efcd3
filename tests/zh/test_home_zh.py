"""家里的灯 in Mandarin through the whole assistant (zh NLU, dialogue, home skill, bridge) against a real
mosquitto and the simulated zigbee2mqtt home: done only when the bulbs say so, replies in Mandarin,
never a CAN frame."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "home"))
from home_broker import PASSWORD, USER, home_config, start_broker  # noqa: E402


@pytest.fixture
def broker(tmp_path):
    running = start_broker(tmp_path / "broker")
    yield running
    running.stop()


@pytest.fixture
def zh_home(zh_ready, broker):
    """A Mandarin assistant on the built-in car, connected to the simulated home on `broker`."""
    from assistant.config import Config
    from assistant.home.sim import SimulatedHome
    from assistant.runtime import Assistant

    sim = SimulatedHome(broker.host, broker.port, username=USER, password=PASSWORD).start()
    config = Config()
    config.language = "zh"
    config.vehicle.channel = "zh-home"
    assistant = Assistant.open(home_config(broker, config), speak=False, scenario={}, time_scale=50)
    yield assistant, sim
    assistant.close()
    sim.stop()


def test_mandarin_home_lights_are_confirmed_by_the_bulbs(zh_home):
    assistant, sim = zh_home
    data = assistant.handle_text("把家里客厅的灯打开").to_json()
    assert data["intent"]["name"] == "home_lights"
    assert data["reply"] in ("客厅的灯已打开。", "好的，客厅的灯开了。")
    assert data["home"] == {"living_room_ceiling": {"state": "ON"}, "living_room_lamp": {"state": "ON"}}
    assert data["frames"] == [] and data["writes"] == {} and data["denied"] is None
    assert sim.state("living_room_lamp")["state"] == "ON"

    report = assistant.handle_text("家里厨房的灯亮度调到百分之五十")
    assert report.to_json()["home"] == {"kitchen_ceiling": {"state": "ON", "brightness": 127}}
    assert report.reply == "厨房的灯亮度已调到50%。"
    report = assistant.handle_text("家里卧室的灯调成暖白色")
    assert report.reply == "卧室的灯已换成暖白色。" and report.turn.frames == []

    report = assistant.handle_text("家里的灯还开着吗")
    assert report.to_json()["intent"]["name"] == "query_home_lights"
    assert report.reply.startswith("家里客厅、卧室和厨房的灯开着。")
    assert report.reply.endswith("没有回应。")  # the demo garage bulb never answers


def test_in_car_lights_stay_in_the_car(zh_home):
    assistant, sim = zh_home
    data = assistant.handle_text("把灯打开").to_json()
    assert data["intent"]["name"] == "ambient_light" and not data.get("home")
    assert sim.state("living_room_lamp").get("state") != "ON"
