"""`assistant bench nlu`: load time, parse latency (p50/p95) and RSS of each NLU backend.

Each backend runs in a fresh subprocess (`python -m assistant.measure.bench.nlu --worker NAME`)
so its RSS is its own: for the embedded backend the whole worker process (Python,
numpy, model); for rasa the `rasa run` server's process tree. Texts are the held-out
test sentences. With rasa installed and trained, ratios embedded vs rasa are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

HELP = "NLU backends: load time, parse p50/p95, RSS, embedded vs rasa ratios"


def add_arguments(parser) -> None:
    parser.add_argument("--nlu-backend", action="append", metavar="NAME",
                        help="nlu bench: backend(s) to measure (default: embedded, and rasa when installed)")


def _texts(config, limit: int | None) -> list[str]:
    from assistant.nlu.data import load_nlu_data

    texts = [e.text for e in load_nlu_data(config.intents_dir / "test").examples]
    return texts[:limit] if limit else texts


def _rss_mb(process) -> float:
    total = process.memory_info().rss
    for child in process.children(recursive=True):
        try:
            total += child.memory_info().rss
        except Exception:  # a child may exit while we look
            pass
    return total / 2**20


def worker(name: str, reps: int, limit: int | None) -> dict:
    """Runs inside the fresh subprocess: load, warm up, time every parse, measure RSS."""
    import psutil

    from assistant.config import load_config
    from assistant.nlu.backend import load_nlu

    me = psutil.Process()
    config = load_config()
    texts = _texts(config, limit)
    rss_before = me.memory_info().rss / 2**20
    started = time.perf_counter()
    nlu = load_nlu(config, name)
    load_s = time.perf_counter() - started
    try:
        for text in texts[:20]:
            nlu.parse(text)
        times, cpu = [], []
        for _ in range(reps):
            for text in texts:
                t0, c0 = time.perf_counter(), time.thread_time()
                nlu.parse(text)
                times.append(time.perf_counter() - t0)
                cpu.append(time.thread_time() - c0)
        server = getattr(nlu, "process", None)
        if server is not None:
            rss = _rss_mb(psutil.Process(server.pid))
            rss_what = "rasa server process tree"
        else:
            rss = me.memory_info().rss / 2**20
            rss_what = "whole worker process (python + numpy + model)"
    finally:
        nlu.close()
    times.sort()
    cpu.sort()
    return {"backend": name, "load_s": load_s, "parses": len(times),
            # CPU time of this process: for embedded the whole parse, immune to a busy machine;
            # for rasa only the HTTP client (the work is in the server)
            "client_cpu_ms_p50": 1000 * cpu[len(cpu) // 2],
            "client_cpu_ms_p95": 1000 * cpu[min(len(cpu) - 1, int(len(cpu) * 0.95))],
            "parse_ms_p50": 1000 * times[len(times) // 2],
            "parse_ms_p95": 1000 * times[min(len(times) - 1, int(len(times) * 0.95))],
            "parse_ms_mean": 1000 * sum(times) / len(times),
            "rss_mb": rss, "rss_measures": rss_what, "python_before_load_rss_mb": rss_before}


def _spawn(config, name: str, reps: int, limit: int | None) -> dict:
    env = {**os.environ, "ASSISTANT_PATHS_MODELS": str(config.models_dir),
           "ASSISTANT_PATHS_INTENTS": str(config.resolve(config.paths.intents))}
    cmd = [sys.executable, "-m", "assistant.measure.bench.nlu", "--worker", name, "--reps", str(reps)]
    if limit:
        cmd += ["--limit", str(limit)]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600)
    if out.returncode != 0:
        return {"backend": name, "error": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(config, args) -> dict:
    from assistant.nlu.rasa import rasa_installed

    quick = getattr(args, "quick", False)
    names = getattr(args, "nlu_backend", None) or (["embedded"] + (["rasa"] if rasa_installed(config) else []))
    results = {}
    for name in names:
        reps = 1 if quick or name == "rasa" else 5
        limit = 60 if quick else None
        print(f"nlu bench: {name} ...", flush=True)
        results[name] = _spawn(config, name, reps, limit)
    _print(results)
    report = {"backends": results}
    emb, ras = results.get("embedded", {}), results.get("rasa", {})
    if "error" not in emb and ras and "error" not in ras:
        report["ratios"] = {
            "parse_p50_speedup": ras["parse_ms_p50"] / emb["parse_ms_p50"],
            "parse_p95_speedup": ras["parse_ms_p95"] / emb["parse_ms_p95"],
            "rss_smaller_by": ras["rss_mb"] / emb["rss_mb"],
            "load_faster_by": ras["load_s"] / emb["load_s"],
        }
        r = report["ratios"]
        print(f"embedded vs rasa: parse p50 {r['parse_p50_speedup']:.0f}x faster, "
              f"p95 {r['parse_p95_speedup']:.0f}x faster, RSS {r['rss_smaller_by']:.1f}x smaller, "
              f"load {r['load_faster_by']:.0f}x faster")
    return report


def _print(results: dict) -> None:
    print(f"{'backend':10} {'load s':>8} {'p50 ms':>8} {'p95 ms':>8} {'cpu p50':>8} {'cpu p95':>8} {'RSS MB':>8}  parses")
    for name, r in results.items():
        if "error" in r:
            print(f"{name:10} not measured: {r['error']}")
            continue
        print(f"{name:10} {r['load_s']:8.3f} {r['parse_ms_p50']:8.3f} {r['parse_ms_p95']:8.3f} "
              f"{r['client_cpu_ms_p50']:8.3f} {r['client_cpu_ms_p95']:8.3f} "
              f"{r['rss_mb']:8.1f}  {r['parses']} ({r['rss_measures']})")


def _main() -> None:
    parser = argparse.ArgumentParser(description="nlu bench worker (run by `assistant bench nlu`)")
    parser.add_argument("--worker", required=True)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--limit", type=int)
    args = parser.parse_args()
    print(json.dumps(worker(args.worker, args.reps, args.limit)))


if __name__ == "__main__":
    _main()
