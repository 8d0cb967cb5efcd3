"""The wake phrase spotter on speech synthesised at test time (flite): found, and not found.

The real pocketsphinx model runs on every block, as in the car; the phrase is the default
config's. The "ordinary speech" stream is checked to be hard enough to matter: a spotter
that only thresholds loosely (no second pass) does wake on it.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile

import numpy as np
import pytest
import soundfile as sf
import soxr

from assistant.asr.wake import WORD_FLOOR, PhraseVerifier, WakePhraseSpotter
from assistant.audio.blocks import AudioBlock
from assistant.config import Config
from assistant.errors import ConfigError

pytestmark = pytest.mark.skipif(shutil.which("flite") is None, reason="flite is not installed (make system-deps)")

RATE = 16000
LEAD_S, GAP_S = 0.5, 0.7
PHRASE = Config().wake.phrase
ORDINARY = ["hello there, how are you today", "turn on the air conditioning please", "open the window a little",
            "what is the weather like tomorrow", "how much fuel do i have", "hello, is anybody there",
            "call my mother on her mobile", "the seats are warm now, thank you"]


def flite(text: str, voice: str) -> np.ndarray:
    fd, path = tempfile.mkstemp(suffix=".wav")
    os.close(fd)
    try:
        subprocess.run(["flite", "-voice", voice, "-t", text, "-o", path], check=True, capture_output=True, timeout=60)
        audio, rate = sf.read(path, dtype="float32")
    finally:
        os.unlink(path)
    audio = soxr.resample(audio, rate, RATE) if rate != RATE else audio
    return audio / np.max(np.abs(audio)) * 0.6


def stream(parts: list[np.ndarray]) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """The parts with pauses between them, as int16, and where each part starts and ends (s)."""
    pieces, spans, at = [np.zeros(int(LEAD_S * RATE), np.float32)], [], LEAD_S
    for part in parts:
        pieces += [part, np.zeros(int(GAP_S * RATE), np.float32)]
        spans.append((at, at + len(part) / RATE))
        at += len(part) / RATE + GAP_S
    pieces.append(np.zeros(RATE, np.float32))
    return (np.concatenate(pieces) * 32767).astype(np.int16), spans


def triggers(spotter, pcm: np.ndarray) -> list[float]:
    spotter.reset()
    fired = []
    for i in range(0, len(pcm) - 479, 480):
        hit = spotter.check(AudioBlock(pcm[i:i + 480], i / RATE))
        if hit is not None:
            assert hit.kind == "wake" and hit.detail == spotter.phrase
            fired.append(hit.at_s)
    return fired


def configured(**changes) -> WakePhraseSpotter:
    """The default [wake] setup after it has heard a little speech (as in a car, its cepstral mean has
    settled; a fresh decoder starts from the model's own mean and the first utterance scores low)."""
    w = Config().wake
    settings = dict(threshold=w.threshold, verify_threshold=w.verify_threshold if w.verify else None, gate=w.gate)
    spotter = WakePhraseSpotter(w.phrase, **{**settings, **changes})
    triggers(spotter, warm_up())
    return spotter


@functools.lru_cache(maxsize=1)
def warm_up() -> np.ndarray:
    return stream([flite("the road ahead is clear and the traffic is light today", "kal16")])[0]


@pytest.fixture
def spotter():
    return configured()


@pytest.mark.parametrize("voice", ["kal16", "rms", "slt"])
def test_the_phrase_alone_wakes_once_where_it_ends(spotter, voice):
    pcm, [(start, end)] = stream([flite(PHRASE, voice)])
    fired = triggers(spotter, pcm)
    assert len(fired) == 1, fired
    assert start + 0.3 < fired[0] <= end + 0.15  # at (or just before) the phrase's end, not at its start


@pytest.mark.parametrize("voice", ["kal16", "rms", "slt"])
def test_the_phrase_in_car_noise_at_10_db_wakes(spotter, voice):
    from assistant.audio.noise import car_noise, mix_at_snr, to_int16

    pcm, [(start, end)] = stream([flite(PHRASE, voice)])
    noise = car_noise(len(pcm) / RATE, seed=7)
    noisy = to_int16(mix_at_snr(pcm.astype(np.float32) / 32767, noise, 10.0), peak=0.7)
    fired = triggers(spotter, noisy)
    assert len(fired) == 1 and start + 0.3 < fired[0] <= end + 0.15, (fired, start, end)


def test_the_phrase_then_a_command_in_one_breath_wakes_before_the_command(spotter):
    pcm, [(start, end)] = stream([flite(f"{PHRASE} open the window", "rms")])
    fired = triggers(spotter, pcm)
    assert len(fired) == 1, fired
    assert start + 0.3 < fired[0] < end - 0.5  # "open the window" is still to come


def test_each_of_two_phrases_wakes(spotter):
    phrase = flite(PHRASE, "kal16")
    pcm, spans = stream([phrase, flite("and then", "kal16"), phrase])
    fired = triggers(spotter, pcm)
    assert len(fired) == 2 and fired[0] < spans[1][0] < spans[2][0] < fired[1], (fired, spans)


@pytest.mark.parametrize("voice", ["kal16", "rms", "slt", "awb"])
def test_ordinary_speech_without_the_phrase_does_not_wake(spotter, voice):
    pcm, _ = stream([flite(text, voice) for text in ORDINARY])
    assert triggers(spotter, pcm) == []


def test_the_ordinary_speech_is_hard_enough_to_matter():
    """A loose keyword threshold wakes on it (in a voice where it does), so the test above can fail."""
    pcm, _ = stream([flite(text, "rms") for text in ORDINARY])
    assert triggers(configured(threshold=1e-80, verify_threshold=None), pcm)


@pytest.mark.parametrize("voice", ["kal16", "rms"])
def test_the_verifier_scores_the_phrase_above_other_speech(voice):
    """The second pass on its own: the phrase fits it, a command of the same length does not."""
    verifier: PhraseVerifier = configured(verify_threshold=-2.9).verifier
    phrase = (flite(PHRASE, voice) * 32767).astype(np.int16)
    other = (flite("turn on the air conditioning", voice) * 32767).astype(np.int16)
    said, not_said = verifier.score(phrase), verifier.score(other)
    assert said is not None and said[0] >= -2.9 and said[1] >= WORD_FLOOR
    assert not_said is None or not_said[0] < -2.9 or not_said[1] < WORD_FLOOR


def test_the_gate_feeds_no_silence_or_noise_and_still_finds_the_phrase():
    from assistant.audio.noise import car_noise, to_int16

    gated = configured(gate=True)
    noise = to_int16(car_noise(4.0, seed=3), peak=0.05)
    phrase, _ = stream([flite(PHRASE, "rms")])
    pcm = np.concatenate([noise, np.clip(phrase.astype(np.int32) + to_int16(car_noise(len(phrase) / RATE, seed=4),
                                                                           peak=0.05), -32768, 32767).astype(np.int16)])
    fired = triggers(gated, pcm)
    assert len(fired) == 1 and fired[0] > 4.0
    assert gated.blocks_fed < 0.6 * gated.blocks_seen  # the noise before the phrase never reached the search


def test_bad_settings_are_clear_errors():
    with pytest.raises(ConfigError, match="empty"):
        WakePhraseSpotter("   ")
    for bad in (0.0, 1.5, -1e-20):
        with pytest.raises(ConfigError, match="threshold"):
            WakePhraseSpotter(PHRASE, threshold=bad)



def test_bench_wake_counts_misses_and_false_wakes_against_baselines(tmp_path, capsys):
    """`assistant bench wake` on a small set made here: the phrase in two voices, a reading without it, noise."""
    import json

    from assistant.audio.noise import car_noise, to_int16
    from assistant.cli import main

    items = []
    for n, voice in enumerate(["kal16", "rms"]):
        pcm, [(start, end)] = stream([flite(PHRASE, voice)])
        sf.write(tmp_path / f"wake{n}.wav", pcm, RATE, subtype="PCM_16")
        items.append({"file": f"wake{n}.wav", "kind": "wake", "snr": "clean", "text": PHRASE,
                      "duration_s": len(pcm) / RATE, "speech_end_s": end})
    reading, _ = stream([flite(text, "kal16") for text in ORDINARY[:4]])
    sf.write(tmp_path / "read0.wav", reading, RATE, subtype="PCM_16")
    sf.write(tmp_path / "noise0.wav", to_int16(car_noise(5.0, seed=1), peak=0.3), RATE, subtype="PCM_16")
    items += [{"file": "read0.wav", "kind": "speech", "snr": "clean", "text": "", "duration_s": len(reading) / RATE},
              {"file": "noise0.wav", "kind": "noise", "snr": "noise", "text": "", "duration_s": 5.0}]
    (tmp_path / "manifest.json").write_text(json.dumps({"wake_phrase": PHRASE, "items": items}))

    assert main(["bench", "wake", "--wake-set", str(tmp_path), "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    report = json.loads((tmp_path / "out" / "wake.json").read_text())
    configured = report["configured"]
    assert configured["phrase"] == PHRASE and configured["wake_files"] == 2 and configured["missed"] == 0
    assert configured["false_wakes"] == {"speech": 0, "noise": 0}
    assert configured["hours"]["noise"] == round(5.0 / 3600, 3)
    assert -400 < configured["phrase_end_offset_ms"]["p50"] < 200  # the turn starts where the phrase ends
    old = report["baselines"]["old default"]
    assert old["phrase"] == "hey car" and old["missed"] is None  # this set does not say "hey car"
    assert {"with verifier", "kws only"} & set(report["baselines"]) and {"gate on", "gate off"} & set(report["baselines"])
    assert "<- configured" in printed and "old default" in printed
