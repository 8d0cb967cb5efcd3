"""Issue 11, numbers and values: the sign is kept, an unreadable number is not understood, a
value belongs to the command it was said with, a bare verb is asked about, and "close it"
means the last part acted on. Each case runs a whole turn on the built-in simulator and
checks what reached the car (writes, frames, denied, state), not only the parse.
These sentences are tests only; none is training data."""

import json
import subprocess
import sys

import pytest

T_DRIVER = "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"
VOLUME = "Vehicle.Cabin.Infotainment.Media.Volume"
WIN_DRIVER = "Vehicle.Cabin.Door.Row1.DriverSide.Window.Position"
WIN_PASSENGER = "Vehicle.Cabin.Door.Row1.PassengerSide.Window.Position"
SUNROOF = "Vehicle.Cabin.Sunroof.Position"
TRUNK = "Vehicle.Body.Trunk.Rear.IsOpen"
SEAT = "Vehicle.Cabin.Seat.Row1.DriverSide.HeatingCooling"


def turn(assistant, text, **kwargs):
    return assistant.handle_text(text, **kwargs).to_json()


def assert_nothing_sent(data, before):
    assert data["frames"] == [] and all(a["frames"] == [] for a in data["actions"])
    assert data["state"] == before


# -- the sign is kept: negative values are refused, with the range said -----------------------
@pytest.mark.parametrize("text, path, said_range", [
    ("set the temperature to -22", T_DRIVER, "between 16 and 30"),
    ("set the temperature to minus twenty two", T_DRIVER, "between 16 and 30"),
    ("set the volume to minus 20", VOLUME, "from 0 to 100"),
    ("set the volume to -20", VOLUME, "from 0 to 100"),
    ("open window -50 percent", WIN_DRIVER, "from 0 to 100 percent"),
    ("open the window minus fifty percent", WIN_DRIVER, "from 0 to 100 percent"),
])
def test_a_negative_value_is_refused_never_made_positive(assistant, text, path, said_range):
    before = assistant.vehicle.car_state()
    data = turn(assistant, text)
    assert data["denied"] == "out_of_range" and said_range in data["reply"]
    assert data["writes"].get(path, 0) <= 0  # asked for the negative value, never its absolute value
    assert_nothing_sent(data, before)


@pytest.mark.parametrize("text, said_range", [
    ("make it warmer by minus two degrees", "1 to 14 degrees"),     # not "cooler by two"
    ("turn the volume up by minus ten", "1 to 100"),                # not "quieter by ten"
    ("set the seat heating to minus two", "level 0 to 3"),          # not ventilation at level two
    ("set the fan to minus three", "level 0 to 7"),
])
def test_a_negative_amount_or_level_never_becomes_the_opposite_action(assistant, text, said_range):
    before = assistant.vehicle.car_state()
    data = turn(assistant, text)
    assert data["denied"] == "out_of_range" and said_range in data["reply"]
    assert data["writes"] == {}
    assert_nothing_sent(data, before)


@pytest.mark.parametrize("text", ["1e309", "set the temperature to 1e309", "set the volume to 1e1",
                                  "open the window 22,5 percent", "set the temperature to 2.2.2",
                                  "set the volume to " + "9" * 350 + ".5", "set the volume to " + "9" * 330])
def test_an_unreadable_number_is_not_understood(assistant, text):
    before = assistant.vehicle.car_state()
    data = turn(assistant, text)
    assert data["intent"]["name"] == "nlu_fallback" and data["denied"] == "not_understood"
    assert data["writes"] == {}
    assert_nothing_sent(data, before)


def test_a_big_number_is_out_of_range_not_another_number(assistant):
    before = assistant.vehicle.car_state()
    for big in ("123456789", "9" * 300):
        data = turn(assistant, "set the volume to " + big)
        assert data["denied"] == "out_of_range" and data["writes"][VOLUME] == int(big)
    assert_nothing_sent(data, before)


# -- a value belongs to the command it was said with -------------------------------------------
@pytest.mark.parametrize("text", ["open the window set temp to 22", "open the window\nset temp to 22",
                                  "open the window and set temp to 22", "open the window. set temp to 22"])
def test_two_commands_keep_their_own_values(assistant, text):
    data = turn(assistant, text)
    assert [a["action"] for a in data["actions"]] == ["window_open", "climate_set_temperature"]
    assert data["writes"] == {WIN_DRIVER: 100, T_DRIVER: 22}  # the window's default, never 22 %
    assert data["state"][WIN_DRIVER] == 100 and data["state"][T_DRIVER] == 22
    assert data["denied"] is None and len(data["frames"]) == 2


