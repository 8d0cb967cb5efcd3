"""The head unit's connection to the car: bus, state cache, safety gate, and
(when configured) the built-in ECU simulator on its own bus handle.

The built-in simulator runs only on python-can's in-process `virtual` bus: on any bus
another process can share (socketcan, socketcand, ...) the car is already there, and a
second set of ECU status frames from the head unit would contradict it (a simulated
0 km/h beside the real 80). `[vehicle] simulator = "auto"` (the default) picks the
built-in car on `virtual` and the external one elsewhere; "builtin" elsewhere is refused.
On a shared bus the session also takes the bus's head-unit sender lock (sender_lock.py).

    with open_vehicle(config, scenario={"Vehicle.Speed": 40}) as car:
        result = car.gate.write({"Vehicle.Body.Trunk.Rear.IsOpen": True})
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any, Mapping

import can

from assistant.config import Config
from assistant.errors import BusError, ConfigError
from assistant.vehicle.bus import BusSpec, open_bus
from assistant.vehicle.dbc import load_dbc, status_messages
from assistant.vehicle.e2e import AliveCounter
from assistant.vehicle.gate import SafetyGate
from assistant.vehicle.ratelimit import RateLimiter
from assistant.vehicle.sender_lock import SenderLock
from assistant.vehicle.simulator import EcuSimulator, Faults
from assistant.vehicle.state import VehicleState
from assistant.vehicle.vss import load_vss_map

log = logging.getLogger(__name__)

SIMULATOR_MODES = ("auto", "builtin", "external")
IN_PROCESS_INTERFACE = "virtual"


def wants_builtin_simulator(mode: str, interface: str) -> bool:
    """Whether `[vehicle] simulator = mode` starts the built-in car on `interface`; ConfigError
    when it would impersonate the car on a bus other processes share."""
    if mode not in SIMULATOR_MODES:
        raise ConfigError(f"[vehicle] simulator = {mode!r} is not one of {', '.join(SIMULATOR_MODES)}",
                          hint='"auto" (the default) = built-in car on the virtual bus, external anywhere else')
    if mode == "builtin" and interface != IN_PROCESS_INTERFACE:
        raise ConfigError(
            f"the built-in simulator runs only on the in-process virtual bus, not on {interface}: "
            "there it would send ECU status frames beside the real car's",
            hint='set [vehicle] simulator = "auto" or "external" (ASSISTANT_VEHICLE_SIMULATOR=external, '
                 'or --external); to play the car on that bus run `assistant sim --bus INTERFACE:CHANNEL` '
                 'in its own process')
    return mode == "builtin" or (mode == "auto" and interface == IN_PROCESS_INTERFACE)


class VehicleSession:
    """Everything the runtime needs of the car. Close it (or use `with`) to release the bus."""

    def __init__(self, config: Config, *, scenario: Mapping[str, Any] | None = None,
                 faults: Faults | None = None, time_scale: float | None = None,
                 builtin_simulator: bool | None = None, rate_limiter: RateLimiter | None = None,
                 lock_dir=None, lock_wait_s: float = 5.0) -> None:
        vehicle = config.vehicle
        self.spec = BusSpec(vehicle.interface, vehicle.channel)
        mode = vehicle.simulator if builtin_simulator is None else ("builtin" if builtin_simulator else "external")
        builtin = wants_builtin_simulator(mode, self.spec.interface)
        self.db = load_dbc(config.resolve(config.paths.dbc))
        self.vss = load_vss_map(config.resolve(config.paths.vss_map), self.db)
        if scenario and not builtin:
            raise BusError("--set needs the built-in simulator",
                           hint="set the scenario on the external simulator: `assistant sim --set PATH=VALUE`")
        self.simulator: EcuSimulator | None = None
        self._buses: list[can.BusABC] = []
        self._notifier: can.Notifier | None = None
        self.sender_lock: SenderLock | None = None
        try:
            counter = AliveCounter()
            if self.spec.interface != IN_PROCESS_INTERFACE:
                self.sender_lock = SenderLock(self.spec, directory=lock_dir, wait_s=lock_wait_s).acquire()
                counter = AliveCounter(self.sender_lock.counters(), on_advance=self.sender_lock.save_counters)
            if builtin:
                sim_bus = self._open()
                self.simulator = EcuSimulator(sim_bus, self.db, self.vss, faults=faults,
                                              time_scale=time_scale or vehicle.time_scale)
                for path, value in (scenario or {}).items():
                    self.simulator.set(path, value)
            bus = self._open()
            self.state = VehicleState(self.db, self.vss)
            self._notifier = can.Notifier(bus, [self.state], timeout=0.05)
            self.gate = SafetyGate(bus, self.db, self.vss, self.state, rate_limiter=rate_limiter,
                                   write_timeout_s=vehicle.write_timeout_s, alive_counter=counter)
            if self.simulator is not None:
                self.simulator.start()
        except BaseException:
            self.close()
            raise

    def _open(self) -> can.BusABC:
        bus = open_bus(self.spec)
        self._buses.append(bus)
        return bus

    def wait_ready(self, timeout_s: float = 2.0) -> bool:
        """Wait until every ECU's status has been heard; False if some stay silent."""
        names = [m.name for m in status_messages(self.db)]
        return self.state.wait_until(lambda: all(self.state.is_fresh(n) for n in names), timeout_s)

    def silent_ecus(self) -> list[str]:
        return sorted({m.senders[0] for m in status_messages(self.db) if not self.state.is_fresh(m.name)})

    def settle(self, timeout_s: float = 30.0) -> bool:
        """Wait until moving parts (windows, sunroof) reach their targets."""
        deadline = time.monotonic() + timeout_s
        if self.simulator is not None:
            while not self.simulator.settled():
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.01)
            return True
        # An external car: settled when two status rounds in a row show no movement.
        previous = None
        while time.monotonic() < deadline:
            current = self.state.snapshot()
            if current == previous:
                return True
            previous = current
            time.sleep(0.25)
        return False

    def reset(self, timeout_s: float = 2.0) -> bool:
        """Power-cycle the built-in car and give it a new head unit's command budget, then wait until
        the head unit's picture of the car has caught up. False on an external car (it cannot be reset
        from here) or when its status did not arrive in time."""
        if self.simulator is None:
            return False
        self.simulator.reset()
        self.gate.reset_rate_limit()  # turns for an earlier car must not spend this one's frame budget
        truth = self.simulator.snapshot

        names = [m.name for m in status_messages(self.db)]

        def caught_up() -> bool:  # every status live again (its counters restarted) and showing the new car
            seen = self.state.snapshot()
            return (all(self.state.is_fresh(n) for n in names)
                    and all(_same(value, seen[path]) for path, value in truth().items() if path in seen))

        return self.state.wait_until(caught_up, timeout_s)

    def car_state(self) -> dict[str, Any]:
        """The car's full VSS state: the simulator's own when built in, else as reported on the bus."""
        return self.simulator.snapshot() if self.simulator is not None else self.state.snapshot()

    def close(self) -> None:
        if self.simulator is not None:
            self.simulator.stop()
        if self._notifier is not None:
            self._notifier.stop()
        for bus in self._buses:
            try:
                bus.shutdown()
            except Exception as exc:  # a dying bus must not mask the real error
                log.debug("bus shutdown: %s", exc)
        self._buses.clear()
        if self.sender_lock is not None:
            self.sender_lock.release()
            self.sender_lock = None

    def __enter__(self) -> "VehicleSession":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        try:
            return math.isclose(float(a), float(b), abs_tol=1e-6)
        except (TypeError, ValueError):
            return False
    return a == b


def open_vehicle(config: Config, **kwargs) -> VehicleSession:
    return VehicleSession(config, **kwargs)
