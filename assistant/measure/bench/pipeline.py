"""`assistant bench pipeline`: the whole assistant on recorded speech, end of speech to the car and back.

Each recorded command (`make fixtures`; then 2 s more of its own background, as a cabin keeps
sounding: ContinuedSource) goes -> SpeechFrontEnd (endpointing + streaming ASR) ->
Assistant.handle_text (NLU, dialogue, skills, the safety gate, CAN frames to the built-in
simulated car, closed-loop confirmation) -> the reply synthesised and played into a null sink,
on a car and conversation reset before each file. Measured per turn:

- end of speech -> first CAN frame, and -> first reply audio (first block handed to the sink),
  p50/p95: from where the voice really ends (measured on the clean recording) to the endpoint decision in
  stream time (as if live: the trailing-silence wait, or longer when noise keeps the endpointer
  open), plus the wall time of everything after;
- whole-pipeline real-time factor: front end + turn wall time / audio fed (and / speech);
- ASR RTF, NLU parse latency, TTS RTF (synthesis time / reply audio);
- cold start: a fresh `python` process to ready (everything loaded), and RSS of that process
  after all its turns.

Systems, each in its own worker process: `default` (the configured [asr] engine and mode, with
everything the runtime puts around it: Whisper's n-best and the choice by meaning), and in the
same run the baselines: `baseline` (`--pipeline-baseline`, pocketsphinx/grammar: the embedded
default before Whisper became it) on the same files, and `open` (pocketsphinx's open vocabulary)
on a smaller nested subset; ratios on the files both took. And the NLU area's embedded-vs-rasa
comparison (reused from `assistant bench nlu` when it ran first, else run here; rasa only when
installed, `--nlu-backend embedded` skips it).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HELP = ("whole pipeline on recorded speech: end of speech -> first CAN frame / reply audio p50/p95, RTF, RSS, "
        "cold start; grammar vs open ASR, embedded vs rasa NLU")
LIMITS = {"default": 60, "open": 12}  # files; the baseline takes the default's
QUICK_LIMITS = {"default": 8, "open": 4}
BASELINE = "pocketsphinx/grammar"  # the embedded default before this release
OPEN = "pocketsphinx/open"
COLD_STARTS, QUICK_COLD_STARTS = 3, 1
READY = "pipeline-worker-ready"


def add_arguments(parser) -> None:
    group = parser.add_argument_group("pipeline bench")
    group.add_argument("--pipeline-limit", type=int, metavar="N",
                       help=f"pipeline bench: command files for the default system and the baseline (default "
                            f"{LIMITS['default']}, {QUICK_LIMITS['default']} with --quick; 0 = all)")
    group.add_argument("--pipeline-open-limit", type=int, metavar="N",
                       help=f"pipeline bench: files for the open-vocabulary baseline (default {LIMITS['open']}, "
                            f"{QUICK_LIMITS['open']} with --quick; 0 = none)")
    group.add_argument("--pipeline-baseline", metavar="ENGINE/MODE", default=BASELINE,
                       help=f"pipeline bench: the baseline system on the same files (default {BASELINE}; '' = none)")


# -- the worker: one system, a fresh process ----------------------------------------------------

def _null_player(config):
    """A Player on a null sink: each reply's PlaybackReport (first audio, audio length) stays in `.report`."""
    from assistant.audio.sinks import NullSink
    from assistant.tts.player import Player

    return Player(NullSink(), block_ms=config.audio.output_block_ms, sample_rate=config.audio.output_sample_rate)


