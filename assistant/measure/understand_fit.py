"""`assistant train understand`: fit the weights the runtime chooses readings by.

1. Readings: every file of the tuning sets (`make fixtures` sets `dev`, the training phrasings,
   and `tune`, the tuning phrasings of intents/<lang>/tune; never a test split) through the
   speech front end with the configured recogniser and its cross-check, as `assistant eval
   speech` hears them. They are kept in out/understand/readings_<set>.json with the recogniser
   settings they came from, so a refit with the same recogniser takes seconds.
2. Examples: every reading of every utterance that the NLU understands, its evidence
   (understand.evidence.FEATURES) and whether it is right: its meaning is the labelled intent
   with the labelled entities.
3. A logistic model over the evidence (L2-regularised, fitted by gradient descent).
4. Thresholds, on out-of-fold probabilities (two folds, a sentence's files in one fold): the
   threshold, safety threshold and margin with the lowest cost, where a command not acted on
   ("Sorry?", said again) costs 1 and a write nobody asked for costs WRONG_WRITE_COST (a
   safety-relevant one SAFETY_WRITE_COST): a write the written sentence does not make (as
   `assistant eval speech` counts them), or any write on an out-of-domain sentence.

Writes intents/<lang>/understand.json and prints the figures of the chosen thresholds.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.understand.evidence import FEATURES, Weights
from assistant.understand.meaning import Meaning

SETS = ("dev", "tune")
WRONG_WRITE_COST = 4.0  # a wrong action is worse than "Sorry?": it costs as much as asking four times
SAFETY_WRITE_COST = 10.0  # ... and a wrong unlock, trunk or mirror even more
L2 = 1.0
GRID = [round(0.3 + 0.05 * i, 2) for i in range(14)]  # 0.30 .. 0.95
MARGINS = (0.0, 0.05, 0.1, 0.2, 0.3)


def train(config, *, progress, fixtures: list[str] | None = None) -> str:
    from assistant.nlu.backend import load_nlu
    from assistant.understand.interpreter import WEIGHTS_FILE, SpeechInterpreter, domain_vocabulary

    started = time.perf_counter()
    folders = [Path(f) for f in fixtures] if fixtures else [config.resolve(f"tests/fixtures/generated/{s}") for s in SETS]
    rows = []
    for n, folder in enumerate(folders):
        rows += readings(config, folder, lambda f, m, _n=n: progress((_n + f) / len(folders) * 0.9, m))
    nlu = load_nlu(config)
    try:
        interpreter = SpeechInterpreter(nlu, Weights((0.0,) * len(FEATURES)), domain_vocabulary(config.intents_dir))
        files = examples(interpreter, rows, config)
    finally:
        nlu.close()
    progress(0.92, "fitting")
    weights = fit(files)
    folds = out_of_fold(files)
    chosen, figures = thresholds(files, folds)
    result = Weights(tuple(float(w) for w in weights), *chosen, fitted={
        "sets": [_shown(config, f) for f in folders], "files": len(files),
        "readings": sum(len(r) for f in files for r in f.utterances), "out_of_fold": figures,
        "command": "assistant train understand"})
    path = Path(config.intents_dir) / WEIGHTS_FILE
    result.save(path)
    return (f"understand: {len(files)} files of {', '.join(f.name for f in folders)}; threshold {chosen[0]}, "
            f"safety {chosen[1]}, margin {chosen[2]}: out of fold {figures['right']:.1%} of commands right, "
            f"{figures['wrong']:.1%} wrong ({figures['wrong_writes']:.1%} writes the sentence does not make), "
            f"{figures['unsure']:.1%} asked again; out of domain {figures['false_accepts']:.1%} accepted, "
            f"{figures['false_writes']:.1%} written -> {path} ({time.perf_counter() - started:.0f} s)")


def _shown(config, folder: Path) -> str:
    try:
        return str(folder.resolve().relative_to(config.resolve(".")))
    except ValueError:
        return str(folder)


# -- 1. readings ---------------------------------------------------------------------------------

def recogniser(config) -> str:
    """The settings a set of readings depends on."""
    a = config.asr
    return (f"{a.engine}/{a.mode} cross_check={a.cross_check} whisper={a.whisper_model} beam={a.whisper_beam} "
            f"nbest={a.whisper_nbest} window={a.whisper_window_s} prompt={a.whisper_prompt}")


def readings(config, folder: Path, progress) -> list[dict]:
    """Every file of the recorded set in `folder` with what the recogniser heard (cached)."""
    from assistant.asr.base import load_engine
    from assistant.asr.listener import SpeechFrontEnd
    from assistant.measure.recorded import ContinuedSource, load_recorded

    cache = config.resolve("out/understand") / f"readings_{folder.name}.json"
    key = recogniser(config)
    if cache.is_file():
        data = json.loads(cache.read_text(encoding="utf-8"))
        if data.get("recogniser") == key and data.get("folder") == str(folder):
            return data["rows"]
    items = load_recorded(config, folder)
    front = SpeechFrontEnd(config, engine=load_engine(config))
    rows = []
    for n, item in enumerate(items):
        source = ContinuedSource(item.path, speech_end_s=item.speech_end_s, block_ms=config.audio.block_ms)
        heard = [{"rejected": h.rejected, "alts": [[a.text, a.score, a.engine] for a in h.transcript.alternatives]
                  or ([[h.text, h.confidence, h.transcript.engine]] if not h.rejected else [])}
                 for h in front.listen(source)]
        rows.append({**item.to_json(), "speech_end_s": item.speech_end_s, "heard": heard})
        progress(n / len(items), f"{folder.name}: {n}/{len(items)} files")
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps({"recogniser": key, "folder": str(folder), "rows": rows}), encoding="utf-8")
    return rows


# -- 2. examples ---------------------------------------------------------------------------------

@dataclass
class FileExamples:
    """One recorded file: its sentence, what it should mean, and each utterance's readings."""

    sentence: str
    command: bool
    gold: Meaning  # the labels
    said: Meaning  # what the NLU makes of the sentence as written: a write it makes too is not the speech's fault
    utterances: list[list[tuple[Meaning, np.ndarray | None, bool]]]  # per utterance and reading: meaning,
    # evidence, contradicted by the cross-check


