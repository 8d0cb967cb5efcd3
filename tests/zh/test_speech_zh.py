"""Mandarin speech in and out: the vosk phrase list, its fit to a model's lexicon, what is missing, espeak-ng."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from assistant.asr.compile import asr_dir, compile_grammar
from assistant.asr.zh import VOSK_MODEL, fit_phrases, resegment, segment, teach
from assistant.config import Config
from assistant.errors import ModelMissingError


def zh(tmp_path=None) -> Config:
    config = Config()
    config.language = "zh"
    if tmp_path is not None:
        config.paths.models = str(tmp_path)
    return config


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    config = zh(tmp_path_factory.mktemp("zh-asr"))
    return config, compile_grammar(config)


def test_segmentation_keeps_domain_words_and_numbers_whole():
    teach(["主驾", "车窗", "氛围灯"])
    assert segment("打开主驾车窗") == ["打开", "主驾", "车窗"]
    assert segment("把空调调到22度") == ["把", "空调", "调", "到", "二十二", "度"]
    assert segment("温度调到二十二点五度")[-2:] == ["二十二点五", "度"]
    assert segment("车窗开到30%") == ["车窗", "开", "到", "百分之三十"]


def test_zh_grammar_is_the_vosk_phrase_list_only(compiled):
    config, manifest = compiled
    assert manifest["language"] == "zh" and "skipped" in manifest["pocketsphinx"]
    assert not (asr_dir(config) / "pocketsphinx").exists()  # no Mandarin pocketsphinx model
    phrases = json.loads((asr_dir(config) / "vosk" / "grammar.json").read_text(encoding="utf-8"))
    assert phrases[-1] == "[unk]" and len(phrases) == manifest["vosk_phrases"] > 1000
    assert all(" ".join(p.split()) == p for p in phrases)  # words separated by single spaces
    joined = {p.replace(" ", "") for p in phrases}
    assert "打开天窗" in joined
    grammar = json.loads((asr_dir(config) / "grammar.json").read_text(encoding="utf-8"))
    temperatures = next(f for name, f in grammar["slots"].items() if name.startswith("$climate_set_temperature:temperature#num"))
    assert ["二十二点五"] in temperatures and ["十六"] in temperatures  # every temperature, as vosk-cn writes it


def test_phrases_fit_the_models_own_lexicon():
    vocabulary = {"打开", "主", "驾", "车窗", "二十", "二", "度", "空", "调", "[unk]"}
    assert resegment("打开 主驾 车窗", vocabulary) == "打开 主 驾 车窗"
    assert resegment("空调 二十二 度", vocabulary) == "空 调 二十 二 度"
    assert resegment("打开 天窗", vocabulary) is None  # 天 is not in this lexicon at all
    kept, lost = fit_phrases(["打开 主驾 车窗", "打开 天窗", "[unk]"], vocabulary)
    assert kept == ["打开 主 驾 车窗", "[unk]"] and lost == 1


def test_vosk_names_the_mandarin_model_when_missing(tmp_path):
    from assistant.asr.vosk_engine import VoskEngine, find_model

    (tmp_path / "vosk-model-small-en-us-0.15").mkdir()  # an English model is no Mandarin model
    with pytest.raises(ModelMissingError) as info:
        find_model(zh(tmp_path))
    assert VOSK_MODEL in info.value.hint and "alphacephei.com" in info.value.hint
    with pytest.raises(ModelMissingError):
        VoskEngine(zh(tmp_path))


def test_mandarin_wake_phrase_names_what_it_needs(tmp_path):
    from assistant.asr.wake import WakePhraseSpotter

    config = zh(tmp_path)
    config.wake.phrase = "你好一汽"
    with pytest.raises(ModelMissingError) as info:
        WakePhraseSpotter.from_config(config)
    assert VOSK_MODEL in info.value.hint and "button" in info.value.hint


def test_doctor_says_exactly_what_mandarin_lacks(tmp_path):
    run = subprocess.run([sys.executable, "-m", "assistant", "doctor", "--json"], capture_output=True, text=True,
                         timeout=60, env={**__import__("os").environ, "ASSISTANT_LANGUAGE": "zh",
                                          "ASSISTANT_PATHS_MODELS": str(tmp_path)})
    found = {(f["area"], f["name"]): f for f in map(json.loads, run.stdout.splitlines())}
    assert VOSK_MODEL in found[("asr", "vosk")]["fix"]
    whisper = found[("asr", "whisper")]
    assert "tiny" in whisper["fix"] and "base" in whisper["fix"] and "faster-whisper" in whisper["fix"]
    assert "no Mandarin" in found[("asr", "pocketsphinx")]["detail"]
    assert found[("asr", "wake phrase")]["status"] == "warn"
    assert found[("nlu", "embedded")]["fix"] == "assistant train"  # the zh data exists: training does fix it


def test_espeak_speaks_a_mandarin_reply():
    from assistant.tts import load_tts

    engine = load_tts(zh())
    assert engine.voice == "cmn-latn-pinyin"
    chunks = list(engine.synthesize("好的，22.5度。正在打开副驾车窗。"))
    assert len(chunks) == 2
    for chunk in chunks:
        samples = np.asarray(chunk.samples, dtype=float)
        assert chunk.duration_s > 0.5 and np.sqrt(np.mean(samples ** 2)) > 100  # speech, not silence


def test_say_cli_writes_a_mandarin_reply(tmp_path):
    out = tmp_path / "reply.wav"
    run = subprocess.run([sys.executable, "-m", "assistant", "say", "--out", str(out), "车门已解锁。"],
                         capture_output=True, text=True, timeout=60,
                         env={**__import__("os").environ, "ASSISTANT_LANGUAGE": "zh"})
    assert run.returncode == 0, run.stderr
    assert "cmn-latn-pinyin" in run.stdout + run.stderr and out.stat().st_size > 10000
