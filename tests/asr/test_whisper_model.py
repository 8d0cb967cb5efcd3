"""The Whisper pieces the engine runs itself (assistant/asr/whisper_model.py) are faster-whisper's:
the same log-mel features and the same tokens, so the packaged model hears what it was trained on."""

from __future__ import annotations

import numpy as np
import pytest
from asr_recordings import WAV_DIR

from assistant.asr.whisper_engine import package_model
from assistant.asr.whisper_model import LogMel, WhisperTokens, mel_filters
from assistant.audio.noise import car_noise

faster_whisper = pytest.importorskip("faster_whisper", reason="faster-whisper is a dependency: `make install`")


@pytest.mark.parametrize("source", ["ac_on.wav", "silence.wav", "noise", "short"])
def test_log_mel_is_faster_whispers(source):
    from faster_whisper.feature_extractor import FeatureExtractor

    import soundfile as sf

    if source == "noise":
        x = car_noise(2.3, seed=4).astype(np.float32) * 0.3
    elif source == "short":
        x = np.random.default_rng(1).normal(0, 0.1, 1234).astype(np.float32)
    else:
        x, _ = sf.read(WAV_DIR / source, dtype="float32")
    theirs, ours = FeatureExtractor(80)(x), LogMel(80)(x)
    assert ours.shape == theirs.shape and ours.dtype == np.float32
    assert np.allclose(ours, theirs, atol=1e-5)


def test_mel_filters_are_faster_whispers():
    from faster_whisper.feature_extractor import FeatureExtractor

    assert np.allclose(mel_filters(80), FeatureExtractor.get_mel_filters(16000, 400, 80), atol=1e-7)


def test_tokens_are_faster_whispers():
    import tokenizers
    from faster_whisper.tokenizer import Tokenizer

    path = package_model("tiny.en") / "tokenizer.json"
    theirs = Tokenizer(tokenizers.Tokenizer.from_file(str(path)), False, task="transcribe", language="en")
    ours = WhisperTokens(path, multilingual=False)
    assert (ours.sot_sequence, ours.sot_prev, ours.eot, ours.no_timestamps) == \
        (theirs.sot_sequence, theirs.sot_prev, theirs.eot, theirs.no_timestamps)
    text = " Turn on the A/C and set 22.5°, please."
    assert ours.encode(text) == theirs.encode(text)
    assert ours.decode(ours.encode(text) + [ours.eot, ours.no_timestamps]) == theirs.decode(theirs.encode(text)) \
        == text
    with pytest.raises(ValueError, match="no <|nonsense|>"):
        ours.id("<|nonsense|>")


def test_the_engine_does_not_import_faster_whisper():
    import subprocess
    import sys

    code = ("import sys; from assistant.config import Config; from assistant.asr.base import load_engine; "
            "c = Config(); c.asr.cross_check = ''; load_engine(c); print('faster_whisper' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "False"
