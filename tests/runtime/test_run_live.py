"""The live loop in-process: voice button over CAN, follow-ups, barge-in, overruns, TTS failure.

Real parts throughout: recorded speech under cabin noise, webrtcvad, pocketsphinx with the
compiled grammar, the embedded NLU, the gate, CAN frames on python-can's virtual bus, the
built-in ECU simulator, espeak-ng, WAV files.
"""

from __future__ import annotations

import logging
import threading

import can
import numpy as np
import pytest
import soundfile as sf

from assistant.audio.sinks import NullSink
from assistant.audio.wav import FolderSource
from assistant.runtime.live import Cue, LiveAssistant
from assistant.runtime.script import Script, ScriptSource
from assistant.runtime.speech import NumberedWavSink

WINDOW = "Vehicle.Cabin.Door.Row1.DriverSide.Window.Position"


def run_live(config, source, asr_engine, *, realtime=False, **options):
    turns = []
    live = LiveAssistant.open(config, source, realtime=realtime, engine=asr_engine, time_scale=50,
                              on_turn=turns.append, **options)
    try:
        summary = live.run()
        state = live.assistant.vehicle.car_state()
    finally:
        live.close()
    return live, summary, turns, state


def test_the_voice_button_on_can_starts_a_turn(config, recording, asr_engine, tmp_path):
    wav = recording("03_window_halfway.wav")
    # without a press (and no wake phrase) nothing is listened to
    _, summary, turns, state = run_live(config, FolderSource([wav]), asr_engine, sink=NullSink())
    assert turns == [] and summary.turns == 0 and state[WINDOW] == 0

    sniffer = can.Bus(interface="virtual", channel=config.vehicle.channel, receive_own_messages=False)
    seen = []
    notifier = can.Notifier(sniffer, [seen.append], timeout=0.05)
    try:
        live, summary, turns, state = run_live(config, FolderSource([wav]), asr_engine, sink=NullSink(),
                                               cues=[Cue(0.5, press=True)], settle=True)
    finally:
        notifier.stop()
        sniffer.shutdown()
    assert summary.button_presses == 1 and summary.turns == 1
    report = turns[0].to_json()
    assert report["trigger"] == "button" and report["transcript"] == "open my window halfway"
    assert report["intent"]["name"] == "window_open" and report["state"][WINDOW] == 50
    # the press was a real SWS_Buttons status frame with VoiceButton = Pressed, and the command a real frame
    db = live.assistant.vehicle.db
    sws = db.get_message_by_name("SWS_Buttons")
    pressed = [m for m in seen if m.arbitration_id == sws.frame_id
               and sws.decode(m.data, decode_choices=False)["VoiceButton"] == 1]
    assert pressed, "no SWS_Buttons frame with the button pressed went over the bus"
    assert any(m.arbitration_id == int(report["frames"][0]["id"], 16) for m in seen)


def test_follow_ups_need_no_wake_until_the_window_closes(config, asr_engine, make_script):
    config.wake.follow_up_s = 4.0
    path = make_script([
        {"file": "03_window_halfway.wav", "say": "open my window halfway", "press": True},
        {"file": "04_close_it.wav", "say": "close it again", "gap_s": 1.5},  # within the window
        {"file": "08_fuel.wav", "say": "how much fuel do i have", "gap_s": 6.0},  # window closed: not heard
    ])
    source = ScriptSource(Script.load(path), block_ms=config.audio.block_ms)
    _, summary, turns, state = run_live(config, source, asr_engine, sink=NullSink(), cues=source.cues, settle=True)
    assert [t.extra["trigger"] for t in turns] == ["button", "follow_up"]
    assert [t.turn.actions[0].action for t in turns] == ["window_open", "window_close"]
    assert turns[0].state[WINDOW] == 50 and turns[1].state[WINDOW] == 0
    assert summary.turns == 2 and summary.ignored == 0  # the third came too late: not even listened to


def test_each_turn_reports_stage_timings_and_its_reply_wav(config, recording, asr_engine, tmp_path):
    sink = NumberedWavSink(tmp_path / "replies")
    _, summary, turns, _ = run_live(config, FolderSource([recording("03_window_halfway.wav")]), asr_engine,
                                    sink=sink, cues=[Cue(0.5, press=True)])
    data = turns[0].to_json()
    timings = data["timings_ms"]
    for stage in ("endpoint", "asr", "asr_finalize", "end_of_speech_to_transcript", "nlu", "dialogue",
                  "tts_first_audio", "end_of_speech_to_first_frame", "end_of_speech_to_first_audio"):
        assert isinstance(timings[stage], float) and timings[stage] >= 0, stage
    # the endpointer waits [vad] complete_silence_ms after a complete command before deciding; first audio
    # comes after the first frame
    assert timings["endpoint"] >= config.vad.complete_silence_ms - config.audio.block_ms
    assert timings["end_of_speech_to_first_audio"] >= timings["end_of_speech_to_first_frame"]
    assert data["event"] == "turn" and data["turn"] == 1 and data["reply"]
    assert data["reply_audio"] == str(tmp_path / "replies" / "reply_01.wav")
    assert sf.info(data["reply_audio"]).duration > 0.5


