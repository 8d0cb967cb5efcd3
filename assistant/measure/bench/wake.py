"""Wake phrase: misses on recordings that say it, false wakes per hour on audio that does not.

Reads the wake set of the recorded fixtures (`make fixtures`: tests/fixtures/generated/wake):
the phrase alone and followed by a command in every voice and SNR (kind wake), long readings
of ordinary prose and of commands said without the phrase (kind speech), and car noise alone
(kind noise). Misses are given for clean + 10 dB together (the target) and per SNR.

Baselines in the same run, on the same audio:
- "kws only" / "with verifier": the configured phrase and threshold with the second pass the other
  way (what the verifier adds, at `[wake] verify_threshold`);
- "gate on"/"gate off": the configured setup with the voice gate the other way (CPU and accuracy);
- "old default": the spotter as it was ("hey car" at 1e-20, dither 20, pocketsphinx's default beam,
  first detection taken) - its false wakes per hour on the same prose (its misses need a set that
  says "hey car": `--wake-set`).
`--wake-thresholds 1e-40,1e-50` adds the configured setup at other kws thresholds (tune per phrase).

A car's spotter has heard the cabin for a while before anyone speaks; the set's files start
0.4 s before the speech. So before each short file the spotter first hears 3.2 s of that
file's own background (its last 0.8 s, four times), and is then reset (its cepstral mean is
kept, as on the road). `--wake-no-warmup` measures without.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from assistant.errors import DataError

HELP = "wake phrase misses and false wakes per hour on the recorded wake set, against baselines"
DEFAULT_SET = "tests/fixtures/generated/wake"
TARGET_SNRS = ("clean", "10")
# the spotter as it was: first detection 0.1 s after it ends (kws_delay 10), pocketsphinx's default beam
OLD_DEFAULT = {"phrase": "hey car", "threshold": 1e-20, "verify_threshold": None, "dither": 20.0, "settle_s": 0.1,
               "beam": 1e-48}
WARMUP_TAIL_S, WARMUP_REPEATS = 0.8, 4


def add_arguments(parser) -> None:
    parser.add_argument("--wake-set", default=DEFAULT_SET, help="folder with the wake set's manifest.json")
    parser.add_argument("--wake-thresholds", default="", help="also run the configured setup at these kws thresholds")
    parser.add_argument("--wake-no-warmup", action="store_true", help="no cabin background before each short file")
    parser.add_argument("--wake-no-baselines", action="store_true", help="only the configured setup (and --wake-thresholds)")


def _poisson_upper(count: int) -> float:
    """One-sided 95% upper bound on a Poisson mean after `count` events (exact for small counts)."""
    from scipy.stats import chi2

    return float(chi2.ppf(0.95, 2 * (count + 1)) / 2)


def _triggers(spotter, path: Path, warmup: bool) -> list[float]:
    """Where the spotter woke in this file (Triggered.at_s: where it takes the phrase to end)."""
    import numpy as np

    from assistant.audio.blocks import AudioBlock
    from assistant.audio.wav import WavSource

    blocks = list(WavSource(path).blocks())
    if warmup and blocks and blocks[-1].end_s < 20:
        tail = [b for b in blocks if b.start_s >= blocks[-1].end_s - WARMUP_TAIL_S][:-1]  # the last is padded
        step = len(tail) * len(tail[0].pcm) / 16000 if tail else 0
        for n in range(WARMUP_REPEATS):
            for b in tail:
                spotter.check(AudioBlock(np.array(b.pcm), -100.0 + n * step + b.start_s, b.channel_rms))
    spotter.reset()
    return [hit.at_s for hit in map(spotter.check, blocks) if hit is not None]


def _measure(name: str, make, folder: Path, items: list[dict], warmup: bool) -> dict:
    spotter = make()
    wake = [i for i in items if i["kind"] == "wake"]
    other = [i for i in items if i["kind"] in ("speech", "noise")]
    started = time.process_time()
    hits = {i["file"]: _triggers(spotter, folder / i["file"], warmup) for i in wake}
    found = {name: bool(at) for name, at in hits.items()}
    # the phrase said alone ends where the speech ends: how far from it does the turn start?
    end_errors = sorted((hits[i["file"]][0] - i["speech_end_s"]) * 1000 for i in wake
                        if hits[i["file"]] and i.get("text") == spotter.phrase and "speech_end_s" in i)
    false = {kind: 0 for kind in ("speech", "noise")}
    hours = {kind: 0.0 for kind in ("speech", "noise")}
    for item in other:
        false[item["kind"]] += len(_triggers(spotter, folder / item["file"], warmup))
        hours[item["kind"]] += item["duration_s"] / 3600
    cpu = time.process_time() - started
    audio_s = spotter.seconds_seen
    by_snr: dict[str, list[int]] = {}
    for item in wake:
        by_snr.setdefault(item["snr"], [0, 0])
        by_snr[item["snr"]][0] += not found[item["file"]]
        by_snr[item["snr"]][1] += 1
    target = [i for i in wake if i["snr"] in TARGET_SNRS]
    missed = [i["file"] for i in target if not found[i["file"]]]
    row = {
        "setup": name, "phrase": spotter.phrase, "threshold": spotter.threshold,
        "verify_threshold": spotter.verify_threshold if spotter.verifier is not None else None,
        "gate": spotter.gated, "dither": spotter.dither,
        "wake_files": len(target), "missed": len(missed), "miss_rate": round(len(missed) / max(1, len(target)), 4),
        "missed_by_snr": {snr: f"{m}/{n}" for snr, (m, n) in by_snr.items()},
        "false_wakes": false, "hours": {k: round(v, 3) for k, v in hours.items()},
        "false_wakes_per_hour": {k: round(false[k] / hours[k], 2) if hours[k] else None for k in false},
        "false_wakes_per_hour_95": {k: round(_poisson_upper(false[k]) / hours[k], 1) if hours[k] else None
                                    for k in false},
        "phrase_end_offset_ms": {"p50": round(end_errors[len(end_errors) // 2]) if end_errors else None,
                                 "min": round(end_errors[0]) if end_errors else None,
                                 "max": round(end_errors[-1]) if end_errors else None},
        "cpu_rtf": round(cpu / max(audio_s, 1e-9), 4),
        "fed_share": round(spotter.blocks_fed / max(1, spotter.blocks_seen), 3),
        "missed_files": missed[:20],
    }
    return row


def _print(row: dict, configured: bool) -> None:
    per_hour, upper, end = row["false_wakes_per_hour"], row["false_wakes_per_hour_95"], row["phrase_end_offset_ms"]
    verify = f"verify {row['verify_threshold']}" if row["verify_threshold"] is not None else "no verify"
    print(f"{row['setup']:<22} {row['phrase']!r} kws {row['threshold']:.0e}, {verify}, gate "
          f"{'on' if row['gate'] else 'off'}, dither {row['dither']:.0f}")
    misses = (f"missed {row['missed']}/{row['wake_files']} ({100 * row['miss_rate']:.1f}%) clean+10 dB"
              if row["wake_files"] else "misses n/a (the set says another phrase)")
    print(f"{'':<22} {misses}; by SNR {row['missed_by_snr']}; false wakes/hour: speech {per_hour['speech']} "
          f"({row['false_wakes']['speech']} in {row['hours']['speech']} h, 95% <= {upper['speech']}), noise "
          f"{per_hour['noise']} (95% <= {upper['noise']}); turn starts {end['p50']} ms from the end of the "
          f"phrase said alone (p50; {end['min']} to {end['max']}); "
          f"CPU {row['cpu_rtf']} x real time, fed {100 * row['fed_share']:.0f}% of blocks"
          + ("   <- configured" if configured else ""))


def run(config, args) -> dict:
    from assistant.asr.wake import WakePhraseSpotter

    folder = Path(getattr(args, "wake_set", DEFAULT_SET))
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        raise DataError(f"no wake set in {folder} (manifest.json missing)",
                        hint="run `make fixtures` (python tools/fixtures/make_fixtures.py --sets wake)")
    data = json.loads(manifest.read_text())
    items = data["items"]
    if getattr(args, "quick", False):
        wake = [i for i in items if i["kind"] == "wake" and i["snr"] in TARGET_SNRS]
        items = wake[::3] + [i for i in items if i["kind"] == "speech"][:2] + [i for i in items if i["kind"] == "noise"][:1]
    said = data.get("wake_phrase")
    if said != config.wake.phrase:
        print(f"note: the set says {said!r}, the config listens for {config.wake.phrase!r}: misses are not meaningful")
    warmup = not getattr(args, "wake_no_warmup", False)
    w = config.wake
    verify = w.verify_threshold if w.verify else None

    def spotter(phrase=w.phrase, threshold=w.threshold, verify_threshold=verify, gate=w.gate, **kw):
        return lambda: WakePhraseSpotter(phrase, threshold=threshold, verify_threshold=verify_threshold,
                                         gate=gate, **kw)

    setups = [("configured", spotter())]
    if not getattr(args, "wake_no_baselines", False):
        if verify is not None:
            setups.append(("kws only", spotter(verify_threshold=None)))
        else:
            setups.append(("with verifier", spotter(verify_threshold=w.verify_threshold)))
        setups.append((f"gate {'off' if w.gate else 'on'}", spotter(gate=not w.gate)))
        old = OLD_DEFAULT
        setups.append(("old default", spotter(old["phrase"], old["threshold"], old["verify_threshold"], False,
                                              dither=old["dither"], settle_s=old["settle_s"], beam=old["beam"])))
    for t in [float(x) for x in str(getattr(args, "wake_thresholds", "") or "").split(",") if x.strip()]:
        setups.append((f"threshold {t:.0e}", spotter(threshold=t)))
    rows = []
    for name, make in setups:
        row = _measure(name, make, folder, items, warmup)
        if row["phrase"] != said:
            row.update(wake_files=0, missed=None, miss_rate=None, missed_by_snr={}, missed_files=[])
        rows.append(row)
        _print(row, configured=name == "configured")
    return {"phrase": w.phrase, "set_phrase": said, "warmup": warmup, "configured": rows[0],
            "baselines": {row["setup"]: row for row in rows[1:]}}
