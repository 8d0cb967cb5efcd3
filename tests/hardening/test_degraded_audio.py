"""Degraded audio is heard right or rejected, never as another command (review finding 3).

Each committed command of tests/asr/wav goes through each degradation of
assistant/measure/degraded.py (MP3 at 24 kbps and back, 8 kHz narrowband and back, +20 dB
into a hard clip) and then through the default pipeline as `assistant replay` runs it
(WavSource -> SpeechFrontEnd with the runtime's interpreter -> embedded NLU -> dialogue ->
the built-in car). The meaning it gets (intent and entities of every action) must be the
original's (what the text of the recording means) or nothing (rejected by the recogniser,
or nlu_fallback). Another intent is a different command: `cancel` drops a pending
confirmation, `inform` answers a pending question, so they count too.

The default recogniser (Whisper, cross-checked by the pocketsphinx grammar, with the runtime's
choice of reading) meets this on every file; the pocketsphinx grammar alone, the default before,
heard 5 of the 24 as another command (an MP3 "open the passenger window" as "way too cold", an
8 kHz fuel question as "i am up"). `KNOWN` lists measured, unfixed gaps as xfails (not strict:
an XPASS shows a gap closed); it is empty now.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from assistant.audio.wav import WavSource
from assistant.config import Config
from assistant.errors import AudioError
from assistant.measure.bench.soak import replay_source
from assistant.measure.degraded import KINDS, degrade

WAV_DIR = Path(__file__).resolve().parents[1] / "asr" / "wav"
COMMANDS = [row for row in json.loads((WAV_DIR / "manifest.json").read_text())
            if row.get("intent") and not row["file"].startswith("wake")]
# (file, kind) -> what it is heard as instead, measured with the default engine
KNOWN: dict[tuple[str, str], str] = {}


def _cases() -> list:
    cases = []
    for row in COMMANDS:
        for kind in KINDS:
            reason = KNOWN.get((row["file"], kind))
            marks = [pytest.mark.xfail(strict=False, reason=reason)] if reason else []
            cases.append(pytest.param(row["file"], kind, marks=marks, id=f"{row['file'][:-4]}-{kind}"))
    return cases


@pytest.fixture(scope="module")
def assistant(replaying):
    return replaying


def _meaning(report) -> list[tuple]:
    return [(a.parse.intent.name, tuple(sorted((e.entity, str(e.value)) for e in a.parse.entities)))
            for a in report.turn.actions if a.parse.intent.name != "nlu_fallback"]


@pytest.fixture(scope="module")
def reference(assistant):
    """What the text of each recording means (the original command)."""
    def of(row) -> list[tuple]:
        assistant.reset()
        return _meaning(assistant.handle_text(row["text"]))
    return {row["file"]: of(row) for row in COMMANDS}


def _heard(assistant, path: Path) -> tuple[list, list]:
    assistant.reset()
    turns = list(replay_source(assistant, WavSource(path)))
    return [(h.text, h.transcript.reason) for h, _ in turns], [m for _, r in turns for m in _meaning(r)]


def test_the_clean_recordings_are_understood(assistant, reference):
    """The baseline: undegraded, each command means what its text means or is asked again (else the test
    says little): the synthetic "unlock the doors" is asked again, as Whisper hears "lock" in it."""
    wrong, asked = {}, []
    for row in COMMANDS:
        heard, meaning = _heard(assistant, WAV_DIR / row["file"])
        if meaning == []:
            asked.append(row["file"])
        elif meaning != reference[row["file"]]:
            wrong[row["file"]] = (heard, meaning, reference[row["file"]])
    assert wrong == {} and len(asked) <= 1, (wrong, asked)


@pytest.mark.parametrize("name,kind", _cases())
def test_degraded_commands_are_heard_right_or_rejected(name, kind, assistant, reference, tmp_path):
    samples, rate = sf.read(WAV_DIR / name, dtype="int16")
    path = tmp_path / f"{Path(name).stem}.{kind}.wav"
    sf.write(path, degrade(samples, rate, kind), rate, subtype="PCM_16")
    heard, meaning = _heard(assistant, path)
    assert meaning in ([], reference[name]), f"{name} after {kind}: heard {heard}, means {meaning}"


def test_degrade_keeps_dtype_rate_and_length_and_does_what_it_says():
    rate = 16000
    t = np.arange(rate) / rate
    tone = (0.3 * np.sin(2 * np.pi * 440 * t) + 0.1 * np.sin(2 * np.pi * 6000 * t)) * 32767
    samples = tone.astype(np.int16)
    for kind in KINDS:
        out = degrade(samples, rate, kind)
        assert out.dtype == np.int16 and len(out) == len(samples), kind
    high = lambda x: float(np.abs(np.fft.rfft(x.astype(np.float64)))[5000:].max())  # noqa: E731  (bins = Hz here)
    assert high(degrade(samples, rate, "8k")) < high(samples) / 1000  # nothing above 4 kHz is left
    assert high(degrade(samples, rate, "mp3")) < high(samples) / 10  # 24 kbps keeps no 6 kHz
    clipped = degrade(samples, rate, "clip")
    assert np.mean(np.abs(clipped.astype(np.int32)) >= 32767) > 0.5
    floats = degrade(samples.astype(np.float32) / 32768, rate, "8k")
    assert floats.dtype == np.float32 and len(floats) == rate
    with pytest.raises(AudioError, match="unknown degradation"):
        degrade(samples, rate, "gsm")


def test_a_missing_mp3_encoder_says_what_to_install(monkeypatch):
    import assistant.measure.degraded as degraded

    monkeypatch.setattr(degraded.shutil, "which", lambda name: None)
    with pytest.raises(AudioError) as caught:
        degrade(np.zeros(1600, np.int16), 16000, "mp3")
    assert "sox is not installed" in str(caught.value) and "libsox-fmt-mp3" in caught.value.hint
