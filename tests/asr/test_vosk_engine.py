"""vosk: no model can be downloaded here, so the engine must say what is missing and how to get it."""

from __future__ import annotations

import pytest

from assistant.asr.base import load_engine
from assistant.asr.vosk_engine import grammar_for_model, parse_result
from assistant.config import Config
from assistant.errors import ModelMissingError


def _config(tmp_path, model: str = "") -> Config:
    config = Config()
    config.paths.models = str(tmp_path / "models")
    config.asr.engine = "vosk"
    config.asr.vosk_model = model
    return config


def test_no_model_names_the_download(tmp_path):
    with pytest.raises(ModelMissingError) as info:
        load_engine(_config(tmp_path))
    text = str(info.value) + " " + (info.value.hint or "")
    assert "make models" in text and "alphacephei.com/vosk/models" in text


def test_incomplete_model_folder_says_what_is_missing(tmp_path):
    model = tmp_path / "vosk-model-broken"
    (model / "am").mkdir(parents=True)
    with pytest.raises(ModelMissingError) as info:
        load_engine(_config(tmp_path, str(model)))
    assert "missing" in str(info.value) and "vosk-model-broken" in str(info.value)


def test_grammar_drops_phrases_with_words_the_model_lacks():
    kept, dropped = grammar_for_model(["open the window", "defog the glass"], {"open", "the", "window"})
    assert kept == ["open the window", "[unk]"] and dropped == 1  # "[unk]" is added, not dropped


def test_result_json_words_and_confidences():
    words, confs = parse_result('{"result": [{"word": "open", "conf": 0.9}, {"word": "it", "conf": 0.5}]}')
    assert words == ["open", "it"] and confs == [0.9, 0.5]
    assert parse_result('{"text": ""}') == ([], [])
