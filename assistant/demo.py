"""`make demo`: the bundled recorded drive through the whole live pipeline, printed as a conversation.

The recordings of assistant/data/demo/ play as one stream (cabin noise between
commands) into the same loop as `assistant run`: wake phrase or voice button
(a real CAN frame from the simulated steering-wheel ECU), VAD, ASR, NLU,
dialogue, skills, the safety gate, CAN frames to the built-in simulator, and
replies spoken by the configured TTS engine into reply_01.wav, reply_02.wav, ...
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from assistant.config import Config

DEFAULT_SCRIPT = Path(__file__).with_name("data") / "demo" / "script.yml"
DEMO_TIME_SCALE = 20.0  # windows travel 20x faster, so each turn shows where they stopped
QUIET_PATHS = ("Vehicle.Cabin.SteeringWheel.VoiceButton",)


@dataclass
class DemoTurn:
    """One turn of the demo, matched to the script step it answers."""

    step: int | None  # index into the script's steps (None: heard outside any step)
    report: Any  # the runtime's TurnReport
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # path -> (before, after)

    @property
    def intents(self) -> set[str]:
        """What the first command was understood as, and what it acted on ("yes" -> doors_unlock)."""
        first = self.report.turn.actions[0] if self.report.turn.actions else None
        return {first.parse.intent.name, first.action} if first else set()


@dataclass
class DemoResult:
    turns: list[DemoTurn]
    summary: Any
    script: Any
    out_dir: Path
    misses: list[str] = field(default_factory=list)  # steps not understood as scripted


def run_demo(config: Config, out_dir: str | Path = "out/demo", *, script_path: str | Path = DEFAULT_SCRIPT,
             realtime: bool = False, echo: Callable[[str], None] = print) -> DemoResult:
    """Play the script through the live loop; `echo` gets each printed line."""
    from assistant.runtime.live import LiveAssistant
    from assistant.runtime.script import Script, ScriptSource
    from assistant.runtime.speech import NumberedWavSink

    script = Script.load(script_path)
    configured_wake = config.wake.phrase
    if script.wake_phrase is not None:
        config.wake.phrase = script.wake_phrase  # the phrase the recordings say
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("reply_*.wav"):
        old.unlink()
    source = ScriptSource(script, block_ms=config.audio.block_ms, realtime=realtime)
    turns: list[DemoTurn] = []
    live = LiveAssistant.open(config, source, sink=NumberedWavSink(out), realtime=realtime, settle=True,
                              time_scale=DEMO_TIME_SCALE, cues=source.cues,
                              on_turn=lambda report: turns.append(_on_turn(report, source, state, echo)),
                              on_notice=lambda notice: echo(_describe_notice(notice)))
    state = {"car": live.assistant.vehicle.car_state(), "shown": set()}
    try:
        echo(_banner(live, script, out, configured_wake))
        summary = live.run()
    finally:
        live.close()
    result = DemoResult(turns, summary, script, out)
    result.misses = _misses(result)
    echo(_footer(result))
    return result


def _on_turn(report, source, state: dict, echo) -> DemoTurn:
    step = source.step_at(report.extra["audio"]["start_s"])
    if step is not None and step not in state["shown"]:
        state["shown"].add(step)
        for path, value in source.script.steps[step].set.items():
            echo(f"      ~ the car changes: {path} -> {value}")
    before = state["car"]
    changes = {p: (before.get(p), v) for p, v in report.state.items()
               if p in report.turn.writes and before.get(p) != v and p not in QUIET_PATHS}
    state["car"] = report.state
    turn = DemoTurn(step, report, changes)
    for line in _describe(turn, source):
        echo(line)
    return turn


def _describe(turn: DemoTurn, source) -> list[str]:
    report, data = turn.report, turn.report.to_json()
    said = source.script.steps[turn.step].say if turn.step is not None else "?"
    how = {"wake": "wake phrase", "button": "voice button (CAN)", "follow_up": "follow-up, no wake phrase"}
    number = f"{turn.step + 1:2d}" if turn.step is not None else " ?"
    lines = [f"{number}  driver: \"{said}\"   [{how.get(data['trigger'], data['trigger'])}]",
             f"      heard \"{report.transcript}\" -> {_understood(report)}"]
    for frame in report.turn.frames:
        lines.append(f"      CAN {frame.name} 0x{frame.arbitration_id:03X} {frame.data.hex().upper()}")
    for path, (before, after) in turn.changes.items():
        lines.append(f"      car: {path} {_fmt(before)} -> {_fmt(after)}")
    if report.turn.denied:
        lines.append(f"      denied: {report.turn.denied}")
    spoken = Path(data["reply_audio"]).name if data.get("reply_audio") else "not spoken"
    if report.tts_error:
        spoken = f"not spoken: {report.tts_error}"
    first = data["timings_ms"].get("end_of_speech_to_first_audio")
    timing = f", first audio {first:.0f} ms after end of speech" if first is not None else ""
    lines.append(f"      car says: \"{report.reply}\"   [{spoken}{timing}]")
    return lines


def _describe_notice(notice: dict) -> str:
    """A proactive notice (assistant/notices/): the car speaks unasked."""
    spoken = Path(notice["reply_audio"]).name if notice.get("reply_audio") else "not spoken"
    return (f"      ~ the car speaks up unasked ({notice['kind']}, at {notice['at_s']:.1f} s): "
            f"\"{notice['text']}\"   [{spoken}]")


def _understood(report) -> str:
    parts = []
    for action in report.turn.actions:
        entities = " ".join(f"{e.entity}={e.value}" for e in action.parse.entities)
        name = action.action if action.action == action.parse.intent.name else \
            f"{action.parse.intent.name} ({action.action})"
        parts.append(name + (f" [{entities}]" if entities else ""))
    return ", ".join(parts) or "nothing"


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _banner(live, script, out: Path, configured_wake: str) -> str:
    info = live.ready_info()
    wake = f"'{info['wake_phrase']}'"
    if info["wake_phrase"] != (configured_wake.strip() or None):
        wake += f" (as recorded; [wake] phrase is '{configured_wake}')"
    return (f"FAW voice assistant demo: {len(script.steps)} recorded commands -> wake phrase {wake} / voice button "
            f"-> VAD -> {info['asr']} -> NLU -> dialogue -> safety gate -> CAN ({info['bus']}, built-in simulator) "
            f"-> {info['tts']} ({out}/reply_NN.wav)\n")


def _misses(result: DemoResult) -> list[str]:
    """Script steps whose turn did not come out as the script expects (intent, denial, car state)."""
    misses = []
    by_step: dict[int, DemoTurn] = {}
    for turn in result.turns:
        if turn.step is not None:
            by_step.setdefault(turn.step, turn)
    for i, step in enumerate(result.script.steps):
        turn = by_step.get(i)
        expect = step.expect
        if turn is None:
            misses.append(f"{i + 1} \"{step.say}\": not heard")
            continue
        if "intent" in expect and expect["intent"] not in turn.intents:
            misses.append(f"{i + 1} \"{step.say}\": heard \"{turn.report.transcript}\" -> "
                          f"{'/'.join(sorted(turn.intents))}, expected {expect['intent']}")
        elif "denied" in expect and bool(turn.report.turn.denied) != bool(expect["denied"]):
            misses.append(f"{i + 1} \"{step.say}\": denied = {turn.report.turn.denied!r}")
        else:
            wrong = {p: turn.report.state.get(p) for p, v in (expect.get("state") or {}).items()
                     if turn.report.state.get(p) != v}
            if wrong:
                misses.append(f"{i + 1} \"{step.say}\": car state {wrong}, expected {expect['state']}")
    return misses


def _footer(result: DemoResult) -> str:
    s = result.summary
    replies = sorted(result.out_dir.glob("reply_*.wav"))
    notices = f", {s.notices} notice(s) said unasked" if s.notices else ""
    lines = [f"\n{s.turns} turns{notices}, {s.frames} CAN frames sent, "
             f"{len(replies)} spoken replies in {result.out_dir}/; "
             f"{len(result.script.steps) - len(result.misses)} of {len(result.script.steps)} commands understood "
             f"as scripted."]
    lines += [f"  not as scripted: {m}" for m in result.misses]
    return "\n".join(lines)
