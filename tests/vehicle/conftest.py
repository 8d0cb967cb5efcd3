"""A deterministic rig: head unit and simulator on a real python-can virtual bus, one injected clock.

Nothing runs in the background: `rig.pump()` advances the clock, lets the
simulator send what is due, and delivers frames both ways. The closed-loop
tests in test_closed_loop.py use the real threaded session instead.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import can
import pytest

from assistant.vehicle.dbc import load_dbc
from assistant.vehicle.gate import SafetyGate
from assistant.vehicle.simulator import EcuSimulator, Faults
from assistant.vehicle.state import VehicleState
from assistant.vehicle.vss import load_vss_map

ROOT = Path(__file__).resolve().parents[2]
DBC = ROOT / "can_dbc" / "faw_demo.dbc"
VSS_MAP = ROOT / "can_dbc" / "vss_map.yml"
_channels = itertools.count()


class FakeClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Rig:
    def __init__(self, db, vss, *, faults: Faults | None = None, scenario: dict | None = None) -> None:
        self.db, self.vss = db, vss
        self.clock = FakeClock()
        channel = f"rig{next(_channels)}"
        # preserve_timestamps: the simulator stamps nothing (0), so the state times frames by the fake clock
        self.hu_bus = can.Bus(interface="virtual", channel=channel, preserve_timestamps=True)
        self.sim_bus = can.Bus(interface="virtual", channel=channel, preserve_timestamps=True)
        self.sniffer = can.Bus(interface="virtual", channel=channel)
        self.state = VehicleState(db, vss, clock=self.clock)
        self.sim = EcuSimulator(self.sim_bus, db, vss, faults=faults, clock=self.clock)
        for path, value in (scenario or {}).items():
            self.sim.set(path, value)
        self.gate = SafetyGate(self.hu_bus, db, vss, self.state, clock=self.clock, write_timeout_s=0)
        self.sent_by_hu: list[can.Message] = []
        self.pump(0.45)  # every status ID live: LIVE_AFTER frames of the slowest (200 ms) message

    def pump(self, seconds: float = 0.0, step: float = 0.01) -> None:
        """Advance time; the simulator sends what is due; frames are delivered both ways."""
        elapsed = 0.0
        while True:
            self.sim.poll()
            self._deliver()
            if elapsed >= seconds:
                break
            self.clock.advance(step)
            elapsed += step

    def _deliver(self) -> None:
        while (msg := self.hu_bus.recv(0)) is not None:
            self.state.on_message_received(msg)
        while (msg := self.sim_bus.recv(0)) is not None:
            self.sim.handle(msg)
            self.sent_by_hu.append(msg)

    def frames_on_bus(self) -> list[can.Message]:
        frames = []
        while (msg := self.sniffer.recv(0)) is not None:
            frames.append(msg)
        return frames

    def hu_frames_on_bus(self) -> list[can.Message]:
        commands = {m.frame_id for m in self.db.messages if "HU" in m.senders}
        return [m for m in self.frames_on_bus() if m.arbitration_id in commands]

    def close(self) -> None:
        for bus in (self.hu_bus, self.sim_bus, self.sniffer):
            bus.shutdown()


@pytest.fixture(scope="session")
def db():
    return load_dbc(DBC)


@pytest.fixture(scope="session")
def vss(db):
    return load_vss_map(VSS_MAP, db)


@pytest.fixture
def make_rig(db, vss):
    rigs = []

    def make(**kwargs) -> Rig:
        rig = Rig(db, vss, **kwargs)
        rigs.append(rig)
        return rig

    yield make
    for rig in rigs:
        rig.close()


@pytest.fixture
def rig(make_rig) -> Rig:
    return make_rig()
