"""Record the demo's commands: synthesise each `say:` of the demo script into its `file:`.

    python tools/demo/make_demo_audio.py                      # assistant/data/demo/script.yml
    python tools/demo/make_demo_audio.py --voice espeak:en-us --check

The voice is the script's `voice:` (engine:name, e.g. flite:slt or espeak:en-us), or --voice.
Output: 16 kHz mono int16 WAVs, peak -3 dBFS, 0.2 s of silence either side (the demo
adds cabin noise under the whole stream at run time). --check runs each file through
the current recogniser (`assistant transcribe`'s front end) and says which ones it
gets wrong.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SCRIPT = ROOT / "assistant" / "data" / "demo" / "script.yml"
RATE = 16000
PAD_S = 0.2


def synthesize(text: str, voice: str) -> np.ndarray:
    """`text` in `voice` ("flite:slt", "espeak:en-us" or "espeak:en-us:150" words/min) as 16 kHz float."""
    engine, _, rest = voice.partition(":")
    if engine == "espeak":
        name, _, wpm = rest.partition(":")
        cmd = ["espeak-ng", "-v", name or "en-us", "--stdout"] + (["-s", wpm] if wpm else [])
        wav = subprocess.run(cmd, input=text.encode(), capture_output=True, check=True, timeout=60).stdout
        samples, rate = sf.read(io.BytesIO(wav), dtype="float32")
    elif engine == "flite":
        fd, path = tempfile.mkstemp(suffix=".wav")
        os.close(fd)
        try:
            subprocess.run(["flite", "-voice", rest or "slt", "-t", text, "-o", path], check=True,
                           capture_output=True, timeout=60)
            samples, rate = sf.read(path, dtype="float32")
        finally:
            os.unlink(path)
    else:
        raise SystemExit(f"unknown voice {voice!r}: use flite:NAME or espeak:VOICE[:WPM]")
    if samples.ndim > 1:
        samples = samples.mean(axis=1)
    if rate != RATE:
        samples = soxr.resample(samples, rate, RATE)
    return samples


def record(text: str, voice: str, out: Path) -> float:
    speech = synthesize(text, voice)
    peak = float(np.max(np.abs(speech))) or 1.0
    pad = np.zeros(int(PAD_S * RATE), np.float32)
    audio = np.concatenate([pad, speech / peak * 10 ** (-3 / 20), pad])
    out.parent.mkdir(parents=True, exist_ok=True)
    sf.write(out, np.round(audio * 32767).astype(np.int16), RATE, subtype="PCM_16")
    return len(audio) / RATE


def check(steps) -> int:
    sys.path.insert(0, str(ROOT))
    from assistant.asr.listener import SpeechFrontEnd
    from assistant.audio.wav import WavSource
    from assistant.config import load_config

    front = SpeechFrontEnd(load_config())
    wrong = 0
    for step in steps:
        heard = " ".join(h.text for h in front.listen(WavSource(step.file)) if not h.rejected)
        said = " ".join(step.say.lower().replace(",", " ").split())
        ok = heard == said
        wrong += not ok
        print(f"{'ok   ' if ok else 'WRONG'} {step.file.name}: said {said!r}, heard {heard!r}")
    return wrong


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--script", type=Path, default=DEFAULT_SCRIPT)
    parser.add_argument("--voice", help="override the script's voice (flite:NAME, espeak:VOICE[:WPM])")
    parser.add_argument("--check", action="store_true", help="transcribe the results with the current recogniser")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from assistant.runtime.script import Script

    script = Script.load(args.script)
    voice = args.voice or script.voice or "espeak:en-us"
    for step in script.steps:
        seconds = record(step.say, voice, step.file)
        print(f"{step.file.relative_to(ROOT)}: {step.say!r} ({seconds:.1f} s, {voice})")
    if args.check:
        check(script.steps)  # a report: the demo shows whether the NLU still gets the right intent
    return 0


if __name__ == "__main__":
    sys.exit(main())
