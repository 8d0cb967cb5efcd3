"""The notice watcher on the real simulator and state cache (virtual bus, one injected clock).

Each scenario of the catalogue: fuel falling through 10 % and 5 %, a door or the trunk opening at
speed, a slow puncture, an ECU going silent or its counter sticking. Each notice comes once, when
its condition is first true on the bus, and not again within its repeat limit.
"""

from __future__ import annotations

import pytest

from assistant.notices.watcher import FUEL, RANGE

DOOR = "Vehicle.Cabin.Door.Row1.PassengerSide.IsOpen"
TRUNK = "Vehicle.Body.Trunk.Rear.IsOpen"
REAR_LEFT = "Vehicle.Chassis.Axle.Row2.Wheel.Left.Tire.Pressure"


def test_a_quiet_drive_says_nothing(make_rig):
    rig = make_rig(scenario={"Vehicle.Speed": 80})
    rig.run(10)
    assert rig.notices == []


def test_fuel_falling_through_10_and_5_percent_is_said_once_each(make_rig):
    # 100 km/h burns a percent of the tank every 7.68 km (276 s); time_scale 100 makes that 2.76 s
    rig = make_rig(scenario={"Vehicle.Speed": 100, FUEL: 10.5}, time_scale=100)
    assert rig.run(1.5) == []  # 10.5 -> 9.96 %: reads 10 on the bus (half percents), not below
    crossing = rig.run(1.5)
    assert [n.kind for n in crossing] == ["low_fuel"]
    first = crossing[0]
    assert first.values["threshold"] == 10 and first.values["level"] == 9.5
    assert first.values["range_km"] == pytest.approx(9.5 * 7.68, abs=4)  # range follows the fuel left
    assert "9.5 percent" in first.text and "kilometres" in first.text
    at_10 = rig.notices[0][0]
    # the bus reads 9.5 once below 9.75 %: 0.75 % burnt, 2.07 s; said within a step or two of that
    assert 2.05 <= at_10 <= 2.3, at_10  # EMS_FuelStatus comes every 200 ms
    rig.run(20.0)
    assert rig.kinds() == ["low_fuel", "low_fuel"]  # 5 % crossed once, 10 % not again
    at_5 = rig.notices[1][0]
    assert 15.85 <= at_5 <= 16.15, at_5  # 10.5 -> below 4.75 %: 5.75 % burnt, 15.9 s (+ a 200 ms cycle)
    second = rig.notices[1][1]
    assert second.values["threshold"] == 5 and second.values["level"] == 4.5 and "very low" in second.text
    rig.run(10.0)
    assert rig.kinds() == ["low_fuel", "low_fuel"]
    state = rig.sim.snapshot()
    assert state[FUEL] <= 1.0 and state[RANGE] <= 8_000  # ~26 s at 100x: 0.9 % left, about 7 km


def test_fuel_already_below_5_percent_at_start_is_one_notice(make_rig):
    rig = make_rig(scenario={FUEL: 2.0})  # parked: nothing burns
    rig.run(5)
    assert rig.kinds() == ["low_fuel"] and rig.notices[0][1].values == {"level": 2.0, "threshold": 5.0,
                                                                       "range_km": 15}


def test_range_follows_fuel_in_the_simulator(make_rig):
    rig = make_rig(scenario={FUEL: 8.0})
    rig.run(2.0)  # a status is taken in once its counter has advanced over 3 frames (E2E)
    assert rig.state.read(RANGE).value == 61_000  # not the 480 km of a 62.5 % tank


def test_a_door_opening_at_speed_is_said_once_per_opening_and_again_after_60_s(make_rig):
    rig = make_rig(scenario={"Vehicle.Speed": 60})
    rig.run(2)
    rig.sim.set(DOOR, True)
    came = rig.run(1)
    assert [n.kind for n in came] == ["door_open_moving"]
    assert came[0].values == {"door": "passenger", "speed": 60}
    assert came[0].text == "Careful, the passenger door is open."
    assert 2.0 < rig.notices[0][0] <= 2.2  # within a BCM cycle of the frame
    assert rig.run(58.5) == []  # still open: not again within 60 s
    assert [n.kind for n in rig.run(1.0)] == ["door_open_moving"]  # 60 s later, still open: again
    rig.sim.set(DOOR, False)
    rig.run(1)
    rig.sim.set(DOOR, True)  # a new opening is said at once
    assert [n.kind for n in rig.run(1)] == ["door_open_moving"]
    assert len(rig.notices) == 3


