"""Wake phrase: misses on recordings that say it, false wakes per hour on audio that does not.

Reads the wake set of the recorded fixtures (`make fixtures`: tests/fixtures/generated/wake):
the phrase alone and followed by a command in every voice and SNR (kind wake), long readings
of ordinary prose and of commands said without the phrase (kind speech), and car noise alone
(kind noise). Baseline in the same run: the same audio with the keyword threshold ten
thousand times tighter (higher) and looser (lower), to show the trade-off the configured
threshold sits on.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

HELP = "wake phrase misses and false wakes per hour on the recorded wake set"
DEFAULT_SET = "tests/fixtures/generated/wake"


def add_arguments(parser) -> None:
    parser.add_argument("--wake-set", default=DEFAULT_SET, help="folder with the wake set's manifest.json")


def _count_triggers(spotter, path: Path) -> int:
    from assistant.audio.wav import WavSource

    spotter.reset()
    return sum(spotter.check(block) is not None for block in WavSource(path).blocks())


def _measure(config, folder: Path, items: list[dict], threshold: float) -> dict:
    from assistant.asr.wake import WakePhraseSpotter

    spotter = WakePhraseSpotter(config.wake.phrase, threshold=threshold)
    wake = [i for i in items if i["kind"] == "wake"]
    other = [i for i in items if i["kind"] in ("speech", "noise")]
    started = time.perf_counter()
    missed = [i["file"] for i in wake if _count_triggers(spotter, folder / i["file"]) == 0]
    false = {kind: 0 for kind in ("speech", "noise")}
    hours = {kind: 0.0 for kind in ("speech", "noise")}
    for item in other:
        false[item["kind"]] += _count_triggers(spotter, folder / item["file"])
        hours[item["kind"]] += item["duration_s"] / 3600
    audio_s = sum(i["duration_s"] for i in wake + other)
    return {
        "threshold": threshold,
        "wake_files": len(wake), "missed": len(missed), "miss_rate": round(len(missed) / max(1, len(wake)), 4),
        "false_wakes": false, "hours": {k: round(v, 3) for k, v in hours.items()},
        "false_wakes_per_hour": {k: round(false[k] / hours[k], 2) if hours[k] else None for k in false},
        "rtf": round((time.perf_counter() - started) / max(audio_s, 1e-9), 4),
        "missed_files": missed[:20],
    }


def run(config, args) -> dict:
    folder = Path(getattr(args, "wake_set", DEFAULT_SET))
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        raise SystemExit(f"error: no wake set in {folder} (manifest.json missing)\n"
                         "  hint: run `make fixtures` (python tools/fixtures/make_fixtures.py --sets wake)")
    data = json.loads(manifest.read_text())
    items = data["items"]
    if getattr(args, "quick", False):
        items = [i for i in items if i["kind"] == "wake"][:8] + [i for i in items if i["kind"] != "wake"][:2]
    if data.get("wake_phrase") != config.wake.phrase:
        print(f"note: the set says {data.get('wake_phrase')!r}, the config listens for {config.wake.phrase!r}")
    configured = config.wake.threshold
    rows = [_measure(config, folder, items, t) for t in (configured * 1e4, configured, configured / 1e4)]
    for row in rows:
        per_hour = row["false_wakes_per_hour"]
        print(f"threshold {row['threshold']:.0e}: missed {row['missed']}/{row['wake_files']} "
              f"({100 * row['miss_rate']:.1f}%), false wakes/hour speech {per_hour['speech']} "
              f"noise {per_hour['noise']}, RTF {row['rtf']}" + ("   <- configured" if row is rows[1] else ""))
    return {"phrase": config.wake.phrase, "configured": rows[1], "tighter": rows[0], "looser": rows[2]}
