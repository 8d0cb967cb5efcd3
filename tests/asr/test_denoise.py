"""[audio] denoise: WebRTC noise suppression (webrtc-noise-gain) in the speech front end."""

from __future__ import annotations

import numpy as np
import pytest
from asr_recordings import WAV_DIR

from assistant.audio.blocks import AudioBlock
from assistant.audio.denoise import WebrtcDenoiser, make_denoiser
from assistant.audio.noise import car_noise, mix_at_snr, to_int16
from assistant.audio.wav import read_wav
from assistant.config import Config
from assistant.errors import ConfigError

pytest.importorskip("webrtc_noise_gain", reason="webrtc-noise-gain is a dependency: `make install`")
BLOCK = 480  # 30 ms


def _blocks(samples: np.ndarray) -> list[AudioBlock]:
    return [AudioBlock(samples[i:i + BLOCK], i / 16000, (0.1,)) for i in range(0, len(samples) - BLOCK + 1, BLOCK)]


def _run(denoiser, samples: np.ndarray) -> np.ndarray:
    return np.concatenate([denoiser.process(b).pcm for b in _blocks(samples)])


def _db(x: np.ndarray) -> float:
    return 10 * np.log10(np.mean(x.astype(np.float64) ** 2) + 1e-9)


def test_choices():
    config = Config()
    assert config.audio.denoise == "off" and make_denoiser(config) is None
    assert isinstance(make_denoiser(config, "webrtc"), WebrtcDenoiser)
    with pytest.raises(ConfigError, match="unknown \\[audio\\] denoise 'rnnoise'"):
        make_denoiser(config, "rnnoise")
    config.audio.denoise_level = 7
    with pytest.raises(ConfigError, match="denoise_level must be 0-4"):
        make_denoiser(config, "webrtc")


def test_blocks_keep_length_time_and_channel_levels():
    block = _blocks(to_int16(car_noise(0.1, seed=1), peak=0.3))[0]
    out = WebrtcDenoiser().process(block)
    assert out.pcm.dtype == np.int16 and len(out.pcm) == BLOCK
    assert (out.start_s, out.channel_rms) == (block.start_s, block.channel_rms)


def test_car_noise_is_suppressed_and_speech_kept():
    speech = read_wav(WAV_DIR / "set_temp_22.wav").astype(np.float32) / 32768
    noise = car_noise(len(speech) / 16000, seed=5)
    noisy = to_int16(mix_at_snr(speech, noise, 5.0), peak=0.7)
    cleaned = _run(WebrtcDenoiser(level=2), noisy)
    # before the voice starts (0.4 s lead) there is only noise: it drops by more than 6 dB once adapted
    lead = slice(int(0.2 * 16000), int(0.35 * 16000))
    assert _db(cleaned[lead]) < _db(noisy[lead]) - 6
    # the speech is still there: the whole file loses far less than the noise-only part
    assert _db(cleaned) > _db(noisy) - 6


def test_reset_forgets_the_last_recording():
    denoiser = WebrtcDenoiser()
    noise = to_int16(car_noise(1.0, seed=2), peak=0.5)
    first = _run(denoiser, noise)
    denoiser.reset()
    assert np.array_equal(_run(denoiser, noise), first)
    assert denoiser.seconds > 0


@pytest.mark.parametrize("snr", [10.0, 5.0])
def test_front_end_denoises_before_the_recogniser(tmp_path, recordings, snr):
    """Whisper hears a command in car noise through the denoised front end (the denoiser ran on every block)."""
    from dataclasses import replace

    import soundfile as sf

    from assistant.asr.listener import SpeechFrontEnd
    from assistant.audio.wav import WavSource

    pytest.importorskip("faster_whisper")
    speech = read_wav(WAV_DIR / "open_passenger_window.wav").astype(np.float32) / 32768
    path = tmp_path / "noisy.wav"
    sf.write(path, to_int16(mix_at_snr(speech, car_noise(len(speech) / 16000, seed=9), snr), peak=0.7), 16000)
    config = Config()
    config = replace(config, audio=replace(config.audio, denoise="webrtc"))
    front = SpeechFrontEnd(config, engine=_whisper())
    heard = [h.text for h in front.listen(WavSource(path)) if not h.rejected]
    assert heard == [recordings["open_passenger_window.wav"]["text"]]
    assert front.denoiser.seconds > 0


_ENGINE = []


def _whisper():
    from assistant.asr.base import load_engine

    if not _ENGINE:
        _ENGINE.append(load_engine(Config(), engine="whisper"))
    return _ENGINE[0]
