"""The speech front end on recordings: endpointing, wake phrase, push-to-talk, CLI."""

from __future__ import annotations

import json
import subprocess
import sys

from assistant.asr.listener import SpeechFrontEnd
from assistant.asr.triggers import PushToTalk
from assistant.asr.wake import WakePhraseSpotter
from assistant.audio.wav import WavSource
from asr_recordings import WAV_DIR


def test_always_listening_hears_one_utterance_with_its_end(asr_config, grammar_engine, recordings):
    front = SpeechFrontEnd(asr_config, engine=grammar_engine)
    heard = list(front.listen(WavSource(WAV_DIR / "open_passenger_window.wav")))
    assert [h.text for h in heard] == ["open the passenger window"]
    speech_end = 0.4 + recordings["open_passenger_window.wav"]["speech_s"]  # the recording's lead-in + speech
    assert abs(heard[0].end_s - speech_end) < 0.35
    # a complete command: the endpointer waited complete_silence_ms, not the full trailing silence
    assert heard[0].reason == "complete"
    assert asr_config.vad.complete_silence_ms * 0.9 <= heard[0].eos_to_final_ms < asr_config.vad.trailing_silence_ms


def test_a_pause_after_an_incomplete_command_waits_the_full_trailing_silence(asr_config, grammar_engine, tmp_path):
    import numpy as np
    import soundfile as sf

    from asr_recordings import read
    samples = read("set_temp_22.wav")
    words_end = int(16000 * 1.25)  # "set the temperature to ..." cut mid-way: no command yet
    cut = np.concatenate([samples[:words_end], np.zeros(16000, np.int16)])
    sf.write(tmp_path / "cut.wav", cut, 16000, subtype="PCM_16")
    heard = list(SpeechFrontEnd(asr_config, engine=grammar_engine).listen(WavSource(tmp_path / "cut.wav")))
    assert heard and heard[-1].reason == "silence"
    assert heard[-1].eos_to_final_ms >= asr_config.vad.trailing_silence_ms * 0.9


def test_wake_phrase_starts_the_turn_and_is_not_part_of_the_command(asr_config, grammar_engine):
    spotter = WakePhraseSpotter.from_config(asr_config)
    front = SpeechFrontEnd(asr_config, engine=grammar_engine, trigger=spotter)
    heard = list(front.listen(WavSource(WAV_DIR / "wake_open_window.wav")))
    assert len(heard) == 1 and heard[0].trigger == "wake"
    assert heard[0].text == "open the driver window"


def test_without_wake_phrase_or_button_nothing_is_heard(asr_config, grammar_engine):
    front = SpeechFrontEnd(asr_config, engine=grammar_engine, trigger=WakePhraseSpotter.from_config(asr_config))
    assert list(front.listen(WavSource(WAV_DIR / "ac_on.wav"))) == []


def test_push_to_talk_starts_a_turn(asr_config, grammar_engine):
    button = PushToTalk()
    front = SpeechFrontEnd(asr_config, engine=grammar_engine, trigger=button)
    button.press()
    heard = list(front.listen(WavSource(WAV_DIR / "ac_on.wav")))
    assert [(h.trigger, h.text) for h in heard] == [("button", "turn on the air conditioning")]


def _run(*args: str, config) -> subprocess.CompletedProcess:
    env_models = {"ASSISTANT_PATHS_MODELS": config.paths.models}
    import os
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env_models})


def test_transcribe_cli_json(asr_config, grammar_engine):
    result = _run("transcribe", "--json", str(WAV_DIR / "fuel.wav"), str(WAV_DIR / "silence.wav"), config=asr_config)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows[0]["text"] == "how much fuel do i have" and rows[0]["audio_s"] > 1
    assert {"asr", "eos_to_transcript"} <= set(rows[0]["timings_ms"])
    assert rows[1]["text"] == "" and rows[1]["rejected"]


def test_transcribe_cli_reports_a_bad_file_and_goes_on(asr_config, grammar_engine, tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not a wav at all")
    result = _run("transcribe", "--json", str(bad), str(WAV_DIR / "yes.wav"), config=asr_config)
    assert result.returncode == 2
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert "error" in rows[0] and rows[1]["text"] == "yes"


def test_a_clipped_command_is_rejected_and_a_loud_one_is_heard(asr_config, grammar_engine, tmp_path):
    import numpy as np
    import soundfile as sf

    from asr_recordings import read
    samples = read("open_passenger_window.wav").astype(np.float64)
    loud = np.clip(samples / np.abs(samples).max() * 45000, -32767, 32767)  # only the peaks clip (0.3%)
    clipped = np.clip(samples * 20, -32767, 32767)  # 26 dB too hot into a hard limit
    heard = {}
    for name, pcm in (("loud", loud), ("clipped", clipped)):
        sf.write(tmp_path / f"{name}.wav", pcm.astype(np.int16), 16000, subtype="PCM_16")
        heard[name] = list(SpeechFrontEnd(asr_config, engine=grammar_engine).listen(WavSource(tmp_path / f"{name}.wav")))
    assert [h.text for h in heard["loud"]] == ["open the passenger window"]
    assert heard["clipped"] and all(h.rejected and h.transcript.reason == "clipped" for h in heard["clipped"])