def worker(system: str, files: list[dict], out=sys.stdout) -> dict:
    """Load the pipeline with `system` ("engine/mode", "" = the configured one) (say READY), then one turn
    per file; per-turn timings and the process's RSS."""
    started = time.perf_counter()
    import psutil

    from assistant.asr.base import load_engine
    from assistant.measure.recorded import ContinuedSource, end_of_speech_wait_ms
    from assistant.config import load_config
    from assistant.measure.speech_eval import open_session

    imported = time.perf_counter()
    config = load_config()
    player = _null_player(config)
    engine, _, mode = system.partition("/")
    assistant = open_session(config, speak=True, player=player,
                             engine=load_engine(config, engine=engine or None, mode=mode or None))
    mode = f"{assistant.front.engine.name}/{assistant.front.engine.mode}"
    front = assistant.front
    ready = time.perf_counter()
    print(READY, flush=True, file=out)
    from tqdm import tqdm

    rows = []
    try:
        for n, file in enumerate(tqdm(files, desc=f"pipeline ({mode})", unit="turn", file=sys.stderr,
                                      disable=not files, dynamic_ncols=True)):
            path = file["path"]
            assistant.reset()
            source = ContinuedSource(path, speech_end_s=file.get("speech_end_s"), block_ms=config.audio.block_ms)
            t0 = time.perf_counter()
            heard = list(front.listen(source))
            t_heard = time.perf_counter()
            accepted = [h for h in heard if not h.rejected]
            text = " ".join(h.text for h in accepted)
            eos_ms = end_of_speech_wait_ms(heard, file.get("speech_end_s")) or 0.0
            report = assistant.handle_text(text, heard_at=t_heard - eos_ms / 1000, transcript=text, settle=False,
                                           speaker_zone=(accepted[0].zone if accepted else None) or "driver")
            t_turn = time.perf_counter()
            play = player.report if report.spoken is not None else None
            timings = report.timings_ms
            first = report.turn.actions[0].parse if report.turn.actions else None
            rows.append({
                "file": path, "warmup": n == 0, "transcript": text, "rejected": not accepted,
                "intent": first.intent.name if first else None, "frames": len(report.turn.frames),
                "file_s": source.duration_s, "speech_s": sum(h.audio_s for h in heard),
                "asr_ms": sum(h.asr_ms for h in heard), "eos_to_transcript_ms": eos_ms,
                "endpoint": heard[-1].reason if heard else "no_speech",
                "front_wall_ms": (t_heard - t0) * 1000, "turn_wall_ms": (t_turn - t_heard) * 1000,
                "eos_to_first_frame_ms": timings.get("end_of_speech_to_first_frame"),
                "eos_to_first_audio_ms": timings.get("end_of_speech_to_first_audio"),
                "nlu_ms": timings.get("nlu"), "dialogue_ms": timings.get("dialogue"), "tts_ms": timings.get("tts"),
                "reply_audio_s": play.audio_s if play else None, "tts_error": report.tts_error,
            })
    finally:
        assistant.close()
    me = psutil.Process()
    return {"mode": mode, "import_s": imported - started, "load_s": ready - imported, "ready_s": ready - started,
            "rss_mb": me.memory_info().rss / 2**20,
            "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "rows": rows}


def _spawn(config, system: str, files: list[dict]) -> dict:
    """Run a worker; its spawn -> READY wall time is the cold start (interpreter start included)."""
    env = {**os.environ, "ASSISTANT_PATHS_MODELS": str(config.models_dir),
           "ASSISTANT_PATHS_INTENTS": str(config.resolve(config.paths.intents))}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(files, f)
    try:
        cmd = [sys.executable, "-m", "assistant.measure.bench.pipeline", "--worker", system, "--files", f.name]
        spawned = time.perf_counter()
        ready_at = None
        # the worker's stderr (progress bar, errors) goes straight to ours
        with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env) as proc:
            lines = []
            for line in proc.stdout:
                if line.strip() == READY and ready_at is None:
                    ready_at = time.perf_counter()
                else:
                    lines.append(line)
            code = proc.wait()
    finally:
        os.unlink(f.name)
    if code != 0 or not lines:
        return {"mode": system, "error": f"the {system or 'default'} worker failed (exit {code}); its messages are above"}
    result = json.loads(lines[-1])
    result["cold_start_s"] = (ready_at - spawned) if ready_at else None
    return result


# -- figures -----------------------------------------------------------------------------------

def figures(result: dict) -> dict:
    """Summaries of one worker's turns (the first turn is a warm-up and not counted)."""
    from assistant.measure.stats import ratio, summary

    rows = [r for r in result["rows"] if not r["warmup"]] or result["rows"]
    file_s = sum(r["file_s"] for r in rows)
    speech_s = sum(r["speech_s"] for r in rows)
    wall_s = sum(r["front_wall_ms"] + r["turn_wall_ms"] for r in rows) / 1000
    audio_s = sum(r["reply_audio_s"] or 0 for r in rows)
    return {
        "mode": result["mode"], "turns": len(rows),
        "turns_with_frames": sum(r["frames"] > 0 for r in rows),
        "eos_to_first_frame_ms": summary(r["eos_to_first_frame_ms"] for r in rows),
        "eos_to_first_audio_ms": summary(r["eos_to_first_audio_ms"] for r in rows),
        "eos_to_transcript_ms": summary(r["eos_to_transcript_ms"] for r in rows),
        "endpoints": dict(Counter(r.get("endpoint", "") for r in rows)),
        "pipeline_rtf": ratio(wall_s, file_s, 4),
        "pipeline_rtf_speech": ratio(wall_s, speech_s, 4),
        "asr_rtf": ratio(sum(r["asr_ms"] for r in rows) / 1000, speech_s, 4),
        "nlu_parse_ms": summary((r["nlu_ms"] for r in rows), 3),
        "dialogue_ms": summary(r["dialogue_ms"] for r in rows),
        "tts_rtf": ratio(sum(r["tts_ms"] or 0 for r in rows) / 1000, audio_s, 4),
        "tts_errors": sum(bool(r["tts_error"]) for r in rows),
        "asr_rejected": sum(r["rejected"] for r in rows),
        "cold_start_s": round(result["cold_start_s"], 3) if result.get("cold_start_s") else None,
        "import_s": round(result["import_s"], 3), "load_s": round(result["load_s"], 3),
        "rss_mb": round(result["rss_mb"], 1), "rss_peak_mb": round(result["rss_peak_mb"], 1),
    }


