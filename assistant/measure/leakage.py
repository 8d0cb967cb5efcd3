"""Held-out leakage check: training lines that duplicate or trivially vary a test sentence.

Two sentences count as the same when they match after lower-casing, dropping punctuation
and possessive endings, replacing every number by one placeholder ("set the volume to
twenty" ~ "Set the volume to 35."), and dropping politeness and filler words ("can you
...", "please", "uh", a trailing "car"). The words that name a value stay: "close the
driver window" and "close the passenger window" are two sentences, "hush" is not "mute".
Such a training line makes a held-out score measure memory, so
`tests/nlu/test_leakage.py` keeps this list empty.

    python -m assistant.measure.leakage      # prints every training line that leaks, with its twin
"""

from __future__ import annotations

from collections.abc import Iterable

from assistant.nlu.data import Example, load_nlu_data
from assistant.nlu.numbers import find_numbers
from assistant.nlu.text import stem_possessive, tokenize, words

FILLERS = frozenset({"please", "uh", "um", "er", "hmm", "hey", "okay", "ok", "oh", "ah", "so", "now", "just",
                     "well", "then", "thanks"}
                    | set("请吧啊呀呢嘛哦啦"))  # Mandarin: 请 and the sentence-final particles
POLITE_STARTS = (("can", "you"), ("could", "you"), ("would", "you"), ("will", "you"), ("can", "we"),
                 ("could", "we"), ("帮", "我"), ("麻", "烦"), ("给", "我"))
VOCATIVES = frozenset({"car", "assistant"})


def signature(ex: Example) -> tuple[str, ...]:
    """The sentence with number values, possessives, fillers and politeness taken out."""
    toks = words(tokenize(ex.text))
    seq = [stem_possessive(t.norm) for t in toks]
    for chunk in reversed(find_numbers(toks)):
        seq[chunk.first:chunk.last + 1] = ["<num>"]
    seq = [w for w in seq if w not in FILLERS]
    while len(seq) > 2 and tuple(seq[:2]) in POLITE_STARTS:
        seq = seq[2:]
    while len(seq) > 1 and seq[-1] in VOCATIVES:
        seq = seq[:-1]
    return tuple(seq)


def leaks(train: Iterable[Example], test: Iterable[Example]) -> list[tuple[Example, Example]]:
    """(training example, test example) pairs with the same signature."""
    held_out: dict[tuple[str, ...], Example] = {}
    for ex in test:
        held_out.setdefault(signature(ex), ex)
    return [(ex, held_out[sig]) for ex in train if (sig := signature(ex)) in held_out]


def main() -> int:
    from assistant.config import load_config

    config = load_config()
    train = load_nlu_data(config.intents_dir / "nlu").examples
    test = load_nlu_data(config.intents_dir / "test").examples
    found = leaks(train, test)
    for tr, te in found:
        print(f"{tr.intent:>26}  {tr.text!r}  ~ test {te.intent}: {te.text!r}")
    print(f"{len(found)} of {len(train)} training lines duplicate or trivially vary a test sentence")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
