"""`assistant bench asr`: each ASR engine in each mode (grammar, ngram, open vocabulary), side by side.

Per engine and mode, in a fresh subprocess (`python -m assistant.measure.bench.asr --worker ...`)
so RSS is that engine's alone, the recorded set (`make fixtures`) goes through the real
SpeechFrontEnd (webrtcvad endpointing + streaming decode) file by file:

- real-time factor: decoder time / speech decoded, and front-end wall time / audio fed;
- end of speech -> final transcript, p50/p95: from where the voice really ends (measured on
  the clean recording of the sentence) to the endpoint decision in stream time, plus the final decode (wall time), as a
  speaker waits when audio arrives live; and how each utterance was closed (trailing silence,
  end of the input when noise kept the endpointer open, maximum length); each file is followed
  by 2 s more of its own background (ContinuedSource), as a cabin keeps sounding;
- RSS of the worker after decoding, and how much loading the engine added;
- sentence accuracy and WER against the spoken reference, per SNR and per split; for
  out-of-domain items the share rejected (the grammar's job; open mode never rejects).

Open vocabulary is the slowest, so it gets a smaller (nested) subset; each mode is compared
with grammar on the files both decoded. A vosk engine without a model is
reported as not installed, with the command that installs one.

Whisper has no grammar: it runs once (`whisper`, on the grammar/ngram files) and once more
with the webrtc noise suppressor in front (`whisper+webrtc`); `--asr-denoise webrtc` adds a
denoised run of every other engine/mode too, and each denoised run reports the suppressor's
CPU share of one core. Accuracy is also broken down per voice (piper-joe is the human-like one).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

HELP = "ASR per engine and mode: RTF, end of speech -> transcript p50/p95, RSS, accuracy/WER per SNR"
ENGINES = ("pocketsphinx", "vosk", "whisper")
MODES = ("grammar", "ngram", "open")  # as assistant.asr.base.MODES (not imported: `--help` stays fast)
ENGINE_MODES = {"whisper": ("open",)}  # no grammar: one open-vocabulary run, on the grammar files
DENOISERS = ("webrtc",)  # as assistant.audio.denoise.DENOISERS, less "off"
ALWAYS_DENOISED = {"whisper": "webrtc"}  # measured with and without by default
LIMITS = {"grammar": 200, "ngram": 200, "open": 48}  # files; open vocabulary is the slowest
QUICK_LIMITS = {"grammar": 24, "ngram": 24, "open": 8}


def add_arguments(parser) -> None:
    group = parser.add_argument_group("asr bench")
    group.add_argument("--asr-engine", action="append", metavar="NAME", choices=ENGINES,
                       help="asr bench: engine(s) to measure (default: pocketsphinx, vosk and whisper)")
    group.add_argument("--asr-denoise", action="append", metavar="NAME", choices=DENOISERS,
                       help="asr bench: also run every engine/mode with this noise suppressor in front "
                            "(whisper always gets a webrtc run)")
    group.add_argument("--asr-limit", type=int, metavar="N",
                       help=f"asr bench: files in grammar and ngram mode (default {LIMITS['grammar']}, "
                            f"{QUICK_LIMITS['grammar']} with --quick; 0 = all)")
    group.add_argument("--asr-open-limit", type=int, metavar="N",
                       help=f"asr bench: files in open mode (default {LIMITS['open']}, {QUICK_LIMITS['open']} with --quick)")


# -- the worker: one engine, one mode, in its own process ---------------------------------------

def worker(engine_name: str, mode: str, files: list[dict], denoise: str = "off") -> dict:
    """Load the engine, decode every file ({path, speech_end_s}) through the speech front end
    (with `denoise` in front); timings, transcripts, RSS."""
    import psutil

    from assistant.asr.base import load_engine
    from assistant.asr.listener import SpeechFrontEnd
    from assistant.measure.recorded import ContinuedSource, end_of_speech_wait_ms
    from assistant.config import load_config
    from assistant.errors import AssistantError, ModelMissingError

    me = psutil.Process()
    config = load_config()
    config.audio.denoise = denoise
    rss_before = me.memory_info().rss / 2**20
    started = time.perf_counter()
    try:
        engine = load_engine(config, engine=engine_name, mode=mode)
    except ModelMissingError as exc:
        return {"engine": engine_name, "mode": mode, "error": f"not installed: {str(exc).splitlines()[0]}",
                "hint": exc.hint, "missing": True}
    except (AssistantError, ImportError) as exc:
        return {"engine": engine_name, "mode": mode, "error": str(exc).splitlines()[0],
                "hint": getattr(exc, "hint", None)}
    load_s = time.perf_counter() - started
    rss_loaded = me.memory_info().rss / 2**20
    front = SpeechFrontEnd(config, engine=engine)
    if files:  # warm-up: first-decode allocations are not the steady state
        list(front.listen(ContinuedSource(files[0]["path"], speech_end_s=None, block_ms=config.audio.block_ms)))
    if front.denoiser is not None:
        front.denoiser.seconds = 0.0
    rows = []
    for file in files:
        path = file["path"]
        source = ContinuedSource(path, speech_end_s=file.get("speech_end_s"), block_ms=config.audio.block_ms)
        t0 = time.perf_counter()
        try:
            heard = list(front.listen(source))
        except AssistantError as exc:
            rows.append({"file": path, "error": str(exc).splitlines()[0]})
            continue
        wall_ms = (time.perf_counter() - t0) * 1000
        accepted = [h for h in heard if not h.rejected]
        rows.append({
            "file": path, "text": " ".join(h.text for h in accepted), "rejected": not accepted,
            "reason": "" if accepted else (heard[-1].transcript.reason if heard else "no_speech"),
            "raw": " | ".join(h.transcript.raw for h in heard), "utterances": len(heard),
            "file_s": source.duration_s, "speech_s": sum(h.audio_s for h in heard),
            "asr_ms": sum(h.asr_ms for h in heard), "wall_ms": wall_ms,
            "eos_to_final_ms": end_of_speech_wait_ms(heard, file.get("speech_end_s")),
            "vad_eos_to_final_ms": heard[-1].eos_to_final_ms if heard else None,
            "endpoint": heard[-1].reason if heard else "no_speech",
            "finalize_ms": heard[-1].finalize_ms if heard else None,
        })
    fed_s = sum(r.get("file_s", 0) for r in rows)
    denoise_s = front.denoiser.seconds if front.denoiser is not None else 0.0
    return {"engine": engine_name, "mode": mode, "denoise": denoise, "load_s": load_s, "rows": rows,
            "denoise_cpu_share": round(denoise_s / fed_s, 5) if fed_s and front.denoiser is not None else None,
            "rss_mb": me.memory_info().rss / 2**20, "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "rss_engine_mb": rss_loaded - rss_before, "python_before_load_rss_mb": rss_before}


def _spawn(config, engine: str, mode: str, files: list[dict], denoise: str = "off") -> dict:
    env = {**os.environ, "ASSISTANT_PATHS_MODELS": str(config.models_dir),
           "ASSISTANT_PATHS_INTENTS": str(config.resolve(config.paths.intents))}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(files, f)
    try:
        cmd = [sys.executable, "-m", "assistant.measure.bench.asr", "--worker", engine, "--mode", mode, "--files", f.name,
               "--denoise", denoise]
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=7200)
    finally:
        os.unlink(f.name)
    if done.returncode != 0:
        return {"engine": engine, "mode": mode, "denoise": denoise,
                "error": (done.stderr.strip().splitlines() or ["worker failed"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- scoring ------------------------------------------------------------------------------------

def score(result: dict, items) -> dict:
    """Figures of one engine/mode run against the manifest of the files it decoded."""
    from assistant.asr.text import spoken_tokens
    from assistant.measure.stats import edit_distance, rate, ratio, summary

    by_path = {str(i.path): i for i in items}
    rows = [r for r in result["rows"] if "error" not in r]
    scored = []
    for r in rows:
        item = by_path[r["file"]]
        ref = spoken_tokens(item.spoken)
        hyp = [] if r["rejected"] else spoken_tokens(r["text"])
        scored.append((item, r, edit_distance(ref, hyp), len(ref)))

    def accuracy(subset) -> dict:
        commands = [s for s in subset if s[0].is_command]
        ood = [s for s in subset if not s[0].is_command]
        words = sum(s[3] for s in commands)
        return {"files": len(subset), "commands": len(commands),
                "sentence_accuracy": rate(sum(s[2] == 0 for s in commands), len(commands)),
                "wer": round(sum(s[2] for s in commands) / words, 4) if words else None,
                "commands_rejected": rate(sum(s[1]["rejected"] for s in commands), len(commands)),
                "ood": len(ood), "ood_rejected": rate(sum(s[1]["rejected"] for s in ood), len(ood))}

    def grouped(key) -> dict:
        from assistant.measure.recorded import sort_groups

        groups = defaultdict(list)
        for s in scored:
            groups[getattr(s[0], key)].append(s)
        return {k: accuracy(groups[k]) for k in sort_groups(key, groups)}

    speech_s = sum(r["speech_s"] for r in rows)
    file_s = sum(r["file_s"] for r in rows)
    return {
        "engine": result["engine"], "mode": result["mode"], "denoise": result.get("denoise", "off"),
        "denoise_cpu_share": result.get("denoise_cpu_share"), "files": len(rows),
        "failed_files": len(result["rows"]) - len(rows),
        "load_s": round(result["load_s"], 3),
        "asr_rtf": ratio(sum(r["asr_ms"] for r in rows) / 1000, speech_s, 4),
        "front_end_rtf": ratio(sum(r["wall_ms"] for r in rows) / 1000, file_s, 4),
        "asr_rtf_per_file": summary((r["asr_ms"] / 1000 / r["speech_s"] for r in rows if r["speech_s"]), 4),
        "eos_to_final_ms": summary(r["eos_to_final_ms"] for r in rows),
        "vad_eos_to_final_ms": summary(r.get("vad_eos_to_final_ms") for r in rows),
        "finalize_ms": summary(r["finalize_ms"] for r in rows),
        "endpoints": dict(Counter(r.get("endpoint", "") for r in rows)),
        "rss_mb": round(result["rss_mb"], 1), "rss_peak_mb": round(result["rss_peak_mb"], 1),
        "rss_engine_mb": round(result["rss_engine_mb"], 1),
        "overall": accuracy(scored), "by_snr": grouped("snr"), "by_split": grouped("split"),
        "by_voice": grouped("voice"),
        "transcripts": [{"file": Path(r["file"]).name, "spoken": item.spoken, "heard": r["text"],
                         "rejected": r["rejected"], "raw": r["raw"], "errors": errors}
                        for item, r, errors, _ in scored],
    }


def compare(grammar: dict, other: dict, items) -> dict:
    """Another mode over grammar, on the files both decoded (a smaller limit gives a subset)."""
    from assistant.measure.stats import ratio

    common = {t["file"] for t in grammar["transcripts"]} & {t["file"] for t in other["transcripts"]}
    pick = lambda run: {"engine": run["engine"], "mode": run["mode"], "load_s": 0, "rss_mb": 0, "rss_peak_mb": 0,
                        "rss_engine_mb": 0, "rows": [r for r in run["_rows"] if Path(r["file"]).name in common]}
    g, o = score(pick(grammar), items), score(pick(other), items)
    both = lambda key: {"grammar": g["overall"][key], other["mode"]: o["overall"][key]}
    return {
        "mode": other["mode"], "files_compared": len(common),
        "rtf_over_grammar": ratio(o["asr_rtf"], g["asr_rtf"], 2),
        "eos_to_final_p50_over_grammar": ratio(o["eos_to_final_ms"]["p50"], g["eos_to_final_ms"]["p50"], 2),
        "eos_to_final_p95_over_grammar": ratio(o["eos_to_final_ms"]["p95"], g["eos_to_final_ms"]["p95"], 2),
        "rss_over_grammar": ratio(other["rss_mb"], grammar["rss_mb"], 2),
        "sentence_accuracy": both("sentence_accuracy"), "wer": both("wer"),
        "wer_over_grammar": ratio(o["overall"]["wer"], g["overall"]["wer"], 2),
        "ood_rejected": both("ood_rejected"),
    }


# -- the bench ----------------------------------------------------------------------------------

def run(config, args) -> dict:
    from assistant.measure.recorded import load_recorded, select, with_voiced_ends

    quick = getattr(args, "quick", False)
    items = load_recorded(config, getattr(args, "fixtures", None))
    limits = dict(QUICK_LIMITS if quick else LIMITS)
    if getattr(args, "asr_limit", None) is not None:
        limits["grammar"] = limits["ngram"] = args.asr_limit
    if getattr(args, "asr_open_limit", None) is not None:
        limits["open"] = args.asr_open_limit
    engines = getattr(args, "asr_engine", None) or list(ENGINES)
    extra_denoise = getattr(args, "asr_denoise", None) or []
    runs: dict[str, dict] = {}
    for engine in engines:
        modes = ENGINE_MODES.get(engine, MODES)
        for mode in modes:
            denoisers = ["off"] + sorted(set(extra_denoise) | ({ALWAYS_DENOISED[engine]} if engine in ALWAYS_DENOISED
                                                               else set()))
            missing = False
            for denoise in denoisers:
                label = run_label(engine, mode, denoise)
                limit = limits[mode if engine not in ENGINE_MODES else "grammar"]  # whisper: the grammar files
                chosen = with_voiced_ends(select(items, limit or None), items)
                print(f"asr bench: {label} on {len(chosen)} files ...", file=sys.stderr, flush=True)
                result = _spawn(config, engine, mode, [{"path": str(i.path), "speech_end_s": i.speech_end_s}
                                                       for i in chosen], denoise)
                if "error" in result:
                    runs[label] = {k: v for k, v in result.items() if k != "rows"}
                    missing = bool(result.get("missing"))
                    if missing:
                        break
                    continue
                runs[label] = {**score(result, chosen), "_rows": result["rows"]}
            if missing:
                for other in modes[modes.index(mode) + 1:]:  # same model, same answer
                    runs[run_label(engine, other, "off")] = {**runs[run_label(engine, mode, "off")], "mode": other}
                break
    report = {"fixtures": str(items[0].path.parent), "set_files": len(items), "limits": limits, "runs": runs,
              "comparisons": {}}
    for engine in engines:
        g = runs.get(f"{engine}/grammar", {})
        for mode in ENGINE_MODES.get(engine, MODES)[1:]:
            o = runs.get(f"{engine}/{mode}", {})
            if g and o and "error" not in g and "error" not in o:
                report["comparisons"].setdefault(engine, {})[mode] = compare(g, o, items)
    report["pngs"] = _plot(report, Path(getattr(args, "out", "out/bench")))
    for run_ in runs.values():
        run_.pop("_rows", None)
    _print(report)
    return report


def run_label(engine: str, mode: str, denoise: str = "off") -> str:
    """"pocketsphinx/grammar", "whisper" (one mode only), "+webrtc" when denoised."""
    base = engine if engine in ENGINE_MODES else f"{engine}/{mode}"
    return base + ("" if denoise in ("", "off") else f"+{denoise}")


def _plot(report: dict, out: Path) -> dict:
    from assistant.measure.plots import grouped_bars, latency_cdf

    done = {k: r for k, r in report["runs"].items() if "error" not in r}
    pngs = {}
    table: dict[str, dict] = {}
    for label, r in done.items():
        for snr, acc in r["by_snr"].items():
            table.setdefault(snr, {})[label] = acc["sentence_accuracy"]
    made = grouped_bars(table, "ASR sentence accuracy by SNR", out / "asr_accuracy_by_snr.png",
                        ylabel="sentence accuracy", percent=True)
    if made:
        pngs["accuracy_by_snr"] = str(made)
    series = {label: [t for t in _eos_values(r)] for label, r in done.items()}
    made = latency_cdf(series, "ASR: end of speech -> final transcript", out / "asr_eos_to_final_cdf.png")
    if made:
        pngs["eos_to_final_cdf"] = str(made)
    return pngs


def _eos_values(run_: dict) -> list[float]:
    return [r["eos_to_final_ms"] for r in run_.get("_rows", []) if r.get("eos_to_final_ms") is not None]


def _pct(v) -> str:
    return "-" if v is None else f"{v:.1%}"


def _print(report: dict) -> None:
    runs = report["runs"]
    print(f"ASR on the recorded set ({report['set_files']} files in {report['fixtures']})")
    print(f"{'engine/mode':22}{'files':>6}{'load s':>8}{'ASR RTF':>9}{'FE RTF':>8}{'eos p50':>9}{'eos p95':>9}"
          f"{'RSS MB':>8}{'+engine':>8}{'sent.acc':>9}{'WER':>8}{'OOD rej':>8}")
    shown: dict = {}
    for label, r in runs.items():
        if "error" in r:
            same = shown.get((r["error"], r.get("hint")))
            print(f"{label:22}" + (f"as {same}" if same else r["error"] + (f" (hint: {r['hint']})" if r.get("hint") else "")))
            shown.setdefault((r["error"], r.get("hint")), label)
            continue
        o = r["overall"]
        print(f"{label:22}{r['files']:>6}{r['load_s']:>8.2f}{r['asr_rtf']:>9.3f}{r['front_end_rtf']:>8.3f}"
              f"{r['eos_to_final_ms']['p50']:>9.0f}{r['eos_to_final_ms']['p95']:>9.0f}{r['rss_mb']:>8.0f}"
              f"{r['rss_engine_mb']:>8.0f}{_pct(o['sentence_accuracy']):>9}{_pct(o['wer']):>8}{_pct(o['ood_rejected']):>8}")
    done = {k: r for k, r in runs.items() if "error" not in r}
    for label, r in done.items():
        closed = ", ".join(f"{k} {v}" for k, v in sorted(r["endpoints"].items()))
        print(f"{label}: last utterance closed by {closed}; end of speech -> transcript as the endpointer sees it "
              f"p50 {r['vad_eos_to_final_ms']['p50']} / p95 {r['vad_eos_to_final_ms']['p95']} ms")
    snrs = list(dict.fromkeys(s for r in done.values() for s in r["by_snr"]))
    if done:
        print("sentence accuracy / WER by SNR (commands)")
        print(f"{'':22}" + "".join(f"{s:>16}" for s in snrs))
        for label, r in done.items():
            cells = [r["by_snr"].get(s) for s in snrs]
            print(f"{label:22}" + "".join(f"{_pct(c['sentence_accuracy']) + ' / ' + _pct(c['wer']):>16}"
                                          if c else f"{'-':>16}" for c in cells))
    voices = list(dict.fromkeys(v for r in done.values() for v in r.get("by_voice", {})))
    if done and voices:
        print("sentence accuracy / WER by voice (commands)")
        print(f"{'':22}" + "".join(f"{v:>16}" for v in voices))
        for label, r in done.items():
            cells = [r["by_voice"].get(v) for v in voices]
            print(f"{label:22}" + "".join(f"{_pct(c['sentence_accuracy']) + ' / ' + _pct(c['wer']):>16}"
                                          if c else f"{'-':>16}" for c in cells))
    for label, r in done.items():
        if r.get("denoise_cpu_share") is not None:
            print(f"{label}: the {r['denoise']} noise suppressor took {100 * r['denoise_cpu_share']:.2f}% of one core "
                  "(its processing time / audio fed)")
    splits = list(dict.fromkeys(s for r in done.values() for s in r["by_split"]))
    if done and splits:
        print("sentence accuracy / WER by split (commands)")
        print(f"{'':22}" + "".join(f"{s:>16}" for s in splits))
        for label, r in done.items():
            cells = [r["by_split"].get(s) for s in splits]
            print(f"{label:22}" + "".join(f"{_pct(c['sentence_accuracy']) + ' / ' + _pct(c['wer']):>16}"
                                          if c else f"{'-':>16}" for c in cells))
    for engine, modes in report["comparisons"].items():
        for mode, c in modes.items():
            print(f"{engine}, {mode} / grammar on {c['files_compared']} files: RTF {c['rtf_over_grammar']}x, "
                  f"end of speech -> transcript p50 {c['eos_to_final_p50_over_grammar']}x / p95 "
                  f"{c['eos_to_final_p95_over_grammar']}x, RSS {c['rss_over_grammar']}x; sentence accuracy "
                  f"{_pct(c['sentence_accuracy']['grammar'])} vs {_pct(c['sentence_accuracy'][mode])}, WER "
                  f"{_pct(c['wer']['grammar'])} vs {_pct(c['wer'][mode])}, OOD rejected "
                  f"{_pct(c['ood_rejected']['grammar'])} vs {_pct(c['ood_rejected'][mode])}")


def _main() -> None:
    parser = argparse.ArgumentParser(description="asr bench worker (run by `assistant bench asr`)")
    parser.add_argument("--worker", required=True, choices=ENGINES)
    parser.add_argument("--mode", required=True, choices=MODES)
    parser.add_argument("--files", required=True, help="JSON list of {path, speech_end_s}")
    parser.add_argument("--denoise", default="off", choices=("off", *DENOISERS))
    args = parser.parse_args()
    files = json.loads(Path(args.files).read_text())
    print(json.dumps(worker(args.worker, args.mode, files, args.denoise)))


if __name__ == "__main__":
    _main()
