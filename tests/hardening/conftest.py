"""Fixtures for the hardening suite.

`rig` is the fuzzer's deterministic rig (fake clock, real virtual bus, the real gate, state
cache and simulator, and a sniffer judged by the independent oracle). `make_assistant`
opens assistants on the built-in simulator with the real embedded NLU, each on its own
virtual channel, and `watch(config)` puts the oracle on that channel.
"""

from __future__ import annotations

import itertools

import pytest

from assistant.bench._fuzzrig import FuzzRig, load_car
from assistant.bench._oracle import SafetyOracle, default_paths
from assistant.config import Config
from assistant.errors import ModelMissingError

_channels = itertools.count()


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
    return make_rig(pump=0.2)


@pytest.fixture(scope="session")
def nlu_ready() -> None:
    """The embedded NLU model, trained into models/ if missing or stale (seconds)."""
    from assistant.nlu.backend import load_nlu
    from assistant.nlu.train import train

    config = Config()
    try:
        load_nlu(config).close()
    except ModelMissingError:
        train(config, progress=lambda *a, **k: None)


def _assistant_config(**vehicle) -> Config:
    config = Config()
    config.vehicle.channel = f"hardening{next(_channels)}"
    config.vehicle.write_timeout_s = 0.5
    for key, value in vehicle.items():
        setattr(config.vehicle, key, value)
    return config


@pytest.fixture
def new_config():
    """`new_config(**vehicle)`: a default config on a fresh virtual channel (write timeout 0.5 s)."""
    return _assistant_config


@pytest.fixture
def make_assistant(nlu_ready):
    from assistant.runtime import Assistant

    opened = []

    def make(scenario: dict | None = None, *, config: Config | None = None, speak: bool = False, **options):
        assistant = Assistant.open(config or _assistant_config(), speak=speak, scenario=scenario or {},
                                   time_scale=50, **options)
        opened.append(assistant)
        return assistant

    yield make
    for assistant in opened:
        assistant.close()


@pytest.fixture
def watch():
    """`watch(config)`: a sniffer on the config's channel judged by the oracle. Make it before the
    assistant, so it hears every status frame the gate hears; then `.attach(assistant.vehicle)`."""
    from assistant.bench._textfuzz import BusWatch

    watches = []

    def make(config, **options) -> BusWatch:
        w = BusWatch(config, **options)
        watches.append(w)
        return w

    yield make
    for w in watches:
        w.close()
