"""Text-level fuzzing: random, garbled and mixed texts through `Assistant.handle_text`.

Each session is a fresh built-in car (threaded simulator on its own virtual channel) with
a random scenario (speed, gear) and maybe one ECU fault; the NLU model is loaded once. A
`BusWatch` sniffs the channel and the independent oracle judges every head-unit frame in
real time (frame timestamps from the bus; freshness windows widened by a small slack for
thread scheduling). Per turn it also checks that nothing escaped `handle_text`, the JSON
report serialises, the driver hears a reply, and the frames the report lists are exactly
the frames the bus carried.
"""

from __future__ import annotations

import itertools
import json
import logging
import random
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Callable

import can

from assistant.measure.bench._fuzzrig import SeenFrame
from assistant.measure.bench._oracle import GEAR, SPEED, SafetyOracle, Violation, default_paths
from assistant.config import Config

_channels = itertools.count()
CONVERSATION = ("yes", "no", "yes please", "never mind", "cancel", "stop", "say that again", "a bit more",
                "the passenger side too", "and the rear", "twenty two", "warmer", "louder", "thanks", "hello",
                "what can you do", "goodbye", "the passenger side", "halfway", "level three")
NUMBERS = ("-5", "0", "1e999", "twenty two point five", "nan", "infinity", "minus three", "3.14159",
           "١٢", "½", "0x1F", "1,000,000", "-0", "one hundred and one", "a million", "99.999")
ALPHABETS = ("abcdefghijklmnopqrstuvwxyz     ", "0123456789.,-+e ", "🚗🔥❄️🎵✨ ", "打开车窗温度空调 ",
             "مرحبا بالسيارة ", "\u200b\u200d\u202e\ufeff", "\x00\x01\t\n\r\x7f", "ÄÖÜßéèçñ ")


class BusWatch:
    """A sniffer on a session's channel; the oracle judges what the head unit sends.

    Create it before the session so the oracle hears every status frame the gate hears;
    `attach()` then points the oracle's ground truth at the session's simulator. Frames that
    `ignore(msg)` claims (e.g. a flood of unrelated traffic) are not judged.
    """

    def __init__(self, config: Config, vehicle=None, *, slack_s: float = 0.15,
                 ignore: Callable[[can.Message], bool] | None = None) -> None:
        self.sniffer = can.Bus(interface=config.vehicle.interface, channel=config.vehicle.channel)
        self.oracle = SafetyOracle(*default_paths(config), truth=dict, freshness_slack_s=slack_s)
        self.ignore = ignore or (lambda msg: False)
        self.violations: list[Violation] = []
        self.hu_frames = 0
        if vehicle is not None:
            self.attach(vehicle)

    def attach(self, vehicle) -> "BusWatch":
        self.oracle.truth = vehicle.car_state
        return self

    def drain(self) -> list[SeenFrame]:
        """Judge everything received so far; the head unit's frames, in bus order."""
        frames = []
        while (msg := self.sniffer.recv(0)) is not None:
            if self.ignore(msg):
                continue
            data = bytes(msg.data)
            if msg.arbitration_id in self.oracle.statuses and not msg.is_extended_id:
                self.oracle.status_frame(msg.arbitration_id, data, msg.timestamp)
                continue
            frames.append(SeenFrame(msg.arbitration_id, data, msg.timestamp))
            self.violations += self.oracle.hu_frame(msg.arbitration_id, data, msg.timestamp,
                                                    is_extended_id=msg.is_extended_id,
                                                    is_remote_frame=msg.is_remote_frame,
                                                    is_error_frame=msg.is_error_frame)
        self.hu_frames += len(frames)
        return frames

    def check_turn(self, report) -> list[Violation]:
        """Drain, then compare the bus with the turn's report; returns (and keeps) new violations."""
        before = len(self.violations)
        seen = [(f.arbitration_id, f.data) for f in self.drain()]
        reported = [(f.arbitration_id, f.data) for f in report.turn.frames]
        if seen != reported:
            self.violations.append(Violation("unreported_frames", f"bus {_hex(seen)} vs report {_hex(reported)}"))
        return self.violations[before:]

    def close(self) -> None:
        self.sniffer.shutdown()


