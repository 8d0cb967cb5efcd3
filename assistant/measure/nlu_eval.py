"""`assistant eval nlu`: held-out accuracy of every installed NLU backend, side by side.

Reads intents/<lang>/test (never trained on). Reports intent accuracy, per-intent
precision/recall/F1, entity precision/recall/F1 on (entity, canonical value) pairs (a
value said twice counts once) and on exact spans, the expected calibration error of the
intent confidence, and mean parse time, overall and per split (file-name prefix, e.g.
blind_*.yml); writes a JSON report and one confusion-matrix PNG per backend under --out.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import numpy as np

from assistant.errors import AssistantError
from assistant.nlu.data import Example, load_nlu_data
from assistant.nlu.resolve import NUMERIC
from assistant.nlu.softmax import expected_calibration_error


def _value(entity: str, value) -> object:
    if entity in NUMERIC:
        try:
            number = float(value)
            return int(number) if number.is_integer() else number
        except (TypeError, ValueError):
            pass
    return str(value).lower()


def _prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "tp": tp, "fp": fp, "fn": fn}


def evaluate_backend(nlu, examples: list[Example]) -> dict:
    """Metrics of one backend on labelled examples (plus the misses, for reading)."""
    intents = sorted({e.intent for e in examples})
    rows, times = [], []
    for ex in examples:
        started = time.perf_counter()
        result = nlu.parse(ex.text)
        times.append(time.perf_counter() - started)
        rows.append((ex, result))
    correct = [ex.intent == r.name for ex, r in rows]
    labels = sorted(set(intents) | {r.name for _, r in rows})
    per_intent = {}
    for name in labels:
        tp = sum(ex.intent == name and r.name == name for ex, r in rows)
        fp = sum(ex.intent != name and r.name == name for ex, r in rows)
        fn = sum(ex.intent == name and r.name != name for ex, r in rows)
        per_intent[name] = {**_prf(tp, fp, fn), "support": tp + fn}
    ent_by_type: dict[str, Counter] = {}
    totals, spans = Counter(), Counter()
    misses = []
    for ex, r in rows:
        # values as sets: saying "up" twice ("too quiet, turn it up") is one request
        gold = Counter(set((s.entity, _value(s.entity, s.value)) for s in ex.entities))
        pred = Counter(set((e.entity, _value(e.entity, e.value)) for e in r.entities))
        gold_spans = Counter((s.entity, s.start, s.end) for s in ex.entities)
        pred_spans = Counter((e.entity, e.start, e.end) for e in r.entities)
        for key, kind in ((gold & pred, "tp"), (pred - gold, "fp"), (gold - pred, "fn")):
            for (entity, _), n in key.items():
                ent_by_type.setdefault(entity, Counter())[kind] += n
                totals[kind] += n
        spans["tp"] += sum((gold_spans & pred_spans).values())
        spans["fp"] += sum((pred_spans - gold_spans).values())
        spans["fn"] += sum((gold_spans - pred_spans).values())
        if ex.intent != r.name or gold != pred:
            misses.append({"text": ex.text, "intent": ex.intent, "predicted": r.name,
                           "confidence": round(r.confidence, 3),
                           "entities": sorted(map(list, gold.elements()), key=str),
                           "predicted_entities": sorted(map(list, pred.elements()), key=str)})
    index = {n: i for i, n in enumerate(labels)}
    confusion = np.zeros((len(labels), len(labels)), int)
    for ex, r in rows:
        confusion[index[ex.intent], index[r.name]] += 1
    return {
        "examples": len(rows),
        "intent_accuracy": float(np.mean(correct)),
        "intent_macro_f1": float(np.mean([per_intent[n]["f1"] for n in intents])),
        "entity": _prf(totals["tp"], totals["fp"], totals["fn"]),
        "entity_span": _prf(spans["tp"], spans["fp"], spans["fn"]),
        "entity_by_type": {k: _prf(v["tp"], v["fp"], v["fn"]) for k, v in sorted(ent_by_type.items())},
        "calibration_error": expected_calibration_error([r.confidence for _, r in rows], correct),
        "mean_confidence": float(np.mean([r.confidence for _, r in rows])),
        "parse_ms_mean": 1000 * float(np.mean(times)),
        "parse_ms_p50": 1000 * float(np.median(times)),
        "per_intent": per_intent,
        "labels": labels,
        "confusion": confusion.tolist(),
        "misses": misses,
    }


def plot_confusion(report: dict, title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = report["labels"]
    matrix = np.array(report["confusion"], float)
    norm = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(12, 11))
    ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    for i, j in zip(*np.nonzero(matrix)):
        ax.text(j, i, int(matrix[i, j]), ha="center", va="center", fontsize=6,
                color="white" if norm[i, j] > 0.5 else "black")
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def installed_backends(config) -> list[str]:
    from assistant.nlu.rasa import rasa_installed

    return ["embedded"] + (["rasa"] if rasa_installed() else [])


def run(config, args) -> int:
    from assistant.nlu.backend import load_nlu

    test_dir = config.intents_dir / "test"
    load_nlu_data(test_dir)  # names a corrupt or empty test folder
    groups: dict[str, list[Example]] = {}
    for path in sorted(test_dir.rglob("*.yml")):
        group = path.stem.split("_")[0] if "_" in path.stem else "main"
        groups.setdefault(group, []).extend(load_nlu_data(path).examples)
    if getattr(args, "quick", False):
        groups = {g: ex[::4] for g, ex in groups.items()}
    examples = [e for ex in groups.values() for e in ex]
    backends = getattr(args, "backend", None) or installed_backends(config)
    out = Path(getattr(args, "out", "out/eval"))
    out.mkdir(parents=True, exist_ok=True)
    report = {"test_data": str(test_dir), "examples": len(examples), "threshold": config.nlu.threshold,
              "backends": {}}
    for name in backends:
        try:
            nlu = load_nlu(config, name)
        except AssistantError as exc:
            print(f"{name}: not evaluated: {exc}")
            report["backends"][name] = {"error": str(exc)}
            continue
        try:
            result = evaluate_backend(nlu, examples)
            if len(groups) > 1:  # e.g. main and blind (written later, never used for tuning)
                result["splits"] = {g: _summary(evaluate_backend(nlu, ex)) for g, ex in groups.items()}
        finally:
            nlu.close()
        png = out / f"nlu_confusion_{name}.png"
        plot_confusion(result, f"NLU {name}: intent accuracy {result['intent_accuracy']:.1%} "
                               f"on {len(examples)} held-out sentences", png)
        result["confusion_png"] = str(png)
        report["backends"][name] = result
    _print(report)
    path = out / "nlu.json"
    path.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"report: {path}")
    return 0 if any("error" not in r for r in report["backends"].values()) else 2


def _summary(result: dict) -> dict:
    return {"examples": result["examples"], "intent_accuracy": result["intent_accuracy"],
            "entity_f1": result["entity"]["f1"]}


def _print(report: dict) -> None:
    done = {n: r for n, r in report["backends"].items() if "error" not in r}
    if not done:
        return
    names = list(done)
    print(f"NLU held-out evaluation: {report['examples']} sentences from {report['test_data']}")
    rows = [("intent accuracy", lambda r: f"{r['intent_accuracy']:.1%}"),
            ("intent macro F1", lambda r: f"{r['intent_macro_f1']:.1%}"),
            ("entity precision", lambda r: f"{r['entity']['precision']:.1%}"),
            ("entity recall", lambda r: f"{r['entity']['recall']:.1%}"),
            ("entity F1 (value)", lambda r: f"{r['entity']['f1']:.1%}"),
            ("entity F1 (exact span)", lambda r: f"{r['entity_span']['f1']:.1%}"),
            ("calibration error (ECE)", lambda r: f"{r['calibration_error']:.3f}"),
            ("mean parse ms", lambda r: f"{r['parse_ms_mean']:.2f}")]
    print(f"{'':26}" + "".join(f"{n:>12}" for n in names))
    for label, fmt in rows:
        print(f"{label:26}" + "".join(f"{fmt(done[n]):>12}" for n in names))
    splits = sorted({g for r in done.values() for g in r.get("splits", {})})
    for g in splits:
        cell = lambda r: (f"{r['splits'][g]['intent_accuracy']:.1%}/{r['splits'][g]['entity_f1']:.1%}"
                          if g in r.get("splits", {}) else "-")
        n = next(r["splits"][g]["examples"] for r in done.values() if g in r.get("splits", {}))
        print(f"{g + f' ({n}) acc/ent F1':26}" + "".join(f"{cell(done[name]):>12}" for name in names))
    print("\nper intent F1 (support)")
    intents = sorted({i for r in done.values() for i, v in r["per_intent"].items() if v["support"]})
    for intent in intents:
        cells = "".join(f"{done[n]['per_intent'].get(intent, {}).get('f1', 0):>12.2f}" for n in names)
        support = next(r["per_intent"][intent]["support"] for r in done.values() if intent in r["per_intent"])
        print(f"{intent:26}{cells}   ({support})")
    print("\nentity F1 by type")
    types = sorted({t for r in done.values() for t in r["entity_by_type"]})
    for t in types:
        print(f"{t:26}" + "".join(f"{done[n]['entity_by_type'].get(t, {}).get('f1', 0):>12.2f}" for n in names))
