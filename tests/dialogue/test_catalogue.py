"""Every catalogue intent end to end: text -> NLU -> dialogue -> skill -> gate -> frames -> car -> reply."""

import pytest

HVAC = "Vehicle.Cabin.HVAC"
T = {z: f"{HVAC}.Station.{s}.Temperature" for z, s in
     [("driver", "Row1.Driver"), ("passenger", "Row1.Passenger"), ("rear_left", "Row2.Driver"),
      ("rear_right", "Row2.Passenger")]}
WIN = {z: f"Vehicle.Cabin.Door.{s}.Window.Position" for z, s in
       [("driver", "Row1.DriverSide"), ("passenger", "Row1.PassengerSide"), ("rear_left", "Row2.DriverSide"),
        ("rear_right", "Row2.PassengerSide")]}
SEAT = {z: f"Vehicle.Cabin.Seat.{s}.HeatingCooling" for z, s in
        [("driver", "Row1.DriverSide"), ("passenger", "Row1.PassengerSide"), ("rear_left", "Row2.DriverSide"),
         ("rear_right", "Row2.PassengerSide")]}
LOCKS = [f"Vehicle.Cabin.Door.{s}.IsLocked" for s in
         ("Row1.DriverSide", "Row1.PassengerSide", "Row2.DriverSide", "Row2.PassengerSide")]
AMBIENT = [f"Vehicle.Cabin.Light.AmbientLight.{s}" for s in
           ("Row1.DriverSide", "Row1.PassengerSide", "Row2.DriverSide", "Row2.PassengerSide")]
VOLUME = "Vehicle.Cabin.Infotainment.Media.Volume"
FAN = f"{HVAC}.Station.Row1.Driver.FanSpeed"
SUNROOF = "Vehicle.Cabin.Sunroof.Position"
TRUNK = "Vehicle.Body.Trunk.Rear.IsOpen"
MIRRORS = ["Vehicle.Body.Mirrors.DriverSide.IsFolded", "Vehicle.Body.Mirrors.PassengerSide.IsFolded"]

# (utterance, scenario, intent, writes, frame names, reply fragment)
CONTROL = [
    ("set the passenger side to twenty two degrees", {}, "climate_set_temperature", {T["passenger"]: 22},
     ["HU_ClimateCmd"], "22 degrees"),
    ("set the temperature to twenty two point five", {}, "climate_set_temperature", {T["driver"]: 22.5},
     ["HU_ClimateCmd"], "22.5"),
    ("make it a bit warmer", {}, "climate_change_temperature", {T["driver"]: 23.0}, ["HU_ClimateCmd"], "23"),
    ("make it a lot cooler", {}, "climate_change_temperature", {T["driver"]: 19.0}, ["HU_ClimateCmd"], "19"),
    ("turn off the air conditioning", {}, "climate_ac", {f"{HVAC}.IsAirConditioningActive": False},
     ["HU_ClimateCmd"], "off"),
    ("set the fan to level five", {}, "climate_fan", {FAN: 71}, ["HU_ClimateCmd"], "level 5"),
    ("turn the fan up", {}, "climate_fan", {FAN: 57}, ["HU_ClimateCmd"], "level 4"),
    ("defrost the windshield", {}, "climate_defrost", {f"{HVAC}.IsFrontDefrosterActive": True},
     ["HU_ClimateCmd"], "defroster on"),
    ("turn on the rear defroster", {}, "climate_defrost", {f"{HVAC}.IsRearDefrosterActive": True},
     ["HU_ClimateCmd"], "defroster on"),
    ("turn on recirculation", {}, "climate_recirculation", {f"{HVAC}.IsRecirculationActive": True},
     ["HU_ClimateCmd"], "ecirculat"),
    ("open my window halfway", {}, "window_open", {WIN["driver"]: 50}, ["HU_WindowCmd"], "driver's window"),
    ("open the passenger window a bit", {}, "window_open", {WIN["passenger"]: 20}, ["HU_WindowCmd"], "passenger"),
    ("close the rear windows", {WIN["rear_left"]: 40, WIN["rear_right"]: 40}, "window_close",
     {WIN["rear_left"]: 0, WIN["rear_right"]: 0}, ["HU_WindowCmd"], "rear windows"),
    ("open the sunroof", {}, "sunroof_open", {SUNROOF: 100}, ["HU_WindowCmd"], "sunroof"),
    ("close the sunroof", {SUNROOF: 60}, "sunroof_close", {SUNROOF: 0}, ["HU_WindowCmd"], "sunroof"),
    ("turn on my seat heating", {}, "seat_heat", {SEAT["driver"]: 67}, ["HU_SeatCmd"], "level 2"),
    ("heat the passenger seat to the max", {}, "seat_heat", {SEAT["passenger"]: 100}, ["HU_SeatCmd"], "level 3"),
    ("turn on the seat ventilation", {}, "seat_ventilate", {SEAT["driver"]: -67}, ["HU_SeatCmd"], "ventilation"),
    ("set the ambient light to blue", {}, "ambient_light",
     {**{f"{a}.IsLightOn": True for a in AMBIENT}, **{f"{a}.Color": "blue" for a in AMBIENT}},
     ["HU_BodyCmd"], "blue"),
    ("turn off the ambient lighting", {f"{AMBIENT[0]}.IsLightOn": "true"}, "ambient_light",
     {f"{a}.IsLightOn": False for a in AMBIENT}, ["HU_BodyCmd"], "off"),
    ("lock the doors", {lock: "false" for lock in LOCKS}, "doors_lock", {lock: True for lock in LOCKS},
     ["HU_BodyCmd"], "locked"),
    ("open the trunk", {}, "trunk_open", {TRUNK: True}, ["HU_BodyCmd"], "trunk"),
    ("close the trunk", {TRUNK: "true"}, "trunk_close", {TRUNK: False}, ["HU_BodyCmd"], "trunk"),
    ("fold the mirrors", {}, "mirrors_fold", {m: True for m in MIRRORS}, ["HU_BodyCmd"], "folded"),
    ("set the volume to forty", {}, "volume_set", {VOLUME: 40}, ["HU_MediaCmd"], "40"),
    ("turn it up", {}, "volume_change", {VOLUME: 40}, ["HU_MediaCmd"], "40"),
    ("mute the sound", {}, "volume_mute", {VOLUME: 0}, ["HU_MediaCmd"], "Muted"),
]