def compare(base: dict, other: dict) -> dict:
    """`other` over `base` on the files both took."""
    from assistant.measure.stats import ratio

    files = {r["file"] for r in other["rows"] if not r["warmup"]} & {r["file"] for r in base["rows"] if not r["warmup"]}
    b = figures({**base, "rows": [r for r in base["rows"] if r["file"] in files and not r["warmup"]]})
    o = figures({**other, "rows": [r for r in other["rows"] if r["file"] in files and not r["warmup"]]})
    out = {"files_compared": len(files)}
    for key in ("eos_to_first_frame_ms", "eos_to_first_audio_ms", "eos_to_transcript_ms"):
        for q in ("p50", "p95"):
            out[f"{key}_{q}"] = ratio(o[key][q], b[key][q], 2)
    out["pipeline_rtf"] = ratio(o["pipeline_rtf"], b["pipeline_rtf"], 2)
    out["asr_rtf"] = ratio(o["asr_rtf"], b["asr_rtf"], 2)
    out["turns_with_frames"] = [b["turns_with_frames"], o["turns_with_frames"]]
    out["rss"] = ratio(other["rss_mb"], base["rss_mb"], 2)
    return out


def _nlu_comparison(config, args) -> dict:
    """The nlu area's embedded-vs-rasa figures: from this run when it ran, else measured now."""
    earlier = getattr(args, "bench_results", {}).get("nlu")
    if earlier is not None:
        return {**earlier, "source": "nlu area of this run"}
    from assistant.measure.bench import nlu

    ns = argparse.Namespace(quick=getattr(args, "quick", False), nlu_backend=getattr(args, "nlu_backend", None))
    return {**nlu.run(config, ns), "source": "assistant.measure.bench.nlu, run by the pipeline bench"}


def run(config, args) -> dict:
    from assistant.measure.recorded import load_recorded, select, with_voiced_ends

    quick = getattr(args, "quick", False)
    items = load_recorded(config, getattr(args, "fixtures", None))
    limits = dict(QUICK_LIMITS if quick else LIMITS)
    if getattr(args, "pipeline_limit", None) is not None:
        limits["default"] = args.pipeline_limit
    if getattr(args, "pipeline_open_limit", None) is not None:
        limits["open"] = args.pipeline_open_limit
    default = config.asr.engine if config.asr.engine == "whisper" else f"{config.asr.engine}/{config.asr.mode}"
    baseline = getattr(args, "pipeline_baseline", BASELINE)
    systems = {"default": ("", limits["default"])}
    if baseline and baseline != default:
        systems["baseline"] = (baseline, limits["default"])
    if limits["open"] and OPEN not in (default, baseline):
        systems["open"] = (OPEN, limits["open"])
    out = Path(getattr(args, "out", "out/bench"))
    results, report = {}, {"fixtures": str(items[0].path.parent), "limits": limits, "systems": {}}
    for role, (system, limit) in systems.items():
        chosen = with_voiced_ends(select(items, limit or None, kinds=("command",)), items)
        print(f"pipeline bench: {role} ({system or default}), {len(chosen) - 1} turns (+1 warm-up) ...",
              file=sys.stderr, flush=True)
        results[role] = _spawn(config, system, [{"path": str(i.path), "speech_end_s": i.speech_end_s}
                                                for i in chosen])
        report["systems"][role] = ({**figures(results[role]), "system": system or default}
                                   if "error" not in results[role]
                                   else {"mode": system, "system": system or default, "error": results[role]["error"]})
    ok = {role for role, r in results.items() if "error" not in r}
    colds = [results["default"].get("cold_start_s")] if "default" in ok else []
    for _ in range((QUICK_COLD_STARTS if quick else COLD_STARTS) - 1):  # more cold starts: ready, no turns
        again = _spawn(config, "", [])
        if "error" not in again:
            colds.append(again["cold_start_s"])
    colds = [c for c in colds if c]
    report["cold_start_s"] = {"runs": [round(c, 3) for c in colds],
                              "median": round(statistics.median(colds), 3) if colds else None}
    report["ratios"] = {f"{role}_over_default": compare(results["default"], results[role])
                        for role in ("baseline", "open") if role in ok and "default" in ok}
    report["nlu"] = _nlu_comparison(config, args)
    report["pngs"] = _plot(results, out)
    report["turns"] = {role: r.get("rows", []) for role, r in results.items()}
    _print(report)
    return report


