"""Issue 11 across processes on a real SocketCAN bus: the car is `assistant sim` in its own
process; the assistant is this test process or `assistant vehicle set` subprocesses.

1. with the car at 80 km/h in D, no head unit starts a second car, and the trunk stays shut;
2. a stuck-counter ECU gets no command, and the answer says it is not responding;
3. three `vehicle set` runs in a row all confirm (the alive counter continues across
   processes); a second head unit on the bus is refused, naming the holder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import can
import pytest

from assistant.config import Config
from assistant.errors import ConfigError
from assistant.vehicle.session import VehicleSession

pytestmark = [pytest.mark.vcan, pytest.mark.timeout(900)]

TRUNK = "Vehicle.Body.Trunk.Rear.IsOpen"
VOLUME = "Vehicle.Cabin.Infotainment.Media.Volume"
TRUNK_CMD = 0x2E2


@pytest.fixture(scope="module")
def car(vcan_sim):
    """`assistant sim --control` on vcan0 in its own process: the car (tests/conftest.py: SimProcess)."""
    return vcan_sim


def _config(channel: str, **vehicle) -> Config:
    config = Config()
    config.vehicle.interface, config.vehicle.channel = "socketcan", channel
    for key, value in vehicle.items():
        setattr(config.vehicle, key, value)
    return config


def _vehicle_set(channel: str, path: str, value: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant", "vehicle", "set", path, value,
                           "--bus", f"socketcan:{channel}", "--json", "--settle-timeout", "5"],
                          capture_output=True, text=True, timeout=timeout)


def _frames(sniffer: can.BusABC, arbitration_id: int) -> list[can.Message]:
    return [m for m in iter(lambda: sniffer.recv(0), None) if m.arbitration_id == arbitration_id]


def test_with_the_car_at_80_no_head_unit_opens_the_trunk(car, vcan_channel):
    car.command(cmd="reset")
    car.command(cmd="set", values={"Vehicle.Speed": "80", "Vehicle.Powertrain.Transmission.SelectedGear": "D"})
    with pytest.raises(ConfigError, match="only on the in-process virtual bus"):
        VehicleSession(_config(vcan_channel, simulator="builtin"))
    sniffer = can.Bus(interface="socketcan", channel=vcan_channel)
    try:
        # another process, the default config: auto = the external car on socketcan
        run = _vehicle_set(vcan_channel, TRUNK, "true")
        report = json.loads(run.stdout)
        assert (run.returncode, report["decision"], report["reason"], report["frames"]) == (
            1, "denied", "vehicle_moving", []), run.stderr
        assert report["state"]["Vehicle.Speed"] == 80
        # and this process (auto as well): no simulator of its own, the car's speed is the truth
        with VehicleSession(_config(vcan_channel)) as session:
            assert session.simulator is None and session.wait_ready(5.0)
            result = session.gate.write({TRUNK: True})
            assert (result.status, result.reason) == ("denied", "vehicle_moving")
        assert _frames(sniffer, TRUNK_CMD) == []
        stats = car.command(cmd="stats")
        assert stats["ignored"].get("foreign_status", 0) == 0  # nobody else sent the car's status
    finally:
        sniffer.shutdown()


def test_a_stuck_counter_ecu_gets_no_command(car, vcan_channel):
    car.command(cmd="reset")
    car.command(cmd="faults", stale_counter=["BCM"])
    sniffer = can.Bus(interface="socketcan", channel=vcan_channel)
    try:
        with VehicleSession(_config(vcan_channel)) as session:
            time.sleep(1.0)
            result = session.gate.write({TRUNK: True})
            assert (result.status, result.reason) == ("denied", "ecu_not_responding")
            assert "BCM is not responding" in result.detail
        assert _frames(sniffer, TRUNK_CMD) == []
    finally:
        sniffer.shutdown()
        car.command(cmd="reset")


def test_three_vehicle_set_runs_in_a_row_all_confirm(car, vcan_channel):
    car.command(cmd="reset")
    decisions = []
    for volume in (11, 12, 13):
        run = _vehicle_set(vcan_channel, VOLUME, str(volume))
        decisions.append(json.loads(run.stdout)["decision"] if run.stdout else run.stderr)
    assert decisions == ["confirmed"] * 3
    assert car.command(cmd="stats")["ignored"].get("stale_counter", 0) == 0


def test_a_second_head_unit_is_refused_naming_the_first(car, vcan_channel):
    car.command(cmd="reset")
    with VehicleSession(_config(vcan_channel)):
        run = _vehicle_set(vcan_channel, VOLUME, "30")
    assert run.returncode != 0 and run.stdout == ""
    assert f"another head unit is sending on socketcan:{vcan_channel}: pid {os.getpid()}" in run.stderr
    assert car.command(cmd="stats")["applied"] == 0
