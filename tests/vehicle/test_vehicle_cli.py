"""`assistant vehicle` and `assistant sim` as a user runs them (real console processes)."""

import json
import os
import subprocess
import sys

import pytest

WINDOW = "Vehicle.Cabin.Door.Row1.DriverSide.Window.Position"


def assistant(*args, timeout=60):
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def test_set_window_is_confirmed_with_the_window_at_100():
    run = assistant("vehicle", "set", WINDOW, "100", "--json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["decision"] == "confirmed"
    assert report["state"][WINDOW] == 100
    assert [f["name"] for f in report["frames"]] == ["HU_WindowCmd"]
    assert report["frames"][0]["data"].startswith("65")  # raw 101 = 100 %


def test_trunk_at_speed_is_denied_and_sends_nothing():
    run = assistant("vehicle", "set", "Vehicle.Body.Trunk.Rear.IsOpen", "true", "--set", "Vehicle.Speed=40", "--json")
    assert run.returncode == 1
    report = json.loads(run.stdout)
    assert (report["decision"], report["reason"], report["frames"]) == ("denied", "vehicle_moving", [])
    assert report["state"]["Vehicle.Body.Trunk.Rear.IsOpen"] is False


@pytest.mark.parametrize("args, message", [
    (("vehicle", "set", "Vehicle.Cabin.Warp.Drive", "1"), "unknown VSS path"),
    (("vehicle", "set", "Vehicle.Speed", "10"), "read-only"),
    (("vehicle", "set", WINDOW, "wide"), "takes a number"),
    (("vehicle", "set", WINDOW, "50", "--set", "Vehicle.Speed"), "VSS_PATH=VALUE"),
    (("vehicle", "set", WINDOW, "50", "--bus", "vcan0"), "INTERFACE:CHANNEL"),
    (("sim", "--silent", "XYZ", "--duration", "0.1"), "unknown ECU XYZ"),
])
def test_bad_input_is_a_clear_error(args, message):
    run = assistant(*args)
    assert run.returncode == 2
    assert message in run.stderr and "Traceback" not in run.stderr


def test_out_of_range_is_denied_with_the_range():
    run = assistant("vehicle", "set", "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature", "35")
    assert run.returncode == 1
    assert "between 16 and 30" in run.stdout and "no frame sent" in run.stdout


def test_get_reads_the_scenario():
    run = assistant("vehicle", "get", "Vehicle.Speed", "Vehicle.Powertrain.Transmission.SelectedGear",
                    "--set", "Vehicle.Speed=12.5", "--json")
    assert run.returncode == 0, run.stderr
    values = json.loads(run.stdout)
    assert values["Vehicle.Speed"]["value"] == 12.5 and values["Vehicle.Speed"]["fresh"]
    assert values["Vehicle.Powertrain.Transmission.SelectedGear"]["value"] == 127


def test_sim_runs_for_a_duration_and_reports():
    run = assistant("sim", "--bus", "virtual:cli-sim", "--duration", "0.3", "--set", "Vehicle.Speed=30",
                    "--stale-counter", "--print-state")
    assert run.returncode == 0, run.stderr
    ready, stopped = (json.loads(line) for line in run.stdout.splitlines())
    assert ready["event"] == "ready" and ready["faults"] == {"stale_counter": ["*"]}
    assert stopped["event"] == "stopped" and stopped["state"]["Vehicle.Speed"] == 30


@pytest.mark.vcan
def test_two_processes_over_vcan(vcan_channel, vcan_sim):
    """The done criterion on a real SocketCAN bus: `assistant vehicle` and `assistant sim` as two processes."""
    vcan_sim.prepare({"Vehicle.Speed": 40}, {})
    run = assistant("vehicle", "set", WINDOW, "100", "--json", "--bus", f"socketcan:{vcan_channel}", "--external",
                    timeout=300)
    report = json.loads(run.stdout)
    assert report["decision"] == "confirmed" and report["state"][WINDOW] == 100
    assert report["state"]["Vehicle.Speed"] == 40
    assert vcan_sim.command(cmd="stats")["applied"] == 1