@pytest.mark.parametrize("failure", ["sink", "engine"])
def test_a_tts_failure_keeps_the_write_and_logs_the_reply(config, recording, asr_engine, tmp_path, caplog, failure):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where the reply folder should be")
    sink = NumberedWavSink(blocker / "replies") if failure == "sink" else NullSink()
    if failure == "engine":
        config.tts.engine = "espeak"  # its binary is what vanishes below
    live = LiveAssistant.open(config, FolderSource([recording("03_window_halfway.wav")]), realtime=False,
                              engine=asr_engine, sink=sink, cues=[Cue(0.5, press=True)], settle=True)
    if failure == "engine":
        live.speaker.tts.binary = str(tmp_path / "espeak-ng-was-removed")  # the binary vanished after start-up
    turns = []
    live.on_turn = turns.append
    with caplog.at_level(logging.ERROR, logger="assistant.runtime.speech"):
        try:
            summary = live.run()
            state = live.assistant.vehicle.car_state()
        finally:
            live.close()
    report = turns[0].to_json()
    assert report["frames"] and report["state"][WINDOW] == 50 and state[WINDOW] == 50  # the action stands
    assert report["tts_error"] and report["reply"] and report["reply_audio"] is None
    assert summary.tts_errors == 1 and summary.turns == 1
    assert report["reply"] in caplog.text and "the action stands" in caplog.text


@pytest.mark.slow
def test_speech_during_a_reply_cuts_it_and_starts_the_next_turn(config, asr_engine, make_script, tmp_path):
    # Input as fast as possible, replies paced like a speaker: the second command starts while the
    # first reply is still playing.
    path = make_script([{"file": "08_fuel.wav", "say": "how much fuel do i have", "press": True},
                             {"file": "03_window_halfway.wav", "say": "open my window halfway", "gap_s": 0.8}])
    source = ScriptSource(Script.load(path), block_ms=config.audio.block_ms)
    sink = NumberedWavSink(tmp_path / "replies", realtime=True)
    _, summary, turns, state = run_live(config, source, asr_engine, sink=sink, cues=source.cues, settle=True)
    assert summary.barge_ins == 1
    assert [t.turn.actions[0].action for t in turns] == ["query_fuel", "window_open"]
    assert state[WINDOW] == 50
    first = sf.info(tmp_path / "replies" / "reply_01.wav").duration
    assert first < 2.0, "the fuel reply (about 4 s) should have been cut"


def test_an_overrun_drops_audio_and_counts_it(config, recording, asr_engine, caplog):
    # A capture that outruns processing: a live-source pump (drop when full) fed by a recording read
    # as fast as the disk allows, through a 2-block queue. Every block is processed or counted as dropped.
    config.audio.queue_blocks = 2
    wav = recording("03_window_halfway.wav", after_s=3.0)
    with caplog.at_level(logging.WARNING, logger="assistant.runtime.pump"):
        live = LiveAssistant.open(config, FolderSource([wav], realtime=False), realtime=True, engine=asr_engine,
                                  sink=NullSink())
        sizes = []
        original = live._on_block
        live._on_block = lambda block: (sizes.append(live.pump.queue.qsize()), original(block))
        try:
            summary = live.run()
        finally:
            live.close()
    assert summary.dropped_blocks > 0 and summary.blocks > 0
    assert summary.blocks + summary.dropped_blocks == live.pump.blocks  # nothing lost uncounted
    assert live.pump.queue.maxsize == 2 and max(sizes) <= 2
    assert "audio queue full (2 blocks)" in caplog.text


def test_as_fast_as_possible_never_drops(config, recording, asr_engine):
    config.audio.queue_blocks = 2
    live, summary, turns, _ = run_live(config, FolderSource([recording("03_window_halfway.wav")]), asr_engine,
                                       sink=NullSink(), settle=True, cues=[Cue(0.5, press=True)])
    assert summary.turns == 1 and summary.dropped_blocks == 0 and summary.blocks == live.pump.blocks


def test_stop_from_another_thread_ends_the_run(config, asr_engine, tmp_path):
    noise = tmp_path / "noise.wav"
    rng = np.random.default_rng(0)
    sf.write(noise, (rng.standard_normal(16000 * 60) * 30).astype(np.int16), 16000)
    live = LiveAssistant.open(config, FolderSource([noise], realtime=True), realtime=True, engine=asr_engine,
                              sink=NullSink())
    threading.Timer(0.5, live.stop, args=("test",)).start()
    try:
        summary = live.run()
    finally:
        live.close()
    assert summary.reason == "test" and summary.audio_s < 30


def test_a_rejected_follow_up_keeps_the_window_only_until_its_end(config, recording, asr_engine):
    from assistant.asr.base import Transcript
    from assistant.asr.listener import Heard

    live = LiveAssistant.open(config, FolderSource([recording("02_warmer.wav")]), realtime=False, engine=asr_engine,
                              sink=NullSink())
    try:
        live._open_follow_up(10.0)  # a reply ended at 10 s: the window runs to 15 s
        cough = Heard(Transcript("", 0.1, rejected=True, reason="garbage", raw="_huh"), None, 11.0, 11.4, 12.0,
                      0.4, 5.0, 1.0, trigger="follow_up")
        live._turn(cough, None)
        assert live.summary.ignored == 1 and live.summary.turns == 0
        assert live.front._pending_open == pytest.approx(3.0)  # the rest of the window, not a new one
        late = Heard(Transcript("", 0.1, rejected=True, reason="garbage"), None, 15.5, 16.0, 16.6, 0.5, 5.0, 1.0,
                     trigger="follow_up")
        live.front._pending_open = None
        live._turn(late, None)
        assert live.summary.ignored == 2 and live.front._pending_open is None  # past its end: closed
    finally:
        live.close()
