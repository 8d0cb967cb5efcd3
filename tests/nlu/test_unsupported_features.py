"""Features the car lacks (assistant/nlu/unsupported.py): which words name them, when they veto
an intent, and that every language pack can say each one."""

from __future__ import annotations

import pytest
import yaml

from assistant.config import Config
from assistant.nlu.data import Example, load_lookups
from assistant.nlu.result import IntentScore, ParseResult, fallback
from assistant.nlu.text import tokenize, words
from assistant.nlu.unsupported import PREFIX, FeatureWords, feature_of
from assistant.nlu.split import split_commands

LOOKUPS = {
    "verb_on": ["turn on"],
    "thing_defrost": ["fog", "windshield"],
    "thing_volume": ["volume", "radio"],
    "unsupported_fog_lights": ["fog lights"],
    "unsupported_wipers": ["wipers", "windshield wipers"],
    "unsupported_radio": ["radio", "fm"],
    "unsupported_phone": ["call"],
}
EXAMPLES = [Example("i'm on a call mute the music", "volume_mute"), Example("call mom", "nlu_fallback")]


@pytest.fixture(scope="module")
def features():
    return FeatureWords.build(LOOKUPS, EXAMPLES)


def action(text, intent="climate_defrost"):
    return ParseResult(text, IntentScore(intent, 0.9), intent_ranking=(IntentScore(intent, 0.9),))


def test_feature_of_a_word_class():
    assert feature_of("unsupported_high_beams") == "high_beams"
    assert feature_of("thing_window") is None and feature_of(PREFIX) is None


@pytest.mark.parametrize("text, named", [
    ("turn on the fog lights", ("fog_lights",)),          # the longest phrase, not the defroster's "fog"
    ("the windshield wipers please", ("wipers",)),
    ("it's foggy in here", ()),
    ("wipers and fog lights", ("wipers", "fog_lights")),  # in the order said
    ("tune to ninety eight point one fm", ("radio",)),
])
def test_named_features(features, text, named):
    assert features.named(text)[0] == named


def test_ambiguous_phrases_come_from_other_classes_and_car_training_sentences(features):
    assert features.ambiguous == {("radio",), ("call",)}  # thing_volume; a volume_mute sentence


def test_a_guessed_action_on_a_missing_feature_becomes_fallback(features):
    result = features.check(action("turn on the fog lights"))
    assert result.is_fallback and result.unsupported == ("fog_lights",)
    assert [s.name for s in result.intent_ranking][1] == "climate_defrost"  # the guess is kept for the record


def test_an_ambiguous_word_names_a_fallback_but_never_overrides_an_action(features):
    assert features.check(action("turn up the radio", "volume_change")).name == "volume_change"
    assert features.check(action("i'm on a call mute the music", "volume_mute")).unsupported == ()
    assert features.check(fallback("turn on the radio")).unsupported == ("radio",)
    assert features.check(fallback("call mom")).unsupported == ("phone",)


def test_nothing_named_changes_nothing(features):
    result = action("defrost the windshield")
    assert features.check(result) is result
    assert FeatureWords().check(fallback("turn on the wipers")).unsupported == ()  # no lexicon: plain fallback


def test_model_metadata_round_trip(features):
    again = FeatureWords.from_json(yaml.safe_load(yaml.safe_dump(features.to_json())))
    assert again == features


class Scripted:
    """A backend answering from a table (and the feature check, as the real ones do)."""

    def __init__(self, table, features):
        self.table, self.features = table, features

    def parse(self, text):
        return self.features.check(self.table.get(text) or fallback(text))


def test_split_keeps_the_supported_part_and_names_the_rest(features):
    backend = Scripted({"turn on the ac": action("turn on the ac", "climate_ac")}, features)
    results = split_commands("turn on the ac and the wipers", backend)
    assert [r.name for r in results] == ["climate_ac", "nlu_fallback"]
    assert results[1].unsupported == ("wipers",)


def test_split_of_only_missing_features_is_one_fallback_naming_them_all(features):
    results = split_commands("the wipers and the fog lights", Scripted({}, features))
    assert len(results) == 1 and results[0].unsupported == ("wipers", "fog_lights")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_feature_has_a_name_in_the_replies(language):
    config = Config()
    config.language = language
    classes = [c for c in load_lookups(config.intents_dir / "nlu" / "lexicon.yml") if feature_of(c)]
    assert len(classes) >= 20
    replies = yaml.safe_load((config.intents_dir / "responses.yml").read_text(encoding="utf-8"))
    named = replies.get("features") or {}
    assert sorted(feature_of(c) for c in classes if feature_of(c) not in named) == []
    assert "{feature}" in replies["intents"]["nlu_fallback"]["unsupported"]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_no_feature_is_a_single_mandarin_character(language):
    """One Han character is a token: 灯 alone would catch 氛围灯 (ambient_light)."""
    config = Config()
    config.language = language
    for name, phrases in load_lookups(config.intents_dir / "nlu" / "lexicon.yml").items():
        if feature_of(name):
            for phrase in phrases:
                toks = words(tokenize(phrase))
                assert toks and not (len(toks) == 1 and len(toks[0].norm) == 1), (name, phrase)


# the real model: near misses of supported intents
@pytest.mark.parametrize("text, intent, unsupported", [
    ("increase the bass", "nlu_fallback", ("bass",)),
    ("turn up the bass", "nlu_fallback", ("bass",)),
    ("turn on the fog lights", "nlu_fallback", ("fog_lights",)),
    ("open the hood", "nlu_fallback", ("hood",)),
    ("turn on the radio", "nlu_fallback", ("radio",)),
    ("turn up the radio", "volume_change", ()),
    ("turn off the chair warmer", "seat_heat", ()),
    ("turn off the butt warmer", "seat_heat", ()),
    ("seat warmer off", "seat_heat", ()),
    ("warm my chair", "seat_heat", ()),
    ("cooler", "climate_change_temperature", ()),
    ("defrost the rear screen", "climate_defrost", ()),
    ("will i make it to the next gas station", "query_fuel", ()),
])
def test_real_model(nlu, text, intent, unsupported):
    result = nlu.parse(text)
    assert (result.name, result.unsupported) == (intent, unsupported)
    if text.endswith(("warmer", "warmer off")):
        assert result.entity("level") == 0