@pytest.mark.parametrize("text", ["is the trunk open", "the tailgate is open please close it",
                                  "can we open the roof", "it's too loud turn it down"])
def test_a_verb_inside_one_command_does_not_split_it(assistant, text):
    from assistant.nlu.split import split_commands

    assert len(split_commands(text, assistant.nlu)) == 1


# -- a bare verb is a question, not an action ---------------------------------------------------
@pytest.mark.parametrize("text, question", [("open", "What should I open?"), ("close", "What should I close?"),
                                            ("turn on", "What should I turn on?"),
                                            ("open please", "What should I open?"),
                                            ("switch off", "What should I switch off?")])
def test_a_bare_verb_is_asked_about(assistant, text, question):
    before = assistant.vehicle.car_state()
    data = turn(assistant, text)
    assert data["reply"] == question and data["writes"] == {}
    assert_nothing_sent(data, before)


def test_real_follow_ups_still_act(assistant):
    turn(assistant, "open the passenger window")
    data = turn(assistant, "close it again")
    assert data["writes"] == {WIN_PASSENGER: 0} and data["state"][WIN_PASSENGER] == 0
    turn(assistant, "set the temperature to 20")
    data = turn(assistant, "warmer")
    assert data["writes"] == {T_DRIVER: 21.0} and data["state"][T_DRIVER] == 21.0
    turn(assistant, "unlock the doors")
    data = turn(assistant, "yes")
    assert data["actions"][0]["action"] == "doors_unlock"
    assert data["frames"] and data["state"]["Vehicle.Cabin.Door.Row1.DriverSide.IsLocked"] is False
    turn(assistant, "turn on my seat heating")
    data = turn(assistant, "turn it off")
    assert data["writes"] == {SEAT: 0} and data["state"][SEAT] == 0


# -- a pronoun means the last part acted on, whatever kind it was -------------------------------
@pytest.mark.parametrize("first, path, opened, closed", [
    ("open the sunroof", SUNROOF, 100, 0),
    ("open the trunk", TRUNK, True, False),
    ("open the passenger window", WIN_PASSENGER, 100, 0),
])
def test_close_it_closes_the_last_part(assistant, first, path, opened, closed):
    assert turn(assistant, first)["state"][path] == opened
    data = turn(assistant, "close it")
    assert data["writes"] == {path: closed} and data["state"][path] == closed
    assert data["state"][WIN_DRIVER] == 0 and data["denied"] is None and data["frames"]


def test_open_it_a_bit_after_the_sunroof_moves_the_sunroof(assistant):
    turn(assistant, "open the sunroof")
    turn(assistant, "close it")
    data = turn(assistant, "open it a bit")
    assert data["writes"] == {SUNROOF: 20} and data["state"][WIN_DRIVER] == 0


def test_naming_another_part_is_not_a_follow_up(assistant):
    turn(assistant, "open the sunroof")
    data = turn(assistant, "open the window")
    assert data["writes"] == {WIN_DRIVER: 100} and data["state"][SUNROOF] == 100


@pytest.mark.parametrize("before, text, question", [
    (None, "close it", "What should I close?"),               # nothing to refer to
    ("lock the doors", "open it", "What should I open?"),       # the doors do not open
    ("how much fuel do i have", "close it", "What should I close?"),
])
def test_a_pronoun_without_a_part_to_refer_to_is_asked_about(assistant, before, text, question):
    if before:
        turn(assistant, before)
    state = assistant.vehicle.car_state()
    data = turn(assistant, text)
    assert data["reply"] == question and data["writes"] == {}
    assert_nothing_sent(data, state)


def test_chat_cli_keeps_the_sign_and_the_last_part(nlu_ready):
    run = subprocess.run([sys.executable, "-m", "assistant", "chat", "--json", "--no-tts",
                          "set the temperature to -22", "open", "open the sunroof", "close it"],
                         capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr
    minus, bare, sunroof, close = [json.loads(line) for line in run.stdout.splitlines()]
    assert minus["denied"] == "out_of_range" and minus["frames"] == [] and minus["writes"] == {T_DRIVER: -22}
    assert bare["reply"] == "What should I open?" and bare["frames"] == []
    assert close["writes"] == {SUNROOF: 0} and close["state"][SUNROOF] == 0
    assert close["state"][WIN_DRIVER] == 0 and sunroof["state"][WIN_DRIVER] == 0
