"""The oracle itself: it must catch every kind of bad frame, and the fuzzer must catch broken gates.

A fuzz run with zero violations only means something if the same run finds violations in a
gate that is broken on purpose; the sabotage tests below break one safety layer each.
"""

import math

import can
import pytest

from assistant.measure.bench._gatefuzz import GateFuzzer
from assistant.measure.bench._oracle import CHECKSUM_BYTE, COUNTER_BYTE, crc8_j1850, expected_checksum
from assistant.vehicle.e2e import StatusCheck, StatusMonitor
from assistant.vehicle.gate import SafetyGate
from assistant.vehicle.ratelimit import RateLimiter
from assistant.vehicle.state import Reading

SPEED = "Vehicle.Speed"
UNLOCK = "Vehicle.Cabin.Door.Row1.DriverSide.IsLocked"


def test_crc_is_sae_j1850():
    assert crc8_j1850(b"123456789") == 0x4B  # the standard check value
    assert crc8_j1850(b"") == 0x00


def frame(db, name: str, counter: int = 0, **values) -> bytes:
    """A payload built and protected by hand: cantools encode, then our own COUNTER and CRC."""
    message = db.get_message_by_name(name)
    if "HU" in message.senders:
        signals = {s.name: values.get(s.name, "NoRequest") for s in message.signals}
        data = bytearray(message.encode({**signals, "COUNTER": 0, "CHECKSUM": 0}, strict=False))
    else:  # a status frame: raw zero where that is a real state (speed 0, gear P), else the lowest one
        data = bytearray(message.encode({s.name: _lowest_raw(s) for s in message.signals}, scaling=False,
                                        strict=False))
    data[COUNTER_BYTE] = (data[COUNTER_BYTE] & 0xF0) | counter
    data[CHECKSUM_BYTE] = expected_checksum(message.frame_id, data)
    return bytes(data)


def _lowest_raw(signal) -> int:
    if signal.choices:
        return 0 if 0 in signal.choices else min(signal.choices)
    if signal.minimum is None or signal.minimum <= signal.offset:
        return 0
    return math.ceil((signal.minimum - signal.offset) / signal.scale)


@pytest.fixture
def judge(car, oracle):
    """The oracle with the car standing still in park, every status fresh at t = 10 s."""
    db, _ = car
    truth = {SPEED: 0.0, "Vehicle.Powertrain.Transmission.SelectedGear": 126}
    oracle.truth = lambda: truth
    for message in db.messages:
        if "HU" not in message.senders:  # live after 3 frames whose counter advanced by one
            assert not oracle.status_frame(message.frame_id, frame(db, message.name, 14), 9.8)
            assert not oracle.status_frame(message.frame_id, frame(db, message.name, 15), 9.9)
            assert oracle.status_frame(message.frame_id, frame(db, message.name, 0), 10.0)

    def kinds(name_or_id, data, at=10.0, **flags):
        frame_id = name_or_id if isinstance(name_or_id, int) else db.get_message_by_name(name_or_id).frame_id
        return [v.kind for v in oracle.hu_frame(frame_id, data, at, **flags)]

    kinds.truth = truth
    return kinds


def test_a_good_frame_passes(judge, car):
    db, _ = car
    assert judge("HU_MediaCmd", frame(db, "HU_MediaCmd", VolumeReq=40)) == []
    assert judge("HU_MediaCmd", frame(db, "HU_MediaCmd", 1, VolumeReq=41)) == []


