"""`assistant bench soak`: many chat turns in one process; RSS growth after warm-up, exceptions, sockets.

One assistant on the built-in simulator takes a seeded mix of conversations: commands,
follow-ups ("a bit more", "close it again"), queries, confirmations, denials (the car is
driven and parked in turn, so unlocking and the trunk are refused half the time) and
garbage. RSS is sampled (after a garbage collection) every few hundred turns; the figure is
the growth from the end of the warm-up to the end (target: under 5 MB over 10,000 turns),
with a least-squares slope as a check. Any exception escaping a turn is counted (target 0),
and the process's network sockets are listed at the end (target: none).

The soak measures leaks, not the rate limiter (the fuzz bench covers that): its gate gets a
budget that 100 turns a second never reaches, so every command really goes to the car.
"""

from __future__ import annotations

import gc
import random
import sys
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field, replace

HELP = "soak: 10,000 chat turns in one process, RSS growth after warm-up, exceptions, network sockets"
SPEED, GEAR = "Vehicle.Speed", "Vehicle.Powertrain.Transmission.SelectedGear"
CONVERSATIONS = (
    ("set the temperature to twenty one", "make it warmer", "a bit more", "and the passenger side too"),
    ("open the passenger window", "close it again"),
    ("open the sunroof halfway", "close the sunroof"),
    ("open my window a bit", "close the window"),
    ("heat my seat", "turn it off"),
    ("cool the passenger seat to level three", "turn off the seat ventilation"),
    ("turn on the ac", "turn off the air conditioning"),
    ("set the fan to level three", "faster"),
    ("turn on the front defroster", "turn off the defroster"),
    ("turn the ambient light blue", "turn off the ambient light"),
    ("set the volume to twenty", "louder", "mute", "unmute"),
    ("lock the doors",),
    ("unlock the doors", "yes"),
    ("unlock the doors", "no"),
    ("open the trunk", "close the trunk"),
    ("fold the mirrors", "unfold the mirrors"),
    ("how much fuel do I have",), ("what's the tire pressure",), ("how fast are we going",),
    ("what's the battery voltage",), ("are the doors locked",), ("how cold is it outside",),
    ("how far has the car driven",), ("how warm is it in here",),
    ("set the temperature to thirty five",), ("set the fan to level nine",),
    ("set the temperature", "twenty two"), ("set the temperature", "never mind"),
    ("open the window", "say that again"),
    ("what can you do",), ("hello",), ("thanks",),
    ("blah blah blah",), ("what's the capital of france",), ("",), ("🚗🚗",), ("打开车窗",),
)


@dataclass
class SoakReport:
    """What a soak run measured."""

    turns: int = 0
    warmup: int = 0
    seconds: float = 0.0
    rss_mb: list[tuple[int, float]] = field(default_factory=list)  # (turn, RSS MB after gc)
    exceptions: list[str] = field(default_factory=list)
    connections: list[str] = field(default_factory=list)
    stats: Counter = field(default_factory=Counter)

    @property
    def growth_mb(self) -> float:
        after = [mb for turn, mb in self.rss_mb if turn >= self.warmup]
        return after[-1] - after[0] if len(after) > 1 else 0.0

    @property
    def slope_kb_per_1000(self) -> float:
        points = [(t, mb) for t, mb in self.rss_mb if t >= self.warmup]
        if len(points) < 3:
            return 0.0
        n = len(points)
        mean_t = sum(t for t, _ in points) / n
        mean_m = sum(m for _, m in points) / n
        var = sum((t - mean_t) ** 2 for t, _ in points)
        return sum((t - mean_t) * (m - mean_m) for t, m in points) / var * 1000 * 1024 if var else 0.0

    def summary(self) -> dict:
        return {"turns": self.turns, "warmup_turns": self.warmup, "seconds": round(self.seconds, 1),
                "turns_per_s": round(self.turns / self.seconds, 1) if self.seconds else None,
                "rss_start_mb": round(self.rss_mb[0][1], 2) if self.rss_mb else None,
                "rss_after_warmup_mb": round(next((m for t, m in self.rss_mb if t >= self.warmup), 0), 2),
                "rss_end_mb": round(self.rss_mb[-1][1], 2) if self.rss_mb else None,
                "rss_growth_after_warmup_mb": round(self.growth_mb, 3),
                "rss_slope_kb_per_1000_turns": round(self.slope_kb_per_1000, 1),
                "exceptions": len(self.exceptions), "first_exceptions": self.exceptions[:3],
                "network_connections": self.connections, "stats": dict(sorted(self.stats.items())),
                "rss_samples": [(t, round(m, 2)) for t, m in self.rss_mb]}


