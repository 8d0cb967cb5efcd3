"""Start-up: the live path needs no scipy.signal; the VAD's numpy high-pass is scipy's Butterworth exactly."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from assistant.audio.highpass import Biquad, butter2_highpass


@pytest.mark.parametrize("cutoff, rate", [(200, 16000), (80, 16000), (1000, 8000)])
def test_the_coefficients_are_scipys_butterworth(cutoff, rate):
    from scipy.signal import butter

    b, a = butter(2, cutoff, btype="highpass", fs=rate)
    ours_b, ours_a = butter2_highpass(cutoff, rate)
    np.testing.assert_allclose(ours_b, b, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ours_a, a, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("frame", [480, 320, 160])
def test_frame_by_frame_filtering_matches_lfilter_with_state(frame):
    from scipy.signal import lfilter

    b, a = butter2_highpass(200, 16000)
    rng = np.random.default_rng(frame)
    x = np.concatenate([rng.standard_normal(frame * 40) * 3000, np.full(frame * 5, 5000.0)])  # noise, then DC
    biquad, zi, got, want = Biquad(b, a), np.zeros(2), [], []
    for i in range(0, len(x), frame):
        ref, zi = lfilter(b, a, x[i:i + frame], zi=zi)
        want.append(ref)
        got.append(biquad.process(x[i:i + frame]))
    np.testing.assert_allclose(np.concatenate(got), np.concatenate(want), rtol=0, atol=1e-6)
    assert abs(got[-1][-1]) < 1.0  # a high-pass: the DC step has died away


def test_the_live_path_imports_no_scipy_signal():
    code = ("import sys, assistant.cli.run, assistant.runtime.live, assistant.asr.listener, assistant.audio.vad, "
            "assistant.vehicle.session, assistant.tts.player, assistant.runtime; "
            "print(sorted(m for m in sys.modules if m.startswith('scipy.signal')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60).stdout
    assert out.strip() == "[]", f"scipy.signal costs ~0.5 s of start-up and was imported: {out}"
