"""`assistant eval speech`: speech-to-intent acceptance on the recorded set, and what the car did.

Every file of the recorded set (`make fixtures`) goes through the real pipeline: the WAV and
2 s more of its own background (ContinuedSource: the cabin keeps sounding) -> SpeechFrontEnd
(endpointing + ASR) -> Assistant.handle_text (NLU, dialogue, skills, gate, the built-in
simulated car), on a car and conversation reset before each file.

- Command acceptance (Picovoice's rule): a command counts only when the intent and every
  entity (as canonical values) are right; a rejected or misheard command is a miss.
- Out-of-domain items: a false accept is any intent other than nlu_fallback, or any write.
- What the car did: the same reset car takes the reference text of the item (the text
  path, as `assistant chat`) and the outcome (intents acted on, writes requested, final
  state of the written signals, denial) must match what the speech produced.
- ASR: sentence accuracy and WER against the spoken reference.

Figures overall and grouped by SNR, voice and split; a JSON report, an intent confusion
matrix PNG and an acceptance-by-SNR PNG under --out.

`--systems pocketsphinx/grammar,pocketsphinx/ngram,whisper,whisper+webrtc` runs several
recognisers (engine[/mode][+denoiser]) on the same files in one run and prints them side by
side (speech_compare.json); `--denoise webrtc` puts the noise suppressor in front of one.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from assistant.measure.recorded import (RecordedItem, end_of_speech_wait_ms, group_keys, load_recorded, select,
                                       sort_groups, with_voiced_ends)
from assistant.measure.stats import edit_distance, rate, summary

FALLBACK = "nlu_fallback"
QUICK_FILES = 48
GROUPS = ("snr", "voice", "split")


@dataclass(frozen=True)
class CarOutcome:
    """What one turn made the car do."""

    actions: tuple[str, ...]  # intents acted on, in order
    writes: dict[str, Any]  # VSS path -> value requested
    final: dict[str, Any]  # VSS path -> the car's value after the turn, for every path written
    denied: bool
    frames: int

    @classmethod
    def of(cls, report) -> "CarOutcome":
        writes = dict(report.turn.writes)
        return cls(tuple(a.action for a in report.turn.actions), writes,
                   {p: report.state.get(p) for p in writes}, report.turn.denied is not None, len(report.turn.frames))

    def same_as(self, other: "CarOutcome") -> bool:
        return (self.actions == other.actions and self.denied == other.denied
                and _same_values(self.writes, other.writes) and _same_values(self.final, other.final))

    def to_json(self) -> dict:
        return {"actions": list(self.actions), "writes": self.writes, "final": self.final,
                "denied": self.denied, "frames": self.frames}


def _same_values(a: dict, b: dict) -> bool:
    if a.keys() != b.keys():
        return False
    for key, x in a.items():
        y = b[key]
        if isinstance(x, float) or isinstance(y, float):
            try:
                if not math.isclose(float(x), float(y), abs_tol=1e-6):
                    return False
            except (TypeError, ValueError):
                return False
        elif x != y:
            return False
    return True


@dataclass
class ItemResult:
    """One recorded file through the pipeline, scored."""

    item: RecordedItem
    transcript: str
    rejected: bool
    intent: str
    entities: list[tuple[str, Any]]
    expected_entities: list[tuple[str, Any]]
    correct: bool  # commands: intent and every entity right
    accepted: bool  # produced a command: an intent other than nlu_fallback, or a write
    wer_errors: int
    ref_words: int
    car: CarOutcome | None = None
    expected_car: CarOutcome | None = None
    reference_correct: bool | None = None  # the reference text's own parse is right (text-path ceiling)
    eos_to_transcript_ms: float | None = None
    error: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def car_right(self) -> bool | None:
        if self.car is None or self.expected_car is None:
            return None
        return self.car.same_as(self.expected_car)

    @property
    def car_category(self) -> str | None:
        """right / wrong (other writes) / missed (no write) / spurious (wrote, none expected) / no_write_ok."""
        if self.car is None or self.expected_car is None:
            return None
        if self.car.same_as(self.expected_car):
            return "right"
        if self.expected_car.writes:
            return "missed" if not self.car.writes else "wrong"
        return "spurious" if self.car.writes else "other_reply"

    def to_json(self) -> dict:
        return {**self.item.to_json(), "transcript": self.transcript, "rejected": self.rejected,
                "predicted_intent": self.intent, "predicted_entities": [list(e) for e in self.entities],
                "expected_entities": [list(e) for e in self.expected_entities], "correct": self.correct,
                "accepted": self.accepted, "wer_errors": self.wer_errors, "ref_words": self.ref_words,
                "car_right": self.car_right, "car_category": self.car_category,
                "car": self.car.to_json() if self.car else None,
                "expected_car": self.expected_car.to_json() if self.expected_car else None,
                "reference_correct": self.reference_correct,
                "eos_to_transcript_ms": self.eos_to_transcript_ms, "error": self.error, **self.extra}


# -- scoring -------------------------------------------------------------------------------

def _value(entity: str, value) -> Any:
    from assistant.measure.nlu_eval import _value as nlu_value  # the same value rules as `eval nlu`

    return nlu_value(entity, value)


def expected_entities(item: RecordedItem, synonyms: dict[str, str] | None = None) -> set[tuple[str, Any]]:
    """The labelled entities as the catalogue values the NLU outputs ("a bit" opens a window 20 %,
    seat heat "on" is level 2), resolved by the NLU's own rules for the labelled intent."""
    from assistant.nlu.resolve import resolve_entities
    from assistant.nlu.result import Entity

    gold = [Entity(name, value, 0, 0, 1.0, "label") for name, value in item.entities]
    resolved = resolve_entities(item.intent, item.text, gold, synonyms or {})
    return {(e.entity, _value(e.entity, e.value)) for e in resolved}


