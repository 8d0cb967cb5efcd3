"""Bus faults through Assistant.handle_text on the built-in simulator: each one spoken to the
driver and survived, with no stray frame (a sniffer on the channel, judged by the oracle).

Also: a flood of 4,000 unrelated frames per second on the same channel, during which turns
still work (the latency comparison is `assistant bench flood`, not a test).
"""

import time

import can
import pytest

from assistant.measure.bench.flood import FloodSender
from assistant.vehicle.gate import SafetyGate
from assistant.vehicle.simulator import Faults

VOLUME = "Vehicle.Cabin.Infotainment.Media.Volume"
TEMP = "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"
MIRROR = "Vehicle.Body.Mirrors.DriverSide.IsFolded"


@pytest.fixture
def open_car(make_assistant, watch, new_config):
    """`open_car(scenario, faults=...)` -> (assistant, say): say(text) runs a turn and checks the bus."""

    def open_(scenario=None, **options):
        config = new_config()
        bus = watch(config)
        assistant = make_assistant(scenario, config=config, **options)
        bus.attach(assistant.vehicle)

        def say(text):
            report = assistant.handle_text(text)
            assert bus.check_turn(report) == [], bus.violations
            return report.to_json()

        say.bus = bus
        return assistant, say

    return open_


def test_silent_ecu_from_the_start(open_car):
    assistant, say = open_car(faults=Faults(silent={"AC"}))
    data = say("set the temperature to twenty")
    assert (data["denied"], data["reply"], data["frames"]) == (
        "ecu_not_responding", "The climate control isn't responding.", [])
    assert "isn't responding" in say("how warm is it in here")["reply"]
    data = say("set the volume to twenty")  # the other ECUs still work
    assert data["denied"] is None and data["state"][VOLUME] == 20


def test_ecu_that_goes_silent_and_comes_back(open_car):
    assistant, say = open_car()
    assert say("set the volume to twenty")["state"][VOLUME] == 20
    assistant.vehicle.simulator.faults.silent.add("AMP")
    time.sleep(1.1)  # AMP_Status cycles at 200 ms: stale after 1 s without it
    data = say("set the volume to thirty")
    assert (data["denied"], data["reply"], data["frames"]) == (
        "ecu_not_responding", "The audio system isn't responding.", [])
    assistant.vehicle.simulator.faults.silent.discard("AMP")
    assert assistant.vehicle.state.wait_until(lambda: assistant.vehicle.state.is_fresh("AMP_Status"), 2.0)
    data = say("set the volume to thirty")
    assert data["denied"] is None and data["state"][VOLUME] == 30


def test_bad_checksums_make_the_state_unknown(open_car):
    assistant, say = open_car(faults=Faults(bad_checksum={"VCU"}))
    data = say("unlock the doors")  # the speed can't be trusted, so the rule can't be checked
    assert (data["denied"], data["frames"]) == ("state_unknown", [])
    assert data["reply"] == "I can't unlock the doors right now: the car isn't reporting whether it's safe."
    assert say("how fast are we going")["reply"] == "The drive system isn't responding."
    assert assistant.vehicle.state.rejected["checksum"] > 0
    assert say("set the temperature to twenty")["state"][TEMP] == 20


def test_a_stale_counter_is_not_evidence(open_car):
    assistant, say = open_car(faults=Faults(stale_counter={"SCM"}))
    # no waiting: a counter that never advances never makes SCM live (it did for 1 s before)
    data = say("heat my seat")
    assert (data["denied"], data["reply"], data["frames"]) == (
        "ecu_not_responding", "The seat control isn't responding.", [])
    assert assistant.vehicle.state.rejected["repeated"] > 0
    assert say("set the volume to twenty")["denied"] is None


def test_send_failure_is_spoken_and_survived(make_assistant, watch, new_config):
    """The gate's bus handle dies (python-can raises CanOperationError on send); the rest lives."""
    from assistant.vehicle.session import VehicleSession

    config = new_config()
    bus = watch(config)
    session = VehicleSession(config, time_scale=50)
    tx = can.Bus(interface="virtual", channel=config.vehicle.channel)
    session.gate = SafetyGate(tx, session.db, session.vss, session.state, write_timeout_s=0.5)
    assistant = make_assistant(config=config, vehicle=session)
    bus.attach(session)
    try:
        report = assistant.handle_text("set the volume to twenty")
        assert bus.check_turn(report) == [] and report.to_json()["state"][VOLUME] == 20
        tx.shutdown()
        report = assistant.handle_text("set the volume to forty")
        data = report.to_json()
        assert (data["denied"], data["reply"], data["frames"]) == ("bus_error", "I couldn't reach the car's network.", [])
        assert bus.check_turn(report) == [] and data["state"][VOLUME] == 20
        report = assistant.handle_text("how much fuel do I have")  # reading still works
        assert bus.check_turn(report) == [] and "percent full" in report.reply
    finally:
        tx.shutdown()


def test_ecu_ignoring_commands_is_spoken(open_car):
    assistant, say = open_car(faults=Faults(ignore_commands={"BCM"}))
    data = say("fold the mirrors")
    assert data["denied"] == "not_confirmed" and data["reply"] == "The body control didn't respond."
    assert len(data["frames"]) == 1 and data["state"][MIRROR] is False  # sent once, never applied
    assert say("set the volume to twenty")["state"][VOLUME] == 20


@pytest.fixture
def flooded(make_assistant, watch, new_config):
    config = new_config()
    flood = FloodSender(config.vehicle.interface, config.vehicle.channel, rate=4000)
    bus = watch(config, ignore=flood.owns)
    assistant = make_assistant(config=config)
    bus.attach(assistant.vehicle)
    flood.start()
    yield assistant, bus, flood
    flood.stop()


def test_turns_work_during_a_4000_fps_flood(flooded):
    assistant, bus, flood = flooded
    assert flood.wait_sent(1000), "the flood did not get going"
    before = assistant.vehicle.simulator.ignored["unknown_id"]
    expected = {"set the temperature to twenty one": (TEMP, 21), "set the volume to fifteen": (VOLUME, 15),
                "fold the mirrors": (MIRROR, True), "unfold the mirrors": (MIRROR, False)}
    for text, (path, value) in expected.items():
        report = assistant.handle_text(text)
        data = report.to_json()
        assert data["denied"] is None and data["state"][path] == value, (text, data["reply"])
        assert bus.check_turn(report) == [], bus.violations
    assert "percent full" in assistant.handle_text("how much fuel do I have").reply
    assert assistant.vehicle.simulator.ignored["unknown_id"] > before  # the flood really reached the ECUs
    # none of it was mistaken for a corrupt status frame (extended IDs are simply not status frames)
    assert set(assistant.vehicle.state.rejected) <= {"not_a_status_frame"}