def _plot(results: dict, out: Path) -> dict:
    from assistant.measure.plots import latency_cdf, latency_hist

    pngs = {}
    series = {}
    for mode, result in results.items():
        rows = [r for r in result.get("rows", []) if not r["warmup"]]
        series[f"first CAN frame ({mode})"] = [r["eos_to_first_frame_ms"] for r in rows if r["eos_to_first_frame_ms"]]
        series[f"first reply audio ({mode})"] = [r["eos_to_first_audio_ms"] for r in rows if r["eos_to_first_audio_ms"]]
    made = latency_cdf(series, "end of speech -> first CAN frame / first reply audio", out / "pipeline_latency_cdf.png")
    if made:
        pngs["latency_cdf"] = str(made)
    default = {k: v for k, v in series.items() if "(default)" in k}
    made = latency_hist(default, "end of speech -> first frame / first audio (default system)",
                        out / "pipeline_latency_hist.png")
    if made:
        pngs["latency_hist"] = str(made)
    return pngs


def _fmt(s: dict, unit: str = "ms") -> str:
    return f"p50 {s['p50']:.0f} {unit}, p95 {s['p95']:.0f} {unit} (n={s['n']})" if s["n"] else "none"


def _print(report: dict) -> None:
    print("whole pipeline on recorded commands (speech -> ASR -> NLU -> dialogue -> gate -> CAN -> car -> reply TTS)")
    for role, f in report["systems"].items():
        if "error" in f:
            print(f"  {role} ({f['system']}): not measured: {f['error']}")
            continue
        print(f"  {role}: {f['system']}, {f['turns']} turns ({f['turns_with_frames']} sent frames, "
              f"{f['asr_rejected']} rejected by ASR)")
        print(f"    end of speech -> first CAN frame:  {_fmt(f['eos_to_first_frame_ms'])}")
        print(f"    end of speech -> first reply audio: {_fmt(f['eos_to_first_audio_ms'])}")
        print(f"    end of speech -> transcript:        {_fmt(f['eos_to_transcript_ms'])}; utterances closed by "
              + ", ".join(f"{k} {v}" for k, v in sorted(f["endpoints"].items())))
        print(f"    pipeline RTF {f['pipeline_rtf']} over all audio fed (of speech alone {f['pipeline_rtf_speech']}), "
              f"ASR RTF {f['asr_rtf']}, "
              f"TTS RTF {f['tts_rtf']}, NLU parse p50 {f['nlu_parse_ms']['p50']} ms / p95 {f['nlu_parse_ms']['p95']} ms")
        print(f"    RSS {f['rss_mb']} MB (peak {f['rss_peak_mb']} MB); fresh process to ready {f['cold_start_s']} s "
              f"(imports {f['import_s']} s, loading {f['load_s']} s)")
    cold = report["cold_start_s"]
    print(f"  cold start (default pipeline, process spawn -> ready): median {cold['median']} s over {len(cold['runs'])}")
    for name, c in report["ratios"].items():
        x = lambda key: "-" if c[key] is None else f"{c[key]}x"
        print(f"  {name.replace('_over_', ' / ')} on {c['files_compared']} files: first audio p50 "
              f"{x('eos_to_first_audio_ms_p50')} p95 {x('eos_to_first_audio_ms_p95')}, first frame p50 "
              f"{x('eos_to_first_frame_ms_p50')}, transcript p50 {x('eos_to_transcript_ms_p50')}, pipeline RTF "
              f"{x('pipeline_rtf')}, ASR RTF {x('asr_rtf')}, RSS {x('rss')}; turns that sent frames "
              f"{c['turns_with_frames'][0]} (default) vs {c['turns_with_frames'][1]}")
    ratios = report["nlu"].get("ratios")
    if ratios:
        print(f"  NLU embedded vs rasa server ({report['nlu']['source']}): parse p50 {ratios['parse_p50_speedup']:.0f}x "
              f"faster, RSS {ratios['rss_smaller_by']:.1f}x smaller")
    else:
        print(f"  NLU: no rasa comparison (rasa not installed/trained, or not asked for; see `assistant bench nlu`)")


def _main() -> None:
    parser = argparse.ArgumentParser(description="pipeline bench worker (run by `assistant bench pipeline`)")
    parser.add_argument("--worker", required=True, help='the system: "engine/mode", "" = the configured one')
    parser.add_argument("--files", required=True, help="JSON list of {path, speech_end_s}")
    args = parser.parse_args()
    result = worker(args.worker, json.loads(Path(args.files).read_text()))
    print(json.dumps(result))


if __name__ == "__main__":
    _main()