def predicted(parse) -> tuple[str, set[tuple[str, Any]]]:
    """Intent and entity set of a parse (None: nothing understood)."""
    if parse is None:
        return FALLBACK, set()
    return parse.intent.name, {(e.entity, _value(e.entity, e.value)) for e in parse.entities}


def score(item: RecordedItem, transcript: str, rejected: bool, parse, *, writes: bool = False,
          synonyms: dict[str, str] | None = None) -> ItemResult:
    """Score one heard item (Picovoice's rule for commands; false accepts for out-of-domain)."""
    from assistant.asr.text import spoken_tokens

    intent, entities = (FALLBACK, set()) if rejected else predicted(parse)
    gold = expected_entities(item, synonyms) if item.is_command else set()
    correct = item.is_command and not rejected and intent == item.intent and entities == gold
    accepted = (not rejected and intent != FALLBACK) or writes
    reference = spoken_tokens(item.spoken)
    hypothesis = [] if rejected else spoken_tokens(transcript)
    return ItemResult(item, "" if rejected else transcript, rejected, intent, sorted(entities, key=str),
                      sorted(gold, key=str), correct, accepted, edit_distance(reference, hypothesis), len(reference))


# -- running -------------------------------------------------------------------------------

def open_session(config, *, speak: bool = False, player=None, engine=None):
    """An Assistant on its own virtual bus with the built-in car (fast windows) for measurements; with
    `engine`, listening too (every utterance a turn). `Assistant.reset()` between items."""
    from assistant.runtime import Assistant

    config = replace(config, vehicle=replace(config.vehicle, interface="virtual", simulator="builtin",
                                             channel=f"measure-{time.monotonic_ns()}"))
    return Assistant.open(config, speak=speak, player=player, time_scale=200, listen=engine is not None,
                          triggers=False, engine=engine)


