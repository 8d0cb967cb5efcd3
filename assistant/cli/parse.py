"""`assistant parse [--json] [--backend NAME] [--split] TEXT...`: NLU only.

With --json, one Rasa /model/parse object per text (per command with --split);
otherwise one readable line. TEXT "-" reads texts from stdin, one per line.
"""

from __future__ import annotations

import sys

from ._common import config_from_args, print_json


def _texts(args) -> list[str]:
    texts: list[str] = []
    for text in args.texts:
        if text == "-":
            texts.extend(line.rstrip("\n") for line in sys.stdin)
        else:
            texts.append(text)
    return texts


def _line(result) -> str:
    entities = " ".join(f"{e.entity}={e.value}" for e in result.entities)
    return f"{result.name} ({result.confidence:.2f}) {entities}".rstrip() + f"  | {result.text}"


def _do_parse(args) -> int:
    from assistant.nlu.backend import load_nlu
    from assistant.nlu.split import split_commands

    config = config_from_args(args)
    nlu = load_nlu(config, args.backend)
    try:
        for text in _texts(args):
            results = split_commands(text, nlu) if args.split else [nlu.parse(text)]
            for result in results:
                if args.json:
                    print_json(result.to_json())
                else:
                    print(_line(result), flush=True)
    finally:
        nlu.close()
    return 0


def add_subparser(subparsers) -> None:
    parser = subparsers.add_parser("parse", help="NLU only: text -> intent + entities (Rasa JSON)",
                                   description=__doc__.splitlines()[0])
    parser.add_argument("texts", nargs="+", metavar="TEXT", help="what the driver said ('-' = stdin lines)")
    parser.add_argument("--json", action="store_true", help="one Rasa /model/parse JSON object per line")
    parser.add_argument("--backend", help="NLU backend (default: [nlu] backend from the config)")
    parser.add_argument("--split", action="store_true",
                        help="split several commands (\"... and ...\") into one result each")
    parser.set_defaults(func=_do_parse)
