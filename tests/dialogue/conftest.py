"""Assistants on the built-in simulator, with the real embedded NLU (trained if missing or stale)."""

from __future__ import annotations

import itertools

import pytest

from assistant.config import Config
from assistant.errors import ModelMissingError
from assistant.runtime import Assistant

_channels = itertools.count()


@pytest.fixture(scope="session")
def nlu_ready() -> None:
    from assistant.nlu.backend import load_nlu
    from assistant.nlu.train import train

    config = Config()
    try:
        load_nlu(config).close()
    except ModelMissingError:
        train(config, progress=lambda *a, **k: None)


@pytest.fixture
def make_assistant(nlu_ready):
    opened: list[Assistant] = []

    def make(scenario: dict | None = None, *, speak: bool = False, **options) -> Assistant:
        config = Config()
        config.vehicle.channel = f"dialogue{next(_channels)}"
        assistant = Assistant.open(config, speak=speak, scenario=scenario or {}, time_scale=50, **options)
        opened.append(assistant)
        return assistant

    yield make
    for assistant in opened:
        assistant.close()


@pytest.fixture
def assistant(make_assistant) -> Assistant:
    return make_assistant()
