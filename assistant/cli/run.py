"""`assistant run`: the live assistant - microphone, wake phrase or voice button, the car, spoken replies.

    assistant run                                   # mic and speaker from [audio], bus from [vehicle]
    assistant run --input drive.wav --sink wav:out/replies --json
    assistant run --input cmd.wav --fast --press 0.2 --sink null   # voice button pressed at 0.2 s
    assistant run --bus socketcan:vcan0 --external  # against `assistant sim` in another process
    assistant run --input drive.wav --fast --scenario door_at_speed.yml --json   # the car changes as it plays

Prints a "ready" line once listening, one line per turn (with --json: the turn's JSON
object, per-stage timings included; --log FILE appends the same objects to a file),
one line per proactive notice (`{"event": "notice", "kind", "text", "values", ...}`),
and a final summary when the input ends or on SIGINT/SIGTERM.
"""

from __future__ import annotations

import json
import signal
import sys
import time

from ._common import add_vehicle_arguments, apply_vehicle_arguments, config_from_args, print_json

MIC_HINT = ("stand in for the microphone with a recording: `assistant run --input FILE.wav`; or connect one and "
            "set [audio] input_device (`assistant doctor` lists the audio devices)")


def open_input(args, config):
    """The audio source: the WAVs of --input (paced like a mic unless --fast), else the microphone."""
    from assistant.audio.wav import FolderSource
    from assistant.errors import AudioError

    if args.input:
        return FolderSource(args.input, block_ms=config.audio.block_ms, realtime=not args.fast, gap_s=args.gap)
    if args.fast:
        raise SystemExit("error: --fast needs --input WAV (a microphone runs in real time)")
    from assistant.audio.mic import MicSource

    try:
        return MicSource(args.device if args.device is not None else config.audio.input_device,
                         block_ms=config.audio.block_ms, channels=len(config.audio.channel_zones) or 1,
                         queue_blocks=config.audio.queue_blocks)
    except AudioError as exc:
        raise AudioError(f"no microphone: {str(exc).splitlines()[0]}", hint=MIC_HINT) from exc


def _do_run(args) -> int:
    from assistant.runtime.live import Cue, LiveAssistant
    from assistant.runtime.speech import reply_sink
    from assistant.vehicle.scenario import load_timeline, parse_assignments

    config = apply_vehicle_arguments(args, config_from_args(args))
    initial, timeline = load_timeline(args.scenario_file) if args.scenario_file else ({}, [])
    cues = [Cue(at, press=True) for at in args.press] + [Cue(step.at, set=step.changes, faults=step.faults)
                                                         for step in timeline]
    if args.wake is not None:
        config.wake.phrase = args.wake
    stopping: list[str] = []
    live_box: list[LiveAssistant] = []

    def on_signal(signum, _frame) -> None:
        name = signal.Signals(signum).name
        stopping.append(name)
        if live_box:
            live_box[0].stop(name)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, on_signal)
    source = open_input(args, config)  # devices first: a missing mic or speaker fails before models load
    # in real time a WAV or null sink takes as long as a speaker would, so barge-in and follow-ups behave alike
    sink = reply_sink(config, args.sink, realtime=not args.fast) if not args.no_tts else None
    log_file = open(args.log, "a", encoding="utf-8") if args.log else None
    try:
        live = LiveAssistant.open(config, source, sink=sink, realtime=not args.fast, speak=not args.no_tts,
                                  scenario={**initial, **parse_assignments(args.scenario)},
                                  time_scale=args.time_scale, cues=cues,
                                  on_turn=lambda report: _print_turn(args, report, log_file),
                                  notices=not args.no_notices,
                                  on_notice=lambda notice: _print_notice(args, notice, log_file))
        live_box.append(live)
        try:
            if stopping:
                live.stop(stopping[0])
            ready = live.ready_info() | {"since_process_start_ms": _since_process_start_ms()}
            _print_ready(args, ready)
            if args.duration:
                import threading
                timer = threading.Timer(args.duration, live.stop, args=("duration",))
                timer.daemon = True  # an input that ends first must not wait for it
                timer.start()
            summary = live.run()
        finally:
            live.close()
    finally:
        if log_file:
            log_file.close()
    if args.json:
        print_json(summary.to_json())
    else:
        print(f"stopped ({summary.reason}): {summary.turns} turn(s), {summary.notices} notice(s), "
              f"{summary.frames} frame(s) sent, "
              f"{summary.barge_ins} barge-in(s), {summary.dropped_blocks} audio block(s) dropped, "
              f"{summary.tts_errors} TTS error(s), {summary.audio_s:.1f} s of audio in {summary.uptime_s:.1f} s",
              flush=True)
    return 0