def gold_meaning(row: dict, synonyms: dict) -> Meaning:
    """The labelled intent and entities as the NLU would give them (values resolved per intent)."""
    from assistant.measure.recorded import RecordedItem
    from assistant.measure.speech_eval import expected_entities

    item = RecordedItem(id=row["id"], path=Path(row["file"]), text=row["text"], spoken=row["spoken"],
                        intent=row["intent"], entities=tuple(tuple(e) for e in row["entities"]))
    entities = frozenset((name, _as_text(value)) for name, value in expected_entities(item, synonyms))
    return Meaning(((row["intent"], entities),)).with_defaults()


def _as_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def examples(interpreter, rows: list[dict], config) -> list[FileExamples]:
    from assistant.asr.base import Hypothesis, Transcript
    from assistant.nlu.data import load_nlu_data

    synonyms = load_nlu_data(config.intents_dir / "nlu").synonyms
    out = []
    for row in rows:
        command = row["kind"] == "command"
        gold = gold_meaning(row, synonyms) if command else Meaning()
        utterances = []
        for heard in row["heard"]:
            if heard["rejected"] or not heard["alts"]:
                continue
            engine = heard["alts"][0][2]
            transcript = Transcript(heard["alts"][0][0], 0.0, engine=engine,
                                    alternatives=[Hypothesis(t, s, e) for t, s, e in heard["alts"]])
            utterances.append([(r.meaning, None if r.evidence is None else np.array(r.evidence), r.contradicted)
                               for r in interpreter.readings(transcript)])
        out.append(FileExamples(row["text"], command, gold, interpreter.meaning(row["text"]), utterances))
    return out


# -- 3. the model ---------------------------------------------------------------------------------

def design(files: list[FileExamples]) -> tuple[np.ndarray, np.ndarray]:
    """Evidence and labels of every understood reading of single-utterance files (a split file's
    parts have no label of their own)."""
    x, y = [], []
    for f in files:
        if len(f.utterances) != 1:
            continue
        for meaning, evidence, _ in f.utterances[0]:
            if evidence is not None:
                x.append(evidence)
                y.append(1.0 if f.command and meaning == f.gold else 0.0)
    return np.array(x).reshape(-1, len(FEATURES)), np.array(y)


