"""A small trigram language model (ARPA) estimated from the grammar's sentences.

Witten-Bell smoothing, interpolated and written in backoff form: for a
history h seen c(h) times with T(h) distinct followers,

    P(w | h) = (c(h, w) + T(h) * P(w | h')) / (c(h) + T(h))

so the backoff weight is exactly T(h) / (c(h) + T(h)). Witten-Bell copes with
the fractional counts that template weighting gives (each template counts
once however many slot fillings it expands to).

Unlike a strict finite-state grammar, the n-gram model also accepts new
combinations of known phrases ("crack the driver window a little"), which is
what held-out phrasings need. Garbage words get a fixed share of the unigram
mass so out-of-domain speech has somewhere to go.
"""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

BOS, EOS = "<s>", "</s>"


def _log10(p: float) -> float:
    return math.log10(p) if p > 0 else -99.0


def estimate(sentences: list[tuple[tuple[str, ...], float]], *, garbage_words: list[str] = (),
             garbage_mass: float = 0.0, order: int = 3) -> dict[int, dict[tuple[str, ...], tuple[float, float | None]]]:
    """n-gram -> (log10 prob, log10 backoff or None) for orders 1..order."""
    counts: list[dict[tuple[str, ...], float]] = [defaultdict(float) for _ in range(order + 1)]
    for words, weight in sentences:
        padded = (BOS,) * (1 if order > 1 else 0) + tuple(words) + (EOS,)
        for n in range(1, order + 1):
            for i in range(len(padded) - n + 1):
                gram = padded[i:i + n]
                if n == 1 and gram == (BOS,):
                    continue
                if n > 1 and BOS in gram[1:]:
                    continue
                counts[n][gram] += weight
    # unigrams: maximum likelihood over the domain, with a share for garbage words
    total = sum(counts[1].values())
    domain_mass = 1.0 - (garbage_mass if garbage_words else 0.0)
    probs: dict[int, dict[tuple[str, ...], float]] = {1: {g: domain_mass * c / total for g, c in counts[1].items()}}
    for word in garbage_words:
        probs[1][(word,)] = probs[1].get((word,), 0.0) + garbage_mass / len(garbage_words)
    probs[1][(BOS,)] = 0.0
    backoff: dict[tuple[str, ...], float] = {}
    for n in range(2, order + 1):
        followers: dict[tuple[str, ...], list[tuple[str, float]]] = defaultdict(list)
        for gram, c in counts[n].items():
            followers[gram[:-1]].append((gram[-1], c))
        probs[n] = {}
        for history, seen in followers.items():
            c_h = sum(c for _, c in seen)
            t_h = len(seen)
            for word, c in seen:
                lower = _backed_off(probs, backoff, history[1:] + (word,))
                probs[n][history + (word,)] = (c + t_h * lower) / (c_h + t_h)
            backoff[history] = t_h / (c_h + t_h)
    model: dict[int, dict[tuple[str, ...], tuple[float, float | None]]] = {}
    for n in range(1, order + 1):
        model[n] = {}
        for gram, p in probs[n].items():
            bo = backoff.get(gram) if n < order else None
            if n < order and bo is None and gram != (EOS,):
                bo = 1.0  # a history never followed by anything: no mass moves
            model[n][gram] = (-99.0 if gram == (BOS,) else _log10(p), None if bo is None else _log10(bo))
    if order > 1:
        model[1][(BOS,)] = (-99.0, _log10(backoff.get((BOS,), 1.0)))
    return model


def _backed_off(probs, backoff, gram: tuple[str, ...]) -> float:
    """P(gram[-1] | gram[:-1]) from the lower orders already estimated."""
    if len(gram) == 1:
        return probs[1].get(gram, 0.0)
    if gram in probs[len(gram)]:
        return probs[len(gram)][gram]
    return backoff.get(gram[:-1], 1.0) * _backed_off(probs, backoff, gram[1:])


def write_arpa(model, path: Path) -> None:
    lines = ["\\data\\"]
    for n in sorted(model):
        lines.append(f"ngram {n}={len(model[n])}")
    for n in sorted(model):
        lines.append("")
        lines.append(f"\\{n}-grams:")
        for gram in sorted(model[n]):
            logp, bo = model[n][gram]
            line = f"{logp:.5f}\t{' '.join(gram)}"
            if bo is not None:
                line += f"\t{bo:.5f}"
            lines.append(line)
    lines.append("")
    lines.append("\\end\\")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