@pytest.mark.parametrize("text, scenario, intent, writes, frames, reply", CONTROL, ids=[c[0] for c in CONTROL])
def test_control_intent(make_assistant, text, scenario, intent, writes, frames, reply):
    assistant = make_assistant(scenario)
    report = assistant.handle_text(text)
    data = report.to_json()
    assert data["intent"]["name"] == intent
    assert data["writes"] == writes
    assert [f["name"] for f in data["frames"]] == frames
    assert data["denied"] is None
    for path, value in writes.items():
        assert data["state"][path] == value, path  # the car did it (moving parts settled)
    assert reply.lower() in data["reply"].lower()


def test_unlock_asks_first_then_unlocks(assistant):
    ask = assistant.handle_text("unlock the doors").to_json()
    assert ask["intent"]["name"] == "doors_unlock" and ask["frames"] == [] and "?" in ask["reply"]
    assert all(ask["state"][lock] is True for lock in LOCKS)
    done = assistant.handle_text("yes").to_json()
    assert done["intent"]["name"] == "affirm"
    assert done["writes"] == {lock: False for lock in LOCKS}
    assert [f["name"] for f in done["frames"]] == ["HU_BodyCmd"]
    assert all(done["state"][lock] is False for lock in LOCKS)


def test_unmute_restores_the_volume_before_muting(make_assistant):
    assistant = make_assistant({VOLUME: 55})
    assert assistant.handle_text("mute").to_json()["state"][VOLUME] == 0
    data = assistant.handle_text("unmute").to_json()
    assert data["intent"]["name"] == "volume_mute"
    assert data["writes"] == {VOLUME: 55} and data["state"][VOLUME] == 55


STATUS = [
    ("how much fuel do i have", {"Vehicle.Powertrain.FuelSystem.RelativeLevel": 18,
                                 "Vehicle.Powertrain.Range": 140000}, "query_fuel", ["18 percent", "140 kilometres"]),
    ("what's the tire pressure", {"Vehicle.Chassis.Axle.Row2.Wheel.Left.Tire.Pressure": 170}, "query_tire_pressure",
     ["rear left", "170 kilopascals"]),
    ("what's the tire pressure", {}, "query_tire_pressure", ["fine", "240"]),
    ("how cold is it outside", {"Vehicle.Exterior.AirTemperature": -4.5}, "query_outside_temperature",
     ["-4.5 degrees"]),
    ("how warm is it in here", {"Vehicle.Cabin.HVAC.AmbientAirTemperature": 26.5}, "query_cabin_temperature",
     ["26.5 degrees", "set to 22"]),
    ("are the doors locked", {"Vehicle.Cabin.Door.Row2.PassengerSide.IsOpen": "true", LOCKS[0]: "false"},
     "query_doors", ["rear right door is open", "driver's door is unlocked", "trunk is closed"]),
    ("how fast are we going", {"Vehicle.Speed": 88}, "query_speed", ["88 kilometres"]),
    ("what's the mileage", {"Vehicle.TraveledDistance": 45678000}, "query_odometer", ["45678 kilometres"]),
    ("how's the battery", {"Vehicle.LowVoltageBattery.CurrentVoltage": 11.6}, "query_battery", ["low", "11.6 volts"]),
]


@pytest.mark.parametrize("text, scenario, intent, fragments", STATUS, ids=[f"{s[2]}-{i}" for i, s in enumerate(STATUS)])
def test_status_query_reads_the_bus(make_assistant, text, scenario, intent, fragments):
    # real time: the cabin drifts toward the setpoint while the ECUs earn trust (3 frames each)
    data = make_assistant(scenario, time_scale=1).handle_text(text).to_json()
    assert data["intent"]["name"] == intent
    assert data["writes"] == {} and data["frames"] == [] and data["denied"] is None
    for fragment in fragments:
        assert fragment.lower() in data["reply"].lower()


CONVERSATION = [
    ("hello", "greet", "what can i do"), ("thanks", "thank", "welcome"), ("goodbye", "goodbye", "bye"),
    ("what can you do", "help", "temperature"), ("yes", "affirm", "okay"), ("no", "deny", "okay"),
    ("never mind", "cancel", "cancel"), ("what did you say", "repeat", "haven't said"),
    ("the passenger side", "inform", "what should i do"),
    ("what's the capital of france", "nlu_fallback", "sorry"),
]


@pytest.mark.parametrize("text, intent, reply", CONVERSATION, ids=[c[1] for c in CONVERSATION])
def test_conversation_intent(assistant, text, intent, reply):
    data = assistant.handle_text(text).to_json()
    assert data["intent"]["name"] == intent
    assert data["writes"] == {} and data["frames"] == []
    assert reply in data["reply"].lower()
