"""`assistant train` entry for the NLU: the embedded model (seconds) and/or Rasa DIET (minutes)."""

from __future__ import annotations

from assistant.errors import ConfigError

KNOWN = ("embedded", "rasa")


def train(config, *, progress, backends=("embedded",)) -> str:
    """Train the chosen NLU backends from intents/<lang>/nlu; returns a summary line.

    `progress(fraction, message)` reports 0..1. "all" trains every backend that is
    installed (rasa only when `make rasa` has been run).
    """
    chosen = _choose(backends)
    weights = {"embedded": 1.0, "rasa": 20.0}  # rasa takes minutes, embedded seconds
    total = sum(weights[b] for b in chosen) or 1.0
    done = 0.0
    lines = []
    for name in chosen:
        def sub(fraction, message, _base=done, _w=weights[name], _name=name):
            progress((_base + _w * fraction) / total, f"{_name}: {message}")

        if name == "embedded":
            from assistant.nlu.trainer import train_embedded

            path, stats = train_embedded(config, sub)
            lines.append(f"embedded: {stats['intents']} intents, {stats['examples']} examples, "
                         f"cross-validated accuracy {stats['cv_accuracy']:.1%} -> {path} ({stats['seconds']} s)")
        else:
            from assistant.nlu.rasa import train_rasa

            lines.append("rasa: " + train_rasa(config, sub))
        done += weights[name]
    skipped = [b for b in _expand(backends) if b not in chosen]
    if skipped:
        lines.append(f"{', '.join(skipped)}: skipped (not installed; run `make rasa`)")
    return "nlu " + "; ".join(lines)


def _expand(backends) -> list[str]:
    names: list[str] = []
    for b in backends or ("embedded",):
        for name in (KNOWN if b == "all" else (b,)):
            if name not in KNOWN:
                raise ConfigError(f"unknown NLU backend {name!r}", hint=f"choose from {', '.join(KNOWN)} or all")
            if name not in names:
                names.append(name)
    return names


def _choose(backends) -> list[str]:
    names = _expand(backends)
    if "all" in (backends or ()):
        from assistant.nlu.rasa import rasa_installed

        names = [n for n in names if n != "rasa" or rasa_installed()]
    return names