@pytest.mark.parametrize("case, expected", [
    ("status_id", "not_whitelisted"), ("extended", "not_whitelisted"), ("short", "not_whitelisted"),
    ("remote", "not_whitelisted"), ("checksum", "checksum"), ("undefined_bit", "undefined_bits"),
    ("too_hot", "out_of_range"), ("bad_enum", "out_of_range"), ("nothing", "no_request"),
])
def test_each_bad_frame_is_caught(judge, car, case, expected):
    db, _ = car
    good = frame(db, "HU_MediaCmd", VolumeReq=40)
    cases = {
        "status_id": (0x110, frame(db, "VCU_Status"), {}),
        "extended": ("HU_MediaCmd", good, {"is_extended_id": True}),
        "short": ("HU_MediaCmd", good[:7], {}),
        "remote": ("HU_MediaCmd", good, {"is_remote_frame": True}),
        "checksum": ("HU_MediaCmd", good[:7] + bytes([good[7] ^ 1]), {}),
        "undefined_bit": ("HU_MediaCmd", _reprotect(0x2E4, good, byte=2, bit=3), {}),
        "too_hot": ("HU_ClimateCmd", _raw(db, "HU_ClimateCmd", TempReq_R1L=255), {}),
        "bad_enum": ("HU_ClimateCmd", _raw(db, "HU_ClimateCmd", ACReq=3), {}),
        "nothing": ("HU_MediaCmd", frame(db, "HU_MediaCmd"), {}),
    }
    name, data, flags = cases[case]
    assert expected in judge(name, data, **flags)


def test_counters_must_advance_by_one(judge, car):
    db, _ = car
    assert judge("HU_MediaCmd", frame(db, "HU_MediaCmd", 3, VolumeReq=40)) == []
    assert judge("HU_MediaCmd", frame(db, "HU_MediaCmd", 3, VolumeReq=41)) == ["counter"]  # repeated
    assert judge("HU_MediaCmd", frame(db, "HU_MediaCmd", 9, VolumeReq=42)) == ["counter"]  # skipped


def test_rules_are_judged_on_the_true_state(judge, car):
    db, _ = car
    assert judge("HU_BodyCmd", frame(db, "HU_BodyCmd", 0, LockReq_R1L="Unlocked")) == []
    judge.truth[SPEED] = 3.0  # the car moves: the same frame would unlock a moving car
    assert judge("HU_BodyCmd", frame(db, "HU_BodyCmd", 1, LockReq_R1L="Unlocked")) == ["rule"]
    judge.truth.update({SPEED: 0.0, "Vehicle.Powertrain.Transmission.SelectedGear": 127})  # standing in drive
    assert judge("HU_BodyCmd", frame(db, "HU_BodyCmd", 2, TrunkReq="Open")) == ["rule"]
    judge.truth[SPEED] = 4.99
    assert judge("HU_BodyCmd", frame(db, "HU_BodyCmd", 3, MirrorFoldReq_L="Folded")) == []
    judge.truth[SPEED] = 5.0
    assert judge("HU_BodyCmd", frame(db, "HU_BodyCmd", 4, MirrorFoldReq_R="Unfolded")) == ["rule"]


def test_stale_state_is_caught(judge, car):
    db, _ = car
    # VCU_Status is fresh for 0.5 s (10 x 50 ms); the BCM's door status for 1 s
    assert judge("HU_BodyCmd", frame(db, "HU_BodyCmd", LockReq_R1L="Unlocked"), at=10.6) == ["rule_on_stale_state"]
    assert judge("HU_MediaCmd", frame(db, "HU_MediaCmd", VolumeReq=40), at=11.01) == ["stale_target"]


def test_rate_budget(judge, car):
    db, _ = car
    found = [judge("HU_MediaCmd", frame(db, "HU_MediaCmd", n, VolumeReq=40 + n)) for n in range(6)]
    assert found == [[]] * 5 + [["rate"]]  # a burst of 5 per message, then 5 per second
    # the sixth frame went out anyway and used a token: one is back 0.4 s later (5 per second)
    assert judge("HU_MediaCmd", frame(db, "HU_MediaCmd", 6, VolumeReq=50), at=10.3) == ["rate"]
    assert judge("HU_MediaCmd", frame(db, "HU_MediaCmd", 7, VolumeReq=51), at=10.75) == []


def _raw(db, name, **raw):
    message = db.get_message_by_name(name)
    values = {s.name: raw.get(s.name, 0) for s in message.signals}
    return _reprotect(message.frame_id, message.encode(values, scaling=False, strict=False))


def _reprotect(frame_id, data, byte=None, bit=None):
    data = bytearray(data)
    if byte is not None:
        data[byte] |= 1 << bit
    data[CHECKSUM_BYTE] = expected_checksum(frame_id, data)
    return bytes(data)