def test_a_door_open_while_parked_is_said_when_the_car_moves(make_rig):
    rig = make_rig(scenario={DOOR: True})
    assert rig.run(3) == []  # standing: an open door is normal
    rig.sim.set("Vehicle.Speed", 3)
    assert rig.run(1) == []  # below 5 km/h
    rig.sim.set("Vehicle.Speed", 20)
    assert [n.kind for n in rig.run(1)] == ["door_open_moving"]


def test_the_trunk_opening_at_speed(make_rig):
    rig = make_rig(scenario={"Vehicle.Speed": 50})
    rig.run(1)
    rig.sim.set(TRUNK, True)
    came = rig.run(1)
    assert [(n.kind, n.text) for n in came] == [("trunk_open_moving", "Careful, the trunk is open.")]
    assert rig.run(30) == []


def test_a_slow_puncture_is_said_once_when_40_kpa_below_the_others(make_rig):
    rig = make_rig(scenario={"Vehicle.Speed": 90})
    said_at = None
    for second, pressure in enumerate(range(240, 150, -5)):  # 5 kPa a second
        rig.sim.set(REAR_LEFT, pressure)
        came = rig.run(1)
        if came:
            assert said_at is None, "said twice"
            said_at = pressure
            assert [n.kind for n in came] == ["tire_pressure_low"]
            assert came[0].values == {"tire": "rear_left", "pressure": 200, "others": 240}
            assert came[0].text == "The rear left tire is low: 200 kilopascals."
    assert said_at == 200 and rig.kinds() == ["tire_pressure_low"]  # 200 = 40 below; once per drive


def test_all_tires_low_together_is_said_per_tire_below_200(make_rig):
    wheels = [f"Vehicle.Chassis.Axle.{w}.Tire.Pressure" for w in
              ("Row1.Wheel.Left", "Row1.Wheel.Right", "Row2.Wheel.Left", "Row2.Wheel.Right")]
    rig = make_rig(scenario={w: 195 for w in wheels[:2]} | {w: 205 for w in wheels[2:]})
    rig.run(2)
    assert sorted(n.values["tire"] for _, n in rig.notices) == ["front_left", "front_right"]


@pytest.mark.parametrize("fault", ["silent", "stale_counter", "bad_checksum"])
def test_an_ecu_going_silent_while_driving_is_said_once_until_it_recovers(make_rig, fault):
    rig = make_rig(scenario={"Vehicle.Speed": 70})
    rig.run(3)
    getattr(rig.sim.faults, fault).add("AC")
    came = rig.run(3)
    assert [(n.kind, n.values["ecu"]) for n in came] == [("ecu_lost", "AC")]
    assert came[0].text == "The climate control has stopped reporting. Some features may not work."
    assert sorted(came[0].values["messages"]) == ["AC_Status", "AC_Temperatures"]
    # silent: stale after its freshness window (1 s: AC_Status every 100 ms, AC_Temperatures 200 ms), a
    # stuck counter or bad CRC: unknown at once (the E2E state machine); then the notice's own 1 s
    lost_at = rig.notices[0][0]
    earliest = 3.0 + (1.5 if fault == "silent" else 0.9)
    assert earliest < lost_at <= 3.0 + 2.3, lost_at
    assert rig.run(10) == []  # still lost: not said again
    getattr(rig.sim.faults, fault).discard("AC")
    assert rig.run(5) == []  # recovered (nothing said)
    getattr(rig.sim.faults, fault).add("AC")
    assert [n.kind for n in rig.run(3)] == ["ecu_lost"]  # lost again after recovering: said again


def test_an_ecu_silent_while_parked_is_not_a_notice(make_rig):
    rig = make_rig()  # parked, engine off
    rig.run(1)
    rig.sim.faults.silent.add("TPMS")
    assert rig.run(5) == []
    rig.sim.set("Vehicle.Speed", 30)  # drives off: the engine runs, TPMS still silent
    came = rig.run(2)
    assert [(n.kind, n.values["ecu"]) for n in came] == [("ecu_lost", "TPMS")]


def test_a_flapping_door_reading_that_closed_is_dropped(make_rig):
    rig = make_rig(scenario={"Vehicle.Speed": 60, DOOR: True})
    notice = rig.run(1)[0]
    assert rig.watcher.still_applies(notice)
    rig.sim.set(DOOR, False)
    rig.run(0.5)
    assert not rig.watcher.still_applies(notice)  # closed before it could be said: not said late
