"""The fuzzer's deterministic rig: the real gate, state cache and ECU simulator on a real
python-can virtual bus, one fake clock, and a sniffer whose frames the oracle judges.

Nothing runs in the background: `pump()` advances the clock, lets the simulator send what is
due and delivers frames to the state, the simulator and the oracle. Below the gate and the
simulator, their bus handles stamp each frame with the fake clock (so the oracle knows when
it was sent however late the sniffer is drained), and the simulator's also records what it
sent, so the sniffer can tell status frames from what the head unit sent.

System level: `start_intruder()` puts a second sender on one status ID (another car or a
spoofing node: "spoof" on its own counter, "replay" duplicating every real frame, "follow"
answering each real frame at once with the next counter), each claiming an all-zero payload
(0 km/h in park for VCU_Status); `restart_head_unit()` replaces the gate and state cache as a
restarted process would, continuing the alive counters from the sender lock's file.
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
INTRUDER_KINDS = ("spoof", "replay", "follow")


class Intruder:
    """A second sender on one status ID, on its own bus handle (it hears the real ECU too)."""

    def __init__(self, bus: "StampingBus", message, kind: str, counter: int, clock: Callable[[], float],
                 paused: Callable[[], bool] = lambda: False) -> None:
        from assistant.vehicle import e2e

        self._e2e = e2e
        self.bus, self.message, self.kind, self.clock = bus, message, kind, clock
        self.counter = counter
        self.payload = bytes(message.encode({s.name: 0 for s in message.signals}, scaling=False, strict=False))
        self.next_due = clock()
        self.sent = 0
        self.paused = paused

    def poll(self) -> None:
        now = self.clock()
        heard = []
        while (msg := self.bus.recv(0)) is not None:
            if msg.arbitration_id == self.message.frame_id:
                heard.append(bytes(msg.data))
        # An impostor alone on a silent ECU's ID is the ECU, as far as any receiver can tell
        # (only authentication, SecOC, would tell them apart): out of scope, so it waits.
        if self.kind == "spoof" and now >= self.next_due and not self.paused():
            self.next_due = now + (self.message.cycle_time or 100) / 1000.0
            self._send(self._e2e.protect(self.message.frame_id, self.payload, self.counter))
            self.counter = (self.counter + 1) % 16
        for data in heard:
            if self.kind == "replay":
                self._send(data)
            elif self.kind == "follow":
                self._send(self._e2e.protect(self.message.frame_id, self.payload, (data[6] & 0x0F) + 1))

    def _send(self, data: bytes) -> None:
        self.bus.send(can.Message(arbitration_id=self.message.frame_id, data=data, is_extended_id=False))
        self.sent += 1


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
                 gate_factory: Callable | None = None, lock_dir=None) -> None:
        from assistant.vehicle.simulator import EcuSimulator

        self.clock = FakeClock()
        self.channel = f"fuzz{next(_channels)}"
        self.hu_bus = can.Bus(interface="virtual", channel=self.channel, preserve_timestamps=True)
        self.sim_bus = StampingBus(can.Bus(interface="virtual", channel=self.channel, preserve_timestamps=True),
                                   self.clock, record=True)
        self.sniffer = can.Bus(interface="virtual", channel=self.channel)
        self.intruder_bus = StampingBus(can.Bus(interface="virtual", channel=self.channel, preserve_timestamps=True),
                                        self.clock, record=True)
        self.intruder: Intruder | None = None
        self.db, self.vss = db, vss
        self.sim = EcuSimulator(self.sim_bus, db, vss, clock=self.clock)
        for path, value in (scenario or {}).items():
            self.sim.set(path, value)
        self._gate_factory = gate_factory
        self._lock_dir = lock_dir
        self._lock = None
        self.restarts = 0
        self._start_head_unit()
        self.oracle = oracle
        oracle.reset()
        oracle.truth = lambda: self.sim.model.state
        self.violations: list[Violation] = []
        self.hu_frames: list[SeenFrame] = []  # since the last take_hu_frames()

    def _start_head_unit(self) -> None:
        """A gate and state cache as a head-unit process starts them: with a lock directory, the
        alive counters continue from the sender lock's file (the virtual bus itself needs no lock)."""
        from assistant.vehicle.bus import BusSpec
        from assistant.vehicle.e2e import AliveCounter
        from assistant.vehicle.gate import SafetyGate
        from assistant.vehicle.sender_lock import SenderLock
        from assistant.vehicle.state import VehicleState

        counter = AliveCounter()
        if self._lock_dir is not None:
            self._lock = SenderLock(BusSpec("virtual", self.channel), directory=self._lock_dir, wait_s=0).acquire()
            counter = AliveCounter(self._lock.counters(), on_advance=self._lock.save_counters)
        self.state = VehicleState(self.db, self.vss, clock=self.clock)
        make_gate = self._gate_factory or SafetyGate
        self.gate = make_gate(StampingBus(self.hu_bus, self.clock), self.db, self.vss, self.state, clock=self.clock,
                              write_timeout_s=0, alive_counter=counter)

    def restart_head_unit(self) -> None:
        """The head-unit process dies and starts again: new gate and state (nothing heard yet),
        counters from the lock file. Frames already on the bus reach the old state no more."""
        self._deliver()
        if self._lock is not None:
            self._lock.release()
        self._start_head_unit()
        self.restarts += 1

    def start_intruder(self, kind: str, frame_id: int, counter: int = 0) -> Intruder:
        message = self.db.get_message_by_frame_id(frame_id)
        self.intruder = Intruder(self.intruder_bus, message, kind, counter, self.clock,
                                 paused=lambda: self.sim.faults.hits("silent", message.senders[0]))
        return self.intruder

    def stop_intruder(self) -> None:
        self.intruder = None

    def pump(self, seconds: float = 0.0, step: float = 0.01) -> None:
        """Advance time; the simulator sends what is due; frames reach state, simulator and oracle."""
        elapsed = 0.0
        while True:
            self.sim.poll()
            if self.intruder is not None:
                self._deliver()  # the intruder answers what the ECU just sent
                self.intruder.poll()
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
        if self.intruder is None:
            while self.intruder_bus.recv(0) is not None:
                pass
        self.observe()

    def observe(self) -> None:
        """Drain the sniffer: status frames feed the oracle's freshness, head-unit frames are judged,
        each at the fake-clock time it was sent."""
        while (msg := self.sniffer.recv(0)) is not None:
            data, at = bytes(msg.data), msg.timestamp
            for sent in (self.sim_bus.sent, self.intruder_bus.sent):
                if sent and sent[0] == (msg.arbitration_id, data):
                    sent.popleft()
                    self.oracle.status_frame(msg.arbitration_id, data, at)
                    break
            else:
                self._head_unit_frame(msg, data, at)

    def _head_unit_frame(self, msg: can.Message, data: bytes, at: float) -> None:
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
        for bus in (self.hu_bus, self.sim_bus, self.sniffer, self.intruder_bus):
            bus.shutdown()
        if self._lock is not None:
            self._lock.release()


def load_car(config: Config):
    """The project's own DBC and VSS map (what the gate under test uses)."""
    from assistant.vehicle.dbc import load_dbc
    from assistant.vehicle.vss import load_vss_map

    db = load_dbc(config.resolve(config.paths.dbc))
    return db, load_vss_map(config.resolve(config.paths.vss_map), db)
