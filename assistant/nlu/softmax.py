"""Multinomial logistic regression on sparse features, and temperature scaling.

Training uses scipy (L-BFGS on a CSR matrix); prediction needs only numpy: a text's
features are a handful of (index, weight) pairs, so its logits are a gather and a sum.
"""

from __future__ import annotations

import numpy as np


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def fit_softmax(X, y: np.ndarray, n_classes: int, *, l2: float = 1.0,
                sample_weight: np.ndarray | None = None, max_iter: int = 200,
                mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Weights (n_features x n_classes) and bias minimising mean weighted NLL + l2/2 |W|^2.

    `X` is a scipy sparse matrix; `mask` (n_samples x n_classes, bool) restricts each
    sample to its allowed classes.
    """
    n, d = X.shape
    k = n_classes
    Y = np.zeros((n, k))
    Y[np.arange(n), y] = 1.0
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, float)
    w = w / w.sum()
    penalty = None if mask is None else np.where(mask, 0.0, -1e9)
    X = X.tocsr()
    X.sum_duplicates()  # canonical CSR: several times faster products
    XT = X.T.tocsr()

    def objective(theta):
        W = theta[: d * k].reshape(d, k)
        b = theta[d * k:]
        logits = X @ W + b
        if penalty is not None:
            logits = logits + penalty
        logits -= logits.max(axis=1, keepdims=True)
        log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        loss = -(w * (Y * log_p).sum(axis=1)).sum() + 0.5 * l2 * (W * W).sum()
        G = (np.exp(log_p) - Y) * w[:, None]
        grad_W = XT @ G + l2 * W
        grad = np.concatenate([np.asarray(grad_W).ravel(), G.sum(axis=0)])
        return float(loss), grad.astype(np.float32)

    theta = lbfgs(objective, np.zeros(d * k + k, np.float32), max_iter=max_iter)
    return theta[: d * k].reshape(d, k).astype(np.float32), theta[d * k:].astype(np.float32)


def lbfgs(objective, x: np.ndarray, *, max_iter: int = 200, memory: int = 6,
          tol: float = 1e-6) -> np.ndarray:
    """Minimise a smooth convex function (value, gradient) with L-BFGS and Armijo backtracking.

    scipy's L-BFGS-B is several times slower here (bound bookkeeping, float64); this
    two-loop recursion in float32 keeps `assistant train` at a few seconds.
    """
    f, g = objective(x)
    s_hist: list[np.ndarray] = []
    y_hist: list[np.ndarray] = []
    for _ in range(max_iter):
        q = g.copy()
        alphas = []
        for s, yv in zip(reversed(s_hist), reversed(y_hist)):
            a = s @ q / (yv @ s)
            alphas.append(a)
            q -= a * yv
        if s_hist:
            q *= (s_hist[-1] @ y_hist[-1]) / (y_hist[-1] @ y_hist[-1])
        for (s, yv), a in zip(zip(s_hist, y_hist), reversed(alphas)):
            q += s * (a - yv @ q / (yv @ s))
        direction = -q
        slope = float(g @ direction)
        if slope >= 0:  # not a descent direction: restart from steepest descent
            s_hist.clear()
            y_hist.clear()
            direction, slope = -g, -float(g @ g)
        step = 1.0 if s_hist else min(1.0, 1.0 / max(float(np.abs(g).sum()), 1e-12))
        while True:
            x_new = x + step * direction
            f_new, g_new = objective(x_new)
            if f_new <= f + 1e-4 * step * slope or step < 1e-10:
                break
            step *= 0.5
        s, yv = x_new - x, g_new - g
        if s @ yv > 1e-10:
            s_hist.append(s)
            y_hist.append(yv)
            if len(s_hist) > memory:
                s_hist.pop(0)
                y_hist.pop(0)
        x, g, f_old, f = x_new, g_new, f, f_new
        if (abs(f_old - f) <= tol * max(1.0, abs(f)) and len(s_hist) > 1) or np.abs(g).max() < tol:
            break
    return x


def sparse_logits(W: np.ndarray, b: np.ndarray, indices, values) -> np.ndarray:
    """Logits of one sample given as parallel (indices, values)."""
    if len(indices) == 0:
        return b.astype(np.float64)
    return np.asarray(values, np.float64) @ W[np.asarray(indices)] + b


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The T minimising NLL of softmax(logits / T): Guo et al. 2017 temperature scaling."""
    from scipy.optimize import minimize_scalar

    def nll(log_t):
        p = softmax(logits / np.exp(log_t))
        return -np.log(p[np.arange(len(y)), y] + 1e-12).mean()

    return float(np.exp(minimize_scalar(nll, bounds=(-3, 3), method="bounded").x))


def expected_calibration_error(confidences, correct, bins: int = 10) -> float:
    """ECE: mean |accuracy - confidence| over equal-width confidence bins, weighted by size."""
    confidences = np.asarray(confidences, float)
    correct = np.asarray(correct, float)
    if len(confidences) == 0:
        return 0.0
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(confidences, edges[1:-1]), 0, bins - 1)
    ece = 0.0
    for b in range(bins):
        sel = which == b
        if sel.any():
            ece += sel.mean() * abs(correct[sel].mean() - confidences[sel].mean())
    return float(ece)
