"""Audio faults (issue 7 part 5, issue 4 "Bad input"): every kind of the generated corpus
(assistant/measure/audio_faults.py) through the real paths, with the outcome it declares.

In process, each file goes through WavSource -> SpeechFrontEnd (webrtcvad endpointer,
pocketsphinx with the intents' grammar) -> Assistant.handle_text on a fresh simulated car,
exactly as `assistant replay` takes turns, while a sniffer on the car's channel sees every
frame (judged by the independent oracle). Whatever the kind, nothing but an AudioError that
names the file may escape, and nothing but the command itself may reach the car. The CLI
tests run `assistant transcribe` and `assistant replay` on part of the corpus.

Each kind is decoded once per session (cached), so the two tests per kind cost one decode.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from assistant.asr.listener import SpeechFrontEnd
from assistant.measure.audio_faults import CASES, COMMAND, OUTCOMES, PAUSE_S, SILENCE_MINUTES, SPLIT_COMMAND, write_corpus
from assistant.audio.wav import WavSource
from assistant.measure.bench._textfuzz import BusWatch
from assistant.measure.bench.soak import replay_source
from assistant.config import Config
from assistant.errors import AudioError
from assistant.runtime import Assistant

BY_KIND = {case.kind: case for case in CASES}
# the conversions the issue names run in the fast suite; the other 'same' kinds are slow
FAST_SAME = {"pcm_u8", "float32", "stereo", "rate_48k"}
# Gaps of the recogniser (assistant/asr), found by this corpus and reported; not strict, since the
# recogniser changes under them. (tests it fails, why) The pocketsphinx grammar, the default before
# Whisper, also heard the 8 kHz and mu-law commands as "agreed" (affirm); Whisper hears them right.
ASR_GAPS = {
    "long_pause": (("outcome",), "'set the temperature' said alone is heard as 'do that' (affirm), so the "
                   "dialogue never asks for the temperature and 'twenty two' has nothing to answer"),
}


def _kinds(test: str) -> list:
    params = []
    for case in CASES:
        marks = [pytest.mark.slow] if case.outcome in ("same", "same_or_nothing") and case.kind not in FAST_SAME else []
        tests, reason = ASR_GAPS.get(case.kind, ((), ""))
        if test in tests:
            marks.append(pytest.mark.xfail(strict=False, reason=reason))
        params.append(pytest.param(case.kind, marks=marks, id=case.kind))
    return params


@dataclass
class Run:
    """What one file did to a fresh car: the error, what was heard, the turns, the frames on the bus."""

    error: AudioError | None = None
    crash: BaseException | None = None
    heard: list = field(default_factory=list)
    turns: list[dict] = field(default_factory=list)
    bus_frames: int = 0
    violations: list = field(default_factory=list)

    @property
    def accepted(self) -> list[str]:
        return [h.text for h in self.heard if not h.rejected]

    @property
    def writes(self) -> dict:
        return {path: value for turn in self.turns for path, value in turn["writes"].items()}


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> dict[str, Path]:
    """Every kind written once per session (the commands synthesised with espeak-ng: a second or two)."""
    return write_corpus(tmp_path_factory.mktemp("audio_faults"), seed=0)


@pytest.fixture(scope="module")
def engine():
    """The real pocketsphinx engine with the intents' grammar (loaded once: seconds)."""
    from assistant.asr.base import load_engine

    return load_engine(Config())


@pytest.fixture(scope="module")
def replay(corpus, engine, nlu_ready):
    """`replay(kind)`: the Run of that kind's file (decoded once, then cached). Each file gets a
    fresh endpointer, so no outcome depends on which file came before (see the xfail below)."""
    runs: dict[str, Run] = {}

    def run(kind: str) -> Run:
        if kind not in runs:
            runs[kind] = _replay_file(engine, corpus[kind], f"audiofault-{kind}-{time.monotonic_ns()}")
        return runs[kind]

    return run


def _replay_file(engine, path: Path, channel: str) -> Run:
    config = Config()
    config.vehicle.channel = channel
    watch = BusWatch(config)  # before the assistant: the oracle hears every status frame the gate hears
    result = Run()
    try:
        with Assistant.open(config, speak=False, time_scale=50, listen=True, triggers=False,
                            engine=engine) as assistant:
            watch.attach(assistant.vehicle)
            try:
                for heard, report in replay_source(assistant, WavSource(path)):
                    result.heard.append(heard)
                    result.turns.append(report.to_json())
                    result.violations += watch.check_turn(report)
            except AudioError as exc:
                result.error = exc
            except Exception as exc:  # kept for the test to report: nothing else may escape
                result.crash = exc
            frames = watch.drain()  # anything sent after the last turn was checked
            result.bus_frames = watch.hu_frames
            if frames:
                result.violations.append(f"{len(frames)} frames after the last turn")
    finally:
        watch.close()
    return result


