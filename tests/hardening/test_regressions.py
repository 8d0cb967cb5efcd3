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
