"""`assistant say TEXT`: speak text through the configured TTS engine and sink, or into a WAV."""

from __future__ import annotations

import sys

from ._common import config_from_args, print_json


def _do_say(args) -> int:
    from assistant.audio.sinks import WavSink, open_sink
    from assistant.tts import load_tts
    from assistant.tts.player import Player

    config = config_from_args(args)
    text = " ".join(args.text) if args.text else sys.stdin.read()
    engine = load_tts(config, engine=args.engine, voice=args.voice)
    sink = WavSink(args.out) if args.out else open_sink(config, args.sink)
    player = Player.from_config(config, sink)
    try:
        report = player.play(engine.synthesize(text))
    except KeyboardInterrupt:
        player.stop()
        raise
    where = getattr(sink, "last_path", None) or getattr(sink, "device_name", None) or sink.name
    if args.json:
        print_json({"text": text, "engine": engine.name, "voice": engine.voice,
                    "out": str(where) if report.frames else None, **report.to_json()})
    elif not report.frames:
        print("nothing to say: the text has no words to speak; no audio written", file=sys.stderr)
    else:
        print(f"{engine.name} ({engine.voice}): {len(report.sentences)} sentence(s), "
              f"{report.audio_s:.2f} s of audio at {report.sample_rate} Hz, "
              f"first audio after {report.first_audio_s * 1000:.0f} ms -> {where}", file=sys.stderr)
    return 0


def add_subparser(subparsers) -> None:
    parser = subparsers.add_parser(
        "say", help="speak text (TTS only): speaker, or a WAV file with --out",
        description=__doc__.splitlines()[0] + " Reads stdin when no TEXT is given.")
    parser.add_argument("text", nargs="*", metavar="TEXT", help="what to say (default: stdin)")
    parser.add_argument("--out", metavar="FILE.wav", help="write a WAV file instead of playing it")
    parser.add_argument("--engine", choices=["auto", "espeak", "piper"], help="TTS engine (default: [tts] engine)")
    parser.add_argument("--voice", help="espeak-ng voice, or piper voice name/.onnx (default: [tts] voice)")
    parser.add_argument("--sink", choices=["speaker", "wav", "null"], help="where audio goes (default: [tts] sink)")
    parser.add_argument("--json", action="store_true", help="print the playback report as one JSON line")
    parser.set_defaults(func=_do_say)
