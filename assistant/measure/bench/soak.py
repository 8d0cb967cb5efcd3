"""`assistant bench soak`: many replay and chat turns in one process; RSS growth after warm-up, exceptions, sockets.

One assistant on the built-in simulator takes a seeded mix of conversations: commands,
follow-ups ("a bit more", "close it again"), queries, confirmations, denials (the car is
driven and parked in turn, so unlocking and the trunk are refused half the time) and
garbage. Spread evenly among them, replay turns play a recorded WAV through the speech front
end (endpointing, pocketsphinx with the intents' grammar) into the same assistant, as
`assistant replay` does, as fast as the decoder goes: a few short commands synthesised with
espeak-ng (one of them stereo 44.1 kHz) and a stretch of car noise, cycled, or the WAVs given
with --soak-wavs. A replay turn costs a full decode: 1.06 s each measured here (two cores
shared with other work), so 10,000 of them would take about 3 hours; by default one turn in
20 is a replay turn (500 of 10,000: about 10 minutes in all), and --soak-replay-turns sets
the count.

RSS is sampled (after a garbage collection) every few hundred turns; the figure is the
growth from the end of the warm-up to the end (target: under 5 MB over 10,000 turns), with
a least-squares slope as a check and the range of the samples: with replay turns, RSS
wanders in a band of about 20 MB as pocketsphinx's native buffers are freed and retaken, so
the slope says more than two samples do. With `trace`, the interpreter's allocated memory blocks and
the memory tracemalloc sees are sampled too (what the fast test bounds). Any exception escaping
a turn is counted (target 0), and the process's network sockets are listed at the end
(target: none).

The soak measures leaks, not the rate limiter (the fuzz bench covers that): its gate gets a
budget that 100 turns a second never reaches, so every command really goes to the car.
"""

from __future__ import annotations

import gc
import itertools
import random
import sys
import tempfile
import time
import traceback
import tracemalloc
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterator

