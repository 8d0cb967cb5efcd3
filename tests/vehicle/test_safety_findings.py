"""Regression tests for the vehicle findings of issue 11, each failing on the code before it.

1. the built-in simulator impersonated the car on a shared bus;
2. a stuck alive counter counted as a live ECU;
3. the head unit's alive counter restarted at 0 in every process, and nothing stopped two senders;
6. the DBC was the unpinned trust root (a command moved to ID 0, a widened range killed the simulator).

The second process is played here by a second EcuSimulator or a raw sender on the same virtual
channel (python-can's virtual bus is in-process); tests/vcan/test_vcan_safety.py runs the real
cross-process cases on vcan0.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import can
import pytest

pytestmark = pytest.mark.timeout(60)

from assistant.config import Config
from assistant.errors import BusError, ConfigError, DataError
from assistant.vehicle import e2e
from assistant.vehicle.bus import BusSpec
from assistant.vehicle.dbc import load_dbc
from assistant.vehicle.e2e import AliveCounter, StatusMonitor
from assistant.vehicle.gate import DENIED, SafetyGate
from assistant.vehicle.sender_lock import SenderLock
from assistant.vehicle.session import VehicleSession, wants_builtin_simulator
from assistant.vehicle.simulator import EcuSimulator, Faults
from assistant.vehicle.state import VehicleState
from assistant.vehicle.vss import load_vss_map

ROOT = Path(__file__).resolve().parents[2]
DBC, VSS_MAP = ROOT / "can_dbc" / "faw_demo.dbc", ROOT / "can_dbc" / "vss_map.yml"

TRUNK = "Vehicle.Body.Trunk.Rear.IsOpen"
WINDOW = "Vehicle.Cabin.Door.Row1.DriverSide.Window.Position"
VOLUME = "Vehicle.Cabin.Infotainment.Media.Volume"
MOVING_CAR = {"Vehicle.Speed": 80, "Vehicle.Powertrain.Transmission.SelectedGear": "D"}


def _config(channel: str, **vehicle) -> Config:
    config = Config()
    config.vehicle.channel = channel
    for key, value in vehicle.items():
        setattr(config.vehicle, key, value)
    return config


# -- 1. no second car ------------------------------------------------------------------------
@pytest.mark.parametrize("interface", ["socketcan", "socketcand", "pcan", "slcan"])
def test_builtin_simulator_is_refused_on_a_shared_bus(interface):
    with pytest.raises(ConfigError) as raised:
        VehicleSession(_config("can0", interface=interface, simulator="builtin"))
    assert "virtual" in str(raised.value) and "external" in raised.value.hint
    with pytest.raises(ConfigError):  # the old keyword is guarded the same way
        VehicleSession(_config("can0", interface=interface), builtin_simulator=True)


def test_auto_is_the_default_and_means_builtin_only_on_virtual():
    assert Config().vehicle.simulator == "auto"
    assert wants_builtin_simulator("auto", "virtual")
    assert not wants_builtin_simulator("auto", "socketcan")
    assert not wants_builtin_simulator("auto", "socketcand")
    assert not wants_builtin_simulator("external", "virtual")
    with pytest.raises(ConfigError):
        wants_builtin_simulator("bogus", "virtual")


def test_a_second_car_on_the_bus_makes_speed_unknown_and_the_trunk_stays_shut():
    """The finding's set-up on one in-process bus: the car at 80 km/h in D, and a head unit that
    starts its own simulated car (0 km/h in park) beside it. Before, the gate believed one of
    the two VCU_Status senders and opened the trunk; now the interleaved counters make the
    speed unknown, and nothing is sent."""
    channel = "finding1"
    car_bus = can.Bus(interface="virtual", channel=channel)
    car = EcuSimulator(car_bus, load_dbc(DBC), load_vss_map(VSS_MAP, load_dbc(DBC)))
    for path, value in MOVING_CAR.items():
        car.set(path, value)
    car.start()
    sniffer = can.Bus(interface="virtual", channel=channel)
    try:
        with VehicleSession(_config(channel, simulator="builtin"), time_scale=20) as session:
            time.sleep(0.6)
            result = session.gate.write({TRUNK: True})
            assert (result.status, result.reason) == (DENIED, "state_unknown"), result
            assert not session.state.read("Vehicle.Speed").fresh
            assert session.state.rejected["repeated"] + session.state.rejected["wrong_sequence"] > 0
        trunk_frames = [m for m in iter(lambda: sniffer.recv(0), None) if m.arbitration_id == 0x2E2]
        assert trunk_frames == []
        assert car.snapshot()[TRUNK] is False
    finally:
        car.stop()
        car_bus.shutdown()
        sniffer.shutdown()


# -- 2. a stuck counter is not a live ECU ----------------------------------------------------
def test_a_stuck_counter_ecu_is_never_live_and_gets_no_command(make_rig):
    rig = make_rig(faults=Faults(stale_counter={"BCM"}))  # stuck from its very first frame
    rig.frames_on_bus()
    result = rig.gate.write({TRUNK: True})
    assert (result.status, result.reason) == (DENIED, "ecu_not_responding")
    assert "BCM" in result.detail and "not responding" in result.detail
    assert rig.hu_frames_on_bus() == []
    rig.pump(2.0)
    assert rig.gate.preflight({TRUNK: True}).reason == "ecu_not_responding"
    assert rig.state.rejected["repeated"] > 10


def test_duplicated_and_spoofed_status_make_the_message_unknown_until_it_recovers():
    """Per ID: live after 3 in-sequence frames; a repeat, a jump, an interleaved second counter
    or a frame far sooner than the cycle time (a sender answering the real one) breaks it."""
    vcu = 0x110
    monitor = StatusMonitor({vcu: 0.5}, {vcu: e2e.max_frames_per_window(50, "Cyclic")},
                            {vcu: e2e.min_gap_s(50, "Cyclic")})

    def frame(counter):
        return e2e.protect(vcu, bytes(8), counter)

    t = [100.0]

    def feed(counter, dt=0.05):
        t[0] += dt
        return monitor.check(vcu, frame(counter), t[0])

    assert [feed(c).live for c in (3, 4, 5)] == [False, False, True]
    assert feed(5).error == "repeated" and not monitor.live(vcu)  # the repeat starts a new run of 1
    assert [feed(c).live for c in (6, 7)] == [False, True]
    assert feed(11).error == "wrong_sequence"  # a jump
    assert [feed(c).live for c in (12, 13, 14)] == [False, True, True]
    assert feed(15, dt=0.001).error == "too_fast"  # in sequence, but 1 ms after the last
    assert [feed(c).live for c in (0, 1, 2)] == [False, False, True]
    # two interleaved senders never give two in-sequence steps in a row
    assert not any(feed(c, dt=0.025).live for c in (9, 3, 10, 4, 11, 5, 12, 6))
    assert feed(1, dt=0.6).error == "init"  # a gap: the run starts again


# -- 3. alive counters survive a restart; one head-unit sender per bus -----------------------
def test_a_restarted_head_unit_continues_its_counters_and_the_ecu_applies_every_command(make_rig, tmp_path):
    """Three head-unit 'processes' in a row, 0.7 s apart (inside the ECU's 1 s resync): each
    continues the counter from the lock file, so the ECU applies all three. Before, each started
    at 0 and the second was dropped as a stale counter ('timed_out')."""
    rig = make_rig()
    spec = BusSpec("socketcan", "test-restart")
    for n in range(3):
        with SenderLock(spec, directory=tmp_path, wait_s=0) as lock:
            counter = AliveCounter(lock.counters(), on_advance=lock.save_counters)
            state = VehicleState(rig.db, rig.vss, clock=rig.clock)
            gate = SafetyGate(rig.hu_bus, rig.db, rig.vss, state, clock=rig.clock, write_timeout_s=0,
                              alive_counter=counter)
            rig.state = state
            rig.pump(0.61)  # a new process knows nothing until every ID has sent 3 frames
            assert gate.write({VOLUME: 20 + n}).frames
            rig.pump(0.1)
        assert rig.sim.snapshot()[VOLUME] == 20 + n
    assert rig.sim.applied == 3 and rig.sim.ignored["stale_counter"] == 0


def test_without_the_persisted_counter_the_second_run_is_dropped(make_rig):
    """The old behaviour, kept as a check that the test above can fail."""
    rig = make_rig()
    for n in range(2):
        state = VehicleState(rig.db, rig.vss, clock=rig.clock)
        gate = SafetyGate(rig.hu_bus, rig.db, rig.vss, state, clock=rig.clock, write_timeout_s=0)
        rig.state = state
        rig.pump(0.61)
        assert gate.write({VOLUME: 20 + n}).frames
        rig.pump(0.1)
    assert rig.sim.applied == 1 and rig.sim.ignored["stale_counter"] == 1


def test_a_second_sender_waits_then_is_refused_naming_the_holder(tmp_path):
    spec = BusSpec("socketcan", "vcan9")
    first = SenderLock(spec, directory=tmp_path).acquire()
    first.save_counters({0x2E2: 7})
    started = time.monotonic()
    with pytest.raises(BusError) as refused:
        SenderLock(spec, directory=tmp_path, wait_s=0.3).acquire()
    assert time.monotonic() - started >= 0.3  # it queued first
    assert f"pid {os.getpid()}" in str(refused.value) and "socketcan:vcan9" in str(refused.value)
    assert "only one head-unit sender" in refused.value.hint
    # queueing: the second gets the lock as soon as the first lets go, with its counters
    threading.Timer(0.2, first.release).start()
    with SenderLock(spec, directory=tmp_path, wait_s=3) as second:
        assert second.counters() == {0x2E2: 7}
    other = SenderLock(BusSpec("socketcan", "vcan8"), directory=tmp_path, wait_s=0).acquire()  # another bus
    other.release()


def test_the_lock_holds_across_processes_and_dies_with_its_holder(tmp_path):
    spec = BusSpec("socketcan", "vcan7")
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from assistant.vehicle.bus import BusSpec; "
         "from assistant.vehicle.sender_lock import SenderLock; "
         f"lock = SenderLock(BusSpec('socketcan', 'vcan7'), directory={str(tmp_path)!r}).acquire(); "
         "lock.save_counters({0x2E1: 9}); print('held', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(BusError, match=f"pid {holder.pid}"):
            SenderLock(spec, directory=tmp_path, wait_s=0.2).acquire()
        holder.kill()  # a crash: the kernel drops the lock, the counters stay
        holder.wait(10)
        with SenderLock(spec, directory=tmp_path, wait_s=2) as lock:
            assert lock.counters() == {0x2E1: 9}
    finally:
        if holder.poll() is None:
            holder.kill()


# -- 6. the transmit side is pinned; the simulator never dies on a frame ----------------------
def test_a_command_moved_to_id_0_stops_the_gate(tmp_path, rig):
    db = load_dbc(_edited_dbc_all(tmp_path, "737", "0"))
    with pytest.raises(DataError) as refused:
        SafetyGate(rig.hu_bus, db, load_vss_map(VSS_MAP, db), rig.state)
    assert "HU_WindowCmd: id 0x000 in the DBC, 0x2E1 in the manifest" in str(refused.value)


def _edited_dbc_all(tmp_path, old_id: str, new_id: str) -> Path:
    """The DBC with every reference to message `old_id` (BO_, CM_, VAL_, BA_) moved to `new_id`."""
    import re

    text = re.sub(rf"\b(BO_|VAL_|BA_ \"GenMsgSendType\" BO_|CM_ BO_|CM_ SG_) {old_id}\b", rf"\1 {new_id}",
                  DBC.read_text(encoding="utf-8"))
    path = tmp_path / "moved.dbc"
    path.write_text(text, encoding="utf-8")
    return path


def _widened_window_dbc(tmp_path) -> Path:
    text = DBC.read_text(encoding="utf-8")
    old = "SG_ WinPosReq_R1L : 0|7@1+ (1,-1) [0|100]"
    assert old in text, "the DBC's window request changed: update this test"
    path = tmp_path / "widened.dbc"
    path.write_text(text.replace(old, "SG_ WinPosReq_R1L : 0|7@1+ (1,-1) [0|120]"), encoding="utf-8")
    return path


def test_a_widened_range_stops_the_gate(tmp_path, rig):
    db = load_dbc(_widened_window_dbc(tmp_path))
    with pytest.raises(DataError, match=r"HU_WindowCmd\.WinPosReq_R1L: max 120 in the DBC, 100 in the manifest"):
        SafetyGate(rig.hu_bus, db, load_vss_map(VSS_MAP, db), rig.state)


def test_the_simulator_survives_a_widened_command_and_counts_it(tmp_path):
    """A head unit built on the widened DBC (not this gate: it refuses to start) sends window
    120 %. Before, the simulator applied it and its thread died encoding the status frame."""
    db = load_dbc(_widened_window_dbc(tmp_path))
    vss = load_vss_map(VSS_MAP, db)
    channel = "finding6"
    sim_bus, hu_bus = (can.Bus(interface="virtual", channel=channel) for _ in range(2))
    sim = EcuSimulator(sim_bus, db, vss, time_scale=50).start()
    try:
        message = db.get_message_by_name("HU_WindowCmd")
        payload = {s.name: "NoRequest" for s in message.signals if s.name not in ("COUNTER", "CHECKSUM")}
        data = message.encode({**payload, "WinPosReq_R1L": 120, "COUNTER": 0, "CHECKSUM": 0}, strict=False)
        hu_bus.send(can.Message(arbitration_id=message.frame_id, data=e2e.protect(message.frame_id, data, 0),
                                is_extended_id=False))
        deadline = time.monotonic() + 2
        while not sim.ignored["out_of_range"] and time.monotonic() < deadline:
            time.sleep(0.01)
        assert sim.ignored["out_of_range"] == 1 and sim.applied == 0
        # and if the car's state ever cannot be encoded, that frame is skipped, the car goes on
        sim.model.state[WINDOW] = 150
        time.sleep(0.3)
        assert sim.ignored["status_encode_error"] > 0
        assert sim._thread is not None and sim._thread.is_alive()
        sim.model.state[WINDOW] = 0
        while hu_bus.recv(0) is not None:
            pass
        deadline = time.monotonic() + 2
        while (msg := hu_bus.recv(0.5)) is not None and msg.arbitration_id != 0x3A1 and time.monotonic() < deadline:
            pass
        assert msg is not None and msg.arbitration_id == 0x3A1  # BCM_WindowStatus flows again
    finally:
        sim.stop()
        sim_bus.shutdown()
        hu_bus.shutdown()
