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
        # preserve_timestamps: the simulator stamps nothing (0), so the state times frames by the fake clock
        self.hu_bus = can.Bus(interface="virtual", channel=channel, preserve_timestamps=True)
        self.sim_bus = can.Bus(interface="virtual", channel=channel, preserve_timestamps=True)
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


# -- the live loop ---------------------------------------------------------------------------------
DEMO = ROOT / "assistant" / "data" / "demo"


@pytest.fixture
def live_config(tmp_path, monkeypatch):
    """Defaults, no env overrides, push-to-talk only (no wake phrase), its own virtual channel."""
    import os

    from assistant.config import Config

    for name in list(os.environ):
        if name.startswith("ASSISTANT_"):
            monkeypatch.delenv(name)
    config = Config()
    config.vehicle.channel = f"notices_live{os.getpid()}_{next(_channels)}"
    config.wake.phrase = ""
    return config


@pytest.fixture
def drive(tmp_path):
    """drive([{"file": "03_window_halfway.wav", "say": ..., "gap_s": ..., "press": True}, ...], tail_s=...)
    -> a ScriptSource of those demo recordings under -50 dBFS cabin noise (assistant.runtime.script)."""
    import yaml

    from assistant.runtime.script import Script, ScriptSource

    def make(steps: list[dict], block_ms: int = 30) -> ScriptSource:
        for step in steps:
            step["file"] = str(DEMO / step["file"])  # an absolute path stays as it is
        path = tmp_path / "drive.yml"
        path.write_text(yaml.safe_dump({"noise_dbfs": -50, "steps": steps}))
        return ScriptSource(Script.load(path), block_ms=block_ms)
    return make
