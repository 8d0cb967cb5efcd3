"""PNG plots for the speech benchmarks and evaluation (matplotlib, headless)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # no display on a head unit or in CI
    import matplotlib.pyplot as plt

    return plt


def latency_cdf(series: dict[str, list[float]], title: str, path: Path, *, xlabel: str = "ms") -> Path | None:
    """One empirical CDF line per series, p50 and p95 marked; None when there is nothing to draw."""
    series = {k: sorted(v) for k, v in series.items() if v}
    if not series:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 5))
    for label, values in series.items():
        y = np.arange(1, len(values) + 1) / len(values)
        p50, p95 = np.percentile(values, 50), np.percentile(values, 95)
        ax.step(values, y, where="post", label=f"{label} (n={len(values)}, p50 {p50:.0f}, p95 {p95:.0f})")
    for q in (0.5, 0.95):
        ax.axhline(q, color="grey", lw=0.6, ls=":")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("fraction of turns")
    ax.set_ylim(0, 1.02)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return _save(fig, plt, path)


def latency_hist(series: dict[str, list[float]], title: str, path: Path, *, xlabel: str = "ms") -> Path | None:
    """Overlaid histograms on shared bins."""
    series = {k: v for k, v in series.items() if v}
    if not series:
        return None
    plt = _pyplot()
    everything = np.concatenate([np.asarray(v, float) for v in series.values()])
    bins = np.linspace(everything.min(), everything.max() + 1e-9, 30)
    fig, ax = plt.subplots(figsize=(8, 5))
    for label, values in series.items():
        ax.hist(values, bins=bins, alpha=0.55, label=f"{label} (n={len(values)})")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("turns")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return _save(fig, plt, path)


def grouped_bars(table: dict[str, dict[str, float | None]], title: str, path: Path, *, ylabel: str,
                 percent: bool = False) -> Path | None:
    """Bars per group (x) and series (colour): table[group][series] = value."""
    groups = list(table)
    names = list(dict.fromkeys(s for row in table.values() for s in row))
    if not groups or not names:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(6, 1.2 * len(groups) * max(1, len(names)) / 2), 5))
    width = 0.8 / len(names)
    x = np.arange(len(groups))
    for k, name in enumerate(names):
        values = [table[g].get(name) for g in groups]
        heights = [(v * 100 if percent else v) if v is not None else 0 for v in values]
        bars = ax.bar(x + (k - (len(names) - 1) / 2) * width, heights, width, label=name)
        for bar, v in zip(bars, values):
            if v is not None:
                ax.annotate(f"{v * 100:.0f}" if percent else f"{v:.2g}", (bar.get_x() + bar.get_width() / 2,
                            bar.get_height()), ha="center", va="bottom", fontsize=7)
    ax.set_xticks(x, groups, rotation=30 if len(groups) > 5 else 0, ha="right" if len(groups) > 5 else "center")
    ax.set_ylabel(ylabel + (" (%)" if percent else ""))
    if percent:
        ax.set_ylim(0, 105)
    ax.set_title(title)
    ax.legend(fontsize=8)
    return _save(fig, plt, path)


def _save(fig, plt, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
