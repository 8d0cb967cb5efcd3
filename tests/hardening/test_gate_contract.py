"""What the gate reports, as literal values: `assistant vehicle set --json` prints the status as its
"decision", and `chat`/`replay` JSON carries each sent frame as {"id", "data", "name"}."""

import dataclasses
import itertools

import pytest

from assistant.config import Config
from assistant.vehicle.session import VehicleSession
from assistant.vehicle.simulator import Faults

VOLUME = "Vehicle.Cabin.Infotainment.Media.Volume"
WINDOW = "Vehicle.Cabin.Door.Row1.PassengerSide.Window.Position"
TRUNK = "Vehicle.Body.Trunk.Rear.IsOpen"
_channels = itertools.count()


@pytest.fixture
def car():
    sessions = []

    def open_(**options):
        config = Config()
        config.vehicle.channel = f"contract{next(_channels)}"
        session = VehicleSession(config, time_scale=20, **options)
        sessions.append(session)
        session.wait_ready(2.0)
        return session

    yield open_
    for session in sessions:
        session.close()


def test_statuses_reasons_and_json(car):
    session = car(scenario={"Vehicle.Speed": 30})
    done = session.gate.write({VOLUME: 42})
    assert (done.status, done.reason, done.detail, done.pending) == ("confirmed", None, "", [])
    assert done.ok and done.targets == {VOLUME: 42}
    frame = done.frames[0]
    assert frame.to_json() == {"id": "0x2E4", "data": frame.data.hex().upper(), "name": "HU_MediaCmd"}
    assert frame.data[:1] == bytes([43])  # VolumeReq raw = value + 1 (raw 0 is "no request")
    assert done.to_json() == {"status": "confirmed", "reason": None, "detail": "", "requested": {VOLUME: 42},
                              "frames": [frame.to_json()], "pending": []}
    with pytest.raises(dataclasses.FrozenInstanceError):
        frame.data = b"\x00" * 8  # a listener cannot rewrite the record of what went out

    moving = session.gate.write({WINDOW: 60})
    assert (moving.status, moving.reason, moving.ok) == ("moving", None, True)
    finished = session.gate.finish_motion(moving)
    assert (finished.status, finished.reason) == ("confirmed", None)

    denied = session.gate.write({TRUNK: True})
    assert (denied.status, denied.reason, denied.ok, denied.frames) == ("denied", "vehicle_moving", False, [])
    assert (denied.pending, denied.targets) == ([], {}) and denied.to_json()["status"] == "denied"


def test_send_frame_verdicts(car):
    session = car()
    media = session.db.get_message_by_name("HU_MediaCmd")
    allowed = session.gate.send_frame(media.frame_id, media.encode({"VolumeReq": 25, "COUNTER": 0, "CHECKSUM": 0}))
    assert (allowed.allowed, allowed.reason, allowed.detail) == (True, None, "")
    refused = session.gate.send_frame(0x7FF, bytes(8))
    assert (refused.allowed, refused.reason) == (False, "not_whitelisted")
    with pytest.raises(dataclasses.FrozenInstanceError):
        refused.allowed = True  # a caller cannot turn a refusal into a permission


def test_timed_out_is_reported_with_what_is_pending(car):
    session = car(faults=Faults(ignore_commands={"AMP"}))
    result = session.gate.write({VOLUME: 10}, timeout_s=0.2)
    assert (result.status, result.reason, result.pending, result.ok) == ("timed_out", "not_confirmed", [VOLUME], False)
    assert result.detail == "no confirmation from AMP within 0.2 s"


TEMP = "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"


def test_an_ecu_that_does_something_else_is_not_a_confirmation(car):
    session = car()
    model = session.simulator.model
    applied = model.request
    # a sloppy climate ECU: half a degree off; an amplifier one step off
    model.request = lambda path, value: applied(path, value + {TEMP: 0.5, VOLUME: 1}.get(path, 0))
    for path, value in ((TEMP, 21), (VOLUME, 40)):
        result = session.gate.write({path: value}, timeout_s=0.3)
        assert (result.status, result.reason, result.pending) == ("timed_out", "not_confirmed", [path])
        assert session.state.read(path).value != value  # the car really is elsewhere


def test_a_window_that_never_moves_is_not_moving(car):
    session = car(faults=Faults(ignore_commands={"BCM"}))
    result = session.gate.write({WINDOW: 60}, timeout_s=0.3)
    assert (result.status, result.reason, result.pending) == ("timed_out", "not_confirmed", [WINDOW])


def test_a_window_that_stops_short_is_stalled(car):
    session = car()
    result = session.gate.write({WINDOW: 80})
    assert result.status == "moving"
    session.simulator.model.targets.clear()  # the motor stops where it is
    stalled = session.gate.finish_motion(result, stall_timeout_s=0.3)
    assert (stalled.status, stalled.reason, stalled.pending) == ("timed_out", "stalled", [WINDOW])
    assert stalled.frames == result.frames and 0 < session.state.read(WINDOW).value < 80
    assert session.gate.finish_motion(stalled) is stalled  # only a moving write is followed
