"""`assistant bench flood`: turn latency on a quiet bus vs a bus flooded with unrelated frames.

A `FloodSender` thread puts 4,000 frames a second (default) on the assistant's channel:
standard IDs 0x600-0x67F and extended IDs 0x18DAF100-0x18DAF17F, none of them in the car's
DBC, random payloads. The same assistant, in the same process, takes the same paced command
turns (each sends a frame and waits for the ECU's confirmation), quiet and flooded turn by
turn (so load from elsewhere hits both alike); the figure is the ratio of the flood median to
the quiet median of the turn's total latency (target: within 20 %), with p95, the head unit's
own end-of-speech-to-first-frame, and where the CPU went (per thread) alongside.
"""

from __future__ import annotations

import random
import statistics
import sys
import threading
import time
from collections import Counter
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
        self._running = threading.Event()
        self._running.set()
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

    def pause(self) -> None:
        """Stop sending until `resume()` (the thread stays)."""
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def _run(self) -> None:
        started = time.perf_counter()
        self.seconds = 0.0
        due_total = 0
        while not self._stop.is_set():
            if not self._running.is_set():
                self.seconds += time.perf_counter() - started
                self._running.wait(0.05)
                started, due_total = time.perf_counter(), 0
                continue
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
        if self._running.is_set():
            self.seconds += time.perf_counter() - started

    @property
    def achieved_rate(self) -> float:
        """Frames per second of sending time (paused time excluded)."""
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
                        help="flood bench: turns per condition (default 100; 12 with --quick)")
    parser.add_argument("--flood-rate", type=float, default=4000.0,
                        help="flood bench: unrelated frames per second (default 4000)")


def _thread_cpu(process) -> Counter:
    """CPU seconds per thread of this process, by thread name."""
    names = {t.native_id: t.name for t in threading.enumerate()}
    found = Counter()
    for t in process.threads():
        name = names.get(t.id, "other")
        found[_kind(name)] += t.user_time + t.system_time
    return found


def _kind(name: str) -> str:
    if name.startswith("Notifier"):
        return "head unit bus reader"
    return {"MainThread": "turns (main thread)", "ecu-simulator": "simulated ECUs", "can-flood": "flood generator"}.get(
        name, "other")


def _stats(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {"n": len(ordered), "p50_ms": round(statistics.median(ordered), 2),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
            "mean_ms": round(statistics.fmean(ordered), 2)}


def run(config, args) -> dict:
    import os

    from assistant.runtime import Assistant

    per_condition = args.flood_turns or (12 if args.quick else 100)
    config = replace(config, vehicle=replace(config.vehicle, interface="virtual", simulator="builtin",
                                             channel=f"flood-bench-{time.monotonic_ns()}"))
    import psutil

    samples = {c: {"total": [], "first_frame": [], "nlu": []} for c in ("quiet", "flood")}
    cpu = {c: Counter() for c in ("quiet", "flood")}  # thread name -> CPU seconds, per condition
    wall = Counter()
    failed = {"quiet": 0, "flood": 0}
    load_before = os.getloadavg()
    with Assistant.open(config, speak=False, time_scale=50) as assistant:
        sim = assistant.vehicle.simulator
        for text in TURNS:  # warm-up: caches, first status frames
            assistant.handle_text(text)
            time.sleep(PAUSE_S)
        flood = FloodSender(config.vehicle.interface, config.vehicle.channel, rate=args.flood_rate).start()
        flood.wait_sent(int(args.flood_rate * 0.2))
        seen_before = sim.ignored["unknown_id"]
        try:
            # quiet and flood alternate turn by turn, so load from elsewhere hits both alike
            for n in range(2 * per_condition):
                condition = "flood" if n % 2 else "quiet"
                flood.resume() if condition == "flood" else flood.pause()
                before, started = _thread_cpu(psutil.Process()), time.perf_counter()
                time.sleep(PAUSE_S)
                report = assistant.handle_text(TURNS[(n // 2) % len(TURNS)])
                cpu[condition].update(_thread_cpu(psutil.Process()) - before)
                wall[condition] += time.perf_counter() - started
                timings = report.timings_ms
                samples[condition]["total"].append(timings["total"])
                samples[condition]["nlu"].append(timings["nlu"])
                if timings["end_of_speech_to_first_frame"] is not None:
                    samples[condition]["first_frame"].append(timings["end_of_speech_to_first_frame"])
                failed[condition] += report.turn.denied is not None
                if (n + 1) % 20 == 0:
                    print(f"  flood: {n + 1}/{2 * per_condition} turns", file=sys.stderr, flush=True)
        finally:
            achieved = flood.stop()
        flood_frames_at_ecus = sim.ignored["unknown_id"] - seen_before
    result = {"turns_per_condition": per_condition, "flood_rate_target": args.flood_rate,
              "flood_rate_achieved": round(achieved, 1), "flood_frames_seen_by_simulator": flood_frames_at_ecus,
              "load_average_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
              "failed_turns": failed}
    for metric in ("total", "first_frame", "nlu"):
        quiet, flooded = _stats(samples["quiet"][metric]), _stats(samples["flood"][metric])
        result[f"quiet_{metric}"], result[f"flood_{metric}"] = quiet, flooded
        result[f"ratio_p50_{metric}"] = round(flooded["p50_ms"] / quiet["p50_ms"], 3)
        result[f"ratio_p95_{metric}"] = round(flooded["p95_ms"] / quiet["p95_ms"], 3)
    pairs = [f / q for q, f in zip(samples["quiet"]["total"], samples["flood"]["total"])]
    result["paired_ratio_p50_total"] = round(statistics.median(pairs), 3)  # neighbours in time: drift cancels
    result["within_20_percent"] = result["ratio_p50_total"] <= 1.2
    # where the flood's CPU goes (share of one core): the head unit's own bus reader vs the harness
    # (the flood generator and the simulated ECUs run in this process too, and share its GIL)
    result["cpu_share_of_one_core"] = {c: {name: round(seconds / wall[c], 3) for name, seconds in cpu[c].most_common()}
                                       for c in cpu}
    print(f"flood: {result['flood_rate_achieved']:.0f} frames/s achieved (target {args.flood_rate:.0f}), "
          f"{flood_frames_at_ecus} flood frames reached the simulated ECUs; turn total p50 "
          f"{result['quiet_total']['p50_ms']} ms quiet vs {result['flood_total']['p50_ms']} ms flooded: ratio "
          f"{result['ratio_p50_total']} (paired {result['paired_ratio_p50_total']}, p95 {result['ratio_p95_total']}; "
          f"target <= 1.2); end of speech to first "
          f"frame ratio {result['ratio_p50_first_frame']}; failed turns {failed}; load average {load_before[0]:.1f}")
    print(f"  CPU share of one core while flooded: {result['cpu_share_of_one_core']['flood']}")
    return result
