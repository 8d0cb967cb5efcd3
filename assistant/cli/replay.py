"""`assistant replay`: recorded WAV files or folders through the whole pipeline.

    assistant replay --json tests/fixtures/wav/
    assistant replay --json --set Vehicle.Speed=80 open_trunk.wav

Audio -> endpointing -> ASR (grammar from intents/) -> NLU -> dialogue -> skills ->
gate -> car -> reply, one JSON object per utterance heard. All files are one
conversation, so a recorded "yes" answers the question before it.
"""

from __future__ import annotations

import sys

from ._common import print_json
from .chat import add_chat_arguments, open_assistant


def _do_replay(args) -> int:
    from assistant.audio.wav import WavSource, audio_files
    from assistant.errors import AssistantError

    files = audio_files(args.inputs)
    if not files:
        raise SystemExit("error: no WAV files found in " + ", ".join(args.inputs))
    failures = 0
    with open_assistant(args, listen=True) as assistant:
        for path in files:
            try:
                heard_any = False
                for heard in assistant.front.listen(WavSource(path, realtime=args.realtime)):
                    heard_any = True
                    _turn(args, assistant, str(path), heard)
                if not heard_any and not args.json:
                    print(f"{path}: no speech")
            except AssistantError as exc:  # a bad file is reported, and the rest still play
                failures += 1
                if args.json:
                    print_json({"input": str(path), "error": str(exc).splitlines()[0]})
                print(f"error: {path}: {exc}", file=sys.stderr)
    return 1 if failures else 0


def _turn(args, assistant, path: str, heard) -> None:
    report = assistant.handle_heard(heard, input=path, default_zone=args.zone)
    if args.json:
        print_json(report.to_json())
    else:
        print(f"{path} [{heard.start_s:.1f}-{heard.end_s:.1f} s]: heard {heard.text!r}"
              + (" (rejected: not a command)" if heard.rejected else ""))
        for frame in report.turn.frames:
            print(f"     sent {frame.name} 0x{frame.arbitration_id:03X} {frame.data.hex().upper()}")
        for path_, value in report.turn.writes.items():
            print(f"     {path_}: requested {value}, car now {report.state.get(path_)}")
        print(f"car> {report.reply}")


def add_subparser(subparsers) -> None:
    parser = subparsers.add_parser("replay", help="recorded WAVs through ASR, NLU, dialogue, the gate and the car",
                                   description=__doc__.split("\n\n")[0])
    parser.add_argument("inputs", nargs="+", metavar="WAV_OR_DIR", help="WAV files, or folders of them")
    parser.add_argument("--realtime", action="store_true",
                        help="feed audio at the pace of a live microphone (default: as fast as possible)")
    add_chat_arguments(parser)
    parser.set_defaults(func=_do_replay)