def _chat_writes(text: str) -> dict:
    """What the text pipeline writes for `text` on a fresh car: the reference for spoken commands."""
    config = Config()
    config.vehicle.channel = f"audiofault-chat-{time.monotonic_ns()}"
    with Assistant.open(config, speak=False, time_scale=50) as assistant:
        return assistant.handle_text(text).to_json()["writes"]


@pytest.fixture(scope="module")
def command_writes(nlu_ready) -> dict:
    writes = _chat_writes(COMMAND)
    assert writes, f"{COMMAND!r} writes nothing in chat: the corpus needs a command that acts"
    return writes


@pytest.fixture(scope="module")
def split_writes(nlu_ready) -> dict:
    return _chat_writes(" ".join(SPLIT_COMMAND))


def test_the_corpus_has_at_least_20_kinds_and_each_declares_its_outcome():
    assert len(CASES) >= 20 and len(BY_KIND) == len(CASES)
    assert {case.outcome for case in CASES} == set(OUTCOMES)
    assert sum(case.outcome == "error" for case in CASES) >= 8 and sum(case.outcome == "nothing" for case in CASES) >= 6


def test_the_corpus_is_deterministic(tmp_path, corpus):
    import numpy as np
    import soundfile as sf

    from assistant.measure.audio_faults import command_speech

    again = write_corpus(tmp_path, command_speech(), seed=0, kinds=["random_bytes", "white_noise", "nan_samples"])
    for kind in ("random_bytes", "white_noise"):
        assert again[kind].read_bytes() == corpus[kind].read_bytes(), kind
    # float WAVs carry libsndfile's PEAK chunk with a timestamp: the samples are what must repeat
    first, second = (sf.read(str(p), dtype="float64")[0] for p in (corpus["nan_samples"], again["nan_samples"]))
    assert np.isnan(first).sum() + np.isinf(first).sum() == 40
    assert np.array_equal(first, second, equal_nan=True)


def test_the_original_is_heard_and_acts(replay, command_writes):
    """The 16-bit mono 16 kHz original: every 'same' kind is compared with it, so it must work."""
    run = replay("original")
    assert (run.error, run.crash, run.violations) == (None, None, [])
    assert run.accepted == [COMMAND]
    assert run.writes == command_writes and run.bus_frames >= 1


@pytest.mark.parametrize("kind", _kinds("safety"))
def test_nothing_escapes_and_nothing_stray_reaches_the_car(kind, replay, command_writes, split_writes):
    """Whatever the outcome: no exception but AudioError, the bus matches the turns (oracle-checked),
    and no write unless the file holds the command, then only the command's."""
    case, run = BY_KIND[kind], replay(kind)
    if run.crash is not None:
        raise AssertionError(f"{kind}: {type(run.crash).__name__} escaped the pipeline") from run.crash
    assert run.violations == []
    allowed = {"same": command_writes, "same_or_nothing": command_writes, "split": split_writes}.get(case.outcome, {})
    assert run.writes.items() <= allowed.items(), (case.about, run.accepted, run.writes)
    if not allowed:
        assert run.bus_frames == 0


@pytest.mark.parametrize("kind", _kinds("outcome"))
def test_declared_outcome(kind, replay, corpus, split_writes):
    case, run = BY_KIND[kind], replay(kind)
    assert run.crash is None, run.crash
    if case.outcome == "error":
        assert run.error is not None, f"{kind} ({case.about}) was accepted: heard {run.accepted}"
        message = str(run.error)
        assert str(corpus[kind]) in message and run.error.hint, message
        assert (run.heard, run.turns, run.bus_frames) == ([], [], 0)
        return
    assert run.error is None, f"{kind} ({case.about}): {run.error}"
    original = replay("original")
    if case.outcome == "same":
        assert run.accepted == original.accepted, case.about
        assert run.writes == original.writes and run.bus_frames == original.bus_frames
    elif case.outcome == "nothing":
        assert run.accepted == [], f"{kind} ({case.about}) was heard as {run.accepted}"
        assert run.writes == {} and run.bus_frames == 0
    elif case.outcome == "same_or_nothing":  # heard right, or not at all
        assert run.accepted in ([], original.accepted), run.accepted
        assert run.writes in ({}, original.writes) and run.bus_frames in (0, original.bus_frames)
    elif case.outcome == "split":  # the dialogue asks for the temperature, the second half gives it
        assert [turn["writes"] for turn in run.turns] == [{}, split_writes], [h.text for h in run.heard]


