"""Fixtures for the hardening suite.

`rig` is the fuzzer's deterministic rig (`assistant.measure.bench._fuzzrig`: fake clock, real virtual
bus, the real gate, state cache and simulator, and a sniffer judged by the independent
oracle). `make_assistant` (tests/conftest.py) opens assistants on the built-in simulator
with the real embedded NLU, each on its own virtual channel; here `new_config` gives them a
short write timeout, and `watch(config)` puts the oracle on that channel.
"""

from __future__ import annotations

import pytest

from assistant.measure.bench._fuzzrig import FuzzRig, load_car
from assistant.measure.bench._oracle import SafetyOracle, default_paths
from assistant.config import Config


@pytest.fixture(scope="session")
def car():
    """The project's DBC and VSS map, as the gate under test loads them."""
    return load_car(Config())


@pytest.fixture
def oracle() -> SafetyOracle:
    return SafetyOracle(*default_paths(Config()), truth=dict)


@pytest.fixture
def make_rig(car, oracle):
    rigs: list[FuzzRig] = []

    def make(*, scenario: dict | None = None, pump: float = 0.0, **options) -> FuzzRig:
        rig = FuzzRig(Config(), *car, oracle, scenario=scenario, **options)
        rig.pump(pump)
        rigs.append(rig)
        return rig

    yield make
    for rig in rigs:
        rig.close()


@pytest.fixture
def rig(make_rig) -> FuzzRig:
    return make_rig(pump=0.45)  # every status ID live: 3 frames of the 200 ms ones


@pytest.fixture
def new_config(new_config):
    """`new_config(**vehicle)`: as in tests/conftest.py, with a write timeout of 0.5 s (faults time out fast)."""

    def make(**vehicle) -> Config:
        return new_config(**{"write_timeout_s": 0.5, **vehicle})

    return make


@pytest.fixture
def watch():
    """`watch(config)`: a sniffer on the config's channel judged by the oracle. Make it before the
    assistant, so it hears every status frame the gate hears; then `.attach(assistant.vehicle)`."""
    from assistant.measure.bench._textfuzz import BusWatch

    watches = []

    def make(config, **options) -> BusWatch:
        w = BusWatch(config, **options)
        watches.append(w)
        return w

    yield make
    for w in watches:
        w.close()


@pytest.fixture(scope="module")
def replaying(asr_engine):
    """An Assistant that hears recordings as `assistant replay` does (the default speech front end with the
    runtime's choice of reading, every utterance a turn), on its own virtual channel."""
    import time

    from assistant.runtime import Assistant

    config = Config()
    config.vehicle.channel = f"replaying-{time.monotonic_ns()}"
    with Assistant.open(config, speak=False, time_scale=50, listen=True, triggers=False,
                        engine=asr_engine) as opened:
        yield opened
