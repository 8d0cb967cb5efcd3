"""`assistant bench flood`: turn latency on a quiet bus vs a bus flooded with unrelated frames.

A `FloodSender` thread puts 4,000 frames a second (default) on the assistant's channel:
standard IDs 0x600-0x67F and extended IDs 0x18DAF100-0x18DAF17F, none of them in the car's
DBC, random payloads. The same assistant, in the same process, takes the same paced command
turns (each sends a frame and waits for the ECU's confirmation) in alternating quiet and
flood blocks; the figure is the ratio of the flood median to the quiet median of the turn's
total latency (target: within 20 %), with p95 and end-of-speech-to-first-frame alongside.
"""

from __future__ import annotations

import random
import statistics
import sys
import threading
import time
from dataclasses import replace

import can

HELP = "flood: turn latency with 4,000 unrelated frames/s on the bus vs a quiet bus (ratio)"
TURNS = ("set the temperature to twenty", "set the volume to twenty", "heat my seat to level one",
         "turn the ambient light red", "set the temperature to twenty one", "set the volume to twenty one",
         "heat my seat to level two", "turn the ambient light blue", "how much fuel do I have")
PAUSE_S = 0.3  # between turns: a driver's pace, and inside the gate's rate budget


class FloodSender:
    """A background thread sending `rate` unrelated frames per second on a python-can bus."""

    STANDARD = tuple(range(0x600, 0x680))
    EXTENDED = tuple(range(0x18DAF100, 0x18DAF180))

    def __init__(self, interface: str, channel: str, *, rate: float = 4000.0, seed: int = 0) -> None:
        self.rate = rate
        self.bus = can.Bus(interface=interface, channel=channel)
        rng = random.Random(seed)
        self._pool = [can.Message(arbitration_id=rng.choice(self.EXTENDED if extended else self.STANDARD),
                                  is_extended_id=extended, data=bytes(rng.randrange(256) for _ in range(8)))
                      for extended in (False, True, False, False) * 64]
        self._ids = {(m.arbitration_id, m.is_extended_id) for m in self._pool}
        self.sent = 0
        self.skipped = 0  # frames the thread fell too far behind to send
        self.seconds = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def owns(self, msg: can.Message) -> bool:
        """True for a frame this flood could have sent (callers ignore those)."""
        return (msg.arbitration_id, msg.is_extended_id) in self._ids

    def start(self) -> "FloodSender":
        self._thread = threading.Thread(target=self._run, name="can-flood", daemon=True)
        self._thread.start()
        return self

    def wait_sent(self, frames: int, timeout_s: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout_s
        while self.sent < frames and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.sent >= frames

    def _run(self) -> None:
        started = time.perf_counter()
        due_total = 0
        while not self._stop.is_set():
            due = int((time.perf_counter() - started) * self.rate)
            if due - due_total > self.rate * 0.1:  # more than 100 ms behind: don't burst to catch up
                self.skipped += due - due_total - int(self.rate * 0.1)
                due_total = due - int(self.rate * 0.1)
            while due_total < due:
                try:
                    self.bus.send(self._pool[due_total % len(self._pool)], timeout=0.1)
                    self.sent += 1
                except can.CanError:
                    self.skipped += 1
                due_total += 1
            self._stop.wait(0.002)
        self.seconds = time.perf_counter() - started

    @property
    def achieved_rate(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0

    def stop(self) -> float:
        """Stop sending; the achieved rate in frames per second."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.bus.shutdown()
        return self.achieved_rate

    def __enter__(self) -> "FloodSender":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def add_arguments(parser) -> None:
    parser.add_argument("--flood-turns", type=int, default=None,
                        help="flood bench: turns per condition (default 40; 12 with --quick)")
    parser.add_argument("--flood-rate", type=float, default=4000.0,
                        help="flood bench: unrelated frames per second (default 4000)")


def _stats(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {"n": len(ordered), "p50_ms": round(statistics.median(ordered), 2),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
            "mean_ms": round(statistics.fmean(ordered), 2)}


def run(config, args) -> dict:
    from assistant.runtime import Assistant

    per_condition = args.flood_turns or (12 if args.quick else 40)
    config = replace(config, vehicle=replace(config.vehicle, interface="virtual", simulator="builtin",
                                             channel=f"flood-bench-{time.monotonic_ns()}"))
    totals = {"quiet": [], "flood": []}
    first_frame = {"quiet": [], "flood": []}
    failed = {"quiet": 0, "flood": 0}
    rates = []
    with Assistant.open(config, speak=False, time_scale=50) as assistant:
        sim = assistant.vehicle.simulator
        for text in TURNS:  # warm-up: caches, first status frames
            assistant.handle_text(text)
            time.sleep(PAUSE_S)
        seen_before = sim.ignored["unknown_id"]
        blocks = 4
        for block in range(blocks):
            condition = "flood" if block % 2 else "quiet"
            flood = FloodSender(config.vehicle.interface, config.vehicle.channel, rate=args.flood_rate).start() \
                if condition == "flood" else None
            if flood:
                flood.wait_sent(int(args.flood_rate * 0.2))
            for n in range(per_condition // 2):
                time.sleep(PAUSE_S)
                report = assistant.handle_text(TURNS[n % len(TURNS)])
                totals[condition].append(report.timings_ms["total"])
                if report.timings_ms["end_of_speech_to_first_frame"] is not None:
                    first_frame[condition].append(report.timings_ms["end_of_speech_to_first_frame"])
                failed[condition] += report.turn.denied is not None
            if flood:
                rates.append(flood.stop())
            print(f"  flood: block {block + 1}/{blocks} ({condition}) done", file=sys.stderr, flush=True)
        flood_frames_at_ecus = sim.ignored["unknown_id"] - seen_before
    quiet, flooded = _stats(totals["quiet"]), _stats(totals["flood"])
    result = {
        "turns_per_condition": per_condition, "flood_rate_target": args.flood_rate,
        "flood_rate_achieved": round(statistics.fmean(rates), 1) if rates else 0.0,
        "flood_frames_seen_by_simulator": flood_frames_at_ecus,
        "quiet_total": quiet, "flood_total": flooded,
        "quiet_first_frame": _stats(first_frame["quiet"]) if first_frame["quiet"] else None,
        "flood_first_frame": _stats(first_frame["flood"]) if first_frame["flood"] else None,
        "ratio_p50_total": round(flooded["p50_ms"] / quiet["p50_ms"], 3),
        "ratio_p95_total": round(flooded["p95_ms"] / quiet["p95_ms"], 3),
        "failed_turns": failed,
    }
    if result["quiet_first_frame"] and result["flood_first_frame"]:
        result["ratio_p50_first_frame"] = round(result["flood_first_frame"]["p50_ms"]
                                                / result["quiet_first_frame"]["p50_ms"], 3)
    result["within_20_percent"] = result["ratio_p50_total"] <= 1.2
    print(f"flood: {result['flood_rate_achieved']:.0f} frames/s achieved (target {args.flood_rate:.0f}); "
          f"turn total p50 {quiet['p50_ms']} ms quiet vs {flooded['p50_ms']} ms flooded: ratio "
          f"{result['ratio_p50_total']} (p95 ratio {result['ratio_p95_total']}; target <= 1.2); "
          f"first frame ratio {result.get('ratio_p50_first_frame')}; failed turns {failed}")
    return result
