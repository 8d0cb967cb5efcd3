"""Conversation patterns: slots, follow-ups, confirmations, cancel/repeat, several commands, bad input."""

import pytest

from assistant.nlu.result import Entity, IntentScore, ParseResult

T_DRIVER = "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"
T_PASSENGER = "Vehicle.Cabin.HVAC.Station.Row1.Passenger.Temperature"
WIN_DRIVER = "Vehicle.Cabin.Door.Row1.DriverSide.Window.Position"
WIN_PASSENGER = "Vehicle.Cabin.Door.Row1.PassengerSide.Window.Position"
LOCKS = [f"Vehicle.Cabin.Door.{s}.IsLocked" for s in
         ("Row1.DriverSide", "Row1.PassengerSide", "Row2.DriverSide", "Row2.PassengerSide")]


def turn(assistant, text, **kwargs):
    return assistant.handle_text(text, **kwargs).to_json()


def test_missing_slot_is_asked_for_then_filled(assistant):
    ask = turn(assistant, "set the temperature")
    assert ask["reply"] == "To what temperature?" and ask["writes"] == {}
    done = turn(assistant, "twenty four")
    assert done["writes"] == {T_DRIVER: 24} and done["state"][T_DRIVER] == 24


def test_missing_slot_is_asked_once_then_dropped(assistant):
    turn(assistant, "set the temperature")
    dropped = turn(assistant, "the passenger side")
    assert dropped["writes"] == {} and "leave it" in dropped["reply"]
    after = turn(assistant, "twenty four")  # the question is gone: nothing to fill
    assert after["writes"] == {}


def test_a_new_command_replaces_an_open_question(assistant):
    turn(assistant, "set the temperature")
    data = turn(assistant, "open the sunroof")
    assert data["writes"] == {"Vehicle.Cabin.Sunroof.Position": 100}


def test_warmer_then_a_bit_more(assistant):
    first = turn(assistant, "make it warmer")
    assert first["writes"] == {T_DRIVER: 23.0}
    again = turn(assistant, "a bit more")
    assert again["intent"]["name"] == "inform"
    assert again["writes"] == {T_DRIVER: 24.0} and again["state"][T_DRIVER] == 24.0


def test_and_the_passenger_side_too(assistant):
    turn(assistant, "set the temperature to twenty")
    data = turn(assistant, "and the passenger side too")
    assert data["writes"] == {T_PASSENGER: 20}
    assert data["state"][T_DRIVER] == 20 and data["state"][T_PASSENGER] == 20


def test_close_it_again_keeps_the_window(assistant):
    turn(assistant, "open the passenger window")
    data = turn(assistant, "now close the window")
    assert data["writes"] == {WIN_PASSENGER: 0} and data["state"][WIN_PASSENGER] == 0


def test_zone_carry_over_does_not_apply_to_climate(assistant):
    turn(assistant, "set the passenger side to twenty")
    data = turn(assistant, "make it warmer")
    assert data["writes"] == {T_DRIVER: 23.0}


def test_my_window_is_the_speakers_window(assistant):
    data = turn(assistant, "open my window", speaker_zone="passenger")
    assert data["writes"] == {WIN_PASSENGER: 100}
    assert data["state"][WIN_DRIVER] == 0


def test_confirmation_denied(assistant):
    turn(assistant, "unlock the doors")
    data = turn(assistant, "no")
    assert data["writes"] == {} and data["frames"] == [] and "stay locked" in data["reply"]
    assert all(data["state"][lock] for lock in LOCKS)


def test_confirmation_dropped_by_another_command(assistant):
    turn(assistant, "unlock the doors")
    turn(assistant, "open the sunroof")
    data = turn(assistant, "yes")
    assert data["writes"] == {} and all(data["state"][lock] for lock in LOCKS)


def test_confirmation_times_out_as_no(make_assistant):
    now = [0.0]
    assistant = make_assistant()
    assistant.dialogue._clock = lambda: now[0]
    turn(assistant, "unlock the doors")
    now[0] += assistant.dialogue.confirm_timeout_s + 0.1
    assert "stay locked" in assistant.dialogue.expire()
    data = turn(assistant, "yes")
    assert data["writes"] == {} and all(data["state"][lock] for lock in LOCKS)


def test_late_yes_is_not_taken(make_assistant):
    now = [0.0]
    assistant = make_assistant()
    assistant.dialogue._clock = lambda: now[0]
    turn(assistant, "unlock the doors")
    now[0] += 60
    data = turn(assistant, "yes")
    assert data["writes"] == {} and "timed out" in data["reply"]


def test_cancel_and_repeat(assistant):
    first = turn(assistant, "open the sunroof")
    assert turn(assistant, "say that again")["reply"] == first["reply"]
    turn(assistant, "set the temperature")
    cancelled = turn(assistant, "never mind")
    assert "cancel" in cancelled["reply"].lower()
    assert turn(assistant, "twenty")["writes"] == {}


def test_help(assistant):
    assert "temperature" in turn(assistant, "what can you do")["reply"]


def test_several_commands_in_one_utterance_each_gated(make_assistant):
    assistant = make_assistant({"Vehicle.Speed": 50, WIN_DRIVER: 30})
    data = turn(assistant, "close my window and open the trunk")
    assert [a["action"] for a in data["actions"]] == ["window_close", "trunk_open"]
    assert data["actions"][0]["denied"] is None and data["actions"][0]["writes"] == {WIN_DRIVER: 0}
    assert data["actions"][1]["denied"] == "vehicle_moving"
    assert [f["name"] for f in data["frames"]] == ["HU_WindowCmd"]
    assert data["denied"] == "vehicle_moving"
    assert data["state"][WIN_DRIVER] == 0 and data["state"]["Vehicle.Body.Trunk.Rear.IsOpen"] is False
    assert "closing" in data["reply"].lower() and "moving" in data["reply"]


