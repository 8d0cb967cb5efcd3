"""Fixtures shared by every test area.

`vcan_channel` is here, not in tests/vcan/, because tests of other areas (e.g. the vehicle
suite's vcan variants) request it too. `nlu_ready`, `new_config` and `make_assistant` serve
every suite that runs whole turns (dialogue, hardening, audio); an area may override
`new_config` to change its defaults.
"""

from __future__ import annotations

import itertools
import os

import pytest

from assistant.config import Config

_channels = itertools.count()

VCAN_ENV = "ASSISTANT_TEST_VCAN"
VCAN_HINT = ("run `make test-vcan` (it boots a qemu VM with vcan0 when this kernel has no SocketCAN), "
             "or create the interface as root: ip link add dev vcan0 type vcan && ip link set up vcan0")


@pytest.fixture(scope="session")
def vcan_channel() -> str:
    """A working SocketCAN interface: $ASSISTANT_TEST_VCAN, default vcan0.

    Tests that use it are marked `vcan` and run only when selected (`make test-vcan`); when the
    interface cannot be opened they FAIL with a hint rather than skip, so a broken setup shows.
    """
    import can

    channel = os.environ.get(VCAN_ENV, "vcan0")
    try:
        can.Bus(interface="socketcan", channel=channel).shutdown()
        problem = None
    except (OSError, can.CanError) as exc:
        problem = str(exc)
    if problem:  # failed outside the except block, so the report is the message alone
        pytest.fail(f"cannot open a socketcan bus on {channel!r}: {problem}\n  hint: {VCAN_HINT}", pytrace=False)
    return channel


@pytest.fixture(scope="session")
def nlu_ready() -> None:
    """The embedded NLU model, trained into models/ if missing or stale (seconds), once per session."""
    from assistant.errors import ModelMissingError
    from assistant.nlu.backend import load_nlu
    from assistant.nlu.train import train

    config = Config()
    try:
        load_nlu(config).close()
    except ModelMissingError:
        train(config, progress=lambda *a, **k: None)


@pytest.fixture(scope="session")
def asr_engine(nlu_ready):
    """One loaded recogniser (the default engine) for the in-process live-loop tests (loading takes seconds)."""
    from assistant.asr.base import load_engine

    return load_engine(Config())


@pytest.fixture
def new_config():
    """`new_config(**vehicle)`: a default config on a fresh virtual channel, with these [vehicle] settings."""

    def make(**vehicle) -> Config:
        config = Config()
        config.vehicle.channel = f"test{next(_channels)}"
        for key, value in vehicle.items():
            setattr(config.vehicle, key, value)
        return config

    return make


@pytest.fixture
def make_assistant(nlu_ready, new_config):
    """`make_assistant(scenario, *, config=None, speak=False, **options)`: an Assistant with the real
    embedded NLU on the built-in simulator (time scale 50 unless given), on `config` or a `new_config()`; closed
    after the test."""
    from assistant.runtime import Assistant

    opened = []

    def make(scenario: dict | None = None, *, config: Config | None = None, speak: bool = False, **options):
        options.setdefault("time_scale", 50)
        assistant = Assistant.open(config or new_config(), speak=speak, scenario=scenario or {}, **options)
        opened.append(assistant)
        return assistant

    yield make
    for assistant in opened:
        assistant.close()


class SimProcess:
    """`assistant sim --control` in its own process on a real bus, steered over stdin."""

    def __init__(self, bus: str, time_scale: float = 20) -> None:
        import os
        import subprocess
        import sys

        self.process = subprocess.Popen(
            [sys.executable, "-m", "assistant", "sim", "--bus", bus, "--time-scale", str(time_scale), "--control"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        ready = self.process.stdout.readline()
        if '"ready"' not in ready:
            self.process.kill()
            raise AssertionError(f"assistant sim did not start: {ready}{self.process.stderr.read()}")

    def command(self, **command) -> dict:
        import json

        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        answer = json.loads(self.process.stdout.readline())
        assert answer["event"] != "error", answer
        return answer

    def prepare(self, scenario: dict, faults: dict) -> None:
        """A freshly power-cycled car with this scenario and these faults (ECU name per fault kind)."""
        self.command(cmd="reset")
        if scenario:
            self.command(cmd="set", values={path: str(value) for path, value in scenario.items()})
        if faults:
            self.command(cmd="faults", **{kind: [ecu] for kind, ecu in faults.items()})

    def close(self) -> None:
        self.process.stdin.close()
        try:
            self.process.wait(timeout=20)
        except Exception:
            self.process.kill()


@pytest.fixture(scope="module")
def vcan_sim(vcan_channel):
    sim = SimProcess(f"socketcan:{vcan_channel}")
    yield sim
    sim.close()
