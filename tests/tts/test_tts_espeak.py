"""espeak-ng, the embedded default voice: real synthesis, checked on the audio itself."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.errors import ConfigError, EngineError, ModelMissingError
from assistant.tts import load_tts
from assistant.tts.espeak import EspeakEngine, parse_wav_stream


def frame_rms(samples: np.ndarray, rate: int, ms: int = 20) -> np.ndarray:
    step = rate * ms // 1000
    frames = samples[: len(samples) // step * step].astype(np.float64).reshape(-1, step)
    return np.sqrt((frames ** 2).mean(axis=1))


def assert_speech_like(samples: np.ndarray, rate: int) -> None:
    """Loud enough, mostly in the speech band, and modulated like syllables (not a tone, not noise)."""
    rms = frame_rms(samples, rate)
    assert rms.max() > 2000, "no loud frames"
    assert (rms > 300).mean() > 0.4, "mostly silence"
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64))) ** 2
    freqs = np.fft.rfftfreq(len(samples), 1 / rate)
    band = spectrum[(freqs >= 80) & (freqs <= 5000)].sum() / spectrum.sum()
    assert band > 0.8, f"only {band:.0%} of the energy is in the speech band"
    voiced = rms[rms > 300]
    assert voiced.std() / voiced.mean() > 0.25, "energy is flat: not syllabic speech"


@pytest.fixture(scope="module")
def espeak():
    return EspeakEngine("en-us")


def test_speaks_english_sentences(espeak):
    chunks = list(espeak.synthesize("Done. Opening the passenger window."))
    assert [c.text for c in chunks] == ["Done.", "Opening the passenger window."]
    assert [c.index for c in chunks] == [0, 1]
    short, long = chunks
    assert short.sample_rate == long.sample_rate == 22050
    assert short.samples.dtype == np.int16
    assert 0.3 < short.duration_s < 1.5 and 1.0 < long.duration_s < 3.5
    assert long.duration_s > short.duration_s * 1.5
    assert_speech_like(long.samples, long.sample_rate)
    assert len(long.pcm) == 2 * long.frames


def test_numbers_are_spoken_not_split(espeak):
    (chunk,) = espeak.synthesize("The cabin is set to 22.5 degrees.")
    plain = next(espeak.synthesize("The cabin is set to degrees."))
    assert chunk.duration_s > plain.duration_s + 0.5  # "twenty two point five" took time


def test_stream_is_lazy(espeak):
    before = espeak.sentences_synthesised
    stream = espeak.synthesize("One. Two. Three. Four.")
    first = next(stream)
    assert first.text == "One." and espeak.sentences_synthesised == before + 1
    rest = list(stream)
    assert [c.text for c in rest] == ["Two.", "Three.", "Four."]
    assert espeak.sentences_synthesised == before + 4


def test_mandarin_voice_from_language(config):
    config.language = "zh"
    engine = load_tts(config)
    assert engine.name == "espeak" and engine.voice == "cmn-latn-pinyin"  # Debian cmn reads pinyin as English
    chunks = list(engine.synthesize("好的。正在打开副驾驶车窗。"))
    assert len(chunks) == 2
    assert_speech_like(chunks[1].samples, chunks[1].sample_rate)


def test_voice_override_and_rate(config):
    config.tts.voice = "en-gb"
    assert load_tts(config).voice == "en-gb"
    assert load_tts(config, voice="en-us").voice == "en-us"
    text = "Opening the passenger window halfway."
    normal = next(EspeakEngine("en-us").synthesize(text)).duration_s
    fast = next(EspeakEngine("en-us", rate=1.6).synthesize(text)).duration_s
    assert fast < normal * 0.85


def test_empty_and_unpronounceable_text_give_no_audio(espeak):
    before = espeak.sentences_synthesised
    assert list(espeak.synthesize("")) == []
    assert list(espeak.synthesize("  ... ")) == []
    assert espeak.sentences_synthesised == before


def test_chinese_text_with_english_voice_does_not_crash(espeak):
    chunks = list(espeak.synthesize("你好，打开车窗。"))
    assert len(chunks) == 1 and chunks[0].frames > 0


def test_text_that_looks_like_options_is_spoken(espeak):
    (chunk,) = espeak.synthesize("-v --help is not an option.")
    assert chunk.duration_s > 1.0


def test_very_long_text_is_bounded(espeak):
    text = " ".join(f"Sentence number {i} is here." for i in range(200))
    engine = EspeakEngine("en-us", max_chars=300)
    chunks = list(engine.synthesize(text))
    assert 5 <= len(chunks) <= 12
    assert sum(len(c.text) for c in chunks) <= 300
    one_run_on = "word " * 400  # 2000 characters without a full stop
    chunks = list(espeak.synthesize(one_run_on))  # max_chars 1000 keeps about half
    assert len(chunks) == 5 and all(len(c.text) <= 200 for c in chunks)


def test_missing_binary_is_a_clear_error():
    with pytest.raises(ModelMissingError) as err:
        EspeakEngine("en-us", binary="espeak-ng-not-installed")
    assert "apt-get install espeak-ng" in str(err.value)


def test_unknown_voice_is_a_clear_error():
    with pytest.raises(ModelMissingError) as err:
        EspeakEngine("xx-no-such-voice")
    assert "espeak-ng --voices" in err.value.hint


def test_unknown_engine_is_a_config_error(config):
    config.tts.engine = "festival9000"
    with pytest.raises(ConfigError, match="unknown TTS engine"):
        load_tts(config)


def test_bad_rate_is_rejected():
    with pytest.raises(EngineError):
        EspeakEngine("en-us", rate=0)


def test_wav_stream_parser_rejects_garbage():
    with pytest.raises(EngineError):
        parse_wav_stream(b"not a wav at all")
    with pytest.raises(EngineError):
        parse_wav_stream(b"RIFF\x00\x00\x00\x00WAVE")
