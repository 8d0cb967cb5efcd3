"""`assistant transcribe [--json] FILE...`: speech to text only (endpointing + ASR), with timings.

For each file: the text, confidence, rejected flag (out of domain, noise, nothing
heard), audio duration, and timings: ASR time, real-time factor, and end of
speech -> final transcript (the endpointer's trailing-silence wait plus the
final decode). A folder stands for the audio files in it. A file that is not
usable audio gets an error line and the others still run (exit code 2).
"""

from __future__ import annotations

import sys

from ._common import config_from_args, print_json


def transcribe_file(front, path, *, whole: bool = False) -> dict:
    """The report for one file (see the module docstring)."""
    import time

    from assistant.asr.base import transcribe
    from assistant.audio.wav import WavSource, read_wav

    if whole:
        samples = read_wav(path)
        started = time.perf_counter()
        transcript = transcribe(front.engine, samples)
        asr_ms = (time.perf_counter() - started) * 1000
        audio_s = len(samples) / 16000
        return {"file": str(path), **transcript.to_json(), "audio_s": round(audio_s, 3), "zone": None,
                "utterances": [], "timings_ms": {"asr": round(asr_ms, 1)},
                "rtf": round(asr_ms / 1000 / audio_s, 4) if audio_s else 0.0}
    source = WavSource(path, block_ms=front.config.audio.block_ms)
    started = time.perf_counter()
    heard = list(front.listen(source))
    wall_ms = (time.perf_counter() - started) * 1000
    accepted = [h for h in heard if not h.rejected]
    asr_ms = sum(h.asr_ms for h in heard)
    report = {
        "file": str(path),
        "text": " ".join(h.text for h in accepted),
        "confidence": round(min((h.confidence for h in accepted), default=0.0), 4),
        "rejected": not accepted,
        "reason": "" if accepted else (heard[-1].transcript.reason if heard else "no_speech"),
        "zone": accepted[0].zone if accepted else None,
        "audio_s": round(source.duration_s, 3),
        "rtf": round(asr_ms / 1000 / source.duration_s, 4) if source.duration_s else 0.0,
        "timings_ms": {"asr": round(asr_ms, 1), "total": round(wall_ms, 1),
                       "eos_to_transcript": heard[-1].timings_ms()["eos_to_transcript"] if heard else None},
        "utterances": [h.to_json() for h in heard],
    }
    return report


def _do_transcribe(args) -> int:
    from assistant.asr.base import load_engine
    from assistant.asr.listener import SpeechFrontEnd
    from assistant.audio.wav import audio_files
    from assistant.errors import AssistantError

    config = config_from_args(args)
    front = SpeechFrontEnd(config, engine=load_engine(config, engine=args.engine, mode=args.mode))
    failed = 0
    for path in audio_files(args.files):
        try:
            report = transcribe_file(front, path, whole=args.whole)
        except AssistantError as exc:
            failed += 1
            if args.json:
                print_json({"file": str(path), "error": str(exc).splitlines()[0], "hint": exc.hint})
            else:
                print(f"{path}: error: {exc}", file=sys.stderr)
            continue
        if args.json:
            print_json(report)
        else:
            shown = report["text"] or f"(rejected: {report['reason']})"
            timing = report["timings_ms"]
            eos = f", end of speech -> text {timing['eos_to_transcript']:.0f} ms" if timing.get("eos_to_transcript") else ""
            print(f"{path}: {shown}  [confidence {report['confidence']:.2f}, {report['audio_s']:.1f} s audio, "
                  f"ASR {timing['asr']:.0f} ms, RTF {report['rtf']:.3f}{eos}]")
    return 2 if failed else 0


def add_subparser(subparsers) -> None:
    parser = subparsers.add_parser("transcribe", help="speech to text only (ASR), with timings",
                                   description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", metavar="FILE", help="WAV files or folders of them")
    parser.add_argument("--json", action="store_true", help="one JSON object per file")
    parser.add_argument("--engine", help="ASR engine (default: [asr] engine)")
    parser.add_argument("--mode", choices=["grammar", "open"], help="default: [asr] mode")
    parser.add_argument("--whole", action="store_true",
                        help="decode each file as one utterance, without voice activity detection")
    parser.set_defaults(func=_do_transcribe)
