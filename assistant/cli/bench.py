"""`assistant bench [AREA...]`: speed and memory figures, with ratios against baselines.

Each module in `assistant.measure.bench` is one area (its module name). It provides
`run(config, args) -> dict` and optionally `add_arguments(parser)` and
`HELP`. Results are printed and written as JSON to `--out` (default out/bench/).
With no AREA the quick, useful set runs (DEFAULT_AREAS: asr, nlu, tts, pipeline);
the minutes-long hardening areas (fuzz, soak, flood) run only when named.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import time
from pathlib import Path

import assistant.measure.bench
from assistant.errors import AssistantError

from ._common import config_from_args, print_json

# bare `assistant bench`; in this order, so `pipeline` can reuse the nlu area's rasa comparison
DEFAULT_AREAS = ("asr", "nlu", "tts", "pipeline")


def available_areas() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(assistant.measure.bench.__path__) if not m.name.startswith("_"))


def _do_bench(args) -> int:
    config = config_from_args(args)
    areas = args.areas or [a for a in DEFAULT_AREAS if a in available_areas()]
    unknown = sorted(set(areas) - set(available_areas()))
    if unknown:
        raise SystemExit(f"error: unknown bench area(s) {', '.join(unknown)}; "
                         f"known: {', '.join(available_areas())}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    args.bench_results = {}  # earlier areas' results of this run, for areas that build on them
    failed = []
    for area in areas:
        module = importlib.import_module(f"assistant.measure.bench.{area}")
        started = time.perf_counter()
        try:
            result = module.run(config, args)
        except AssistantError as exc:  # e.g. no recorded set: say how to make it, and run the other areas
            print(f"error: bench {area}: {exc}", file=sys.stderr)
            failed.append(area)
            result = {"error": str(exc).splitlines()[0], "hint": exc.hint}
        else:
            args.bench_results[area] = result
        result.setdefault("area", area)
        result.setdefault("wall_s", round(time.perf_counter() - started, 3))
        (out / f"{area}.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
        if args.json:
            print_json(result)
    return 2 if failed else 0


def add_subparser(subparsers) -> None:
    import argparse

    opt_in = [a for a in available_areas() if a not in DEFAULT_AREAS]
    modules = {a: importlib.import_module(f"assistant.measure.bench.{a}") for a in available_areas()}
    areas_help = "\n".join(f"  {a:10} {getattr(m, 'HELP', '')}" for a, m in modules.items())
    parser = subparsers.add_parser(
        "bench", help="benchmarks: latency, real-time factor, RSS, with baseline ratios",
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"areas:\n{areas_help}\n\nWith no AREA: {', '.join(a for a in DEFAULT_AREAS if a in modules)} "
               f"(`--quick` for a small subset).\nOnly when named (long runs): {', '.join(opt_in) or 'none'} "
               f"(make fuzz / make soak).")
    parser.add_argument("areas", nargs="*", metavar="AREA",
                        help=f"which benchmarks (default: {', '.join(a for a in DEFAULT_AREAS if a in available_areas())}; "
                             f"{', '.join(opt_in) or 'none'} run only when named)")
    parser.add_argument("--out", default="out/bench", help="folder for JSON results and plots")
    parser.add_argument("--json", action="store_true", help="also print each result as one JSON line")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (for tests)")
    parser.add_argument("--fixtures", metavar="DIR",
                        help="recorded command set for asr/pipeline (default: tests/fixtures/generated/commands)")
    for module in modules.values():
        if hasattr(module, "add_arguments"):
            module.add_arguments(parser)
    parser.set_defaults(func=_do_bench)
