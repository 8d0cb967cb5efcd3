"""Every catalogue intent, in the words a driver would use, with canonical entities."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

CATALOGUE = Path(__file__).resolve().parents[2].parent / "shared" / "spec" / "CATALOGUE.md"

# (text, intent, {entity: value}) - ASR style (lower case, numbers as words) and typed
CASES = [
    ("set the passenger side to twenty two degrees", "climate_set_temperature", {"zone": "passenger", "temperature": 22}),
    ("set the temperature to twenty two point five", "climate_set_temperature", {"temperature": 22.5}),
    ("make it twenty two and a half degrees", "climate_set_temperature", {"temperature": 22.5}),
    ("Set the temperature to 22.5", "climate_set_temperature", {"temperature": 22.5}),
    ("set my side to twenty", "climate_set_temperature", {"temperature": 20}),
    ("make it a bit warmer", "climate_change_temperature", {"direction": "up", "amount": 1}),
    ("make it a lot colder in the back", "climate_change_temperature", {"direction": "down", "amount": 3, "zone": "rear"}),
    ("i'm freezing", "climate_change_temperature", {"direction": "up"}),
    ("turn on the ac", "climate_ac", {"state": "on"}),
    ("switch the air conditioning off", "climate_ac", {"state": "off"}),
    ("set the fan to three", "climate_fan", {"level": 3}),
    ("fan to max", "climate_fan", {"level": 7}),
    ("turn the fan up", "climate_fan", {"direction": "up"}),
    ("defrost the rear window", "climate_defrost", {"target": "rear"}),
    ("turn on the front defroster", "climate_defrost", {"target": "front", "state": "on"}),
    ("turn off recirculation", "climate_recirculation", {"state": "off"}),
    ("it's stuffy in here", "climate_recirculation", {"state": "off"}),
    ("open the passenger window halfway", "window_open", {"zone": "passenger", "amount": 50}),
    ("open my window a bit", "window_open", {"amount": 20}),
    ("open the rear left window all the way", "window_open", {"zone": "rear_left", "amount": 100}),
    ("open all the windows", "window_open", {"zone": "all"}),
    ("close the driver window", "window_close", {"zone": "driver"}),
    ("roll up the back windows", "window_close", {"zone": "rear"}),
    ("open the sunroof a crack", "sunroof_open", {"amount": 20}),
    ("open the sunroof thirty percent", "sunroof_open", {"amount": 30}),
    ("close the sunroof", "sunroof_close", {}),
    ("turn on the passenger seat heater", "seat_heat", {"zone": "passenger", "level": 2}),
    ("seat heating to max", "seat_heat", {"level": 3}),
    ("turn off my seat heating", "seat_heat", {"level": 0}),
    ("turn on seat ventilation", "seat_ventilate", {"level": 2}),
    ("set the driver seat cooling to level one", "seat_ventilate", {"zone": "driver", "level": 1}),
    ("make the ambient light blue", "ambient_light", {"color": "blue"}),
    ("turn off the mood lighting", "ambient_light", {"state": "off"}),
    ("turn on the kitchen lights at home", "home_lights", {"state": "on", "room": "kitchen"}),
    ("switch off the lights in the house", "home_lights", {"state": "off"}),
    ("set the bedroom lights at home to forty percent", "home_lights", {"room": "bedroom", "brightness": 40}),
    ("make the lights at home warm white", "home_lights", {"color": "warm_white"}),
    ("is the garage light still on at home", "query_home_lights", {"room": "garage"}),
    ("lock the doors", "doors_lock", {}),
    ("unlock the car", "doors_unlock", {}),
    ("open the trunk", "trunk_open", {}),
    ("close the boot", "trunk_close", {}),
    ("fold the mirrors", "mirrors_fold", {"state": "on"}),
    ("unfold the side mirrors", "mirrors_fold", {"state": "off"}),
    ("set the volume to twenty", "volume_set", {"level": 20}),
    ("volume max", "volume_set", {"level": 100}),
    ("turn it up", "volume_change", {"direction": "up"}),
    ("turn the volume down by five", "volume_change", {"direction": "down", "amount": 5}),
    ("mute the radio", "volume_mute", {"state": "on"}),
    ("unmute", "volume_mute", {"state": "off"}),
    ("how much fuel do i have", "query_fuel", {}),
    ("what's the tire pressure", "query_tire_pressure", {}),
    ("how cold is it outside", "query_outside_temperature", {}),
    ("what's the temperature in here", "query_cabin_temperature", {}),
    ("are the doors locked", "query_doors", {}),
    ("how fast am i going", "query_speed", {}),
    ("what's the mileage", "query_odometer", {}),
    ("what's the battery voltage", "query_battery", {}),
    ("yes please", "affirm", {}),
    ("no thanks", "deny", {}),
    ("never mind", "cancel", {}),
    ("what can you do", "help", {}),
    ("say that again", "repeat", {}),
    ("hello", "greet", {}),
    ("thank you", "thank", {}),
    ("goodbye", "goodbye", {}),
    ("the passenger side", "inform", {"zone": "passenger"}),
    ("twenty degrees", "inform", {"temperature": 20}),
    ("a bit more", "inform", {"amount": "a bit", "direction": "up"}),
    ("what's the capital of france", "nlu_fallback", {}),
    ("play some music", "nlu_fallback", {}),
    ("navigate to the airport", "nlu_fallback", {}),
]


@pytest.mark.parametrize("text, intent, entities", CASES, ids=[c[0] for c in CASES])
def test_intent_and_canonical_entities(nlu, text, intent, entities):
    result = nlu.parse(text)
    assert result.name == intent, result.to_json()
    assert {e.entity: e.value for e in result.entities} == entities
    for e in result.entities:
        assert type(e.value) is type(entities[e.entity])  # 22 is int, 22.5 float, "up" str
        assert 0 <= e.start < e.end <= len(text)


def catalogue_intents() -> set[str]:
    """The first column of every catalogue table headed `intent` (not entities, notices, ...)."""
    names, in_intents = set(), False
    for line in (CATALOGUE.read_text().splitlines() if CATALOGUE.exists() else []):
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if not cells:
            in_intents = False
        elif cells[0] == "intent":
            in_intents = True
        elif in_intents and re.fullmatch(r"\w+", cells[0]):
            names.add(cells[0])
    return names


def test_every_catalogue_intent_is_covered():
    names = catalogue_intents() | {"affirm", "deny", "cancel", "help", "repeat", "greet", "thank", "goodbye",
                                   "inform", "nlu_fallback"}
    assert "climate_set_temperature" in names and "query_battery" in names and "low_fuel" not in names
    covered = {c[1] for c in CASES}
    assert names <= covered, sorted(names - covered)


def test_rasa_parse_json_shape(nlu):
    out = nlu.parse("set the passenger side to twenty two degrees").to_json()
    assert set(out) == {"text", "intent", "entities", "intent_ranking"}
    assert set(out["intent"]) == {"name", "confidence"}
    assert out["intent"]["name"] == "climate_set_temperature"
    assert {"entity", "value", "start", "end", "confidence_entity", "extractor"} <= set(out["entities"][0])
    assert out["intent_ranking"][0] == out["intent"]
    assert all(set(r) == {"name", "confidence"} for r in out["intent_ranking"])
    ranking = [r["confidence"] for r in out["intent_ranking"]]
    assert ranking == sorted(ranking, reverse=True)
    json.dumps(out)


def test_entity_offsets_point_into_typed_text(nlu):
    text = "Please set the Passenger Side to 23 degrees!"
    result = nlu.parse(text)
    spans = {e.entity: text[e.start:e.end] for e in result.entities}
    assert spans == {"zone": "Passenger Side", "temperature": "23"}


def test_my_zone_gives_no_zone_entity(nlu):
    result = nlu.parse("open my window")
    assert result.name == "window_open"
    assert result.entity("zone") is None


def test_below_threshold_is_fallback(trained_config):
    from assistant.nlu.embedded import EmbeddedNlu

    strict = EmbeddedNlu.from_config(trained_config)
    strict.threshold = 1.01  # nothing is that sure
    result = strict.parse("open the window")
    assert result.is_fallback and result.entities == ()
    assert result.intent_ranking[1].name == "window_open"  # the ranking still says what it thought
