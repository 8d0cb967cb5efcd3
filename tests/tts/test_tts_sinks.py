"""Audio sinks: WAV files, the null sink, and the speaker's error path (no sound card here)."""

from __future__ import annotations

import time

import numpy as np
import pytest
import soundfile

from assistant.audio.sinks import AudioSink, NullSink, SoundDeviceSink, WavSink, open_sink
from assistant.errors import AudioError, ConfigError


def tone(seconds: float, rate: int = 16000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (np.sin(2 * np.pi * 440 * t) * 12000).astype(np.int16)


def test_wav_sink_writes_a_readable_file(tmp_path):
    sink = WavSink(tmp_path / "reply.wav")
    audio = tone(0.5)
    sink.open(16000)
    for start in range(0, len(audio), 320):
        sink.write(audio[start:start + 320])
    sink.close()
    data, rate = soundfile.read(tmp_path / "reply.wav", dtype="int16")
    assert rate == 16000 and np.array_equal(data, audio)
    assert sink.last_path == tmp_path / "reply.wav" and sink.frames == len(audio)


def test_wav_sink_folder_gets_one_file_per_reply(tmp_path):
    sink = WavSink(tmp_path / "replies")
    for _ in range(2):
        sink.open(22050)
        sink.write(tone(0.1, 22050))
        sink.close()
    files = sorted((tmp_path / "replies").glob("reply-*.wav"))
    assert len(files) == 2 and all(soundfile.info(f).frames == 2205 for f in files)


def test_wav_sink_abort_keeps_what_was_written(tmp_path):
    sink = WavSink(tmp_path / "cut.wav")
    sink.open(16000)
    sink.write(tone(0.2))
    sink.abort()
    assert soundfile.info(tmp_path / "cut.wav").frames == 3200


def test_wav_sink_unwritable_path_is_an_audio_error(tmp_path):
    (tmp_path / "a_file").write_text("x")
    with pytest.raises(AudioError) as err:
        WavSink(tmp_path / "a_file" / "reply.wav").open(16000)
    assert "--out" in err.value.hint


def test_null_sink_counts(tmp_path):
    sink = NullSink()
    sink.open(16000)
    sink.write(tone(0.1))
    sink.write(tone(0.05))
    assert (sink.frames, sink.blocks, sink.sample_rate) == (2400, 2, 16000)


def test_realtime_pacing_is_never_faster_than_real_time():
    sink = NullSink(realtime=True, buffer_ms=20)
    sink.open(16000)
    started = time.perf_counter()
    for _ in range(25):  # 0.5 s of audio in 20 ms blocks
        sink.write(np.zeros(320, dtype=np.int16))
    assert time.perf_counter() - started >= 0.5 - 0.02 - 0.005


def test_speaker_with_unknown_device_is_an_audio_error():
    sink = SoundDeviceSink("no-such-output-device-xyz")
    with pytest.raises(AudioError) as err:
        sink.open(22050)
    assert "output_device" in err.value.hint and "--out" in err.value.hint


def test_speaker_default_device_error_path():
    import sounddevice

    if any(d["max_output_channels"] > 0 for d in sounddevice.query_devices()):
        pytest.skip("this machine has a sound card: the error path is not reachable")
    with pytest.raises(AudioError, match="no usable audio output device"):
        SoundDeviceSink("").open(22050)


def test_device_index_is_parsed():
    assert SoundDeviceSink("3").device == 3 and SoundDeviceSink(" ").device is None
    assert SoundDeviceSink("USB Audio").device == "USB Audio"


def test_open_sink_from_config(config, tmp_path):
    assert isinstance(open_sink(config, "null"), NullSink)
    wav = open_sink(config, "wav")
    assert isinstance(wav, WavSink) and wav.path == tmp_path / "out" / "replies"
    config.audio.output_device = "7"
    speaker = open_sink(config)
    assert isinstance(speaker, SoundDeviceSink) and speaker.device == 7
    for sink in (wav, speaker, NullSink()):
        assert isinstance(sink, AudioSink)
    with pytest.raises(ConfigError):
        open_sink(config, "headphones")
