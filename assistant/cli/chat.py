"""`assistant chat`: text turns through NLU, dialogue, skills, the gate, the bus and the car.

    assistant chat --json "open my window halfway" "close it again"
    assistant chat --json --set Vehicle.Speed=80 "open the trunk"
    assistant chat            # interactive: one turn per line

Turns given together are one conversation, so "yes" can answer a question.
"""

from __future__ import annotations

import json

import sys

from ._common import add_vehicle_arguments, apply_vehicle_arguments, config_from_args, print_json

FAST_TIME = 20.0  # the built-in car's windows travel 20x faster, so `state` is printed sooner


def open_assistant(args, *, speak_default: str = "null", listen: bool = False):
    """An Assistant for a CLI front end: --set scenario, --bus, where replies are spoken, and (with
    `listen`) the speech front end without a wake phrase: every utterance of a recording is a turn."""
    from assistant.audio.sinks import open_sink
    from assistant.runtime import Assistant
    from assistant.tts.player import Player
    from assistant.vehicle.scenario import parse_assignments

    config = apply_vehicle_arguments(args, config_from_args(args))
    player = None
    if not args.no_tts:
        player = Player.from_config(config, open_sink(config, args.sink or speak_default, path=args.replies_dir))
    return Assistant.open(config, speak=not args.no_tts, player=player, listen=listen, triggers=False,
                          scenario=parse_assignments(args.scenario),
                          time_scale=args.time_scale or FAST_TIME)


def _do_chat(args) -> int:
    turns = args.turns or (line.strip() for line in sys.stdin)
    interactive = not args.turns and sys.stdin.isatty()
    with open_assistant(args) as assistant:
        if interactive:
            print("Say something (Ctrl-D to end).", file=sys.stderr)
        for text in turns:
            if not text:
                continue
            report = assistant.handle_text(text, speaker_zone=args.zone)
            if args.json:
                print_json(report.to_json())
            else:
                _print_turn(report)
    return 0


def _print_turn(report) -> None:
    print(f"you> {report.input}")
    for action in report.turn.actions:
        entities = " ".join(f"{e.entity}={e.value}" for e in action.parse.entities)
        print(f"     [{action.parse.intent.name} {action.parse.intent.confidence:.2f}{' ' + entities if entities else ''}"
              f" -> {action.action}]")
    for frame in report.turn.frames:
        print(f"     sent {frame.name} 0x{frame.arbitration_id:03X} {frame.data.hex().upper()}")
    for light, wanted in (report.home or {}).items():  # through the home bridge, never the bus
        print(f"     home {light} <- {json.dumps(wanted)}")
    if report.turn.denied:
        print(f"     denied: {report.turn.denied}")
    for path, value in report.turn.writes.items():
        print(f"     {path}: requested {value}, car now {report.state.get(path)}")
    print(f"car> {report.reply}")


def add_chat_arguments(parser) -> None:
    """Options shared by chat and replay."""
    parser.add_argument("--json", action="store_true", help="one JSON object per turn (PRODUCT.md contract)")
    parser.add_argument("--zone", default="driver",
                        choices=["driver", "passenger", "rear_left", "rear_right"],
                        help="where the speaker sits, for 'my window' (default: driver)")
    parser.add_argument("--sink", choices=["speaker", "wav", "null"], default=None,
                        help="where replies are spoken (default: synthesised, not played)")
    parser.add_argument("--replies-dir", default=None, help="with --sink wav: folder for one WAV per reply")
    parser.add_argument("--no-tts", action="store_true", help="don't synthesise replies at all")
    add_vehicle_arguments(parser)


def add_subparser(subparsers) -> None:
    parser = subparsers.add_parser("chat", help="text turns through the whole assistant and the car",
                                   description=__doc__.split("\n\n")[0])
    parser.add_argument("turns", nargs="*", metavar="TURN", help="what the driver says (default: stdin lines)")
    add_chat_arguments(parser)
    parser.set_defaults(func=_do_chat)