class SpeechEvaluator:
    """Runs recorded items through one assistant and one speech front end, scoring each."""

    def __init__(self, config, *, engine: str | None = None, mode: str | None = None) -> None:
        from assistant.asr.base import load_engine
        from assistant.nlu.data import load_nlu_data

        self.config = config
        self.synonyms = load_nlu_data(config.intents_dir / "nlu").synonyms
        self.assistant = open_session(config, engine=load_engine(config, engine=engine, mode=mode))
        self.front = self.assistant.front
        self.audio_s = 0.0  # fed to the front end (for the noise suppressor's CPU share)
        self._reference: dict[str, tuple[CarOutcome, bool]] = {}

    def reference(self, item: RecordedItem) -> tuple[CarOutcome, bool]:
        """What the car does for the item's reference text, and whether the text path understood it."""
        key = item.text
        if key not in self._reference:
            self.assistant.reset()
            report = self.assistant.handle_text(item.text)
            parse = report.turn.actions[0].parse if report.turn.actions else None
            ok = score(item, item.text, False, parse, synonyms=self.synonyms)
            self._reference[key] = (CarOutcome.of(report), ok.correct if item.is_command else not ok.accepted)
        return self._reference[key]

    def run_item(self, item: RecordedItem) -> ItemResult:
        from assistant.measure.recorded import ContinuedSource
        from assistant.errors import AssistantError

        expected_car, reference_ok = self.reference(item)
        self.assistant.reset()
        try:
            source = ContinuedSource(item.path, speech_end_s=item.speech_end_s, block_ms=self.config.audio.block_ms)
            self.audio_s += source.duration_s
            heard = list(self.front.listen(source))
        except AssistantError as exc:
            result = score(item, "", True, None, synonyms=self.synonyms)
            result.error = str(exc).splitlines()[0]
            return result
        accepted = [h for h in heard if not h.rejected]
        text = " ".join(h.text for h in accepted)
        rejected = not accepted
        transcribed_at = time.perf_counter()
        eos_ms = end_of_speech_wait_ms(heard, item.speech_end_s)
        report = self.assistant.handle_text(
            "" if rejected else text, heard_at=transcribed_at - (eos_ms or 0) / 1000, transcript=text,
            speaker_zone=(accepted[0].zone if accepted else None) or "driver")
        car = CarOutcome.of(report)
        parse = report.turn.actions[0].parse if report.turn.actions else None
        result = score(item, text, rejected, parse, writes=bool(car.writes) or car.frames > 0,
                       synonyms=self.synonyms)
        result.car, result.expected_car, result.reference_correct = car, expected_car, reference_ok
        result.eos_to_transcript_ms = round(eos_ms, 1) if eos_ms is not None else None
        result.extra = {"raw": " | ".join(h.transcript.raw for h in heard), "utterances": len(heard)}
        choices = [h.transcript.choice for h in heard if h.transcript.choice]
        if choices:  # which reading of the n-best was acted on, or why none was
            result.extra["choices"] = choices
            result.extra["readings"] = [[a.text for a in h.transcript.alternatives] for h in heard]
        return result

    def close(self) -> None:
        self.assistant.close()


def evaluate(config, items: list[RecordedItem], *, engine: str | None = None, mode: str | None = None,
             progress: bool = True, costs: dict | None = None) -> list[ItemResult]:
    """Every item through the pipeline (a tqdm bar on stderr when `progress`); `costs` gets the
    noise suppressor's share of one core when there is one."""
    from tqdm import tqdm

    evaluator = SpeechEvaluator(config, engine=engine, mode=mode)
    results = []
    try:
        with tqdm(items, desc=f"eval speech {engine or ''}", unit="file", file=sys.stderr, disable=not progress,
                  dynamic_ncols=True) as bar:
            for item in bar:
                results.append(evaluator.run_item(item))
                done = [r for r in results if r.item.is_command]
                if done:
                    bar.set_postfix(accept=f"{sum(r.correct for r in done) / len(done):.0%}", refresh=False)
    finally:
        denoiser = evaluator.front.denoiser
        if costs is not None and denoiser is not None and evaluator.audio_s:
            costs["denoise_cpu_share"] = round(denoiser.seconds / evaluator.audio_s, 5)
        evaluator.close()
    return results


# -- reporting -------------------------------------------------------------------------------

def summarize(results: list[ItemResult]) -> dict:
    """Acceptance, out-of-domain and car figures for a list of results."""
    commands = [r for r in results if r.item.is_command]
    ood = [r for r in results if not r.item.is_command]
    words = sum(r.ref_words for r in commands)
    cars = Counter(r.car_category for r in commands if r.car_category)
    acting = [r for r in commands if r.expected_car is not None and r.expected_car.writes]
    return {
        "commands": len(commands),
        "command_acceptance": rate(sum(r.correct for r in commands), len(commands)),
        "intent_accuracy": rate(sum((not r.rejected) and r.intent == r.item.intent for r in commands), len(commands)),
        "false_rejection_rate": rate(sum(r.rejected for r in commands), len(commands)),
        "asr_sentence_accuracy": rate(sum(r.wer_errors == 0 for r in commands), len(commands)),
        "asr_wer": round(sum(r.wer_errors for r in commands) / words, 4) if words else None,
        "text_path_acceptance": rate(sum(bool(r.reference_correct) for r in commands),
                                     sum(r.reference_correct is not None for r in commands)),
        "car_right_rate": rate(cars["right"], sum(cars.values())),
        "car_outcomes": dict(sorted(cars.items())),
        "actuating_commands": len(acting),
        "actuating_car_right_rate": rate(sum(bool(r.car_right) for r in acting), len(acting)),
        "unintended_write_rate": rate(sum(_unintended(r) for r in commands), len(commands)),
        "ood": len(ood),
        "ood_false_accept_rate": rate(sum(r.accepted for r in ood), len(ood)),
        "ood_write_rate": rate(sum(bool(r.car and (r.car.writes or r.car.frames)) for r in ood), len(ood)),
        "ood_rejected_by_asr": rate(sum(r.rejected for r in ood), len(ood)),
        "eos_to_transcript_ms": summary(r.eos_to_transcript_ms for r in results),
    }


