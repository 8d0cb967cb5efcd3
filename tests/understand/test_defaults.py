"""The catalogue defaults the speech choice fills in (understand.meaning.DEFAULTS) are the ones the skills
apply: a command that leaves one out makes the car do what the command that says it does."""

from __future__ import annotations

import pytest

from assistant.nlu.split import split_commands
from assistant.understand.meaning import DEFAULTS, Meaning

PAIRS = {  # intent: (leaves the default out, says it)
    "window_open": ("open the window", "open the window all the way"),
    "sunroof_open": ("open the sunroof", "open the sunroof all the way"),
    "seat_heat": ("turn on my seat heating", "set my seat heating to level two"),
    "seat_ventilate": ("cool my seat", "set my seat ventilation to level two"),
    "climate_defrost": ("defrost", "defrost the front windshield"),
    "climate_change_temperature": ("make it warmer", "make it one degree warmer"),
    "volume_change": ("turn the volume up", "turn the volume up by ten"),
}


def test_every_default_has_a_case():
    assert set(PAIRS) == set(DEFAULTS)


@pytest.mark.parametrize("intent", sorted(PAIRS))
def test_left_out_or_said_the_car_does_the_same(intent, make_assistant):
    assistant = make_assistant()
    short, said = PAIRS[intent]
    meanings = [Meaning.of(split_commands(text, assistant.nlu)) for text in (short, said)]
    assert meanings[0] == meanings[1] and meanings[0].intents == (intent,)
    writes = []
    for text in (short, said):
        assistant.reset()
        report = assistant.handle_text(text)
        writes.append(report.turn.writes)
    assert writes[0] == writes[1] and writes[0], writes
