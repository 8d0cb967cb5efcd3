"""Requests for features this car does not have, end to end (real NLU, dialogue, gate, virtual bus):
the reply names the feature, the intent is nlu_fallback, nothing is written and no frame is sent.
Supported commands that sound alike still act."""

import pytest

from assistant.config import Config

SEAT_DRIVER = "Vehicle.Cabin.Seat.Row1.DriverSide.HeatingCooling"
T_DRIVER = "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature"
VOLUME = "Vehicle.Cabin.Infotainment.Media.Volume"
AC = "Vehicle.Cabin.HVAC.IsAirConditioningActive"

# (utterance, what the reply must name)
UNSUPPORTED = [
    ("increase the bass", "the bass"),           # was climate_change_temperature up
    ("turn the treble down", "the treble"),
    ("set the equalizer to jazz", "the equalizer"),
    ("turn on lane keeping", "lane assist"),
    ("turn off the lane assist", "lane assist"),
    ("turn on the windshield wipers", "the wipers"),
    ("wipers on", "the wipers"),
    ("switch on the high beams", "the high beams"),
    ("turn the headlights on", "the headlights"),
    ("fog lights on", "the fog lights"),         # not the defroster's "fog"
    ("put the hazards on", "the hazard lights"),
    ("change the radio station", "the radio"),
    ("tune to ninety eight point one fm", "the radio"),  # was climate_set_temperature 98.1
    ("turn on the radio", "the radio"),          # the radio's volume is the car's, its sources are not
    ("turn on cruise control", "cruise control"),
    ("navigate to the airport", "navigation"),
    ("give me directions to work", "navigation"),
    ("call mom", "phone calls"),
    ("turn on the seat massage", "massage"),
    ("turn on the heated steering wheel", "the steering wheel"),
    ("heated steering", "the steering wheel"),
    ("release the parking brake", "the parking brake"),
    ("honk the horn", "the horn"),
]


def turn(assistant, text):
    return assistant.handle_text(text).to_json()


def assert_unsupported(data, feature):
    assert data["intent"]["name"] == "nlu_fallback", (data["input"], data["intent"])
    assert feature.lower() in data["reply"].lower() and data["reply"].lower().startswith("sorry"), data["reply"]
    assert data["writes"] == {} and data["frames"] == [], data["input"]
    assert data["denied"] == "unsupported"
    assert [a["action"] for a in data["actions"]] == ["nlu_fallback"]


@pytest.mark.parametrize("text, feature", UNSUPPORTED, ids=[c[0] for c in UNSUPPORTED])
def test_an_unsupported_feature_is_named_and_nothing_is_done(assistant, text, feature):
    assert_unsupported(turn(assistant, text), feature)


# things the car does: no feature the car lacks gets in their way
SUPPORTED = [
    ("turn up the volume", {}, "volume_change", {VOLUME: 40}),
    ("the music is too loud", {}, "volume_change", {VOLUME: 20}),
    ("turn up the radio", {}, "volume_change", {VOLUME: 40}),
    ("i'm on a call mute the music", {}, "volume_mute", {VOLUME: 0}),
    ("turn on the lights", {}, "ambient_light", None),
    ("turn off the chair warmer", {SEAT_DRIVER: 67}, "seat_heat", {SEAT_DRIVER: 0}),
    ("chair warmer on", {}, "seat_heat", {SEAT_DRIVER: 67}),
    ("warm up my chair", {}, "seat_heat", {SEAT_DRIVER: 67}),
    ("seat warmer off", {SEAT_DRIVER: 67}, "seat_heat", {SEAT_DRIVER: 0}),
    ("turn off the butt warmer", {SEAT_DRIVER: 100}, "seat_heat", {SEAT_DRIVER: 0}),
    ("cooler", {}, "climate_change_temperature", {T_DRIVER: 21.0}),
]


@pytest.mark.parametrize("text, scenario, intent, writes", SUPPORTED, ids=[c[0] for c in SUPPORTED])
def test_supported_commands_that_sound_alike_still_act(make_assistant, text, scenario, intent, writes):
    data = turn(make_assistant(scenario), text)
    assert data["intent"]["name"] == intent
    assert data["denied"] is None and "can't control" not in data["reply"]
    if writes is not None:
        assert data["writes"] == writes and data["frames"]
    else:
        assert data["writes"] and data["frames"]


def test_lights_at_home_are_not_a_missing_feature(assistant):
    data = turn(assistant, "turn on the living room lights at home")
    assert data["intent"]["name"] == "home_lights" and data["denied"] != "unsupported"
    assert data["frames"] == []  # the home bridge, never the bus


def test_a_supported_command_beside_an_unsupported_one_is_done_and_the_rest_named(assistant):
    data = turn(assistant, "turn on the ac and the wipers")
    assert [a["intent"] for a in data["actions"]] == ["climate_ac", "nlu_fallback"]
    assert data["writes"] == {AC: True} and [f["name"] for f in data["frames"]] == ["HU_ClimateCmd"]
    assert data["reply"] == "Air conditioning on. Sorry, I can't control the wipers here."
    assert data["actions"][1]["writes"] == {} and data["actions"][1]["frames"] == []


def test_several_unsupported_features_are_all_named(assistant):
    data = turn(assistant, "turn on the wipers and the headlights")
    assert_unsupported(data, "the wipers and the headlights")


def test_an_unsupported_request_drops_an_open_question(assistant):
    assert turn(assistant, "set the temperature")["reply"] == "To what temperature?"
    assert_unsupported(turn(assistant, "turn on the wipers"), "the wipers")
    assert turn(assistant, "say that again")["reply"] == "Sorry, I can't control the wipers here."
    assert turn(assistant, "twenty four")["writes"] == {}  # the question is gone


# Mandarin: the same names, its own words
UNSUPPORTED_ZH = [
    ("打开雨刷", "雨刷"),
    ("把低音调高一点", "低音"),
    ("导航去机场", "导航"),
    ("打开定速巡航", "定速巡航"),
    ("打开大灯", "大灯"),
    ("打开方向盘加热", "方向盘"),
]


@pytest.fixture(scope="module")
def zh_model():
    from assistant.errors import ModelMissingError
    from assistant.nlu.backend import load_nlu
    from assistant.nlu.train import train

    config = Config()
    config.language = "zh"
    try:
        load_nlu(config).close()
    except ModelMissingError:
        train(config, progress=lambda *a, **k: None)


@pytest.mark.parametrize("text, feature", UNSUPPORTED_ZH, ids=[c[0] for c in UNSUPPORTED_ZH])
def test_mandarin_names_the_feature(zh_model, make_assistant, new_config, text, feature):
    config = new_config()
    config.language = "zh"
    data = turn(make_assistant(config=config), text)
    assert data["intent"]["name"] == "nlu_fallback" and data["denied"] == "unsupported"
    assert data["writes"] == {} and data["frames"] == []
    assert data["reply"] == f"抱歉，我控制不了{feature}。"


def test_mandarin_supported_commands_still_act(zh_model, make_assistant, new_config):
    config = new_config()
    config.language = "zh"
    assistant = make_assistant(config=config)
    for text, intent in (("调低音量", "volume_change"), ("打开座椅加热", "seat_heat"), ("打开氛围灯", "ambient_light")):
        data = turn(assistant, text)
        assert data["intent"]["name"] == intent and data["writes"] and data["frames"], text