def _unintended(result: ItemResult) -> bool:
    """The speech made the car write something its reference text did not."""
    if result.car is None or result.expected_car is None:
        return False
    expected = result.expected_car.writes
    return any(p not in expected or not _same_values({p: v}, {p: expected[p]}) for p, v in result.car.writes.items())


def confusion(results: list[ItemResult]) -> dict:
    labels = sorted({r.item.intent for r in results} | {r.intent for r in results})
    index = {name: i for i, name in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for r in results:
        matrix[index[r.item.intent]][index[r.intent]] += 1
    return {"labels": labels, "confusion": matrix}


def build_report(results: list[ItemResult], meta: dict) -> dict:
    grouped: dict[str, dict[str, list[ItemResult]]] = {g: defaultdict(list) for g in GROUPS}
    for r in results:
        for g, key in group_keys(r.item).items():
            grouped[g][key].append(r)
    return {
        **meta,
        "files": len(results),
        "overall": summarize(results),
        "by": {g: {k: summarize(grouped[g][k]) for k in sort_groups(g, grouped[g])} for g in GROUPS},
        "by_intent": {k: summarize([r for r in results if r.item.intent == k])
                      for k in sorted({r.item.intent for r in results})},
        **confusion(results),
        "misses": [r.to_json() for r in results if (r.item.is_command and not r.correct)
                   or (not r.item.is_command and r.accepted) or r.car_right is False],
        "items": [r.to_json() for r in results],
    }


def _pct(value) -> str:
    return "-" if value is None else f"{value:.1%}"


def print_report(report: dict) -> None:
    o = report["overall"]
    print(f"speech -> intent on {report['files']} recorded files ({o['commands']} commands, {o['ood']} out of domain), "
          f"ASR {report['asr']}, NLU {report['nlu']}")
    print(f"  command acceptance (intent + every entity right): {_pct(o['command_acceptance'])}   "
          f"intent accuracy {_pct(o['intent_accuracy'])}   rejected by ASR {_pct(o['false_rejection_rate'])}")
    print(f"  text path (reference text, same NLU/dialogue): {_pct(o['text_path_acceptance'])}")
    print(f"  ASR sentence accuracy {_pct(o['asr_sentence_accuracy'])}, WER {_pct(o['asr_wer'])}")
    print(f"  car did what the reference text makes it do: {_pct(o['car_right_rate'])} "
          f"({', '.join(f'{k} {v}' for k, v in o['car_outcomes'].items()) or '-'}); actuating commands "
          f"{_pct(o['actuating_car_right_rate'])} of {o['actuating_commands']}; unintended writes "
          f"{_pct(o['unintended_write_rate'])}")
    print(f"  out of domain: false accepts {_pct(o['ood_false_accept_rate'])}, writes {_pct(o['ood_write_rate'])}, "
          f"rejected by ASR {_pct(o['ood_rejected_by_asr'])}")
    weakest = sorted(((s["command_acceptance"], k, s["commands"]) for k, s in report["by_intent"].items()
                      if s["commands"]), key=lambda t: (t[0], -t[2]))[:6]
    if weakest:
        print("  weakest intents: " + ", ".join(f"{k} {_pct(a)} of {n}" for a, k, n in weakest))
    header = f"  {'':22}{'files':>6}{'accept':>9}{'intent':>9}{'sent.acc':>9}{'WER':>8}{'car ok':>8}{'OOD FA':>8}"
    for g in GROUPS:
        print(f"by {g}\n{header}")
        for key, s in report["by"][g].items():
            n = s["commands"] + s["ood"]
            print(f"  {key:22}{n:>6}{_pct(s['command_acceptance']):>9}{_pct(s['intent_accuracy']):>9}"
                  f"{_pct(s['asr_sentence_accuracy']):>9}{_pct(s['asr_wer']):>8}{_pct(s['car_right_rate']):>8}"
                  f"{_pct(s['ood_false_accept_rate']):>8}")


def plot(report: dict, out: Path) -> dict:
    from assistant.measure.plots import grouped_bars
    from assistant.measure.nlu_eval import plot_confusion

    pngs = {}
    path = out / "speech_confusion.png"
    plot_confusion(report, f"speech -> intent ({report['asr']}): command acceptance "
                           f"{_pct(report['overall']['command_acceptance'])} on {report['files']} files", path)
    pngs["confusion"] = str(path)
    table = {k: {"command acceptance": s["command_acceptance"], "ASR sentence accuracy": s["asr_sentence_accuracy"],
                 "car right": s["car_right_rate"], "OOD false accepts": s["ood_false_accept_rate"]}
             for k, s in report["by"]["snr"].items()}
    made = grouped_bars(table, f"speech eval by SNR ({report['asr']})", out / "speech_by_snr.png",
                        ylabel="rate", percent=True)
    if made:
        pngs["by_snr"] = str(made)
    return pngs


def parse_system(spec: str, config) -> tuple[str, str, str, str | None]:
    """"engine[/mode][:check][+denoiser]" -> (engine, mode, denoiser, cross-check); whisper has only the
    open mode; check is an "engine/mode" or "none", and without it [asr] cross_check applies."""
    base, _, denoise = spec.strip().partition("+")
    base, _, check = base.partition(":")
    engine, _, mode = base.partition("/")
    if engine == "whisper":
        mode = "open"
    cross_check = None if not check else ("" if check == "none" else check)
    return engine, mode or config.asr.mode, denoise or "off", cross_check


def _with_denoise(config, denoise: str):
    return replace(config, audio=replace(config.audio, denoise=denoise))


def run(config, args) -> int:
    """The `assistant eval speech` handler."""
    backends = getattr(args, "backend", None)
    if backends:
        config.nlu.backend = backends[0]
    items = load_recorded(config, getattr(args, "fixtures", None))
    limit = getattr(args, "limit", None) or (QUICK_FILES if getattr(args, "quick", False) else None)
    chosen = with_voiced_ends(select(items, limit), items)
    out = Path(getattr(args, "out", "out/eval"))
    out.mkdir(parents=True, exist_ok=True)
    degrade = tuple(k.strip() for k in (getattr(args, "degrade", None) or "").split(",") if k.strip())
    systems = [s for s in (getattr(args, "systems", None) or "").split(",") if s.strip()]
    if systems:
        return _run_systems(config, systems, items, chosen, out, degrade)
    engine = getattr(args, "asr_engine", None) or config.asr.engine
    mode = getattr(args, "asr_mode", None) or config.asr.mode
    denoise = getattr(args, "denoise", None) or config.audio.denoise
    report = _evaluate_one(_with_denoise(config, denoise), chosen, items, engine, mode, denoise, degrade=degrade)
    report["pngs"] = plot(report, out)
    print_report(report)
    print_degraded({report["asr"]: report.get("degraded")})
    path = out / "speech.json"
    path.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"report: {path}; plots: {', '.join(report['pngs'].values())}")
    return 0


