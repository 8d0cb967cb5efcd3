"""Loading the DBC and the VSS mapping: conversions, and clear errors for bad files."""

from pathlib import Path

import pytest

from assistant.errors import DataError, ValueTypeError
from assistant.vehicle.dbc import load_dbc
from assistant.vehicle.vss import load_vss_map

ROOT = Path(__file__).resolve().parents[2]
DBC = ROOT / "can_dbc" / "faw_demo.dbc"
VSS_MAP = ROOT / "can_dbc" / "vss_map.yml"


def test_every_catalogue_path_is_mapped(vss):
    expected_writable = {
        "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature", "Vehicle.Cabin.HVAC.Station.Row2.Passenger.Temperature",
        "Vehicle.Cabin.HVAC.IsAirConditioningActive", "Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed",
        "Vehicle.Cabin.HVAC.IsFrontDefrosterActive", "Vehicle.Cabin.HVAC.IsRearDefrosterActive",
        "Vehicle.Cabin.HVAC.IsRecirculationActive", "Vehicle.Cabin.Door.Row2.DriverSide.Window.Position",
        "Vehicle.Cabin.Sunroof.Position", "Vehicle.Cabin.Seat.Row1.PassengerSide.HeatingCooling",
        "Vehicle.Cabin.Light.AmbientLight.Row1.DriverSide.IsLightOn", "Vehicle.Cabin.Light.AmbientLight.Row1.DriverSide.Color",
        "Vehicle.Cabin.Door.Row2.PassengerSide.IsLocked", "Vehicle.Body.Trunk.Rear.IsOpen",
        "Vehicle.Body.Mirrors.DriverSide.IsFolded", "Vehicle.Cabin.Infotainment.Media.Volume",
    }
    read_only = {
        "Vehicle.Powertrain.FuelSystem.RelativeLevel", "Vehicle.Powertrain.Range",
        "Vehicle.Chassis.Axle.Row2.Wheel.Right.Tire.Pressure", "Vehicle.Exterior.AirTemperature",
        "Vehicle.Cabin.HVAC.AmbientAirTemperature", "Vehicle.Cabin.Door.Row1.DriverSide.IsOpen",
        "Vehicle.Speed", "Vehicle.TraveledDistance", "Vehicle.LowVoltageBattery.CurrentVoltage",
        "Vehicle.Powertrain.Transmission.SelectedGear",
    }
    assert {p for p in expected_writable if vss.get(p).writable} == expected_writable
    assert all(p in vss for p in read_only)


def test_conversions_scale_choices_and_quantize(vss):
    assert vss.get("Vehicle.Powertrain.Range").from_dbc(480) == 480_000
    assert vss.get("Vehicle.Powertrain.Transmission.SelectedGear").parse_text("p") == 126
    assert vss.get("Vehicle.Powertrain.Transmission.SelectedGear").parse_text("127") == 127
    color = vss.get("Vehicle.Cabin.Light.AmbientLight.Row1.DriverSide.Color")
    assert color.to_dbc("blue") == "Blue" and color.from_dbc("Blue") == "blue"
    temp = vss.get("Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature")
    assert temp.quantize(22.3) == 22.5 and temp.quantize(22.2) == 22.0
    assert (temp.minimum, temp.maximum) == (16, 30)
    assert vss.get("Vehicle.Cabin.HVAC.IsAirConditioningActive").parse_text("off") is False
    with pytest.raises(ValueTypeError):
        vss.get("Vehicle.Cabin.Sunroof.Position").parse_text("wide")


def test_missing_dbc(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        load_dbc(tmp_path / "car.dbc")


def test_garbled_dbc_names_the_file(tmp_path):
    bad = tmp_path / "garbled.dbc"
    bad.write_text(DBC.read_text()[:5000] + "\nBO_ 12 broken: x y z\n")
    with pytest.raises(DataError, match="garbled.dbc"):
        load_dbc(bad)


def test_dbc_without_e2e_fields_is_refused(tmp_path):
    text = DBC.read_text().replace(" SG_ COUNTER : 48|4@1+ (1,0) [0|15] \"\" AMP\n", "")
    bad = tmp_path / "no_counter.dbc"
    bad.write_text(text)
    with pytest.raises(DataError, match="HU_MediaCmd must be 8 bytes with a 4-bit COUNTER"):
        load_dbc(bad)


def test_command_signal_without_no_request_is_refused(tmp_path):
    bad = tmp_path / "no_norequest.dbc"
    bad.write_text(DBC.read_text().replace('VAL_ 740 VolumeReq 0 "NoRequest" ;\n', ""))
    with pytest.raises(DataError, match="VolumeReq needs raw 0"):
        load_dbc(bad)


@pytest.mark.parametrize("entry, message", [
    ("Vehicle.X:\n  datatype: float\n  status: Nope.Signal\n", "is not a signal in the DBC"),
    ("Vehicle.X:\n  datatype: float\n  status: HU_MediaCmd.VolumeReq\n", "is not a status"),
    ("Vehicle.X:\n  datatype: float\n  status: AMP_Status.Volume\n  command: AMP_Status.Volume\n", "is not a command"),
    ("Vehicle.X:\n  datatype: complex\n  status: AMP_Status.Volume\n", "datatype must be one of"),
    ("Vehicle.X:\n  datatype: boolean\n  status: AC_Status.ACActive\n  choices: {On: true, Off: false}\n",
     "quoted"),
    ("Vehicle.X:\n  datatype: boolean\n  status: AC_Status.ACActive\n  choices: {\"Maybe\": true}\n",
     "no value(s) named"),
    ("Vehicle.X:\n  datatype: float\n  status: AMP_Status.Volume\n  colour: red\n", "unknown keys"),
    ("Vehicle.X: [1, 2]\n", "expected a mapping"),
    ("just: [unclosed\n", "cannot read VSS mapping"),
])
def test_bad_mapping_entries(tmp_path, db, entry, message):
    bad = tmp_path / "map.yml"
    bad.write_text(entry)
    with pytest.raises(DataError) as err:
        load_vss_map(bad, db)
    assert message in str(err.value) and "map.yml" in str(err.value)


def test_missing_mapping(tmp_path, db):
    with pytest.raises(DataError, match="does not exist"):
        load_vss_map(tmp_path / "none.yml", db)
