"""No training line duplicates or trivially varies a held-out test sentence."""

from __future__ import annotations

import pytest

from assistant.config import load_config
from assistant.nlu.data import load_nlu_data, parse_example
from assistant.measure.leakage import leaks, signature


def sig(text: str) -> tuple[str, ...]:
    return signature(parse_example(text, "x"))


@pytest.mark.parametrize("a, b", [
    ("set the volume to [twenty](level)", "Set the volume to 35."),
    ("close the passenger window", "close the passenger's window"),
    ("can you close the sunroof", "Please close the sunroof now."),
    ("yes", "okay yes"),
    ("thanks so much", "thanks so much car"),
])
def test_trivial_variants_match(a, b):
    assert sig(a) == sig(b)


@pytest.mark.parametrize("a, b", [
    ("close the driver window", "close the passenger window"),
    ("hush the radio", "mute the radio"),
    ("open the window a bit", "open the window a little"),
    ("lock the car", "unlock the car"),
])
def test_different_words_are_different_sentences(a, b):
    assert sig(a) != sig(b)


def test_training_data_does_not_leak_into_any_test_split():
    config = load_config(env={})
    train = load_nlu_data(config.intents_dir / "nlu").examples
    test = load_nlu_data(config.intents_dir / "test").examples
    found = [(tr.text, te.text) for tr, te in leaks(train, test)]
    assert found == [], "run `python -m assistant.measure.leakage` and drop these training lines"
