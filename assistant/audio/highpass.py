"""A 2nd-order Butterworth high-pass for the VAD, in numpy only (no scipy.signal at start-up).

Importing scipy.signal costs about half a second (it pulls in scipy.stats and
scipy.interpolate), a third of `assistant run`'s start-up, for one biquad. The
coefficients are the bilinear transform with pre-warping of the analog
Butterworth prototype (the RBJ cookbook high-pass with Q = 1/sqrt(2)), which is
what scipy.signal.butter(2, f, "highpass", fs=fs) computes. Filtering is exact
and vectorised per frame: the filter is linear, so for a frame of n samples
y = H x + G z and the next state z' = P x + Q z, with H, G, P, Q built once
per frame length by running the recursion on unit inputs.
"""

from __future__ import annotations

import math

import numpy as np


def butter2_highpass(cutoff_hz: float, rate: int) -> tuple[np.ndarray, np.ndarray]:
    """(b, a) of a 2nd-order Butterworth high-pass, normalised so a[0] = 1."""
    w0 = 2 * math.pi * cutoff_hz / rate
    cos_w0, alpha = math.cos(w0), math.sin(w0) / (2 / math.sqrt(2))  # sin(w0) / (2 Q), Q = 1/sqrt(2)
    a0 = 1 + alpha
    b = np.array([(1 + cos_w0) / 2, -(1 + cos_w0), (1 + cos_w0) / 2]) / a0
    a = np.array([1.0, -2 * cos_w0 / a0, (1 - alpha) / a0])
    return b, a


class Biquad:
    """A biquad (transposed direct form II, as scipy.signal.lfilter) that keeps its state across frames."""

    def __init__(self, b: np.ndarray, a: np.ndarray) -> None:
        self.b = np.asarray(b, dtype=np.float64) / a[0]
        self.a = np.asarray(a, dtype=np.float64) / a[0]
        self.state = np.zeros(2)
        self._matrices: dict[int, tuple[np.ndarray, ...]] = {}

    @classmethod
    def butter_highpass(cls, cutoff_hz: float, rate: int) -> "Biquad":
        return cls(*butter2_highpass(cutoff_hz, rate))

    def process(self, x: np.ndarray) -> np.ndarray:
        """Filter one frame (float64 out), carrying the state into the next."""
        x = np.asarray(x, dtype=np.float64)
        if not len(x):
            return x
        h, g, p, q = self._for_length(len(x))
        y = h @ x + g @ self.state
        self.state = p @ x + q @ self.state
        return y

    def _for_length(self, n: int) -> tuple[np.ndarray, ...]:
        if n not in self._matrices:
            impulse = np.zeros(n)
            impulse[0] = 1.0
            y_imp, s_imp = self._run(impulse, np.zeros(2))  # zero state: response to x[0] = 1
            h = np.zeros((n, n))
            for j in range(n):  # input at j: the impulse response shifted by j
                h[j:, j] = y_imp[: n - j]
            p = np.stack([s_imp[n - 1 - j] for j in range(n)], axis=1)
            free = [self._run(np.zeros(n), unit) for unit in np.eye(2)]  # zero input: the state alone
            g = np.stack([out for out, _ in free], axis=1)
            q = np.stack([states[-1] for _, states in free], axis=1)
            self._matrices[n] = (h, g, p, q)
        return self._matrices[n]

    def _run(self, x: np.ndarray, state: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """The recursion itself, sample by sample (only to build the matrices)."""
        (b0, b1, b2), (_, a1, a2) = self.b, self.a
        z0, z1 = float(state[0]), float(state[1])
        out, states = np.zeros(len(x)), []
        for i, xi in enumerate(x):
            yi = b0 * xi + z0
            z0, z1 = b1 * xi - a1 * yi + z1, b2 * xi - a2 * yi
            out[i] = yi
            states.append(np.array([z0, z1]))
        return out, states
