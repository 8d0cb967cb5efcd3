"""k-fold cross-validation of the embedded NLU on its training data only.

Model settings (regularisation, features, tagger rules) are chosen by this, never by
the held-out splits in intents/<lang>/test: each fold's model, gazetteer included, is
fitted on the other folds and scored like `assistant eval nlu` (intent accuracy,
entity F1 on canonical values), then the folds are summed.

    python -m assistant.measure.crossval [--folds 5] [--seed 13] [--misses N]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from dataclasses import replace

import numpy as np

from assistant.nlu.data import EntitySpan, Example, NluData, load_nlu_data
from assistant.nlu.resolve import resolve_entities
from assistant.nlu.result import Entity


def fold_numbers(intents: list[str], k: int, seed: int = 13) -> np.ndarray:
    """Stratified fold number per example (every intent spread over the folds)."""
    rng = np.random.default_rng(seed)
    fold = np.empty(len(intents), int)
    labels = np.array(intents)
    for label in sorted(set(intents)):
        idx = np.flatnonzero(labels == label)
        rng.shuffle(idx)
        fold[idx] = (np.arange(len(idx)) + rng.integers(k)) % k
    return fold


def canonical_example(ex: Example, synonyms: dict[str, str]) -> Example:
    """Training annotations keep what was said ("passenger side", seat heat "on"); scoring
    needs what the NLU outputs (passenger, level 2), as the held-out splits are written."""
    said = [Entity(s.entity, s.value, s.start, s.end) for s in ex.entities]
    spans = tuple(EntitySpan(e.entity, str(e.value), e.start, e.end)
                  for e in resolve_entities(ex.intent, ex.text, said, synonyms))
    return replace(ex, entities=spans)


def cross_validate(data: NluData, *, folds: int = 5, seed: int = 13, threshold: float = 0.5,
                   progress=None) -> dict:
    """Summed out-of-fold metrics: {"examples", "intent_accuracy", "entity": {p, r, f1, ...}, "misses"}."""
    from assistant.nlu.embedded import EmbeddedNlu
    from assistant.measure.nlu_eval import _prf, evaluate_backend
    from assistant.nlu.trainer import fit_bundle

    fold = fold_numbers([ex.intent for ex in data.examples], folds, seed)
    correct, totals, misses = 0, Counter(), []
    for f in range(folds):
        train = NluData(examples=[ex for ex, n in zip(data.examples, fold) if n != f],
                        synonyms=data.synonyms, lookups=data.lookups, regexes=data.regexes)
        test = [canonical_example(ex, data.synonyms) for ex, n in zip(data.examples, fold) if n == f]
        nlu = EmbeddedNlu(fit_bundle(train), threshold=threshold)
        report = evaluate_backend(nlu, test)
        correct += round(report["intent_accuracy"] * report["examples"])
        totals.update({k: report["entity"][k] for k in ("tp", "fp", "fn")})
        misses.extend(report["misses"])
        if progress:
            progress(f + 1, folds)
    n = len(data.examples)
    return {"examples": n, "folds": folds, "seed": seed, "intent_accuracy": correct / n,
            "entity": _prf(totals["tp"], totals["fp"], totals["fn"]), "misses": misses}


def main(argv=None) -> int:
    from assistant.config import load_config

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, action="append", help="repeat with several seeds (mean)")
    parser.add_argument("--misses", type=int, default=0, help="print this many out-of-fold misses")
    args = parser.parse_args(argv)
    config = load_config()
    data = load_nlu_data(config.intents_dir / "nlu")
    accs, f1s = [], []
    for seed in args.seed or [13]:
        started = time.perf_counter()
        result = cross_validate(data, folds=args.folds, seed=seed, threshold=config.nlu.threshold)
        accs.append(result["intent_accuracy"])
        f1s.append(result["entity"]["f1"])
        print(f"seed {seed}: {result['examples']} examples, {args.folds} folds: intent accuracy "
              f"{result['intent_accuracy']:.2%}, entity F1 {result['entity']['f1']:.2%} "
              f"(p {result['entity']['precision']:.2%}, r {result['entity']['recall']:.2%}) "
              f"[{time.perf_counter() - started:.0f} s]", flush=True)
        for miss in result["misses"][:args.misses]:
            print(f"  {miss['intent']:>26} -> {miss['predicted']:<26} {miss['text']!r} "
                  f"{miss['entities']} -> {miss['predicted_entities']}")
    if len(accs) > 1:
        print(f"mean: intent accuracy {np.mean(accs):.2%}, entity F1 {np.mean(f1s):.2%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