def fit(files: list[FileExamples], l2: float = L2, steps: int = 4000) -> np.ndarray:
    x, y = design(files)
    w = np.zeros(len(FEATURES))
    if not len(y):
        return w
    penalty = np.r_[0.0, np.ones(len(FEATURES) - 1)] * l2 / len(y)  # the bias is not shrunk
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -50, 50)))
        w -= 0.5 * (x.T @ (p - y) / len(y) + penalty * w)
    return w


def out_of_fold(files: list[FileExamples], k: int = 2, seed: int = 0) -> list[np.ndarray]:
    """Per file, the weights fitted without its sentence (every SNR of a sentence in one fold)."""
    sentences = sorted({f.sentence for f in files})
    random.Random(seed).shuffle(sentences)
    fold = {s: n % k for n, s in enumerate(sentences)}
    weights = [fit([f for f in files if fold[f.sentence] != i]) for i in range(k)]
    return [weights[fold[f.sentence]] for f in files]


# -- 4. thresholds -------------------------------------------------------------------------------

def outcome(f: FileExamples, w: np.ndarray, threshold: float, safety_threshold: float, margin: float) -> str:
    """right / wrong / unsure / nothing (commands), accepted / nothing (out of domain), by choose's rule."""
    commands, unsure = [], False
    for readings in f.utterances:
        scored = sorted(((1.0 / (1.0 + np.exp(-float(x @ w))), m, c) for m, x, c in readings if x is not None),
                        key=lambda t: -t[0])
        if not scored:
            continue
        p, meaning, contradicted = scored[0]
        rival = any(q > p - margin for q, other, _ in scored[1:] if other != meaning)
        if rival or p < (safety_threshold if meaning.safety else threshold) or (meaning.safety and contradicted):
            unsure = True
            continue
        commands += meaning.commands
    heard = Meaning(tuple(commands))
    safety = "_safety" if heard.safety else ""
    if not f.command:
        return (f"accepted_write{safety}" if heard.writes else "accepted") if heard.understood else "nothing"
    if heard == f.gold:
        return "right"
    if heard.understood:  # a write counts against the speech only when the text as written does not make it
        return f"wrong_write{safety}" if heard.writes and heard != f.said else "wrong"
    return "unsure" if unsure else "nothing"


def figures_of(files, weights, threshold, safety_threshold, margin) -> dict:
    counts = Counter(outcome(f, w, threshold, safety_threshold, margin) for f, w in zip(files, weights))
    commands = sum(f.command for f in files) or 1
    ood = sum(not f.command for f in files) or 1
    wrong_writes = counts["wrong_write"] + counts["wrong_write_safety"]
    false_writes = counts["accepted_write"] + counts["accepted_write_safety"]
    return {"right": counts["right"] / commands, "wrong": (counts["wrong"] + wrong_writes) / commands,
            "wrong_writes": wrong_writes / commands, "unsure": counts["unsure"] / commands,
            "false_accepts": (counts["accepted"] + false_writes) / ood, "false_writes": false_writes / ood,
            "safety_writes": counts["wrong_write_safety"] + counts["accepted_write_safety"],
            "commands": commands, "out_of_domain": ood}


def thresholds(files: list[FileExamples], weights: list[np.ndarray]) -> tuple[tuple[float, float, float], dict]:
    best, best_key = None, None
    for threshold in GRID:
        for safety in [t for t in GRID if t >= threshold]:
            for margin in MARGINS:
                f = figures_of(files, weights, threshold, safety, margin)
                writes = f["wrong_writes"] * f["commands"] + f["false_writes"] * f["out_of_domain"]
                cost = ((1 - f["right"]) * f["commands"] + WRONG_WRITE_COST * writes
                        + (SAFETY_WRITE_COST - WRONG_WRITE_COST) * f["safety_writes"])
                key = (-round(cost, 3), f["right"], -threshold)
                if best_key is None or key > best_key:
                    best, best_key = ((threshold, safety, margin), f), key
    (chosen, figures) = best
    return chosen, {k: round(v, 4) if isinstance(v, float) else v for k, v in figures.items()}
