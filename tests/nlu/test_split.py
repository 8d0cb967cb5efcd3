from __future__ import annotations

from assistant.nlu.split import boundaries, split_commands


def names(results):
    return [(r.name, {e.entity: e.value for e in r.entities}) for r in results]


def test_one_command_is_one_result(nlu):
    assert names(split_commands("open the passenger window halfway", nlu)) == [
        ("window_open", {"zone": "passenger", "amount": 50})]


def test_two_commands_are_split(nlu):
    assert names(split_commands("turn on the ac and open my window a bit", nlu)) == [
        ("climate_ac", {"state": "on"}), ("window_open", {"amount": 20})]


def test_action_then_inform_part(nlu):
    assert names(split_commands("set the temperature to twenty and the passenger side too", nlu)) == [
        ("climate_set_temperature", {"temperature": 20}), ("inform", {"zone": "passenger"})]


def test_three_commands_with_then_and_comma(nlu):
    results = split_commands("lock the doors, close the sunroof then turn off the ambient light", nlu)
    assert [r.name for r in results] == ["doors_lock", "sunroof_close", "ambient_light"]


def test_unsplittable_nonsense_stays_one_fallback(nlu):
    results = split_commands("purple monkey and dishwasher", nlu)
    assert len(results) == 1 and results[0].is_fallback


def test_parts_carry_their_own_text_and_offsets(nlu):
    first, second = split_commands("open the trunk and set the fan to two", nlu)
    assert second.text == "set the fan to two"
    level = second.entities[0]
    assert second.text[level.start:level.end] == "two" and level.value == 2


def test_no_boundaries_inside_numbers():
    assert boundaries("set it to one hundred and five") == []
    assert boundaries("twenty two and a half degrees") == []
    assert len(boundaries("open the trunk and close the sunroof")) == 1
