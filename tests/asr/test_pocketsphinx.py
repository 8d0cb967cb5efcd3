"""The real pocketsphinx model (the en-us one in its wheel) on the committed recordings."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.asr.base import load_engine, transcribe
from asr_recordings import read

COMMANDS = ["set_temp_22.wav", "open_passenger_window.wav", "ac_on.wav", "warmer.wav", "unlock.wav", "yes.wav",
            "fuel.wav", "fan_up.wav"]


@pytest.mark.parametrize("name", COMMANDS)
def test_grammar_mode_transcribes_commands_exactly(grammar_engine, recordings, name):
    result = transcribe(grammar_engine, read(name))
    assert not result.rejected, result
    assert result.text == recordings[name]["text"]
    assert 0.0 < result.confidence <= 1.0
    assert result.engine == "pocketsphinx" and result.mode == "grammar"


def test_silence_is_no_command(grammar_engine):
    result = transcribe(grammar_engine, read("silence.wav"))
    assert result.rejected and result.text == ""


def test_noise_is_no_command(grammar_engine):
    noise = np.random.default_rng(3).normal(0, 3000, 16000 * 2).astype(np.int16)
    result = transcribe(grammar_engine, noise)
    assert result.rejected and result.text == ""


def test_streaming_and_whole_decoding_agree(grammar_engine):
    samples = read("ac_on.wav")
    assert transcribe(grammar_engine, samples, block=480).text == transcribe(grammar_engine, samples, block=4800).text


def test_partial_results_grow_while_speech_goes_on(grammar_engine):
    samples = read("set_temp_22.wav")
    grammar_engine.start()
    partials = []
    for i in range(0, len(samples), 1600):
        grammar_engine.feed(samples[i:i + 1600])
        partials.append(grammar_engine.partial())
    final = grammar_engine.finish()
    assert any(p and p != final.text for p in partials)  # something before the end
    assert final.text == "set the temperature to twenty two degrees"


@pytest.mark.slow
def test_open_vocabulary_mode_loads_and_decodes(asr_config):
    engine = load_engine(asr_config, mode="open")
    result = transcribe(engine, read("ac_on.wav"))
    assert result.mode == "open" and result.text  # open vocabulary: some English words
    assert "air" in result.text.split() or "conditioning" in result.text.split()


def test_ngram_mode_decodes_commands(asr_config, recordings):
    engine = load_engine(asr_config, mode="ngram")
    result = transcribe(engine, read("set_temp_22.wav"))
    assert result.mode == "ngram"
    assert result.text == recordings["set_temp_22.wav"]["text"]


def test_int16_only(grammar_engine):
    with pytest.raises(TypeError):
        grammar_engine.feed(np.zeros(480, dtype=np.float32))