def _since_process_start_ms() -> float | None:
    try:
        import psutil
        return round((time.time() - psutil.Process().create_time()) * 1000, 1)
    except Exception:  # psutil missing or /proc unreadable: the figure is optional
        return None


def _print_ready(args, ready: dict) -> None:
    if args.json:
        print_json(ready)
        return
    triggers = [f"'{ready['wake_phrase']}'" if ready["wake_phrase"] else None,
                "the voice button" if ready["push_to_talk"] else None]
    what = " or ".join(t for t in triggers if t) or "anything (always listening)"
    stages = ", ".join(f"{k} {v:.0f} ms" for k, v in ready["startup_ms"].items())
    print(f"ready: listening to {ready['input']} for {what} (follow-ups {ready['follow_up_s']:g} s); "
          f"bus {ready['bus']} ({ready['simulator']} car); replies {ready['tts'] or 'not spoken'}; "
          f"start-up {ready['since_process_start_ms'] or 0:.0f} ms ({stages})", flush=True)


def _print_turn(args, report, log_file) -> None:
    data = report.to_json()
    if log_file is not None:
        log_file.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
        log_file.flush()
    if args.json:
        print_json(data)
        return
    audio = data["audio"]
    heard = f"{report.transcript!r}" + (" (not a command)" if audio["rejected"] else "")
    print(f"[{audio['start_s']:.1f}-{audio['end_s']:.1f} s, {data['trigger']}] heard {heard}")
    for frame in report.turn.frames:
        print(f"     sent {frame.name} 0x{frame.arbitration_id:03X} {frame.data.hex().upper()}")
    if report.turn.denied:
        print(f"     denied: {report.turn.denied}")
    for path, value in report.turn.writes.items():
        print(f"     {path}: requested {value}, car now {report.state.get(path)}")
    first = data["timings_ms"].get("end_of_speech_to_first_audio")
    spoken = f"   [first audio {first:.0f} ms after end of speech]" if first is not None else ""
    failed = f"   [not spoken: {report.tts_error}]" if report.tts_error else ""
    print(f"car> {report.reply}{spoken}{failed}", flush=True)


def _print_notice(args, notice: dict, log_file) -> None:
    if log_file is not None:
        log_file.write(json.dumps(notice, ensure_ascii=False, default=str) + "\n")
        log_file.flush()
    if args.json:
        print_json(notice)
        return
    failed = f"   [not spoken: {notice['tts_error']}]" if notice.get("tts_error") else ""
    print(f"[{notice['at_s']:.1f} s, notice {notice['kind']}]\ncar (unasked)> {notice['text']}{failed}", flush=True)


def add_subparser(subparsers) -> None:
    parser = subparsers.add_parser("run", help="the live assistant: mic (or --input WAV), wake/button, car, speaker",
                                   description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", action="append", metavar="WAV_OR_DIR",
                        help="recorded audio standing in for the microphone (repeatable; folders play in order)")
    parser.add_argument("--fast", action="store_true", help="with --input: as fast as possible, not in real time")
    parser.add_argument("--gap", type=float, default=1.0, metavar="S",
                        help="with --input: seconds of silence after each file (default 1)")
    parser.add_argument("--device", default=None, help="microphone name or index (default: [audio] input_device)")
    parser.add_argument("--sink", metavar="KIND", default=None,
                        help="where replies are spoken: speaker, null, wav or wav:DIR (default: [tts] sink)")
    parser.add_argument("--no-tts", action="store_true", help="don't speak replies (text only)")
    parser.add_argument("--wake", metavar="PHRASE", default=None,
                        help="wake phrase (default: [wake] phrase; \"\" = voice button and follow-ups only)")
    parser.add_argument("--press", action="append", type=float, default=[], metavar="S",
                        help="press the steering-wheel voice button at S seconds of input (built-in simulator; "
                             "a real CAN frame on the bus; repeatable)")
    parser.add_argument("--duration", type=float, default=None, metavar="S", help="stop after S seconds")
    parser.add_argument("--no-notices", action="store_true",
                        help="don't speak up unasked (low fuel, a door open at speed, ...: assistant/notices/)")
    parser.add_argument("--scenario", dest="scenario_file", metavar="FILE.yml",
                        help="built-in simulator: a scenario file; its timeline (`set:`, `faults:`) plays at "
                             "seconds of input")
    parser.add_argument("--json", action="store_true",
                        help="ready line, one JSON object per turn and per notice, summary: as JSON")
    parser.add_argument("--log", metavar="FILE", help="append each turn's JSON object to FILE")
    add_vehicle_arguments(parser)
    parser.set_defaults(func=_do_run)
