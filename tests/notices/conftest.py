"""A deterministic rig for the notice watcher: the real ECU simulator and the head unit's state cache
on a real python-can virtual bus, one injected clock, nothing in the background.

`rig.run(seconds)` advances the clock in steps; at each step the simulator sends what is due, the
frames are delivered to the state cache, and the watcher is checked. Every notice is kept with the
simulated time it came at.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import can
import pytest

from assistant.notices import NoticeTexts, NoticeWatcher
from assistant.vehicle.dbc import load_dbc
from assistant.vehicle.simulator import EcuSimulator, Faults
from assistant.vehicle.state import VehicleState
from assistant.vehicle.vss import load_vss_map

ROOT = Path(__file__).resolve().parents[2]
_channels = itertools.count()


class FakeClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


class NoticeRig:
    def __init__(self, db, vss, *, scenario: dict | None = None, time_scale: float = 1.0) -> None:
        self.clock = FakeClock()
        self.start = self.clock.now
        channel = f"notices{next(_channels)}"
        self.hu_bus = can.Bus(interface="virtual", channel=channel)
        self.sim_bus = can.Bus(interface="virtual", channel=channel)
        self.state = VehicleState(db, vss, clock=self.clock)
        self.sim = EcuSimulator(self.sim_bus, db, vss, faults=Faults(), clock=self.clock, time_scale=time_scale)
        for path, value in (scenario or {}).items():
            self.sim.set(path, value)
        texts = NoticeTexts.load(ROOT / "intents" / "en" / "responses.yml")
        self.watcher = NoticeWatcher(self.state, db, texts, clock=self.clock)
        self.notices: list[tuple[float, object]] = []  # (seconds since the rig started, notice)

    @property
    def t(self) -> float:
        return round(self.clock.now - self.start, 6)

    def run(self, seconds: float, step: float = 0.05) -> list:
        """Advance `seconds` of clock; returns the notices that came in that time."""
        before = len(self.notices)
        end = self.clock.now + seconds
        while self.clock.now < end - 1e-9:
            self.clock.now = min(end, self.clock.now + step)
            self.sim.poll()
            while (msg := self.hu_bus.recv(0)) is not None:
                self.state.on_message_received(msg)
            for notice in self.watcher.check():
                self.notices.append((self.t, notice))
        return [n for _, n in self.notices[before:]]

    def kinds(self) -> list[str]:
        return [n.kind for _, n in self.notices]

    def close(self) -> None:
        self.hu_bus.shutdown()
        self.sim_bus.shutdown()


@pytest.fixture(scope="session")
def db():
    return load_dbc(ROOT / "can_dbc" / "faw_demo.dbc")


@pytest.fixture(scope="session")
def vss(db):
    return load_vss_map(ROOT / "can_dbc" / "vss_map.yml", db)


@pytest.fixture
def make_rig(db, vss):
    rigs = []

    def make(**kwargs) -> NoticeRig:
        rig = NoticeRig(db, vss, **kwargs)
        rigs.append(rig)
        return rig

    yield make
    for rig in rigs:
        rig.close()
