"""`assistant demo`: the bundled recorded drive through the whole pipeline, printed as a conversation.

Plays assistant/data/demo/ (or --script) into the live loop of `assistant run` against
the built-in simulator, prints what the driver said, what was heard and understood, the
CAN frames, the car's state changes and the replies, and writes the spoken replies as
reply_01.wav, reply_02.wav, ... into --out. `make demo` trains first, then runs this.
"""

from __future__ import annotations

from ._common import config_from_args


def _do_demo(args) -> int:
    from assistant.demo import DEFAULT_SCRIPT, run_demo

    config = config_from_args(args)
    config.vehicle.interface, config.vehicle.channel, config.vehicle.simulator = "virtual", "demo", "builtin"
    result = run_demo(config, args.out, script_path=args.script or DEFAULT_SCRIPT, realtime=args.realtime)
    return 0 if result.turns else 1


def add_subparser(subparsers) -> None:
    parser = subparsers.add_parser("demo", help="the bundled recorded drive end to end, replies as WAVs",
                                   description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="out/demo", help="folder for reply_NN.wav (default out/demo)")
    parser.add_argument("--script", help="a demo script YAML (default: assistant/data/demo/script.yml)")
    parser.add_argument("--realtime", action="store_true", help="play the recordings at real speed")
    parser.set_defaults(func=_do_demo)