@dataclass
class TextFuzzReport:
    """Outcome of a text fuzz run: every violation (empty = pass) and what was exercised."""

    seed: int
    turns: int = 0
    sessions: int = 0
    violations: list[Violation] = field(default_factory=list)
    errors_logged: list[str] = field(default_factory=list)
    stats: Counter = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return not self.violations

    def summary(self, limit: int = 10) -> dict:
        return {"seed": self.seed, "turns": self.turns, "sessions": self.sessions,
                "violations": len(self.violations), "first_violations": [str(v) for v in self.violations[:limit]],
                "by_kind": dict(Counter(v.kind for v in self.violations)),
                "errors_logged": len(self.errors_logged), "first_errors": self.errors_logged[:limit],
                "stats": dict(sorted(self.stats.items()))}


class _ErrorLog(logging.Handler):
    def __init__(self, sink: list[str]) -> None:
        super().__init__(logging.ERROR)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(f"{record.name}: {record.getMessage()[:300]}")


class TextFuzzer:
    """Random texts through the whole text pipeline, judged by the oracle."""

    def __init__(self, seed: int, config: Config | None = None, *, turns_per_session: int = 25,
                 pause_s: float = 0.0) -> None:
        from assistant.dialogue.replies import Replies
        from assistant.nlu.backend import load_nlu
        from assistant.nlu.data import load_nlu_data

        self.seed = seed
        self.rng = random.Random(seed)
        self.config = config or Config()
        self.turns_per_session = turns_per_session
        self.pause_s = pause_s
        self.examples = sorted({e.text for e in load_nlu_data(self.config.intents_dir / "nlu").examples})
        self.nlu = load_nlu(self.config)
        self.replies_path = self.config.intents_dir / "responses.yml"
        self._replies = Replies
        self.report = TextFuzzReport(seed)

    def close(self) -> None:
        self.nlu.close()

    def run(self, turns: int, progress: Callable[[int], None] | None = None) -> TextFuzzReport:
        handler = _ErrorLog(self.report.errors_logged)
        logging.getLogger().addHandler(handler)
        try:
            while self.report.turns < turns:
                self._session(min(self.turns_per_session, turns - self.report.turns))
                if progress:
                    progress(self.report.turns)
        finally:
            logging.getLogger().removeHandler(handler)
        return self.report

    # -- one session --------------------------------------------------------------------
    def _session(self, turns: int) -> None:
        from assistant.runtime import Assistant
        from assistant.vehicle.session import VehicleSession
        from assistant.vehicle.simulator import FAULT_KINDS, Faults

        r = self.rng
        config = replace(self.config, vehicle=replace(self.config.vehicle, channel=f"textfuzz{next(_channels)}",
                                                      interface="virtual", simulator="builtin",
                                                      write_timeout_s=0.3))
        scenario = {SPEED: r.choice((0, 0, 0.5, 2, 2.99, 3, 4.99, 5, 30, 120))}
        if r.random() < 0.5:
            scenario[GEAR] = r.choice(("P", "R", "N", "D"))
        faults = Faults()
        if r.random() < 0.4:
            getattr(faults, r.choice(FAULT_KINDS)).add(r.choice(("VCU", "BCM", "AC", "SCM", "AMP", "EMS", "*")))
        described = f"scenario {scenario} faults {faults}"
        watch = BusWatch(config)
        vehicle = VehicleSession(config, scenario=scenario, faults=faults, time_scale=50)
        try:
            watch.attach(vehicle)
            vehicle.wait_ready(timeout_s=0.3)
            assistant = Assistant(config, vehicle, self.nlu, self._replies.load(self.replies_path))
            self.report.sessions += 1
            for _ in range(turns):
                self._turn(assistant, watch, described)
                if self.pause_s:
                    time.sleep(self.pause_s)
        finally:
            vehicle.close()
            watch.close()

    def _turn(self, assistant, watch: BusWatch, described: str) -> None:
        text = self._text()
        turn = self.report.turns
        self.report.turns += 1
        context = f"seed {self.seed} turn {turn}: {text[:60]!r} ({described})"

        def fail(kind: str, detail: str) -> None:
            self.report.violations.append(Violation(kind, detail, "", time.time(), context))

        try:
            report = assistant.handle_text(text)
            data = json.loads(json.dumps(report.to_json(), default=str))
        except Exception as exc:  # nothing may escape a turn
            watch.drain()
            fail("crash", f"{type(exc).__name__}: {exc}")
            return
        for v in watch.check_turn(report):
            self.report.violations.append(Violation(v.kind, v.detail, v.frame, v.at, context))
        if not isinstance(data.get("reply"), str) or not data["reply"].strip():
            fail("silent_turn", "the driver heard nothing")
        self.report.stats["frames"] += len(data["frames"])
        self.report.stats[f"intent:{data['intent']['name'] if data['intent'] else None}"] += 1
        if data["denied"]:
            self.report.stats[f"denied:{data['denied']}"] += 1

    # -- texts --------------------------------------------------------------------------
    def _text(self) -> str:
        r = self.rng
        x = r.random()
        if x < 0.40:
            return r.choice(self.examples)
        if x < 0.55:
            return self._mutate(r.choice(self.examples))
        if x < 0.65:
            return r.choice((" and ", ", then ", " and also ", " ")).join(r.sample(self.examples, r.choice((2, 3))))
        if x < 0.77:
            return r.choice(CONVERSATION)
        if x < 0.90:
            return self._garbage()
        return self._numbers(r.choice(self.examples))

    def _mutate(self, text: str) -> str:
        r = self.rng
        chars = list(text)
        for _ in range(r.randint(1, 4)):
            op = r.random()
            i = r.randrange(len(chars) + 1)
            if op < 0.3 and chars:
                del chars[min(i, len(chars) - 1)]
            elif op < 0.6:
                chars.insert(i, r.choice("abcdefghijklmnopqrstuvwxyz ,.?!'-"))
            elif op < 0.8:
                chars = list("".join(chars).upper() if r.random() < 0.5 else "".join(chars).title())
            else:
                words = "".join(chars).split()
                r.shuffle(words)
                chars = list(" ".join(words))
        return "".join(chars)

    def _garbage(self) -> str:
        r = self.rng
        length = r.choice((0, 1, 3, 10, 40, 200)) if r.random() < 0.95 else 5000
        alphabet = "".join(r.sample(ALPHABETS, r.randint(1, 3)))
        return "".join(r.choice(alphabet) for _ in range(length))

    def _numbers(self, text: str) -> str:
        r = self.rng
        number = r.choice(NUMBERS) if r.random() < 0.7 else "9" * r.randint(15, 400)
        words = text.split()
        spots = [i for i, w in enumerate(words) if any(c.isdigit() for c in w)] or [len(words)]
        i = r.choice(spots)
        words[i:i + 1] = [number]
        return " ".join(words)


def run_text_fuzz(seed: int, turns: int, config: Config | None = None, *,
                  progress: Callable[[int], None] | None = None, **options) -> TextFuzzReport:
    """`turns` fuzzed chat turns from `seed` over fresh simulated cars."""
    fuzzer = TextFuzzer(seed, config, **options)
    try:
        return fuzzer.run(turns, progress)
    finally:
        fuzzer.close()


def _hex(frames: list[tuple[int, bytes]]) -> str:
    return "[" + ", ".join(f"{i:03X}#{d.hex().upper()}" for i, d in frames) + "]"