# -- sabotage: a gate broken on purpose must fail the fuzz ------------------------------------
class _Corrupting:
    """A bus below the gate that damages what it sends (a defect after the gate's checks)."""

    def __init__(self, bus, damage):
        self._bus, self._damage = bus, damage

    def send(self, msg, timeout=None):
        data = bytearray(msg.data)
        self._damage(msg.arbitration_id, data)
        self._bus.send(can.Message(arbitration_id=msg.arbitration_id, data=bytes(data), is_extended_id=False), timeout)


class _AlwaysFresh:
    """A state cache that calls everything it ever heard fresh (freshness checks removed)."""

    def __init__(self, state):
        self._state = state

    def read(self, path):
        r = self._state.read(path)
        return Reading(r.path, r.value, r.age_s, r.value is not None)

    def is_fresh(self, name):
        return self._state.received_at(name) is not None

    def __getattr__(self, name):
        return getattr(self._state, name)


def _no_rules(bus, db, vss, state, **kw):
    return SafetyGate(bus, db, vss, state, rules=(), **kw)


def _no_rate_limit(bus, db, vss, state, **kw):
    return SafetyGate(bus, db, vss, state, rate_limiter=RateLimiter(per_message=(1e9, 1e9), overall=(1e9, 1e9),
                                                                    clock=kw["clock"]), **kw)


def _stale_trusted(bus, db, vss, state, **kw):
    return SafetyGate(bus, db, vss, _AlwaysFresh(state), **kw)


def _flip_crc(frame_id, data):
    data[CHECKSUM_BYTE] ^= 0x01


def _stray(frame_id, data):  # a bit no signal defines, with a checksum that matches it
    data[COUNTER_BYTE] |= 0x80
    data[CHECKSUM_BYTE] = expected_checksum(frame_id, data)


def _bad_crc(bus, db, vss, state, **kw):
    return SafetyGate(_Corrupting(bus, _flip_crc), db, vss, state, **kw)


def _stray_bit(bus, db, vss, state, **kw):
    return SafetyGate(_Corrupting(bus, _stray), db, vss, state, **kw)


def _stuck_counter(bus, db, vss, state, **kw):
    gate = SafetyGate(bus, db, vss, state, **kw)
    gate._counter.next = lambda frame_id: 0
    return gate


class _FirstFrameTrusted(StatusMonitor):
    """The old reception: any intact frame counts (no run of counters, no second-sender checks)."""

    def check(self, arbitration_id, data, now, length=8, sent_at=None):
        result = super().check(arbitration_id, data, now, length, sent_at)
        if result.error in ("length", "checksum"):
            return result
        return self._set(arbitration_id, StatusCheck(True))


def _any_sender_trusted(bus, db, vss, state, **kw):
    state._e2e = _FirstFrameTrusted(state._e2e._gap, state._e2e._max)
    return SafetyGate(bus, db, vss, state, **kw)


def _counter_from_zero(bus, db, vss, state, **kw):
    kw.pop("alive_counter")  # every (re)start counts from 0 again, as before the sender lock
    return SafetyGate(bus, db, vss, state, **kw)


@pytest.mark.parametrize("factory, kinds", [
    (_any_sender_trusted, {"stale_target"}),  # a stuck ECU trusted; the spoofed 0 km/h: test_second_sender.py
    (_counter_from_zero, {"counter"}),
    (_no_rules, {"rule"}),
    (_no_rate_limit, {"rate"}),
    (_stale_trusted, {"stale_target", "rule_on_stale_state"}),
    (_bad_crc, {"checksum"}),
    (_stray_bit, {"undefined_bits"}),
    (_stuck_counter, {"counter"}),
], ids=lambda v: getattr(v, "__name__", "") or "-".join(sorted(v)))
def test_the_fuzzer_catches_a_sabotaged_gate(factory, kinds):
    report = GateFuzzer(11, gate_factory=factory).run(6000, stop_after=25)
    found = {v.kind for v in report.violations}
    assert kinds <= found, f"no {kinds - found} in {report.turns} turns: {found}"
