"""The one name -> class registry: built-ins, entry points, and what an unknown name says."""

from __future__ import annotations

import sys

import pytest

from assistant.errors import ConfigError
from assistant.registry import Registry


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    """An installed distribution (a real .dist-info on sys.path) adding `fake` to the assistant.tts group."""
    (tmp_path / "fake_voice_plugin.py").write_text("class FakeEngine:\n    name = 'fake'\n")
    info = tmp_path / "fake_voice_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-voice-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[assistant.tts]\nfake = fake_voice_plugin:FakeEngine\n"
                                          "espeak = fake_voice_plugin:FakeEngine\n"
                                          "broken = no_such_module_here:Nothing\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    sys.modules.pop("fake_voice_plugin", None)


def test_built_ins_then_entry_points_and_a_plugin_never_replaces_a_built_in(plugin):
    engines = Registry("TTS engine", "assistant.tts", {"espeak": "assistant.tts.espeak:EspeakEngine"})
    assert engines.names() == ["broken", "espeak", "fake"]
    assert engines.load("fake").__name__ == "FakeEngine"
    assert engines.load("espeak").__module__ == "assistant.tts.espeak"
    assert set(engines.load_all()) == {"espeak", "fake"}  # the broken plug-in is logged and left out


def test_an_unknown_name_is_a_config_error_naming_the_setting_and_the_choices():
    engines = Registry("ASR engine", "assistant.asr.none", {"a": "x:A", "b": "x:B"}, setting="[asr] engine")
    with pytest.raises(ConfigError, match="unknown ASR engine 'c'") as caught:
        engines.load("c")
    assert caught.value.hint == "set [asr] engine to one of: a, b"


def test_a_broken_built_in_is_an_error_not_silence():
    with pytest.raises(ImportError):
        Registry("skill", "assistant.none", {"gone": "no_such_module_here:Skill"}).load_all()
