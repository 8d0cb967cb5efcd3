"""The grammar compiled from Rasa data: templates, per-intent slots, numbers, the FSG."""

from __future__ import annotations

import itertools

from assistant.asr.fsg import Fsg, build_fsg
from assistant.asr.grammar import build_grammar
from assistant.nlu.data import load_nlu_data
from asr_recordings import DATA_DIR


def small_grammar():
    return build_grammar(load_nlu_data(DATA_DIR / "nlu"))


def test_templates_accept_training_phrasings_with_any_value_of_the_range():
    grammar = small_grammar()
    assert grammar.accepts("set the temperature to 22 degrees")
    assert grammar.accepts("set the temperature to twenty three point five degrees")  # range, not only seen
    assert grammar.accepts("make it warmer")
    assert not grammar.accepts("set the temperature to warmer degrees")  # a word slot is not a number slot
    assert not grammar.accepts("what is the capital of france")


def test_slots_are_per_intent():
    grammar = small_grammar()
    # "cooler" is a direction of climate_change_temperature, never a fan direction
    fan_directions = {f for name, fillers in grammar.slots.items() if name.startswith("$climate_fan:direction")
                      for f in fillers}
    assert ("cooler",) not in fan_directions
    assert ("up",) in fan_directions
    assert all(":" in name for name in grammar.slots)


def _paths(fsg: Fsg, limit: int = 200000) -> set[tuple[str, ...]]:
    """Every word sequence from start to final (the grammar is acyclic without garbage)."""
    arcs: dict[int, list] = {}
    for src, dst, _, word in fsg.transitions:
        arcs.setdefault(src, []).append((dst, word))
    out, stack = set(), [(fsg.start, ())]
    while stack and len(out) < limit:
        state, words = stack.pop()
        if state == fsg.final:
            out.add(words)
        for dst, word in arcs.get(state, ()):
            stack.append((dst, words + ((word,) if word else ())))
    return out


def test_suffix_sharing_keeps_the_language_and_shrinks_the_graph():
    grammar = small_grammar()
    merged = build_fsg(grammar)
    # the same construction with the merge step skipped
    from assistant.asr import fsg as fsg_module
    original = fsg_module.Fsg.merge_equivalent
    try:
        fsg_module.Fsg.merge_equivalent = lambda self, keep=frozenset(): None
        unmerged = build_fsg(grammar)
    finally:
        fsg_module.Fsg.merge_equivalent = original
    assert len(merged.transitions) < len(unmerged.transitions) / 2
    assert _paths(merged) == _paths(unmerged)
    sentences = {" ".join(p) for p in _paths(merged)}
    assert "set the temperature to twenty two degrees" in sentences


def test_garbage_loop_is_parallel_to_the_commands():
    grammar = small_grammar()
    fsg = build_fsg(grammar, garbage_words=["_hello", "_world"], garbage_weight=1e-3)
    garbage_arcs = [t for t in fsg.transitions if t[3] and t[3].startswith("_")]
    assert {t[3] for t in garbage_arcs} == {"_hello", "_world"}
    assert all(abs(t[2] - 1e-3) < 1e-12 for t in garbage_arcs)
    assert not any(w.startswith("_") for p in itertools.islice(_paths(build_fsg(grammar)), 1000) for w in p)


CARRIERS = {"prefixes": ["can you", "could you please", "please"], "suffixes": ["please", "for me"]}


def test_carriers_go_around_every_command_and_never_stand_alone():
    plain, grammar = small_grammar(), build_grammar(load_nlu_data(DATA_DIR / "nlu"), CARRIERS)
    said = "could you please set the temperature to twenty two degrees for me"
    assert grammar.accepts(said) and not plain.accepts(said)
    assert grammar.accepts("can you make it warmer please")
    assert grammar.accepts("make it warmer")  # a carrier is optional
    for alone in ("please", "can you", "for me", "can you please", "please please"):
        assert not grammar.accepts(alone)
    assert not grammar.accepts("can you can you make it warmer")  # one carrier each side
    assert not grammar.accepts("can you what is the capital of france")


def test_the_fsg_says_what_the_grammar_accepts_with_carriers():
    grammar = build_grammar(load_nlu_data(DATA_DIR / "nlu"), CARRIERS)
    paths = _paths(build_fsg(grammar))
    assert ("can", "you", "make", "it", "warmer", "for", "me") in paths
    assert ("make", "it", "warmer") in paths
    sample = sorted(paths)[::97]
    assert sample and all(grammar.accepts(" ".join(p)) for p in sample)
    assert not any(p in {("please",), ("can", "you"), ("for", "me")} for p in paths)


def test_a_template_that_says_a_carrier_is_stripped_to_its_core_of_two_symbols_or_more():
    data = load_nlu_data(DATA_DIR / "nlu")
    grammar = build_grammar(data, {"prefixes": ["i want", "recirculate the"]})
    # "I want [twenty two and a half](temperature) degrees": the core is "$temperature degrees"
    assert any(len(core) == 2 and core[0].startswith("$climate_set_temperature:temperature") for core in grammar.cores)
    assert grammar.accepts("twenty two degrees") and grammar.accepts("i want twenty two degrees")
    # "recirculate the air" keeps its words: "air" alone would be a command nobody wrote
    assert grammar.accepts("recirculate the air") and not grammar.accepts("air")