def test_out_of_range_temperature_says_the_range_and_sends_nothing(assistant):
    data = turn(assistant, "set the temperature to thirty five")
    assert data["denied"] == "out_of_range" and data["frames"] == []
    assert "between 16 and 30" in data["reply"] and data["state"][T_DRIVER] == 22


def test_fan_level_out_of_range(assistant):
    data = turn(assistant, "set the fan to level nine")
    assert data["denied"] == "out_of_range" and data["frames"] == [] and "0 to 7" in data["reply"]


def test_contradicting_entities_are_handled_explicitly(assistant):
    dialogue = assistant.dialogue
    contradictory = ParseResult("turn off the seat heating on level three", IntentScore("seat_heat", 0.9),
                                (Entity("state", "off", 9, 12), Entity("level", 3, 33, 38)))
    action = dialogue.handle([contradictory]).actions[0]
    assert action.denied == "contradiction" and action.frames == [] and "?" in action.reply
    open_zero = ParseResult("open the window zero percent", IntentScore("window_open", 0.9),
                            (Entity("amount", 0, 16, 28),))
    action = dialogue.handle([open_zero]).actions[0]
    assert action.denied == "contradiction" and action.writes == {}


def test_unknown_and_low_confidence_say_sorry_and_write_nothing(assistant):
    for text in ("what's the capital of france", "", "   ", "🚗🚗🚗", "打开车窗", "blah " * 2000):
        data = turn(assistant, text)
        assert data["intent"]["name"] == "nlu_fallback", text[:20]
        assert data["writes"] == {} and data["frames"] == [] and "sorry" in data["reply"].lower()


RULES_AT_SPEED = [
    ("unlock the doors", {"Vehicle.Speed": 30}, "vehicle_moving", "while the car is moving"),
    ("open the trunk", {"Vehicle.Speed": 30}, "vehicle_moving", "while the car is moving"),
    ("open the trunk", {"Vehicle.Speed": 0, "Vehicle.Powertrain.Transmission.SelectedGear": "D"}, "not_in_park", "park"),
    ("fold the mirrors", {"Vehicle.Speed": 30}, "vehicle_moving", "while the car is moving"),
    ("unfold the mirrors", {"Vehicle.Speed": 30}, "vehicle_moving", "while the car is moving"),
]


@pytest.mark.parametrize("text, scenario, reason, reply", RULES_AT_SPEED, ids=[r[0] + "-" + r[2] for r in RULES_AT_SPEED])
def test_safety_rules_at_speed(make_assistant, text, scenario, reason, reply):
    data = turn(make_assistant(scenario), text)
    assert data["denied"] == reason
    assert data["frames"] == []
    assert reply in data["reply"]
    if "unlock" in text:
        assert "?" not in data["reply"]  # refused before asking


def test_unlock_at_walking_pace_is_allowed(make_assistant):
    assistant = make_assistant({"Vehicle.Speed": 2})
    turn(assistant, "unlock the doors")
    data = turn(assistant, "yes please")
    assert data["denied"] is None and not any(data["state"][lock] for lock in LOCKS)


def test_silent_ecu_is_spoken(make_assistant):
    from assistant.vehicle.simulator import Faults

    assistant = make_assistant(faults=Faults(silent={"AC"}))
    data = turn(assistant, "set the temperature to twenty")
    assert data["denied"] == "ecu_not_responding" and data["frames"] == []
    assert data["reply"] == "The climate control isn't responding."
    data = turn(assistant, "how warm is it in here")
    assert "isn't responding" in data["reply"]


def test_ecu_that_never_confirms_is_spoken(make_assistant):
    from assistant.vehicle.simulator import Faults

    assistant = make_assistant(faults=Faults(ignore_commands={"AMP"}))
    assistant.vehicle.gate.write_timeout_s = 0.3
    data = turn(assistant, "set the volume to fifty")
    assert data["denied"] == "not_confirmed" and len(data["frames"]) == 1
    assert data["reply"] == "The audio system didn't respond."


def test_turn_it_off_after_seat_heating(assistant):
    seat = "Vehicle.Cabin.Seat.Row1.PassengerSide.HeatingCooling"
    assert turn(assistant, "heat the passenger seat")["state"][seat] == 67
    data = turn(assistant, "turn it off")
    assert data["writes"] == {seat: 0} and data["denied"] is None


def test_a_direction_after_setting_changes_from_there(assistant):
    turn(assistant, "set the temperature to twenty two")
    data = turn(assistant, "a bit higher")
    assert data["writes"] == {T_DRIVER: 23.0} and data["denied"] is None
    turn(assistant, "set the volume to forty")
    assert turn(assistant, "a bit lower")["writes"] == {"Vehicle.Cabin.Infotainment.Media.Volume": 35}


def test_turn_it_off_after_a_colour(assistant):
    turn(assistant, "set the ambient light to blue")
    data = turn(assistant, "turn it off")
    assert data["denied"] is None
    assert data["writes"]["Vehicle.Cabin.Light.AmbientLight.Row1.DriverSide.IsLightOn"] is False