def _evaluate_one(config, chosen, items, engine: str, mode: str, denoise: str, cross_check: str | None = None,
                  degrade: tuple[str, ...] = ()) -> dict:
    started = time.perf_counter()
    costs: dict = {}
    if cross_check is not None:
        config = replace(config, asr=replace(config.asr, cross_check=cross_check))
    results = evaluate(config, chosen, engine=engine, mode=mode, costs=costs)
    label = system_label(engine, mode, denoise, config.asr.cross_check)
    report = build_report(results, {"asr": label, "nlu": config.nlu.backend, "denoise": denoise, **costs,
                                    "fixtures": str(chosen[0].path.parent) if chosen else None,
                                    "of_files": len(items), "seconds": round(time.perf_counter() - started, 1)})
    if degrade:
        report["degraded"] = evaluate_degraded(config, chosen, degrade, engine=engine, mode=mode)
    return report


def system_label(engine: str, mode: str, denoise: str, cross_check: str) -> str:
    base = engine if engine == "whisper" else f"{engine}/{mode}"
    check = f":{cross_check}" if cross_check and cross_check.partition("/")[0] != engine else ""
    return base + check + ("" if denoise == "off" else f"+{denoise}")


def evaluate_degraded(config, chosen: list[RecordedItem], kinds: tuple[str, ...], *, engine: str, mode: str) -> dict:
    """The clean commands among `chosen` through each degradation (assistant.measure.degraded): each must
    be understood as itself or not at all; `other_command` counts those heard as another command."""
    import tempfile

    import soundfile as sf

    from assistant.audio.wav import read_wav
    from assistant.measure.degraded import degrade

    clean = [i for i in chosen if i.snr == "clean" and i.is_command]
    out = {}
    with tempfile.TemporaryDirectory(prefix="degraded-") as tmp:
        for kind in kinds:
            copies = []
            for item in clean:
                path = Path(tmp) / f"{kind}_{item.path.name}"
                sf.write(path, degrade(read_wav(item.path), 16000, kind), 16000, subtype="PCM_16")
                copies.append(replace(item, path=path, snr=f"clean+{kind}"))
            results = evaluate(config, copies, engine=engine, mode=mode, progress=False)
            other = [r for r in results if r.accepted and not r.correct]
            out[kind] = {"files": len(results), "right": sum(r.correct for r in results),
                         "not_acted_on": sum(not r.accepted for r in results), "other_command": len(other),
                         "other_write": sum(bool(r.car and r.car.writes) for r in other),
                         "others": [{"text": r.item.text, "heard": r.transcript, "intent": r.intent} for r in other]}
    return out