HELP = "soak: 10,000 chat turns, one in 20 replayed from audio, in one process: RSS growth, exceptions, sockets"
REPLAY_COMMANDS = ("turn on the air conditioning", "open the passenger window", "set the volume to twenty",
                   "what's the tire pressure", "close the passenger window")
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
    objects: list[tuple[int, int, int]] = field(default_factory=list)  # with trace: (turn, allocated blocks, traced B)
    replay_turns: int = 0
    replay_seconds: float = 0.0
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

    def range_after_warmup(self) -> list[float]:
        """[lowest, highest] RSS sample from the end of the warm-up on (how much it wanders)."""
        after = [mb for turn, mb in self.rss_mb if turn >= self.warmup]
        return [round(min(after), 2), round(max(after), 2)] if after else []

    def growth_after_warmup(self) -> tuple[int, int]:
        """With trace: (allocated blocks, traced bytes) at the end minus after the warm-up."""
        after = [(blocks, traced) for turn, blocks, traced in self.objects if turn >= self.warmup]
        return (after[-1][0] - after[0][0], after[-1][1] - after[0][1]) if len(after) > 1 else (0, 0)

    def summary(self) -> dict:
        replay = {"replay_turns": self.replay_turns, "chat_turns": self.turns - self.replay_turns,
                  "replay_seconds": round(self.replay_seconds, 1),
                  "replay_s_per_turn": round(self.replay_seconds / self.replay_turns, 3) if self.replay_turns else None}
        if self.objects:
            blocks, traced = self.growth_after_warmup()
            replay |= {"allocated_blocks_growth_after_warmup": blocks,
                       "traced_kb_growth_after_warmup": round(traced / 1024, 1)}
        return replay | {"turns": self.turns, "warmup_turns": self.warmup, "seconds": round(self.seconds, 1),
                "turns_per_s": round(self.turns / self.seconds, 1) if self.seconds else None,
                "rss_start_mb": round(self.rss_mb[0][1], 2) if self.rss_mb else None,
                "rss_after_warmup_mb": round(next((m for t, m in self.rss_mb if t >= self.warmup), 0), 2),
                "rss_end_mb": round(self.rss_mb[-1][1], 2) if self.rss_mb else None,
                "rss_growth_after_warmup_mb": round(self.growth_mb, 3),
                "rss_range_after_warmup_mb": self.range_after_warmup(),
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


def replay_source(assistant, source, name: str = "") -> Iterator[tuple]:
    """(Heard, TurnReport) for each utterance of an audio source through the assistant's speech front
    end, as `assistant replay` takes turns (`Assistant.handle_heard`)."""
    for heard in assistant.front.listen(source):
        yield heard, assistant.handle_heard(heard, input=name or str(getattr(source, "path", "")))


def synthesise_wavs(directory: Path) -> list[Path]:
    """Short spoken commands (espeak-ng), one of them stereo 44.1 kHz, and 3 s of car noise, as WAVs."""
    import numpy as np
    import soundfile as sf
    import soxr

    from assistant.measure.audio_faults import RATE, synthesise
    from assistant.audio.noise import car_noise

    directory.mkdir(parents=True, exist_ok=True)
    pad = lambda x: np.concatenate([np.zeros(RATE // 3, np.float32), x, np.zeros(RATE, np.float32)])  # noqa: E731
    paths = []
    for i, text in enumerate(REPLAY_COMMANDS):
        path, speech = directory / f"command{i}.wav", pad(synthesise(text))
        if i == 1:
            wide = soxr.resample(speech, RATE, 44100)
            sf.write(str(path), np.stack([wide, wide * 0.5], axis=1), 44100, subtype="PCM_16")
        else:
            sf.write(str(path), speech, RATE, subtype="PCM_16")
        paths.append(path)
    paths.append(directory / "car_noise.wav")
    sf.write(str(paths[-1]), car_noise(3.0, seed=7) * 0.2, RATE, subtype="PCM_16")
    return paths


def _replay_turn(assistant, path: Path, report: SoakReport) -> None:
    from assistant.audio.wav import WavSource

    started = time.perf_counter()
    report.stats["replay_files"] += 1
    for heard, turn in replay_source(assistant, WavSource(path), str(path)):
        data = turn.to_json()
        report.stats["replay_heard"] += 1
        report.stats["replay_accepted"] += not heard.rejected
        report.stats["replay_frames"] += len(data["frames"])
        report.stats["frames"] += len(data["frames"])
    report.replay_turns += 1
    report.replay_seconds += time.perf_counter() - started


def _chat_turn(assistant, text: str, report: SoakReport) -> None:
    data = assistant.handle_text(text).to_json()
    report.stats["frames"] += len(data["frames"])
    report.stats[f"intent:{data['intent']['name'] if data['intent'] else None}"] += 1
    if data["denied"]:
        report.stats[f"denied:{data['denied']}"] += 1


def _sample(report: SoakReport, process, trace: bool) -> None:
    report.rss_mb.append((report.turns, _rss_mb(process)))
    if trace:
        report.objects.append((report.turns, sys.getallocatedblocks(), tracemalloc.get_traced_memory()[0]))


def run_soak(config, turns: int, *, warmup: int | None = None, seed: int = 0, sample_every: int = 250,
             replay_turns: int = 0, wavs: list[Path] | None = None, trace: bool = False,
             progress=None) -> SoakReport:
    """`turns` turns through one assistant, `replay_turns` of them from audio; see the module doc."""
    import psutil

    from assistant.runtime import Assistant
    from assistant.vehicle.ratelimit import RateLimiter

    rng = random.Random(seed)
    config = replace(config, vehicle=replace(config.vehicle, channel=f"soak{seed}-{time.monotonic_ns()}",
                                             interface="virtual", simulator="builtin", write_timeout_s=1.0))
    report = SoakReport(warmup=turns // 10 if warmup is None else warmup)
    replay_every = turns / replay_turns if replay_turns else 0
    process = psutil.Process()
    with tempfile.TemporaryDirectory(prefix="soak-wavs-") as scratch:
        wav_cycle = itertools.cycle(wavs or synthesise_wavs(Path(scratch))) if replay_turns else None
        if trace:
            tracemalloc.start()
        assistant = Assistant.open(config, speak=False, time_scale=200, listen=bool(replay_turns), triggers=False,
                                   rate_limiter=RateLimiter(per_message=(1e6, 1e6), overall=(1e6, 1e6)))  # module doc
        try:
            sim = assistant.vehicle.simulator
            script: list[str] = []
            started = time.perf_counter()
            _sample(report, process, trace)
            next_replay = replay_every / 2 if replay_turns else None
            for turn in range(turns):
                if turn % 300 == 150:  # drive off, then park again: the rules deny, then allow
                    driving = sim.snapshot()[SPEED] == 0
                    sim.set(SPEED, 50 if driving else 0)
                    sim.set(GEAR, "D" if driving else "P")
                replay = next_replay is not None and turn >= next_replay and report.replay_turns < replay_turns
                if not replay and not script:
                    script = list(rng.choice(CONVERSATIONS))
                what = next(wav_cycle) if replay else script.pop(0)
                try:
                    if replay:
                        next_replay += replay_every
                        _replay_turn(assistant, what, report)
                    else:
                        _chat_turn(assistant, what, report)
                except Exception as exc:  # the figure: none may escape
                    report.exceptions.append(f"turn {turn} {str(what)!r}: {type(exc).__name__}: {exc}\n"
                                             + traceback.format_exc(limit=4))
                report.turns = turn + 1
                if report.turns % sample_every == 0 or report.turns == report.warmup:
                    _sample(report, process, trace)
                    if progress:
                        progress(report)
            report.seconds = time.perf_counter() - started
            report.connections = inet_connections(process)
        finally:
            assistant.close()
            if trace:
                tracemalloc.stop()
    return report


def add_arguments(parser) -> None:
    parser.add_argument("--soak-turns", type=int, default=None,
                        help="soak bench: turns in all, replay and chat (default 10000; 1000 with --quick)")
    parser.add_argument("--soak-replay-turns", type=int, default=None,
                        help="soak bench: how many of them replay a WAV through ASR (default: one in 20)")
    parser.add_argument("--soak-wavs", nargs="+", metavar="WAV_OR_DIR", default=None,
                        help="soak bench: WAVs to cycle in replay turns (default: synthesised commands and car noise)")


def run(config, args) -> dict:
    from assistant.audio.wav import audio_files

    turns = args.soak_turns or (1000 if args.quick else 10_000)
    replay_turns = getattr(args, "soak_replay_turns", None)
    replay_turns = min(turns, turns // 20 if replay_turns is None else replay_turns)
    wavs = audio_files(args.soak_wavs) if getattr(args, "soak_wavs", None) else None

    def progress(report: SoakReport) -> None:
        if report.turns % max(turns // 10, 1) == 0:
            print(f"  soak: {report.turns}/{turns} turns, RSS {report.rss_mb[-1][1]:.1f} MB",
                  file=sys.stderr, flush=True)

    report = run_soak(config, turns, replay_turns=replay_turns, wavs=wavs, progress=progress)
    s = report.summary()
    print(f"soak: {s['turns']} turns ({s['replay_turns']} replayed from audio, {s['replay_s_per_turn'] or '-'} s each; "
          f"{s['chat_turns']} chat) in {s['seconds']} s ({s['turns_per_s']}/s); RSS {s['rss_start_mb']} MB at start, "
          f"{s['rss_after_warmup_mb']} MB after {report.warmup} warm-up turns, {s['rss_end_mb']} MB at the end: "
          f"growth {s['rss_growth_after_warmup_mb']:+.2f} MB (target < 5 MB; samples after warm-up within "
          f"{s['rss_range_after_warmup_mb']} MB), slope "
          f"{s['rss_slope_kb_per_1000_turns']:+.0f} KB per 1000 turns; {s['exceptions']} exceptions; "
          f"network sockets: {report.connections or 'none'}")
    for text in report.exceptions[:3]:
        print(f"  EXCEPTION {text}")
    return s
