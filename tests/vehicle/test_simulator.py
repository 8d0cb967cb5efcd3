"""The ECU simulator: applies only valid commands, models the car, injects faults."""

import can
import pytest

from assistant.errors import ValueTypeError
from assistant.vehicle import e2e
from assistant.vehicle.simulator import ScenarioEvent

WINDOW = "Vehicle.Cabin.Door.Row1.DriverSide.Window.Position"
VOLUME = "Vehicle.Cabin.Infotainment.Media.Volume"


def volume_frame(db, volume: int, counter: int) -> bytes:
    message = db.get_message_by_name("HU_MediaCmd")
    data = message.encode({"VolumeReq": volume, "COUNTER": 0, "CHECKSUM": 0})
    return e2e.protect(message.frame_id, data, counter)


def send(rig, arbitration_id, data, **kwargs):
    rig.sim.handle(can.Message(arbitration_id=arbitration_id, data=data, **{"is_extended_id": False, **kwargs}))


CORRUPTIONS = {
    "checksum": lambda db: (0x2E4, bytes(volume_frame(db, 70, 1)[:7]) + b"\x00", {}),
    "length": lambda db: (0x2E4, volume_frame(db, 70, 1)[:6], {}),
    "unknown_id": lambda db: (0x123, volume_frame(db, 70, 1), {}),
    "out_of_range": lambda db: (0x2E4, e2e.protect(0x2E4, bytes([0x7F, 0, 0, 0, 0, 0, 0, 0]), 1), {}),
}


@pytest.mark.parametrize("reason", sorted(CORRUPTIONS))
def test_corrupt_frames_are_counted_and_ignored(rig, db, reason):
    arbitration_id, data, kwargs = CORRUPTIONS[reason](db)
    send(rig, arbitration_id, data, **kwargs)
    assert rig.sim.ignored == {reason: 1}
    assert rig.sim.snapshot()[VOLUME] == 30


def test_extended_remote_and_error_frames_are_ignored(rig, db):
    good = volume_frame(db, 70, 1)
    send(rig, 0x2E4, good, is_extended_id=True)
    send(rig, 0x2E4, b"", is_remote_frame=True, dlc=8)
    rig.sim.handle(can.Message(is_error_frame=True))
    assert rig.sim.ignored == {"unknown_id": 1, "not_a_data_frame": 2}
    assert rig.sim.snapshot()[VOLUME] == 30


def test_stale_counter_is_ignored_then_fresh_counter_applies(rig, db):
    send(rig, 0x2E4, volume_frame(db, 40, 3))
    assert rig.sim.snapshot()[VOLUME] == 40
    send(rig, 0x2E4, volume_frame(db, 80, 3))  # replayed counter
    assert rig.sim.ignored == {"stale_counter": 1}
    assert rig.sim.snapshot()[VOLUME] == 40
    send(rig, 0x2E4, volume_frame(db, 80, 4))
    assert rig.sim.snapshot()[VOLUME] == 80


def test_windows_travel_over_time(rig):
    rig.gate.write({WINDOW: 100})
    rig.pump(1.0)
    position = rig.sim.snapshot()[WINDOW]
    assert 20 <= position <= 30  # 25 %/s
    assert rig.state.read(WINDOW).value == position  # the status frames follow the movement
    assert not rig.sim.settled()
    rig.pump(3.5)
    assert rig.sim.snapshot()[WINDOW] == 100 and rig.sim.settled()


def test_time_scale_speeds_up_travel(make_rig):
    rig = make_rig()
    rig.sim.time_scale = 10
    rig.gate.write({WINDOW: 100})
    rig.pump(0.45)
    assert rig.sim.snapshot()[WINDOW] == 100


def test_cabin_drifts_toward_setpoint(rig):
    rig.gate.write({"Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature": 18})
    rig.pump(0.1)
    start = rig.sim.snapshot()["Vehicle.Cabin.HVAC.AmbientAirTemperature"]
    rig.sim.time_scale = 100
    rig.pump(1.0)
    assert rig.sim.snapshot()["Vehicle.Cabin.HVAC.AmbientAirTemperature"] < start


