"""`assistant bench fuzz`: safety fuzzing of the gate and the text pipeline, judged by an independent oracle.

Gate level (default 100,000 turns): random `write()`/`preflight()`/`send_frame()` calls on
a random car (speed, gear, per-ECU faults and silence on a fake clock) and bus (a second
sender on a status ID, a restarted head unit), every frame on the
bus judged by `assistant.measure.bench._oracle` (its own DBC decode, CRC, rules on the simulator's
ground truth, freshness from the frames it saw). Text level (default 1,000 turns): random,
garbled and mixed texts through `Assistant.handle_text` on fresh simulated cars, same oracle.

The seed is printed; `assistant bench fuzz --seed N --turns M` replays a gate-level run turn
for turn. The figure that matters is `violations`: it must be 0.
"""

from __future__ import annotations

import random
import sys
import time

HELP = "safety fuzzing: gate-level and text-level turns, violations found by an independent oracle"


def add_arguments(parser) -> None:
    parser.add_argument("--seed", type=int, default=None,
                        help="fuzz bench: random seed (default: a new one, printed); with --turns replays a run")
    parser.add_argument("--turns", type=int, default=None,
                        help="fuzz bench: gate-level turns (default 100000; 3000 with --quick)")
    parser.add_argument("--text-turns", type=int, default=None,
                        help="fuzz bench: text-level turns through handle_text (default 1000; 60 with --quick; 0 = none)")


def _progress(what: str, total: int):
    started = time.perf_counter()

    def report(done: int) -> None:
        if done % max(total // 10, 1) < 1000 or done == total:
            rate = done / max(time.perf_counter() - started, 1e-9)
            print(f"  {what}: {done}/{total} turns ({rate:.0f}/s)", file=sys.stderr, flush=True)

    return report


def run(config, args) -> dict:
    from assistant.measure.bench._gatefuzz import run_gate_fuzz
    from assistant.measure.bench._textfuzz import run_text_fuzz

    seed = args.seed if getattr(args, "seed", None) is not None else random.SystemRandom().randrange(2**31)
    turns = args.turns if getattr(args, "turns", None) is not None else (3000 if args.quick else 100_000)
    text_turns = args.text_turns if getattr(args, "text_turns", None) is not None else (60 if args.quick else 1000)
    print(f"fuzz: seed {seed}; replay: assistant bench fuzz --seed {seed} --turns {turns} --text-turns {text_turns}")

    started = time.perf_counter()
    gate = run_gate_fuzz(seed, turns, config, progress=_progress("gate", turns))
    gate_s = time.perf_counter() - started
    print(f"gate level: {gate.turns} turns in {gate_s:.1f} s ({gate.turns / gate_s:.0f}/s), "
          f"{len(gate.violations)} violations; {gate.stats['oracle:frames_judged']} head-unit frames and "
          f"{gate.stats['oracle:status_frames']} status frames seen by the oracle")
    for violation in gate.violations[:20]:
        print(f"  VIOLATION {violation}")

    text = None
    if text_turns:
        started = time.perf_counter()
        text = run_text_fuzz(seed, text_turns, config, progress=_progress("text", text_turns))
        text_s = time.perf_counter() - started
        print(f"text level: {text.turns} turns over {text.sessions} simulated cars in {text_s:.1f} s, "
              f"{len(text.violations)} violations, {text.stats['frames']} frames judged, "
              f"{len(text.errors_logged)} errors logged")
        for violation in text.violations[:20]:
            print(f"  VIOLATION {violation}")
        for error in text.errors_logged[:5]:
            print(f"  logged: {error}")

    total = len(gate.violations) + (len(text.violations) if text else 0)
    print(f"fuzz: {'PASS' if total == 0 else 'FAIL'}: {total} violations (seed {seed})")
    result = {"seed": seed, "violations": total, "gate": gate.summary(limit=50) | {"seconds": round(gate_s, 1)},
              "replay": f"assistant bench fuzz --seed {seed} --turns {turns} --text-turns {text_turns}"}
    if text is not None:
        result["text"] = text.summary(limit=50) | {"seconds": round(text_s, 1)}
    return result
