"""ASR fixtures: a config whose compiled grammar lives in a temporary models folder, and the
committed recordings (tests/asr/wav, made by tools/fixtures/make_test_wavs.py)."""

from __future__ import annotations

import json

import pytest
from asr_recordings import WAV_DIR

from assistant.config import Config


@pytest.fixture(scope="session")
def asr_config(tmp_path_factory) -> Config:
    """The real intents/en, compiled once per session into a temporary models folder, for the
    pocketsphinx grammar engine alone (the default engine is Whisper, cross-checked by it)."""
    config = Config()
    config.paths.models = str(tmp_path_factory.mktemp("asr-models"))
    config.asr.engine, config.asr.mode, config.asr.cross_check = "pocketsphinx", "grammar", ""
    return config


@pytest.fixture(scope="session")
def grammar_engine(asr_config):
    from assistant.asr.base import load_engine
    return load_engine(asr_config)


@pytest.fixture(scope="session")
def recordings() -> dict[str, dict]:
    """file name -> manifest row (text, expected intent and entities)."""
    rows = json.loads((WAV_DIR / "manifest.json").read_text())
    return {row["file"]: row for row in rows}