def _run_systems(config, systems: list[str], items, chosen, out: Path, degrade: tuple[str, ...] = ()) -> int:
    """Several recognisers on the same files, one after another, and one table of them."""
    reports = {}
    for spec in systems:
        engine, mode, denoise, check = parse_system(spec, config)
        report = _evaluate_one(_with_denoise(config, denoise), chosen, items, engine, mode, denoise, check, degrade)
        reports[spec.strip()] = report
        name = spec.strip().replace("/", "-").replace("+", "_")
        (out / f"speech_{name}.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    compare = {label: {"overall": r["overall"], "by": r["by"], "denoise_cpu_share": r.get("denoise_cpu_share"),
                       "seconds": r["seconds"], "degraded": r.get("degraded")} for label, r in reports.items()}
    path = out / "speech_compare.json"
    path.write_text(json.dumps({"files": len(chosen), "of_files": len(items), "systems": compare},
                               indent=2, default=str) + "\n")
    print_comparison(compare, len(chosen))
    print_degraded({label: r.get("degraded") for label, r in reports.items()})
    print(f"reports: {path} and speech_<system>.json in {out}")
    return 0


def print_comparison(systems: dict, files: int) -> None:
    """Command acceptance per system, overall and by SNR, voice and split; out-of-domain figures."""
    print(f"speech -> intent, {len(systems)} recognisers on the same {files} files "
          "(command acceptance: intent + every entity right)")
    width = max(22, *(len(k) + 2 for k in systems))
    print(f"{'system':{width}}{'accept':>8}{'intent':>8}{'WER':>8}{'unint.wr':>9}{'OOD FA':>8}{'OOD wr':>8}"
          f"{'eos p50':>9}{'denoise':>9}")
    for label, r in systems.items():
        o = r["overall"]
        cpu = r.get("denoise_cpu_share")
        print(f"{label:{width}}{_pct(o['command_acceptance']):>8}{_pct(o['intent_accuracy']):>8}{_pct(o['asr_wer']):>8}"
              f"{_pct(o['unintended_write_rate']):>9}{_pct(o['ood_false_accept_rate']):>8}{_pct(o['ood_write_rate']):>8}"
              f"{(o['eos_to_transcript_ms'] or {}).get('p50') or '-':>9}"
              f"{('-' if cpu is None else f'{100 * cpu:.2f}%'):>9}")
    for group in GROUPS:
        keys = list(dict.fromkeys(k for r in systems.values() for k in r["by"][group]))
        print(f"acceptance by {group}\n{'':{width}}" + "".join(f"{k:>12}" for k in keys))
        for label, r in systems.items():
            cells = [r["by"][group].get(k) for k in keys]
            print(f"{label:{width}}" + "".join(
                f"{_pct(c['command_acceptance']) if c and c['commands'] else '-':>12}" for c in cells))


def print_degraded(systems: dict) -> None:
    """Degraded copies of the clean commands: right, not acted on, or another command (never wanted)."""
    rows = [(label, kind, d) for label, degraded in systems.items() for kind, d in (degraded or {}).items()]
    if not rows:
        return
    print("degraded clean commands (right or not acted on; another command must never happen)")
    for label, kind, d in rows:
        print(f"  {label:28} {kind:5} {d['files']:>4} files: right {d['right']}, not acted on {d['not_acted_on']}, "
              f"another command {d['other_command']} ({d['other_write']} with a write)")
