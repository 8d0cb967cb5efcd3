"""Safety fuzzing of the gate: seeded replayable runs and hypothesis properties, judged by the oracle.

Every frame that reaches the bus is judged by the independent oracle (tests/hardening/
test_oracle.py shows it catches each kind of bad frame and each sabotaged gate). A failure
prints the seed and the command that replays it: `assistant bench fuzz --seed N --turns M`.
"""

from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from assistant.measure.bench._fuzzrig import FuzzRig
from assistant.measure.bench._gatefuzz import FAULT_KINDS, GateFuzzer
from assistant.measure.bench._oracle import GEAR, SPEED, SafetyOracle, default_paths
from assistant.config import Config
from assistant.errors import VehicleError

ECUS = ("VCU", "BCM", "AC", "SCM", "AMP", "EMS", "TPMS", "IC", "SWS", "*")
PROPERTY = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("seed", [1, 2])
def test_seeded_fuzz_finds_no_violation(seed):
    report = GateFuzzer(seed).run(1500)
    assert report.ok, (f"{len(report.violations)} violations; replay: {report.replay()}\n"
                       + "\n".join(str(v) for v in report.violations[:10]))
    # the run exercised what it claims to: allowed frames, every kind of denial, bursts, faults
    stats = report.stats
    assert stats["oracle:frames_judged"] > 200 and stats["frame:allowed"] > 50
    for key in ("frame:not_whitelisted", "frame:malformed", "frame:out_of_range", "frame:no_request",
                "write:ecu_not_responding", "write:out_of_range", "write:raised:ValueTypeError",
                "write:raised:UnknownSignalError", "write:rate_limited", "env:fault:silent"):
        assert stats[key] > 0, key
    assert stats["write:vehicle_moving"] + stats["frame:vehicle_moving"] > 0


def test_the_same_seed_replays_the_same_run():
    first, second = GateFuzzer(5).run(400), GateFuzzer(5).run(400)
    assert first.stats == second.stats and first.turns == second.turns == 400


# -- hypothesis properties --------------------------------------------------------------------
_CONFIG = Config()
_ORACLE = SafetyOracle(*default_paths(_CONFIG), truth=dict)
WRITABLE = sorted(e.path for e in _ORACLE.by_path.values() if e.command)
READ_ONLY = sorted(e.path for e in _ORACLE.by_path.values() if not e.command)
COMMANDS = sorted(_ORACLE.commands)

speeds = st.one_of(st.sampled_from((0.0, 0.99, 1.0, 2.99, 3.0, 4.99, 5.0, 120.0)),
                   st.integers(0, 30000).map(lambda raw: raw / 100))
vehicle_states = st.fixed_dictionaries({
    "speed": speeds,
    "gear": st.sampled_from(("P", "R", "N", "D")),
    "faults": st.lists(st.tuples(st.sampled_from(FAULT_KINDS), st.sampled_from(ECUS)), max_size=2),
    "silence": st.sampled_from((0.0, 0.0, 0.3, 0.55, 1.2)),
})
values = st.one_of(st.booleans(), st.integers(-300, 300), st.integers(), st.floats(),
                   st.sampled_from(("red", "blue", "white", "chartreuse", "on", "", None)), st.text(max_size=4))


@contextmanager
def car_in(car, state):
    """A rig with the car in `state`: speed and gear set and heard, faults on, then `silence` s of nothing."""
    rig = FuzzRig(_CONFIG, *car, _ORACLE)
    try:
        rig.sim.set(SPEED, state["speed"])
        rig.sim.set(GEAR, state["gear"])
        for kind, ecu in state["faults"]:
            getattr(rig.sim.faults, kind).add(ecu)
        rig.pump(0.3)
        rig.clock.advance(state["silence"])
        rig.take_hu_frames()
        yield rig
    finally:
        rig.close()


