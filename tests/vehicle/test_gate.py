"""The safety gate: whitelist, strict ranges, rules on fresh state, rate limits, E2E, errors."""

import can
import pytest

from assistant.errors import UnknownSignalError, ValueTypeError
from assistant.vehicle import e2e
from assistant.vehicle.gate import DENIED, SafetyGate
from assistant.vehicle.rules import DOOR_LOCKS, GEAR, MIRRORS, SPEED, TRUNK

WINDOW = "Vehicle.Cabin.Door.Row1.DriverSide.Window.Position"
TEMP = "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"


def benign_payload(db, frame_id: int) -> bytes:
    """A valid request for a whitelisted message (and just bytes for any other ID)."""
    requests = {0x2E0: {"ACReq": "On"}, 0x2E1: {"WinPosReq_R1L": 10}, 0x2E2: {"AmbLightReq_R1L": "On"},
                0x2E3: {"SeatClimateReq_R1L": 33}, 0x2E4: {"VolumeReq": 20}}
    if frame_id not in requests:
        return bytes([0x01, 0, 0, 0, 0, 0, 0, 0])
    message = db.get_message_by_frame_id(frame_id)
    values = {s.name: requests[frame_id].get(s.name, "NoRequest") for s in message.signals
              if s.name not in ("COUNTER", "CHECKSUM")}
    return message.encode({**values, "COUNTER": 0, "CHECKSUM": 0})


def test_spam_every_11_bit_id_only_whitelist_passes(make_rig, db):
    from assistant.vehicle.ratelimit import RateLimiter

    rig = make_rig()
    rig.gate._limiter = RateLimiter(overall=(10_000, 0), per_message=(10, 0))  # isolate the whitelist
    passed = [i for i in range(0x800) if rig.gate.send_frame(i, benign_payload(db, i)).allowed]
    assert passed == [0x2E0, 0x2E1, 0x2E2, 0x2E3, 0x2E4]
    on_bus = rig.hu_frames_on_bus()
    assert sorted(m.arbitration_id for m in on_bus) == passed
    assert all(len(m.data) == 8 and not m.is_extended_id for m in on_bus)


def test_whitelisted_id_with_wrong_length_or_extended_is_blocked(rig, db):
    payload = benign_payload(db, 0x2E4)
    assert rig.gate.send_frame(0x2E4, payload[:7]).reason == "not_whitelisted"
    assert rig.gate.send_frame(0x2E4, payload + b"\x00").reason == "not_whitelisted"
    assert rig.gate.send_frame(0x2E4, payload, is_extended_id=True).reason == "not_whitelisted"
    assert rig.gate.send_frame(0x2E4, bytes(8)).reason == "no_request"
    assert rig.hu_frames_on_bus() == []


def test_every_sent_frame_carries_counter_and_checksum(rig, db):
    for volume in (10, 20, 30):
        rig.gate.write({"Vehicle.Cabin.Infotainment.Media.Volume": volume})
    frames = rig.hu_frames_on_bus()
    assert [e2e.counter_of(bytes(m.data)) for m in frames] == [0, 1, 2]
    assert all(m.data[7] == e2e.checksum(m.arbitration_id, bytes(m.data)) for m in frames)


def writable_numeric(vss):
    return [s for s in vss if s.writable and s.minimum is not None]


def test_boundary_sweep_every_numeric_signal(make_rig, vss):
    for signal in writable_numeric(vss):
        rig = make_rig()
        step = 0.5 if signal.datatype == "float" else 1
        for value in (signal.minimum, signal.maximum):
            result = rig.gate.write({signal.path: value})
            assert result.status != DENIED, (signal.path, value, result.detail)
            rig.pump()
            assert rig.sim.model.targets.get(signal.path, rig.sim.model.state[signal.path]) == value
            rig.pump(0.3)  # let the rate limit refill
        for value in (signal.minimum - step, signal.maximum + step):
            rig.hu_frames_on_bus()  # drain what the allowed writes sent
            result = rig.gate.write({signal.path: value})
            assert (result.status, result.reason) == (DENIED, "out_of_range"), (signal.path, value)
            assert str(int(signal.minimum)) in result.detail and result.frames == []
            assert rig.hu_frames_on_bus() == []


def test_raw_frames_with_out_of_range_values_are_blocked(rig, db):
    climate = db.get_message_by_name("HU_ClimateCmd")
    base = {s.name: "NoRequest" for s in climate.signals if s.name not in ("COUNTER", "CHECKSUM")}
    too_hot = climate.encode({**base, "TempReq_R1L": 30, "COUNTER": 0, "CHECKSUM": 0}, strict=False)
    too_hot = bytes([0xFF]) + too_hot[1:]  # raw 255 = 142.5 degC
    assert rig.gate.send_frame(0x2E0, too_hot).reason == "out_of_range"
    invalid_enum = bytearray(climate.encode({**base, "COUNTER": 0, "CHECKSUM": 0}))
    invalid_enum[4] = 0x03  # ACReq raw 3 is not a defined request
    assert rig.gate.send_frame(0x2E0, bytes(invalid_enum)).reason == "out_of_range"
    assert rig.hu_frames_on_bus() == []


