"""Degraded copies of clean speech: how a command reaches the car through lossy paths.

    from assistant.measure.degraded import KINDS, degrade
    worse = degrade(samples, 16000, "mp3")           # same dtype, rate and length as `samples`

    python -m assistant.measure.degraded --degrade mp3,8k,clip --out DIR cmd.wav ...

Kinds (`KINDS`):

- `mp3`: MP3 at 24 kbps (constant bit rate, LAME through sox) and decoded back. The encoder's
  delay (about 70 ms at 16 kHz) is kept: a recording of a stream has it too. Needs sox with
  MP3 support (Debian: `sox libsox-fmt-mp3`, in tools/install-system-deps.sh); without it an
  AudioError says what to install.
- `8k`: narrowband: resampled to 8 kHz and back (soxr), so nothing above 4 kHz is left.
- `clip`: +20 dB of gain into a hard limit at full scale.

A degraded command must be heard as the original command or rejected, never as another one
(tests/hardening/test_degraded_audio.py). Mono only; int16 or float samples at any rate.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from assistant.errors import AudioError

KINDS = ("mp3", "8k", "clip")
MP3_KBPS = 24
NARROW_RATE = 8000
CLIP_GAIN_DB = 20.0
SOX_HINT = "install sox with MP3 support: apt-get install sox libsox-fmt-mp3 (tools/install-system-deps.sh)"


def degrade(samples: np.ndarray, rate: int, kind: str) -> np.ndarray:
    """`samples` (mono, int16 or float in [-1, 1]) through the degradation `kind` (one of KINDS).

    Returns the same dtype, rate and number of samples. AudioError when `kind` is unknown or
    the MP3 encoder is missing.
    """
    x = np.asarray(samples)
    if x.ndim != 1:
        raise AudioError(f"degrade() takes mono samples, got shape {x.shape}", hint="downmix first")
    if kind not in KINDS:
        raise AudioError(f"unknown degradation {kind!r}", hint=f"choose from {', '.join(KINDS)}")
    integer = np.issubdtype(x.dtype, np.integer)
    unit = x.astype(np.float64) / 32768.0 if integer else x.astype(np.float64)
    if kind == "mp3":
        out = _mp3(unit, rate)
    elif kind == "8k":
        out = _narrowband(unit, rate)
    else:
        out = np.clip(unit * 10 ** (CLIP_GAIN_DB / 20), -1.0, 32767 / 32768)
    out = out[:len(unit)] if len(out) >= len(unit) else np.concatenate([out, np.zeros(len(unit) - len(out))])
    if integer:
        return np.clip(np.round(out * 32768.0), -32768, 32767).astype(x.dtype)
    return out.astype(x.dtype)


def _narrowband(x: np.ndarray, rate: int) -> np.ndarray:
    import soxr

    if rate <= NARROW_RATE:
        return x
    narrow = soxr.resample(x, rate, NARROW_RATE, quality="HQ")
    return soxr.resample(narrow, NARROW_RATE, rate, quality="HQ")


def mp3_available() -> str | None:
    """None when sox can write MP3, else why not (for skips and error messages)."""
    sox = shutil.which("sox")
    if sox is None:
        return "sox is not installed"
    listing = subprocess.run([sox, "-h"], capture_output=True, text=True).stdout
    formats = listing.split("AUDIO FILE FORMATS:")[-1].split("\n")[0].split()
    if "mp3" not in formats:
        return "sox has no MP3 support (libsox-fmt-mp3)"
    return None


def _mp3(x: np.ndarray, rate: int) -> np.ndarray:
    import soundfile as sf

    missing = mp3_available()
    if missing:
        raise AudioError(f"cannot encode MP3: {missing}", hint=SOX_HINT)
    with tempfile.TemporaryDirectory(prefix="degrade-") as tmp:
        source, encoded, decoded = (Path(tmp) / name for name in ("in.wav", "in.mp3", "out.wav"))
        sf.write(source, np.clip(x, -1.0, 32767 / 32768), rate, subtype="PCM_16")
        for command in (["sox", str(source), "-C", str(MP3_KBPS), str(encoded)],
                        ["sox", str(encoded), "-r", str(rate), "-b", "16", "-c", "1", str(decoded)]):
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode != 0:
                raise AudioError(f"sox failed ({' '.join(command[:2])} ...): {done.stderr.strip()[:300]}",
                                 hint=SOX_HINT)
        out, _ = sf.read(decoded, dtype="float64")
    return out if out.ndim == 1 else out.mean(axis=1)


def main(argv: list[str] | None = None) -> int:
    import soundfile as sf

    parser = argparse.ArgumentParser(prog="python -m assistant.measure.degraded", description=__doc__.split("\n\n")[0])
    parser.add_argument("inputs", nargs="+", metavar="WAV", help="clean mono WAV files")
    parser.add_argument("--degrade", default=",".join(KINDS), help=f"comma-separated kinds (default: {','.join(KINDS)})")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder for NAME.KIND.wav (created)")
    args = parser.parse_args(argv)
    kinds = [k.strip() for k in args.degrade.split(",") if k.strip()]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    try:
        for path in map(Path, args.inputs):
            samples, rate = sf.read(path, dtype="int16")
            if samples.ndim > 1:
                samples = samples.mean(axis=1).astype(np.int16)
            for kind in kinds:
                sf.write(out / f"{path.stem}.{kind}.wav", degrade(samples, rate, kind), rate, subtype="PCM_16")
    except AudioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{len(args.inputs)} file(s) x {len(kinds)} degradation(s) in {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
