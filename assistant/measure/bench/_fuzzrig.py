"""The fuzzer's deterministic rig: the real gate, state cache and ECU simulator on a real
python-can virtual bus, one fake clock, and a sniffer whose frames the oracle judges.

Nothing runs in the background: `pump()` advances the clock, lets the simulator send what is
due and delivers frames to the state, the simulator and the oracle. Below the gate and the
simulator, their bus handles stamp each frame with the fake clock (so the oracle knows when
it was sent however late the sniffer is drained), and the simulator's also records what it
sent, so the sniffer can tell status frames from what the head unit sent.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass
from typing import Callable

import can

from assistant.measure.bench._oracle import SafetyOracle, Violation
from assistant.config import Config

_channels = itertools.count()
REPORTING_FAULTS = ("silent", "bad_checksum", "stale_counter")


class FakeClock:
    """The one clock of the rig: gate, state, simulator and oracle all read it."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class StampingBus:
    """A python-can virtual bus (preserve_timestamps) that stamps each frame it sends with the fake
    clock, so the sniffer knows when it was sent whenever it drains; `record` also keeps what it
    sent, so the sniffer can tell these frames from anyone else's."""

    def __init__(self, bus: can.BusABC, clock: Callable[[], float], *, record: bool = False) -> None:
        self._bus = bus
        self._clock = clock
        self.sent: deque[tuple[int, bytes]] | None = deque() if record else None

    def send(self, msg: can.Message, timeout: float | None = None) -> None:
        msg.timestamp = self._clock()
        self._bus.send(msg, timeout)
        if self.sent is not None:
            self.sent.append((msg.arbitration_id, bytes(msg.data)))

    def recv(self, timeout: float | None = None) -> can.Message | None:
        return self._bus.recv(timeout)

    def shutdown(self) -> None:
        self._bus.shutdown()


@dataclass(frozen=True)
class SeenFrame:
    """A frame the head unit put on the bus, as the sniffer saw it."""

    arbitration_id: int
    data: bytes
    at: float


class FuzzRig:
    """Gate + state + simulator + sniffer on one virtual channel, driven by a fake clock."""

    def __init__(self, config: Config, db, vss, oracle: SafetyOracle, *, scenario: dict | None = None,
                 gate_factory: Callable | None = None) -> None:
        from assistant.vehicle.gate import SafetyGate
        from assistant.vehicle.simulator import EcuSimulator
        from assistant.vehicle.state import VehicleState

        self.clock = FakeClock()
        self.channel = f"fuzz{next(_channels)}"
        self.hu_bus = can.Bus(interface="virtual", channel=self.channel, preserve_timestamps=True)
        self.sim_bus = StampingBus(can.Bus(interface="virtual", channel=self.channel, preserve_timestamps=True),
                                   self.clock, record=True)
        self.sniffer = can.Bus(interface="virtual", channel=self.channel)
        self.state = VehicleState(db, vss, clock=self.clock)
        self.sim = EcuSimulator(self.sim_bus, db, vss, clock=self.clock)
        for path, value in (scenario or {}).items():
            self.sim.set(path, value)
        make_gate = gate_factory or SafetyGate
        self.gate = make_gate(StampingBus(self.hu_bus, self.clock), db, vss, self.state, clock=self.clock,
                              write_timeout_s=0)
        self.oracle = oracle
        oracle.reset()
        oracle.truth = lambda: self.sim.model.state
        self.violations: list[Violation] = []
        self.hu_frames: list[SeenFrame] = []  # since the last take_hu_frames()

    def pump(self, seconds: float = 0.0, step: float = 0.01) -> None:
        """Advance time; the simulator sends what is due; frames reach state, simulator and oracle."""
        elapsed = 0.0
        while True:
            self.sim.poll()
            self._deliver()
            if elapsed >= seconds - 1e-9:
                break
            self.clock.advance(step)
            elapsed += step

    def _deliver(self) -> None:
        while (msg := self.hu_bus.recv(0)) is not None:
            self.state.on_message_received(msg)
        while (msg := self.sim_bus.recv(0)) is not None:
            self.sim.handle(msg)
        self.observe()

    def observe(self) -> None:
        """Drain the sniffer: status frames feed the oracle's freshness, head-unit frames are judged,
        each at the fake-clock time it was sent."""
        while (msg := self.sniffer.recv(0)) is not None:
            data, at = bytes(msg.data), msg.timestamp
            sent = self.sim_bus.sent
            if sent and sent[0] == (msg.arbitration_id, data):
                sent.popleft()
                self.oracle.status_frame(msg.arbitration_id, data, at)
                continue
            self.hu_frames.append(SeenFrame(msg.arbitration_id, data, at))
            self.violations += self.oracle.hu_frame(
                msg.arbitration_id, data, at, is_extended_id=msg.is_extended_id,
                is_remote_frame=msg.is_remote_frame, is_error_frame=msg.is_error_frame)

    def take_hu_frames(self) -> list[SeenFrame]:
        self.observe()
        frames, self.hu_frames = self.hu_frames, []
        return frames

    def reporting(self, ecu: str) -> bool:
        """False while a fault keeps `ecu`'s status frames from being trusted."""
        return not any(self.sim.faults.hits(kind, ecu) for kind in REPORTING_FAULTS)

    def close(self) -> None:
        for bus in (self.hu_bus, self.sim_bus, self.sniffer):
            bus.shutdown()


def load_car(config: Config):
    """The project's own DBC and VSS map (what the gate under test uses)."""
    from assistant.vehicle.dbc import load_dbc
    from assistant.vehicle.vss import load_vss_map

    db = load_dbc(config.resolve(config.paths.dbc))
    return db, load_vss_map(config.resolve(config.paths.vss_map), db)