@st.composite
def payloads(draw):
    """A command message's payload drawn signal by signal (raw values, in range or not), or raw bytes."""
    commands = st.sampled_from(COMMANDS)
    others = st.one_of(st.sampled_from((0x110, 0x2DF, 0x2E5, 0x3A0, 0x7FF, 0x800, -1)), st.integers(-2, 0x800))
    frame_id = draw(st.one_of(commands, commands, commands, others))  # one_of picks its branches evenly
    message = _ORACLE.commands.get(frame_id)
    if message is None or draw(st.integers(0, 4)) == 4:
        return frame_id, draw(st.one_of(st.binary(min_size=8, max_size=8), st.binary(max_size=9)))
    raw = {}
    for signal in message.signals:
        top = (1 << signal.length) - 1
        raw[signal.name] = draw(st.one_of(st.just(0), st.integers(0, min(top, 3)), st.integers(0, top)))
    data = bytearray(message.encode(raw, scaling=False, strict=False))
    if draw(st.integers(0, 9)) == 0:
        data[draw(st.integers(0, 7))] ^= 1 << draw(st.integers(0, 7))
    return frame_id, bytes(data)


@PROPERTY
@given(state=vehicle_states, payload=payloads(), extended=st.integers(0, 19).map(lambda n: n == 19))
def test_send_frame_decides_as_the_oracle_and_sends_only_what_it_allows(car, state, payload, extended):
    frame_id, data = payload
    with car_in(car, state) as rig:
        should, why = rig.oracle.predict(frame_id, data, rig.clock())
        should = should and not extended  # only standard 11-bit IDs are on the whitelist
        verdict = rig.gate.send_frame(frame_id, data, is_extended_id=extended)
        event(f"send_frame: {'allowed' if verdict.allowed else verdict.reason}")
        seen = rig.take_hu_frames()
        assert rig.violations == []
        assert verdict.allowed == should, (verdict, why)
        assert len(seen) == (1 if verdict.allowed else 0)


def value_for(path: str):
    """Mostly values of the path's own type and range, sometimes anything at all."""
    entry = _ORACLE.by_path[path]
    if entry.choices:
        own = st.sampled_from(list(entry.choices.values()))
    else:
        message, name = entry.command
        signal = _ORACLE.db.get_message_by_name(message).get_signal_by_name(name)
        low, high = int(signal.minimum * entry.scale), int(signal.maximum * entry.scale)
        own = st.integers(low - 2, high + 2) if entry.datatype != "float" else \
            st.floats(low - 1, high + 1).map(lambda v: round(v, 1))
    return st.one_of(own, own, values)


@st.composite
def changes(draw):
    paths = draw(st.lists(st.sampled_from(WRITABLE + WRITABLE + READ_ONLY + ["Vehicle.Nope"]),
                          min_size=1, max_size=3, unique=True))
    return {path: draw(value_for(path) if path in WRITABLE else values) for path in paths}


@PROPERTY
@given(state=vehicle_states, changes=changes())
def test_write_raises_clearly_or_sends_exactly_what_the_oracle_allows(car, state, changes):
    with car_in(car, state) as rig:
        planned = rig.oracle.encode(changes)
        now = rig.clock()
        try:
            result = rig.gate.write(changes)
        except VehicleError as exc:
            event(f"write: {type(exc).__name__}")
            assert rig.take_hu_frames() == [] and rig.violations == []
            return
        event(f"write: {result.reason or result.status}")
        seen = rig.take_hu_frames()
        assert rig.violations == []
        if result.status == "denied":
            assert seen == [] and result.frames == []
        else:
            assert planned is not None
            assert {f.arbitration_id: f.data[:6] for f in seen} == {i: d[:6] for i, d in planned.items()}
        if planned is not None:
            allowed = all(rig.oracle.predict(i, d, now)[0] for i, d in planned.items())
            assert (result.status != "denied") == allowed, (result.reason, result.detail)


@PROPERTY
@given(state=vehicle_states, data=st.data())
def test_preflight_never_sends_and_agrees_with_write(car, state, data):
    path = data.draw(st.sampled_from(WRITABLE))
    value = data.draw(value_for(path))
    with car_in(car, state) as rig:
        try:
            denial = rig.gate.preflight({path: value})
        except VehicleError:
            with pytest.raises(VehicleError):
                rig.gate.write({path: value})
            return
        assert rig.take_hu_frames() == []
        result = rig.gate.write({path: value})
        assert (denial is None) == (result.status != "denied")
        if denial is not None:
            assert (denial.reason, rig.take_hu_frames()) == (result.reason, [])
        assert rig.violations == []