def test_unknown_path_read_only_and_wrong_type_raise_and_send_nothing(rig):
    with pytest.raises(UnknownSignalError):
        rig.gate.write({"Vehicle.Cabin.Teleporter": True})
    with pytest.raises(UnknownSignalError, match="read-only"):
        rig.gate.write({SPEED: 10})
    with pytest.raises(ValueTypeError):
        rig.gate.write({WINDOW: "open"})
    with pytest.raises(ValueTypeError):
        rig.gate.write({TRUNK: 1})
    with pytest.raises(ValueTypeError):
        rig.gate.write({WINDOW: 12.5})
    with pytest.raises(ValueTypeError):
        rig.gate.write({TEMP: float("nan")})
    with pytest.raises(ValueTypeError):
        rig.gate.write({"Vehicle.Cabin.Light.AmbientLight.Row1.DriverSide.Color": "chartreuse"})
    assert rig.hu_frames_on_bus() == []


# (path, value, limit scenario that is allowed, scenario that is denied, reason)
RULE_CASES = [
    *[(lock, False, {SPEED: 2.9}, {SPEED: 3.0}, "vehicle_moving") for lock in DOOR_LOCKS],
    (TRUNK, True, {SPEED: 0.9, GEAR: "P"}, {SPEED: 1.0, GEAR: "P"}, "vehicle_moving"),
    (TRUNK, True, {SPEED: 0, GEAR: "P"}, {SPEED: 0, GEAR: "D"}, "not_in_park"),
    (TRUNK, True, {SPEED: 0, GEAR: "P"}, {SPEED: 0, GEAR: "R"}, "not_in_park"),
    *[(mirror, value, {SPEED: 4.9}, {SPEED: 5.0}, "vehicle_moving") for mirror in MIRRORS for value in (True, False)],
]


@pytest.mark.parametrize("path, value, allowed, denied, reason", RULE_CASES)
def test_rules_at_speed_and_parked(make_rig, path, value, allowed, denied, reason):
    ok = make_rig(scenario=allowed)
    assert ok.gate.write({path: value}).status != DENIED
    assert len(ok.hu_frames_on_bus()) == 1
    bad = make_rig(scenario=denied)
    result = bad.gate.write({path: value})
    assert (result.status, result.reason) == (DENIED, reason)
    assert bad.hu_frames_on_bus() == []
    # a crafted raw frame cannot get around the rule either
    ref = bad.vss.get(path).command
    values = {s.name: "NoRequest" for s in ref.message.signals if s.name not in ("COUNTER", "CHECKSUM")}
    values[ref.signal.name] = bad.vss.get(path).to_dbc(value)
    raw = ref.message.encode({**values, "COUNTER": 0, "CHECKSUM": 0})
    assert bad.gate.send_frame(ref.message.frame_id, raw).reason == reason
    assert bad.hu_frames_on_bus() == []


def test_rules_do_not_touch_other_values(make_rig):
    rig = make_rig(scenario={SPEED: 120})
    assert rig.gate.write({DOOR_LOCKS[0]: True}).status != DENIED  # locking at speed is fine
    assert rig.gate.write({TRUNK: False}).status != DENIED  # closing the trunk is fine
    assert rig.gate.write({WINDOW: 100}).status != DENIED


def test_stale_state_denies_with_injected_clock(rig):
    assert rig.gate.write({DOOR_LOCKS[0]: False}).status != DENIED
    rig.clock.advance(0.6)  # VCU_Status cycles at 50 ms: stale after 0.5 s without frames
    result = rig.gate.write({DOOR_LOCKS[1]: False})
    assert (result.status, result.reason) == (DENIED, "state_unknown")
    assert "Vehicle.Speed" in result.detail
    rig.pump(0.05)  # after a gap the VCU must earn trust again: 2 frames are not LIVE_AFTER (3)
    assert rig.gate.write({DOOR_LOCKS[1]: False}).reason == "state_unknown"
    rig.pump(0.05)
    assert rig.gate.write({DOOR_LOCKS[1]: False}).status != DENIED


def test_silent_ecu_denies_writes_to_it_without_sending(make_rig):
    rig = make_rig()
    rig.sim.faults.silent.add("AC")
    rig.pump(1.1)
    result = rig.gate.write({TEMP: 21})
    assert (result.status, result.reason) == (DENIED, "ecu_not_responding")
    assert "AC" in result.detail
    assert rig.hu_frames_on_bus() == []
    assert rig.gate.write({WINDOW: 10}).status != DENIED  # the BCM still answers


def test_rate_limit_blocks_floods_and_refills(rig):
    results = [rig.gate.write({"Vehicle.Cabin.Infotainment.Media.Volume": v}) for v in range(10, 20)]
    assert [r.status == DENIED for r in results] == [False] * 5 + [True] * 5
    assert {r.reason for r in results if r.status == DENIED} == {"rate_limited"}
    assert len(rig.hu_frames_on_bus()) == 5
    rig.pump(0.5)
    assert rig.gate.write({"Vehicle.Cabin.Infotainment.Media.Volume": 40}).status != DENIED


def test_send_failure_is_a_denial_not_a_crash(make_rig, db, vss):
    rig = make_rig()
    broken = can.Bus(interface="virtual", channel="broken-bus")
    broken.shutdown()  # sending on a shut-down bus raises a real python-can error
    gate = SafetyGate(broken, db, vss, rig.state, clock=rig.clock, write_timeout_s=0)
    result = gate.write({WINDOW: 50})
    assert (result.status, result.reason) == (DENIED, "bus_error")


def test_multi_message_write_is_all_or_nothing(make_rig):
    rig = make_rig(scenario={SPEED: 50})
    result = rig.gate.write({WINDOW: 0, TRUNK: True})  # the trunk part is not allowed at speed
    assert result.status == DENIED and result.reason == "vehicle_moving"
    assert rig.hu_frames_on_bus() == []