def test_a_long_pause_cuts_the_sentence_at_the_pause(replay):
    run = replay("long_pause")
    assert len(run.heard) == 2, [h.text for h in run.heard]
    first, second = run.heard
    assert second.start_s - first.end_s > PAUSE_S * 0.8  # cut at the pause, not elsewhere


def test_ten_minutes_of_silence_stream_fast_in_bounded_memory(corpus, engine):
    """The whole file goes through the endpointer (every block seen) as fast as it can be read,
    never at the pace of real time, and never all in memory at once (the file is 19 MB)."""
    path = corpus["silence_10min"]
    source = WavSource(path)
    assert source.duration_s == SILENCE_MINUTES * 60
    seen = []

    def counted():
        for block in source.blocks():
            seen.append(len(block.pcm))
            yield block

    class Counted:
        block_samples, channels = source.block_samples, source.channels
        blocks, close = staticmethod(counted), source.close

    tracemalloc.start()
    started = time.perf_counter()
    try:
        heard = list(SpeechFrontEnd(Config(), engine=engine).listen(Counted()))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    elapsed = time.perf_counter() - started
    assert heard == []
    assert sum(seen) == SILENCE_MINUTES * 60 * 16000
    assert peak < 8 * 2**20, f"peak {peak / 2**20:.1f} MB traced while streaming"
    assert elapsed < SILENCE_MINUTES * 60 / 10, "paced like a live microphone?"  # real time would be 600 s


def _cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "ASSISTANT_VEHICLE_CHANNEL": f"cli{time.monotonic_ns()}"})


def _lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


ERROR_KINDS = ("empty", "truncated_header", "png", "sample_rate_1hz", "directory", "fifo")


def test_transcribe_cli_reports_each_bad_file_and_goes_on(corpus):
    files = [str(corpus[k]) for k in ("car_noise", *ERROR_KINDS, "pcm_u8")]
    done = _cli("transcribe", "--json", *files)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    lines = _lines(done.stdout)
    assert [line["file"] for line in lines] == files  # one line per file, in order
    noise, converted = lines[0], lines[-1]
    assert (noise["text"], noise["rejected"], noise["utterances"]) == ("", True, [])
    for kind, line in zip(ERROR_KINDS, lines[1:]):
        assert line["error"].startswith(str(corpus[kind])) and line["hint"], line
    assert (converted["text"], converted["rejected"]) == (COMMAND, False)


def test_transcribe_cli_judges_each_file_on_its_own(corpus):
    done = _cli("transcribe", "--json", str(corpus["pcm_u8"]), str(corpus["car_noise"]))
    command, noise = _lines(done.stdout)
    assert command["text"] == COMMAND
    assert noise["utterances"] == [], noise["utterances"]


@pytest.mark.slow
def test_replay_cli_on_a_folder_of_bad_and_odd_files(corpus, tmp_path, command_writes):
    folder = tmp_path / "mixed"
    folder.mkdir()
    for kind in ("empty", "png", "random_bytes", "wrong_format_tag", "sample_rate_zero", "stereo", "silence_10min",
                 "white_noise"):
        shutil.copy(corpus[kind], folder / corpus[kind].name)
    os.mkfifo(folder / "fifo.wav")
    (folder / "empty_folder.wav").mkdir()  # a folder inside is not a file: skipped
    done = _cli("replay", "--json", str(folder), str(tmp_path / "no_such.wav"))
    assert done.returncode == 1, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    lines = _lines(done.stdout)
    errors = {Path(line["input"]).name for line in lines if "error" in line}
    assert errors == {"empty.wav", "png.wav", "random_bytes.wav", "wrong_format_tag.wav", "sample_rate_zero.wav",
                      "fifo.wav", "no_such.wav"}
    turns = [line for line in lines if "error" not in line]
    acted = [t for t in turns if t["writes"]]
    assert [Path(t["input"]).name for t in acted] == ["stereo.wav"]
    assert acted[0]["writes"] == command_writes and acted[0]["transcript"] == COMMAND
    assert sum(len(t["frames"]) for t in turns) == len(acted[0]["frames"]) >= 1
