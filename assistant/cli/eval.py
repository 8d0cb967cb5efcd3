"""`assistant eval KIND`: accuracy reports (JSON + confusion-matrix PNG).

EVALUATIONS maps a kind to "module:function"; the function takes
`(config, args)`, prints its report and returns an exit code.
"""

from __future__ import annotations

import importlib

from ._common import config_from_args

EVALUATIONS: dict[str, tuple[str, str]] = {
    # kind: ("module:function", help)
    "nlu": ("assistant.nlu.evaluate:run", "NLU intent/entity accuracy on intents/<lang>/test, per backend"),
}


def _do_eval(args) -> int:
    target, _ = EVALUATIONS[args.kind]
    module_name, func_name = target.split(":")
    return getattr(importlib.import_module(module_name), func_name)(config_from_args(args), args)


def add_subparser(subparsers) -> None:
    parser = subparsers.add_parser("eval", help="accuracy evaluation reports",
                                   description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=sorted(EVALUATIONS), help="what to evaluate")
    parser.add_argument("--out", default="out/eval", help="folder for the JSON report and PNG")
    parser.add_argument("--backend", action="append",
                        help="NLU backend(s) to evaluate (default: every installed one)")
    parser.add_argument("--quick", action="store_true", help="a subset (for tests)")
    parser.set_defaults(func=_do_eval)