def test_speed_scenario_shifts_out_of_park_and_accumulates_distance(make_rig):
    rig = make_rig(scenario={"Vehicle.Speed": "72"})
    assert rig.sim.snapshot()["Vehicle.Powertrain.Transmission.SelectedGear"] == 127
    start = rig.sim.snapshot()["Vehicle.TraveledDistance"]
    rig.pump(1.0)
    assert rig.sim.snapshot()["Vehicle.TraveledDistance"] == pytest.approx(start + 20, abs=0.5)


def test_timeline_changes_state_at_its_time(rig):
    rig.sim.add_timeline([ScenarioEvent(rig.sim.model.sim_time + 0.5, {"Vehicle.Speed": "30", "Vehicle.Cabin.Door.Row1.DriverSide.IsOpen": "true"})])
    rig.pump(0.3)
    assert rig.state.read("Vehicle.Speed").value == 0
    rig.pump(0.3)
    assert rig.state.read("Vehicle.Speed").value == 30
    assert rig.state.read("Vehicle.Cabin.Door.Row1.DriverSide.IsOpen").value is True


def test_scenario_values_are_validated(rig):
    with pytest.raises(ValueTypeError):
        rig.sim.set("Vehicle.Speed", "fast")
    with pytest.raises(ValueTypeError):
        rig.sim.set("Vehicle.Speed", 400)
    with pytest.raises(ValueTypeError):
        rig.sim.add_timeline([ScenarioEvent(1, {"Vehicle.Powertrain.Transmission.SelectedGear": "X"})])


def test_status_frames_come_at_their_periods(rig, db):
    rig.frames_on_bus()
    rig.pump(1.0, step=0.005)
    counts = {}
    for msg in rig.frames_on_bus():
        name = db.get_message_by_frame_id(msg.arbitration_id).name
        counts[name] = counts.get(name, 0) + 1
    assert counts["VCU_Status"] == pytest.approx(20, abs=1)
    assert counts["BCM_DoorStatus"] == pytest.approx(10, abs=1)
    assert counts["TPMS_Status"] == pytest.approx(5, abs=1)


def test_fault_bad_checksum_makes_the_head_unit_drop_that_ecu(make_rig):
    rig = make_rig()
    rig.sim.faults.bad_checksum.add("AMP")
    rig.pump(1.2)
    assert rig.state.rejected["checksum"] >= 5
    assert not rig.state.read(VOLUME).fresh
    assert rig.state.read(WINDOW).fresh
    assert rig.gate.write({VOLUME: 50}).reason == "ecu_not_responding"


def test_fault_stale_counter_makes_the_head_unit_drop_that_ecu(make_rig):
    rig = make_rig()
    rig.sim.faults.stale_counter.add("*")
    rig.pump(1.2)
    assert rig.state.rejected["repeated"] > 20
    assert not rig.state.read("Vehicle.Speed").fresh
    assert rig.gate.write({"Vehicle.Body.Trunk.Rear.IsOpen": True}).reason == "state_unknown"


def test_fault_ignore_commands_times_out(make_rig):
    rig = make_rig()
    rig.sim.faults.ignore_commands.add("AMP")
    result = rig.gate.write({VOLUME: 55})
    rig.pump(0.3)
    assert result.status == "timed_out" and result.reason == "not_confirmed"
    assert rig.sim.ignored == {"ecu_fault": 1}
    assert rig.sim.snapshot()[VOLUME] == 30


def test_voice_button_press_reaches_subscribers(rig):
    presses = []
    rig.state.subscribe("Vehicle.Cabin.SteeringWheel.VoiceButton", presses.append)
    rig.sim.set("Vehicle.Cabin.SteeringWheel.VoiceButton", True)
    rig.pump(0.03)  # on change, but not sooner than 20 ms after the previous SWS frame
    assert presses == [True]
    rig.sim.set("Vehicle.Cabin.SteeringWheel.VoiceButton", False)
    rig.pump(0.03)
    assert presses == [True, False]
