"""Mandarin fixtures: the zh embedded NLU (trained into models/nlu/zh/ when missing or stale, once per
session) and `make_zh(scenario)`: an Assistant with language = "zh" on the built-in simulator."""

from __future__ import annotations

import itertools

import pytest

from assistant.config import Config

_channels = itertools.count()


def zh_config() -> Config:
    config = Config()
    config.language = "zh"
    config.vehicle.channel = f"zh{next(_channels)}"
    return config


@pytest.fixture(scope="session")
def zh_ready() -> None:
    from assistant.errors import ModelMissingError
    from assistant.nlu.backend import load_nlu
    from assistant.nlu.train import train

    config = zh_config()
    try:
        load_nlu(config).close()
    except ModelMissingError:
        train(config, progress=lambda *a, **k: None)


@pytest.fixture
def make_zh(zh_ready):
    from assistant.runtime import Assistant

    opened = []

    def make(scenario: dict | None = None):
        assistant = Assistant.open(zh_config(), speak=False, scenario=scenario or {}, time_scale=50)
        opened.append(assistant)
        return assistant

    yield make
    for assistant in opened:
        assistant.close()
