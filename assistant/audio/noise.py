"""Car-cabin noise and mixing at a chosen SNR, for fixtures, tests and benchmarks.

A moving car sounds like rumble (brown noise: tyres and wind, most energy
below 200 Hz), a broadband hiss (pink noise: air flow), and an engine hum
(a fundamental at firing frequency with a few harmonics, slowly wandering
with engine speed). Everything is seeded, so a fixture set is reproducible.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter

RATE = 16000


def _brown(n: int, rng: np.random.Generator) -> np.ndarray:
    # leaky integrator of white noise: -6 dB/octave, without the DC drift of a pure random walk
    return lfilter([1.0], [1.0, -0.995], rng.standard_normal(n))


def _pink(n: int, rng: np.random.Generator) -> np.ndarray:
    # Paul Kellet's economy filter: -3 dB/octave within 0.5 dB over the audio band
    b = [0.049922035, -0.095993537, 0.050612699, -0.004408786]
    a = [1.0, -2.494956002, 2.017265875, -0.522189400]
    return lfilter(b, a, rng.standard_normal(n))


def _hum(n: int, rng: np.random.Generator, rate: int) -> np.ndarray:
    t = np.arange(n) / rate
    rpm_wander = 1.0 + 0.05 * np.sin(2 * np.pi * 0.2 * t + rng.uniform(0, 2 * np.pi))
    f0 = rng.uniform(28.0, 45.0)  # ~1700-2700 rpm on a four-cylinder engine
    phase = 2 * np.pi * np.cumsum(f0 * rpm_wander) / rate
    return sum(np.sin(k * phase) / k for k in (1, 2, 3, 4))


def _unit(x: np.ndarray) -> np.ndarray:
    rms = np.sqrt(np.mean(x ** 2))
    return x / rms if rms > 0 else x


def car_noise(seconds: float, *, seed: int = 0, rate: int = RATE) -> np.ndarray:
    """`seconds` of car-cabin noise, float32 with RMS 1.0."""
    n = max(1, int(round(seconds * rate)))
    rng = np.random.default_rng(seed)
    mix = 1.0 * _unit(_brown(n, rng)) + 0.5 * _unit(_pink(n, rng)) + 0.35 * _unit(_hum(n, rng, rate))
    return _unit(mix).astype(np.float32)


def active_rms(speech: np.ndarray, rate: int = RATE, frame_ms: int = 20) -> float:
    """RMS over the frames that carry speech (within 30 dB of the loudest), as SNR measurements use."""
    x = speech.astype(np.float64)
    size = max(1, rate * frame_ms // 1000)
    frames = x[: len(x) // size * size].reshape(-1, size) if len(x) >= size else x.reshape(1, -1)
    power = np.mean(frames ** 2, axis=1)
    if not np.any(power > 0):
        return 0.0
    active = power[power >= power.max() * 1e-3]
    return float(np.sqrt(np.mean(active)))


NOISE_COLOURS = ("white", "pink", "brown", "car")


def coloured_noise(kind: str, seconds: float, *, dbfs: float, seed: int = 0, rate: int = RATE) -> np.ndarray:
    """`seconds` of seeded steady noise at an RMS of `dbfs` (float, full scale 1.0): "white", "pink"
    (-3 dB/octave), "brown" (-6 dB/octave) or "car" (car_noise). Steady noise must never be a command."""
    if kind not in NOISE_COLOURS:
        raise ValueError(f"unknown noise {kind!r}: one of {', '.join(NOISE_COLOURS)}")
    n = max(1, int(round(seconds * rate)))
    rng = np.random.default_rng(seed)
    if kind == "car":
        x = car_noise(seconds, seed=seed, rate=rate).astype(np.float64)[:n]
    else:
        x = {"white": rng.standard_normal, "pink": lambda k: _pink(k, rng), "brown": lambda k: _brown(k, rng)}[kind](n)
    return _unit(x - np.mean(x)) * 10 ** (dbfs / 20)


def mix_at_snr(speech: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """speech + noise scaled so that active-speech power / noise power = snr_db (float arrays)."""
    speech = speech.astype(np.float64)
    noise = np.resize(noise.astype(np.float64), len(speech))
    noise_rms = np.sqrt(np.mean(noise ** 2))
    if noise_rms == 0:
        return speech
    gain = active_rms(speech) / (noise_rms * 10 ** (snr_db / 20))
    return speech + gain * noise


def to_int16(x: np.ndarray, *, peak: float = 0.9) -> np.ndarray:
    """Float audio (any scale) to int16, normalised so the peak is `peak` of full scale."""
    top = float(np.max(np.abs(x))) if len(x) else 0.0
    scaled = x / top * peak if top > 0 else x
    return np.clip(np.round(scaled * 32767), -32768, 32767).astype(np.int16)
