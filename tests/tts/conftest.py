"""Fixtures for the TTS tests: a generated piper voice and an isolated project home."""

from __future__ import annotations

import os

import pytest

from assistant.config import Config
from assistant.measure.testvoice import make_test_voice

SAMPLES_PER_ID = 1600  # 0.1 s per phoneme id at 16 kHz: long enough to read each tone's pitch


@pytest.fixture(scope="session")
def tone_voice(tmp_path_factory):
    """A tiny piper voice (ONNX + JSON) with piper's real inputs and outputs; one tone per phoneme id."""
    return make_test_voice(tmp_path_factory.mktemp("voices") / "piper", sample_rate=16000,
                           samples_per_id=SAMPLES_PER_ID)


@pytest.fixture(scope="session")
def samples_per_id():
    return SAMPLES_PER_ID


@pytest.fixture
def config(tmp_path, monkeypatch):
    """Defaults with the project home (models/, out/) in a fresh folder, no config file, no env overrides."""
    for name in list(os.environ):
        if name.startswith("ASSISTANT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return Config(project_home=str(tmp_path))
