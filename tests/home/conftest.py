"""Fixtures for the home tests: a real mosquitto (127.0.0.1, free port, authentication on) and the
simulated zigbee2mqtt home on it (helpers in home_broker.py)."""

from __future__ import annotations

import pytest

from home_broker import PASSWORD, USER, start_broker


@pytest.fixture
def broker(tmp_path):
    running = start_broker(tmp_path / "broker")
    yield running
    running.stop()


@pytest.fixture
def home_sim(broker):
    """`home_sim(**options)`: the simulated home (default bulbs) on `broker`, stopped after the test."""
    from assistant.home.sim import SimulatedHome

    started = []

    def make(**options) -> SimulatedHome:
        sim = SimulatedHome(broker.host, broker.port, username=USER, password=PASSWORD, **options).start()
        started.append(sim)
        return sim

    yield make
    for sim in started:
        sim.stop()
