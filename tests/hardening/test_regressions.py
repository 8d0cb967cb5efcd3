"""Regression tests for bugs the fuzzers found, one per bug, each on the real gate/runtime."""

import pytest

from assistant.vehicle.gate import DENIED

TEMP = "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"
VOLUME = "Vehicle.Cabin.Infotainment.Media.Volume"


@pytest.mark.parametrize("path", [TEMP, VOLUME])
@pytest.mark.parametrize("value", [10**400, -10**400])
def test_int_beyond_float_range_is_out_of_range_not_a_crash(rig, path, value):
    # was: OverflowError from math.isfinite()/float()/`:g` on an int no float can hold
    result = rig.gate.write({path: value})
    assert (result.status, result.reason) == (DENIED, "out_of_range")
    assert "digits" in result.detail and result.frames == []
    assert rig.gate.preflight({path: value}).reason == "out_of_range"
    assert rig.take_hu_frames() == [] and rig.violations == []


@pytest.mark.parametrize("frame_id, data, reason", [
    ("0x2E0", bytes(8), "not_whitelisted"),  # was: ValueError formatting the denial
    (None, bytes(8), "not_whitelisted"),  # was: TypeError formatting the denial
    (736.0, bytes([2] + [0] * 7), "not_whitelisted"),  # was: allowed as if it were 0x2E0
    (True, bytes(8), "not_whitelisted"),
    (0x2E4, None, "malformed"),  # was: TypeError from bytes()
    (0x2E4, "abcdefgh", "malformed"),
    (0x2E4, 3.5, "malformed"),
    (0x2E4, 8, "malformed"),  # bytes(8) would have been eight zero bytes
    (0x2E4, [300] * 8, "malformed"),  # was: ValueError from bytes()
])
def test_send_frame_answers_any_input_with_a_verdict(rig, frame_id, data, reason):
    verdict = rig.gate.send_frame(frame_id, data)
    assert (verdict.allowed, verdict.reason) == (False, reason)
    assert rig.take_hu_frames() == []


def test_send_frame_still_takes_bytes_like_payloads(rig, car):
    db, _ = car
    media = db.get_message_by_name("HU_MediaCmd")
    payload = media.encode({"VolumeReq": 40, "COUNTER": 0, "CHECKSUM": 0})
    for data in (payload, bytearray(payload), memoryview(payload), list(payload)):
        assert rig.gate.send_frame(media.frame_id, data).allowed
    assert len(rig.take_hu_frames()) == 4 and rig.violations == []


@pytest.mark.parametrize("name, byte, bit", [
    ("HU_MediaCmd", 3, 0),  # bytes 1-5 carry no signal
    ("HU_MediaCmd", 0, 7),  # the bit after the 7-bit VolumeReq
    ("HU_BodyCmd", 1, 6),  # between MirrorFoldReq_R and AmbLightReq_R1L
    ("HU_ClimateCmd", 6, 5),  # the high nibble of the COUNTER byte (protect() keeps it)
])
def test_bits_outside_every_signal_are_refused(rig, car, name, byte, bit):
    # was: sent as is; an ECU with another DBC revision could read them as a request
    db, _ = car
    message = db.get_message_by_name(name)
    request = {"HU_MediaCmd": {"VolumeReq": 40}, "HU_BodyCmd": {"AmbLightReq_R1L": "On"},
               "HU_ClimateCmd": {"ACReq": "On"}}[name]
    values = {s.name: request.get(s.name, "NoRequest") for s in message.signals if s.name not in ("COUNTER", "CHECKSUM")}
    payload = bytearray(message.encode({**values, "COUNTER": 0, "CHECKSUM": 0}))
    assert rig.gate.send_frame(message.frame_id, bytes(payload)).allowed  # the clean payload goes out
    payload[byte] |= 1 << bit
    verdict = rig.gate.send_frame(message.frame_id, bytes(payload))
    assert (verdict.allowed, verdict.reason) == (False, "malformed")
    assert len(rig.take_hu_frames()) == 1 and rig.violations == []


def test_a_bus_that_cannot_take_a_frame_is_a_bus_error_not_a_hang(rig):
    """A listener on the virtual bus that stops reading fills its queue; python-can's send() with
    no timeout then blocked forever, holding the gate's lock. Now: bus_error, gate usable."""
    import threading

    import can

    stuck = can.Bus(interface="virtual", channel=rig.channel, rx_queue_size=1)
    outcome = {}

    def two_writes():
        outcome["first"] = rig.gate.write({VOLUME: 40})  # fills the stuck listener's queue
        outcome["second"] = rig.gate.write({TEMP: 21})

    worker = threading.Thread(target=two_writes, daemon=True)
    worker.start()
    worker.join(timeout=5)
    try:
        assert not worker.is_alive(), "the gate hung on a full bus"
        assert outcome["first"].status != DENIED
        second = outcome["second"]
        assert (second.status, second.reason) == (DENIED, "bus_error")
        assert "Could not send" in second.detail and second.frames == []
    finally:
        stuck.shutdown()
    assert rig.gate.write({VOLUME: 41}).status != DENIED  # the gate (and its lock) still work


@pytest.mark.parametrize("text, reply", [
    ("set the fan to level " + "9" * 308, "The fan goes from level 0 to 7."),
    ("heat my seat to level " + "9" * 307, "Seat heating goes from level 0 to 3."),
    ("cool my seat to level " + "9" * 307, "Seat ventilation goes from level 0 to 3."),
])
def test_huge_spoken_levels_are_out_of_range_not_a_crash(make_assistant, text, reply):
    # was: OverflowError (integer division result too large for a float) in the fan/seat skills
    data = make_assistant().handle_text(text).to_json()
    assert (data["denied"], data["reply"], data["frames"]) == ("out_of_range", reply, [])


@pytest.mark.parametrize("ask, answer, reply", [
    ("set the temperature", "low", "I can only set the temperature between 16 and 30 degrees."),
    ("open the sunroof", "max", "The sunroof opens from 0 to 100 percent."),
    ("open the passenger window", "low", "Windows open from 0 to 100 percent."),
])
def test_a_word_in_a_numeric_slot_is_refused_not_a_crash(make_assistant, watch, new_config, ask, answer, reply):
    # was: ValueTypeError from the gate escaped handle_text ("low" became the temperature/amount)
    config = new_config()
    bus = watch(config)
    assistant = make_assistant(config=config)
    bus.attach(assistant.vehicle)
    first = assistant.handle_text(ask)
    assert bus.check_turn(first) == []
    data = assistant.handle_text(answer).to_json()
    assert (data["denied"], data["reply"], data["frames"]) == ("out_of_range", reply, [])
    assert bus.drain() == [] and bus.violations == []


def test_an_nlu_failure_costs_one_sorry_not_the_session(make_assistant):
    # was: OverflowError from the embedded NLU's number features (a 330-digit number is float
    # infinity) escaped handle_text and ended `assistant chat`
    assistant = make_assistant()
    data = assistant.handle_text("set the volume to " + "9" * 330).to_json()
    assert data["intent"]["name"] == "nlu_fallback" and data["frames"] == []
    assert "sorry" in data["reply"].lower()
    assert assistant.handle_text("set the volume to twenty").to_json()["state"][VOLUME] == 20
