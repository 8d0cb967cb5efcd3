"""The Player: block-wise playback, streaming, barge-in, errors.

Barge-in is checked on positions (frames written before and after stop()),
not on wall-clock time; sinks pace themselves like a speaker would.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import soundfile

from assistant.audio.sinks import NullSink, WavSink
from assistant.errors import AudioError, EngineError
from assistant.tts.base import AudioChunk
from assistant.tts.espeak import EspeakEngine
from assistant.tts.player import Player

REPLY = "Done. Opening the passenger window halfway. The cabin is set to 22.5 degrees. Anything else?"


@pytest.fixture(scope="module")
def espeak():
    return EspeakEngine("en-us")


@pytest.fixture(scope="module")
def reply_chunks(espeak):
    return list(espeak.synthesize(REPLY))


def wait_until(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.001)


class RecordingSink(NullSink):
    """Remembers how many sentences the engine had synthesised when the first block arrived."""

    def __init__(self, engine, **kwargs):
        super().__init__(**kwargs)
        self.engine, self.synthesised_at_first_block = engine, None

    def write(self, block):
        if self.synthesised_at_first_block is None:
            self.synthesised_at_first_block = self.engine.sentences_synthesised
        super().write(block)


def test_plays_a_whole_reply_into_a_wav(tmp_path, reply_chunks):
    sink = WavSink(tmp_path / "reply.wav")
    report = Player(sink, block_ms=20).play(iter(reply_chunks))
    expected = np.concatenate([c.samples for c in reply_chunks])
    data, rate = soundfile.read(tmp_path / "reply.wav", dtype="int16")
    assert rate == 22050 and np.array_equal(data, expected)
    assert report.frames == len(expected) and not report.stopped and report.error is None
    assert report.sentences == [c.text for c in reply_chunks]
    assert report.blocks == sum(-(-c.frames // 441) for c in reply_chunks)
    assert report.first_audio_s is not None and report.first_audio_s <= report.duration_s
    assert report.to_json()["audio_s"] == pytest.approx(len(expected) / 22050, abs=1e-3)


def test_first_audio_before_the_last_sentence_is_synthesised():
    engine = EspeakEngine("en-us")
    text = " ".join(f"This is sentence number {i}." for i in range(10))
    sink = RecordingSink(engine)
    report = Player(sink, prefetch=1).play(engine.synthesize(text))
    assert len(report.sentences) == 10 and engine.sentences_synthesised == 10
    # queue (1) + the chunk being queued (1) + the one being played (1), plus one race: never all ten.
    assert 1 <= sink.synthesised_at_first_block <= 4


def test_resamples_to_the_configured_rate(tmp_path, reply_chunks):
    report = Player(WavSink(tmp_path / "r.wav"), sample_rate=16000).play(iter(reply_chunks))
    info = soundfile.info(tmp_path / "r.wav")
    source_s = sum(c.duration_s for c in reply_chunks)
    assert info.samplerate == 16000 and report.sample_rate == 16000
    assert info.frames / 16000 == pytest.approx(source_s, rel=0.01)


def test_barge_in_stops_within_one_block(tmp_path, reply_chunks):
    total = sum(c.frames for c in reply_chunks)
    block = 22050 * 20 // 1000
    sink = WavSink(tmp_path / "cut.wav", realtime=True)
    player = Player(sink, block_ms=20)
    player.start(iter(reply_chunks))
    wait_until(lambda: player.frames_played >= 22050 // 4)  # a quarter second in
    player.stop()
    report = player.wait(timeout=5)
    assert report.stopped and report.stop_latency_s is not None
    assert report.stop_frame >= 22050 // 4
    assert 0 <= report.frames_after_stop <= block  # only the block already in flight
    assert report.frames == report.stop_frame + report.frames_after_stop < total
    assert soundfile.info(tmp_path / "cut.wav").frames == report.frames
    assert not player.playing


def test_stop_while_waiting_for_the_next_sentence(reply_chunks):
    release = threading.Event()

    def slow_engine():
        yield reply_chunks[0]
        release.wait(10)  # sentence 2 "takes forever" to synthesise
        yield reply_chunks[1]

    player = Player(NullSink())
    player.start(slow_engine())
    wait_until(lambda: player.frames_played == reply_chunks[0].frames)
    player.stop()
    report = player.wait(timeout=5)
    release.set()
    assert report.stopped and report.frames == reply_chunks[0].frames and report.frames_after_stop == 0
    assert report.sentences == [reply_chunks[0].text]


def test_stop_before_any_audio(tmp_path):
    release = threading.Event()

    def silent_engine():
        release.wait(10)
        yield AudioChunk(np.zeros(100, dtype=np.int16), 16000, "late")

    sink = WavSink(tmp_path / "never.wav")
    player = Player(sink)
    player.start(silent_engine())
    player.stop()
    report = player.wait(timeout=5)
    release.set()
    assert report.stopped and report.frames == 0 and report.first_audio_s is None
    assert not (tmp_path / "never.wav").exists()


def test_engine_failure_mid_reply_is_raised_after_the_audio_so_far(tmp_path, reply_chunks):
    def failing_engine():
        yield reply_chunks[0]
        raise EngineError("voice fell over", hint="test")

    player = Player(WavSink(tmp_path / "partial.wav"))
    with pytest.raises(EngineError, match="voice fell over"):
        player.play(failing_engine())
    assert player.report.sentences == [reply_chunks[0].text]
    assert player.report.error == "voice fell over\n  hint: test"
    assert soundfile.info(tmp_path / "partial.wav").frames == reply_chunks[0].frames


def test_sink_failure_is_raised(tmp_path, reply_chunks):
    (tmp_path / "file").write_text("x")
    with pytest.raises(AudioError):
        Player(WavSink(tmp_path / "file" / "r.wav")).play(iter(reply_chunks))


def test_empty_reply_plays_nothing(tmp_path, espeak):
    report = Player(WavSink(tmp_path / "empty.wav")).play(espeak.synthesize(""))
    assert report.frames == 0 and report.sentences == [] and not report.stopped
    assert not (tmp_path / "empty.wav").exists()


def test_player_is_reusable_after_a_stop(reply_chunks):
    player = Player(NullSink())
    player.start(iter(reply_chunks))
    player.stop()
    player.wait(timeout=5)
    report = player.play(iter(reply_chunks[:1]))
    assert not report.stopped and report.frames == reply_chunks[0].frames
