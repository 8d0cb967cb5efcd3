"""Back to back: the same closed-loop suite on python-can's virtual bus (built-in simulator,
threads) and on a real SocketCAN vcan0 (`assistant sim` in a separate process).

The vcan variants carry the `vcan` marker: `make test-vcan` runs them, natively or in qemu,
against one `assistant sim --control` process per module, power-cycled before each test.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

import can
import pytest

from assistant.config import Config
from assistant.vehicle import e2e
from assistant.vehicle.gate import CONFIRMED, DENIED, MOVING, TIMED_OUT
from assistant.vehicle.session import VehicleSession
from assistant.vehicle.simulator import Faults

TIME_SCALE = 20
TEMP = "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"
WINDOW = "Vehicle.Cabin.Door.Row1.PassengerSide.Window.Position"
VOLUME = "Vehicle.Cabin.Infotainment.Media.Volume"
TRUNK = "Vehicle.Body.Trunk.Rear.IsOpen"
_channels = itertools.count()


@dataclass
class CarUnderTest:
    """A head-unit session against a simulated car; `stop()` returns the simulator's counters."""

    session: VehicleSession
    bus_spec: str
    sim_process: object = None  # conftest.SimProcess for the vcan variant
    summary: dict = field(default_factory=dict)

    def raw_bus(self) -> can.BusABC:
        interface, _, channel = self.bus_spec.partition(":")
        return can.Bus(interface=interface, channel=channel)

    def stop(self) -> dict:
        self.session.close()
        if self.sim_process is None:
            sim = self.session.simulator
            return {"applied": sim.applied, "ignored": dict(sim.ignored)}
        if not self.summary:
            self.summary = self.sim_process.command(cmd="stats")
        return self.summary


def _collect(bus: can.BusABC, seconds: float) -> list[can.Message]:
    deadline = time.monotonic() + seconds
    frames = []
    while (remaining := deadline - time.monotonic()) > 0:
        if (msg := bus.recv(remaining)) is not None:
            frames.append(msg)
    return frames


def _config(interface: str, channel: str, simulator: str) -> Config:
    config = Config()
    config.vehicle.interface, config.vehicle.channel, config.vehicle.simulator = interface, channel, simulator
    config.vehicle.time_scale = TIME_SCALE
    return config


@pytest.fixture(params=["virtual", pytest.param("vcan", marks=pytest.mark.vcan)])
def make_car(request):
    cars: list[CarUnderTest] = []

    def make(scenario: dict | None = None, faults: dict | None = None) -> CarUnderTest:
        scenario, faults = scenario or {}, faults or {}
        if request.param == "virtual":
            channel = f"loop{next(_channels)}"
            session = VehicleSession(_config("virtual", channel, "builtin"), scenario=scenario,
                                     faults=Faults(**{k: {v} for k, v in faults.items()}))
            car = CarUnderTest(session, f"virtual:{channel}")
        else:
            # one `assistant sim` process per module (Python starts slowly under qemu), power-cycled per test
            sim = request.getfixturevalue("vcan_sim")
            sim.prepare(scenario, faults)
            channel = request.getfixturevalue("vcan_channel")
            session = VehicleSession(_config("socketcan", channel, "external"))
            car = CarUnderTest(session, f"socketcan:{channel}", sim)
        cars.append(car)
        session.wait_ready(timeout_s=2.0)
        return car

    yield make
    for car in cars:
        car.stop()


def test_confirmed_write(make_car):
    car = make_car()
    result = car.session.gate.write({TEMP: 20.5})
    assert result.status == CONFIRMED, result.detail
    assert [f.name for f in result.frames] == ["HU_ClimateCmd"]
    assert car.session.state.read(TEMP).value == 20.5
    assert car.stop()["applied"] == 1


def test_window_moves_then_reaches_target(make_car):
    car = make_car()
    result = car.session.gate.write({WINDOW: 60})
    assert result.status == MOVING
    assert car.session.gate.finish_motion(result).status == CONFIRMED
    assert car.session.settle(timeout_s=10)
    assert car.session.car_state()[WINDOW] == 60


def test_denied_at_speed_sends_nothing(make_car):
    car = make_car(scenario={"Vehicle.Speed": 40})
    sniffer = car.raw_bus()
    try:
        result = car.session.gate.write({TRUNK: True})
        assert (result.status, result.reason) == (DENIED, "vehicle_moving")
        assert result.frames == []
        assert [m for m in _collect(sniffer, 0.3) if 0x2E0 <= m.arbitration_id <= 0x2E4] == []
    finally:
        sniffer.shutdown()
    assert car.stop()["applied"] == 0


def test_parked_trunk_opens(make_car):
    car = make_car(scenario={"Vehicle.Speed": 0, "Vehicle.Powertrain.Transmission.SelectedGear": "P"})
    assert car.session.gate.write({TRUNK: True}).status == CONFIRMED
    assert car.session.state.read(TRUNK).value is True


def test_ecu_ignoring_commands_times_out(make_car):
    car = make_car(faults={"ignore_commands": "AMP"})
    result = car.session.gate.write({VOLUME: 70}, timeout_s=0.5)
    assert (result.status, result.reason) == (TIMED_OUT, "not_confirmed")
    assert result.pending == [VOLUME] and "AMP" in result.detail
    assert car.stop()["ignored"] == {"ecu_fault": 1}


def test_silent_ecu_is_not_responding(make_car):
    car = make_car(faults={"silent": "AC"})
    result = car.session.gate.write({TEMP: 21})
    assert (result.status, result.reason) == (DENIED, "ecu_not_responding")
    assert car.session.silent_ecus() == ["AC"]
    assert car.session.gate.write({VOLUME: 10}).status == CONFIRMED


def test_ecu_with_bad_checksums_is_distrusted(make_car):
    car = make_car(faults={"bad_checksum": "VCU"})
    assert car.session.state.read("Vehicle.Speed").fresh is False
    assert car.session.state.rejected["checksum"] > 0
    result = car.session.gate.write({"Vehicle.Cabin.Door.Row1.DriverSide.IsLocked": False})
    assert (result.status, result.reason) == (DENIED, "state_unknown")


def test_simulator_ignores_corrupt_frames(make_car, db):
    car = make_car()
    media = db.get_message_by_name("HU_MediaCmd")
    good = e2e.protect(media.frame_id, media.encode({"VolumeReq": 90, "COUNTER": 0, "CHECKSUM": 0}), 9)
    corrupt = {
        "checksum": good[:7] + bytes([good[7] ^ 0x5A]),
        "length": good[:5],
    }
    attacker = car.raw_bus()
    try:
        for data in corrupt.values():
            attacker.send(can.Message(arbitration_id=media.frame_id, data=data, is_extended_id=False))
        attacker.send(can.Message(arbitration_id=0x7A5, data=good, is_extended_id=False))
        attacker.send(can.Message(arbitration_id=media.frame_id, data=good, is_extended_id=False))
        attacker.send(can.Message(arbitration_id=media.frame_id, data=good, is_extended_id=False))  # replay
    finally:
        attacker.shutdown()
    assert car.session.state.wait_until(lambda: car.session.state.read(VOLUME).value == 90, 2.0)
    summary = car.stop()
    assert summary["applied"] == 1
    assert summary["ignored"] == {"checksum": 1, "length": 1, "unknown_id": 1, "stale_counter": 1}
