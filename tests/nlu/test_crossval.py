"""Cross-validation on the training data (how model settings are chosen) and the tagger's
same-value overlap rule it chose."""

from __future__ import annotations

from collections import Counter

from assistant.measure.crossval import canonical_example, cross_validate, fold_numbers
from assistant.nlu.data import NluData, parse_example
from assistant.nlu.entities import same_value_overlap
from assistant.nlu.features import Candidate


def test_folds_are_stratified_and_seeded():
    intents = ["a"] * 10 + ["b"] * 5
    folds = fold_numbers(intents, 5, seed=3)
    assert Counter(folds[:10]) == {f: 2 for f in range(5)}
    assert sorted(folds[10:]) == [0, 1, 2, 3, 4]
    assert (fold_numbers(intents, 5, seed=3) == folds).all()


def test_gold_is_scored_in_catalogue_values():
    synonyms = {"passenger side": "passenger"}
    ex = canonical_example(parse_example("turn [on](state) the [passenger side](zone) seat heater", "seat_heat"),
                           synonyms)
    assert {(s.entity, s.value) for s in ex.entities} == {("level", "2"), ("zone", "passenger")}


def test_same_value_overlap():
    rear = Candidate(9, 9, 9, 13, (("target", "rear"), ("zone", "rear")))
    gold = [("zone", 9, 19, "rear")]            # [rear seats](zone)
    assert same_value_overlap(rear, gold) == "zone"
    assert same_value_overlap(rear, [("zone", 9, 19, "rear_left")]) is None   # "rear" in "[rear left]"
    assert same_value_overlap(rear, [("zone", 20, 30, "rear")]) is None       # elsewhere


def test_cross_validate_small_data():
    lines = {"window_open": ["open the window", "open the [passenger](zone) window", "roll down the window",
                             "lower the [driver](zone) window", "open my window"],
             "window_close": ["close the window", "close the [passenger](zone) window", "roll up the window",
                              "raise the [driver](zone) window", "shut my window"]}
    data = NluData(examples=[parse_example(line, intent) for intent, ls in lines.items() for line in ls])
    result = cross_validate(data, folds=5, seed=1)
    assert result["examples"] == 10 and result["folds"] == 5
    assert 0.0 <= result["intent_accuracy"] <= 1.0
    assert result["intent_accuracy"] >= 0.5  # verbs alone separate these two
