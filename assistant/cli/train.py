"""`assistant train [STAGE...] [--backend embedded|rasa|all]`: build every trained artefact.

Each stage is a trainer `train(config, *, progress) -> str` (summary line) that writes
under config.models_dir; `progress(fraction, message)` drives a tqdm bar. Trainers may
accept extra keyword options (the NLU takes `backends`); they get only those they name.
"""

from __future__ import annotations

import importlib
import inspect

from ._common import config_from_args

# (stage, "module:function"), run in this order
TRAINERS: list[tuple[str, str]] = [
    ("nlu", "assistant.nlu.train:train"),
    ("asr", "assistant.asr.compile:train"),
    # the weights of the speech choice: needs the recorded tuning sets and runs the recognisers over
    # them (an hour on two cores; cached after), so only when named
    ("understand", "assistant.measure.understand_fit:train"),
]
DEFAULT_STAGES = ("nlu", "asr")


def _do_train(args) -> int:
    from tqdm import tqdm

    config = config_from_args(args)
    stages = args.stages or list(DEFAULT_STAGES)
    known = dict(TRAINERS)
    unknown = [s for s in stages if s not in known]
    if unknown:
        raise SystemExit(f"error: unknown stage(s) {', '.join(unknown)}; known: {', '.join(known)}")
    options = {"backends": args.backend or ["embedded"], "fixtures": args.fixtures}
    for stage in stages:
        module_name, func_name = known[stage].split(":")
        func = getattr(importlib.import_module(module_name), func_name)
        accepted = inspect.signature(func).parameters
        with tqdm(total=100, desc=stage, unit="%", bar_format="{desc}: {percentage:3.0f}%|{bar}| {postfix}",
                  disable=args.quiet) as bar:
            def progress(fraction: float, message: str = "", _bar=bar) -> None:
                _bar.n = round(100 * min(max(fraction, 0.0), 1.0))
                _bar.set_postfix_str(message[:60], refresh=True)

            summary = func(config, progress=progress, **{k: v for k, v in options.items() if k in accepted})
            progress(1.0, "done")
        print(summary, flush=True)
    return 0


def add_subparser(subparsers) -> None:
    parser = subparsers.add_parser("train", help="train the NLU model(s) and compile the ASR grammar",
                                   description=__doc__.splitlines()[0])
    parser.add_argument("stages", nargs="*", metavar="STAGE",
                        help=f"what to train: {', '.join(n for n, _ in TRAINERS)} (default: "
                             f"{', '.join(DEFAULT_STAGES)})")
    parser.add_argument("--backend", action="append", choices=["embedded", "rasa", "all"],
                        help="NLU backend(s) to train (default: embedded; rasa needs `make rasa`)")
    parser.add_argument("--fixtures", action="append", metavar="DIR",
                        help="understand: recorded sets to fit on (default: tests/fixtures/generated/dev and tune)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=_do_train)
