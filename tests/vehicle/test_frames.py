"""Golden bytes: every command and status message, encoded and decoded (cantools layout + E2E)."""

import pytest

from assistant.vehicle import e2e

# Each command message: a write through the gate and the exact frame it must produce
# (first frame of the session, so COUNTER = 0; last byte = CRC-8 SAE J1850).
GOLDEN_COMMANDS = [
    ("HU_ClimateCmd", {"Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature": 22.5,
                       "Vehicle.Cabin.HVAC.Station.Row1.Passenger.Temperature": 16,
                       "Vehicle.Cabin.HVAC.IsAirConditioningActive": False,
                       "Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed": 100}, "0F020000016500D7"),
    ("HU_WindowCmd", {"Vehicle.Cabin.Door.Row1.DriverSide.Window.Position": 50,
                      "Vehicle.Cabin.Door.Row2.PassengerSide.Window.Position": 0,
                      "Vehicle.Cabin.Sunroof.Position": 100}, "3300000165000066"),
    ("HU_BodyCmd", {"Vehicle.Cabin.Door.Row1.DriverSide.IsLocked": True,
                    "Vehicle.Body.Trunk.Rear.IsOpen": True,
                    "Vehicle.Body.Mirrors.PassengerSide.IsFolded": True,
                    "Vehicle.Cabin.Light.AmbientLight.Row1.DriverSide.IsLightOn": True,
                    "Vehicle.Cabin.Light.AmbientLight.Row2.PassengerSide.Color": "blue"}, "022202005000000E"),
    ("HU_SeatCmd", {"Vehicle.Cabin.Seat.Row1.DriverSide.HeatingCooling": 67,
                    "Vehicle.Cabin.Seat.Row1.PassengerSide.HeatingCooling": -100,
                    "Vehicle.Cabin.Seat.Row2.DriverSide.HeatingCooling": 0}, "A801650000000002"),
    ("HU_MediaCmd", {"Vehicle.Cabin.Infotainment.Media.Volume": 42}, "2B000000000000A5"),
]

# Each status message as the simulator sends it for the default car at t = 0.
GOLDEN_STATUS = {
    "VCU_Status": "000000000000003D",        # 0 km/h, gear P
    "SWS_Buttons": "00000000000000EF",       # voice button released
    "BCM_DoorStatus": "F0000000000000F8",    # doors closed and locked
    "BCM_WindowStatus": "0000000000000034",  # all closed
    "BCM_LightStatus": "0088880000000065",   # ambient off, colour white (8) in every zone
    "AC_Status": "0E0E0E0E012B005A",         # 22 degC x4, A/C on, fan 43 %
    "AC_Temperatures": "806E000000000070",   # cabin 24 degC, outside 15 degC
    "SCM_SeatStatus": "0000000000000015",
    "AMP_Status": "1E000000000000B3",        # volume 30
    "EMS_FuelStatus": "7DE0017E0000007B",    # 62.5 %, 480 km, 12.6 V
    "TPMS_Status": "F0C0030F3C00009A",       # 240 kPa x4
    "IC_Odometer": "40E20100000000D8",       # 12345.6 km
}


def test_crc8_sae_j1850_check_value():
    assert e2e.crc8_sae_j1850(b"123456789") == 0x4B


@pytest.mark.parametrize("name, changes, golden", GOLDEN_COMMANDS, ids=[c[0] for c in GOLDEN_COMMANDS])
def test_command_golden_bytes(rig, db, name, changes, golden):
    result = rig.gate.write(changes)
    assert [f.name for f in result.frames] == [name]
    assert result.frames[0].data.hex().upper() == golden
    on_bus = rig.hu_frames_on_bus()
    assert [(m.arbitration_id, bytes(m.data).hex().upper()) for m in on_bus] == \
        [(db.get_message_by_name(name).frame_id, golden)]
    # ...and it decodes back to exactly the requested values on the ECU side
    rig.pump()
    assert rig.sim.ignored == {}
    for path, value in changes.items():
        signal = rig.vss.get(path)
        assert (rig.sim.model.targets.get(path, rig.sim.model.state[path]) == value), path
        assert not signal.motion or path in rig.sim.model.targets or rig.sim.model.state[path] == value


def test_status_golden_bytes_and_decode(db, vss, make_rig):
    rig = make_rig()
    frames = {}  # the first frame of each message (the rig's first pumps send several)
    for m in rig.frames_on_bus():
        frames.setdefault(db.get_message_by_frame_id(m.arbitration_id).name, bytes(m.data).hex().upper())
    assert frames == GOLDEN_STATUS
    assert rig.state.snapshot() == rig.sim.snapshot()


def test_every_message_follows_the_e2e_layout(db):
    for message in db.messages:
        names = {s.name for s in message.signals}
        assert {"COUNTER", "CHECKSUM"} <= names, message.name
        assert message.length == 8


def test_every_signal_is_documented(db):
    for message in db.messages:
        assert message.comment, message.name
        for signal in message.signals:
            assert signal.comment, f"{message.name}.{signal.name}"
            assert signal.minimum is not None and signal.maximum is not None, signal.name