def _rss_mb(process) -> float:
    gc.collect()
    return process.memory_info().rss / 2**20


def inet_connections(process) -> list[str]:
    """The network sockets (TCP/UDP, v4/v6) of `process` and its children, as 'laddr -> raddr status'."""
    found = []
    for proc in (process, *process.children(recursive=True)):
        try:
            conns = proc.net_connections(kind="inet") if hasattr(proc, "net_connections") else proc.connections("inet")
        except Exception:  # a child may exit while we look
            continue
        for c in conns:
            remote = f"{c.raddr.ip}:{c.raddr.port}" if c.raddr else "-"
            found.append(f"pid {proc.pid} {c.laddr.ip}:{c.laddr.port} -> {remote} {c.status}")
    return found


def run_soak(config, turns: int, *, warmup: int | None = None, seed: int = 0, sample_every: int = 250,
             progress=None) -> SoakReport:
    """`turns` chat turns through one assistant; see the module doc."""
    import psutil

    from assistant.runtime import Assistant
    from assistant.vehicle.ratelimit import RateLimiter

    rng = random.Random(seed)
    config = replace(config, vehicle=replace(config.vehicle, channel=f"soak{seed}-{time.monotonic_ns()}",
                                             interface="virtual", simulator="builtin", write_timeout_s=1.0))
    report = SoakReport(warmup=turns // 10 if warmup is None else warmup)
    process = psutil.Process()
    assistant = Assistant.open(config, speak=False, time_scale=200)
    try:
        gate = assistant.vehicle.gate
        gate._limiter = RateLimiter(per_message=(1e6, 1e6), overall=(1e6, 1e6))  # see the module doc
        sim = assistant.vehicle.simulator
        script: list[str] = []
        started = time.perf_counter()
        report.rss_mb.append((0, _rss_mb(process)))
        for turn in range(turns):
            if turn % 300 == 150:  # drive off, then park again: the rules deny, then allow
                driving = sim.snapshot()[SPEED] == 0
                sim.set(SPEED, 50 if driving else 0)
                sim.set(GEAR, "D" if driving else "P")
            if not script:
                script = list(rng.choice(CONVERSATIONS))
            text = script.pop(0)
            try:
                data = assistant.handle_text(text).to_json()
                report.stats["frames"] += len(data["frames"])
                report.stats[f"intent:{data['intent']['name'] if data['intent'] else None}"] += 1
                if data["denied"]:
                    report.stats[f"denied:{data['denied']}"] += 1
            except Exception as exc:  # the figure: none may escape
                report.exceptions.append(f"turn {turn} {text!r}: {type(exc).__name__}: {exc}\n"
                                         + traceback.format_exc(limit=4))
            report.turns = turn + 1
            if report.turns % sample_every == 0 or report.turns == report.warmup:
                report.rss_mb.append((report.turns, _rss_mb(process)))
                if progress:
                    progress(report)
        report.seconds = time.perf_counter() - started
        report.connections = inet_connections(process)
    finally:
        assistant.close()
    return report


def add_arguments(parser) -> None:
    parser.add_argument("--soak-turns", type=int, default=None,
                        help="soak bench: chat turns (default 10000; 1000 with --quick)")


def run(config, args) -> dict:
    turns = args.soak_turns or (1000 if args.quick else 10_000)

    def progress(report: SoakReport) -> None:
        if report.turns % max(turns // 10, 1) == 0:
            print(f"  soak: {report.turns}/{turns} turns, RSS {report.rss_mb[-1][1]:.1f} MB",
                  file=sys.stderr, flush=True)

    report = run_soak(config, turns, progress=progress)
    s = report.summary()
    print(f"soak: {s['turns']} turns in {s['seconds']} s ({s['turns_per_s']}/s); RSS {s['rss_start_mb']} MB at start, "
          f"{s['rss_after_warmup_mb']} MB after {report.warmup} warm-up turns, {s['rss_end_mb']} MB at the end: "
          f"growth {s['rss_growth_after_warmup_mb']:+.2f} MB (target < 5 MB), slope "
          f"{s['rss_slope_kb_per_1000_turns']:+.0f} KB per 1000 turns; {s['exceptions']} exceptions; "
          f"network sockets: {report.connections or 'none'}")
    for text in report.exceptions[:3]:
        print(f"  EXCEPTION {text}")
    return s
