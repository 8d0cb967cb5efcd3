"""The command domain as a recogniser sees it: templates with entity slots.

Each training example becomes a template: its words, with every entity span
replaced by a slot (`$zone`, `$temperature#num`, ...). Each slot's fillers are
every spoken form of that entity seen in the data, its synonyms, and for
numeric entities every number of the range the catalogue uses, so "set the
temperature to twenty three" is in the grammar even when only "22" was in the
training data. Numeric and word spans get separate slots ("[30](amount) percent"
vs "[halfway](amount)"), so "open it halfway percent" is not a command.

Out-of-scope examples (nlu_fallback, out_of_scope) are not commands: their
words feed the garbage model instead.

Carriers (intents/<lang>/asr/carriers.yml) are what drivers say around any
command: "can you ..." before it, "... please" after it. A template that starts
or ends with one is stripped to its core, and every core may take any carrier:
"could you open the sunroof for me" is a command when "open the sunroof" is,
although no example says it that way.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import cached_property
from itertools import product

from assistant.asr.numbers import number_range, spoken_forms
from assistant.asr.text import spoken_tokens
from assistant.nlu.data import NluData
from assistant.nlu.numbers_zh import has_han, parse_number_zh, to_chinese

OUT_OF_SCOPE_INTENTS = frozenset({"nlu_fallback", "out_of_scope"})

# Spoken number ranges per numeric entity (CATALOGUE.md): temperatures 16-30 in halves (and a
# margin either side so "set it to 35" is heard and the dialogue can say the range), percents
# and volume 0-100, levels 0-7 (inside 0-100).
NUMBER_RANGES: dict[str, list[float]] = {
    "temperature": sorted(set(number_range(10, 40) + number_range(16, 30, 0.5))),
    "amount": number_range(0, 100),
    "level": number_range(0, 100),
}
DEFAULT_NUMBER_RANGE = number_range(0, 100)
# tighter ranges where an intent's numbers are small (a margin above the limit is kept so
# "fan speed nine" is heard and answered with the range instead of misheard)
INTENT_NUMBER_RANGES: dict[tuple[str, str], list[float]] = {
    ("climate_fan", "level"): number_range(0, 10),
    ("seat_heat", "level"): number_range(0, 5),
    ("seat_ventilate", "level"): number_range(0, 5),
    ("climate_change_temperature", "amount"): number_range(1, 10),
}
MIN_CORE = 2  # symbols a template keeps when its carriers are taken off
# lookup tables that are not interchangeable word classes (numbers and colours are slots already)
WORD_CLASSES_SKIPPED = frozenset({"number", "color"})


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def slot_name(intent: str, entity: str, numeric: bool) -> str:
    """Slots are per intent: "mute" is a volume state, never a mirror's, so fold-mirror
    templates do not accept it (a grammar that over-generates is slower and less accurate)."""
    return f"${intent}:{entity}" + ("#num" if numeric else "")


def slot_entity(name: str) -> str:
    return name[1:].split(":", 1)[1].split("#")[0]


def is_slot(symbol: str) -> bool:
    return symbol.startswith("$")


@dataclass
class DomainGrammar:
    """Templates (intent, symbols) and the spoken fillers of each slot."""

    templates: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    slots: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)
    out_of_scope: list[tuple[str, ...]] = field(default_factory=list)
    word_classes: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)
    prefixes: list[tuple[str, ...]] = field(default_factory=list)  # carriers said before a command
    suffixes: list[tuple[str, ...]] = field(default_factory=list)  # ... and after it

    @cached_property
    def cores(self) -> list[tuple[str, ...]]:
        """The templates without their carriers, each once (what the FSG puts carriers around)."""
        return sorted({min(self.without_carriers(t), key=lambda w: (len(w), w)) for _, t in self.templates})

    def without_carriers(self, words: tuple[str, ...], min_core: int = MIN_CORE) -> set[tuple[str, ...]]:
        """`words` with at most one carrier taken off each end (and as they are), leaving at least
        `min_core` symbols: a template "oh please" keeps its words rather than make "oh" a command."""
        out = {words}
        for prefix in self.prefixes:
            if len(words) >= len(prefix) + min_core and words[:len(prefix)] == prefix:
                out.add(words[len(prefix):])
        for kept in list(out):
            for suffix in self.suffixes:
                if len(kept) >= len(suffix) + min_core and kept[-len(suffix):] == suffix:
                    out.add(kept[:-len(suffix)])
        return out

    @property
    def vocabulary(self) -> set[str]:
        words = {s for _, t in self.templates for s in t if not is_slot(s)}
        words.update(w for carrier in self.prefixes + self.suffixes for w in carrier)
        words.update(w for fillers in self.slots.values() for f in fillers for w in f)
        words.update(w for members in self.word_classes.values() for m in members for w in m)
        return words

    def class_variants(self, symbols: tuple[str, ...], limit: int = 12) -> list[tuple[str, ...]]:
        """The template with one word-class phrase swapped for another member ("open" -> "pop")."""
        out: list[tuple[str, ...]] = []
        for members in self.word_classes.values():
            for member in members:
                n = len(member)
                for i in range(len(symbols) - n + 1):
                    if symbols[i:i + n] != member:
                        continue
                    for other in members:
                        if other != member:
                            out.append(symbols[:i] + other + symbols[i + n:])
        out = list(dict.fromkeys(v for v in out if v != symbols))
        if len(out) > limit:
            out = random.Random(" ".join(symbols)).sample(out, limit)
        return out

    def expansions(self, symbols: tuple[str, ...]) -> int:
        count = 1
        for s in symbols:
            if is_slot(s):
                count *= len(self.slots[s])
        return count

    def sentences(self, per_template: int = 50, seed: int = 0,
                  class_weight: float = 0.0) -> list[tuple[tuple[str, ...], float]]:
        """Expanded sentences with weights: every template counts once in total.

        A template's expansions are enumerated when there are at most `per_template`,
        else `per_template` distinct random fills are drawn (seeded, reproducible).
        With `class_weight`, word-class variants of each template share that weight.
        """
        rng = random.Random(seed)
        out: list[tuple[tuple[str, ...], float]] = []
        weighted = [(t, 1.0) for _, t in self.templates]
        if class_weight > 0:
            for _, t in self.templates:
                variants = self.class_variants(t)
                weighted += [(v, class_weight / len(variants)) for v in variants]
        for symbols, weight in weighted:
            slots = [self.slots[s] if is_slot(s) else [(s,)] for s in symbols]
            total = self.expansions(symbols)
            if total <= per_template:
                fills = list(product(*slots))
            else:
                seen: set[tuple] = set()
                while len(seen) < per_template:
                    seen.add(tuple(rng.choice(options) for options in slots))
                fills = sorted(seen)
            for fill in fills:
                out.append((tuple(w for part in fill for w in part), weight / len(fills)))
        return out

    def to_json(self) -> dict:
        return {"templates": [[intent, list(symbols)] for intent, symbols in self.templates],
                "slots": {name: [list(f) for f in fillers] for name, fillers in self.slots.items()},
                "prefixes": [list(c) for c in self.prefixes], "suffixes": [list(c) for c in self.suffixes]}

    @classmethod
    def from_json(cls, data: dict) -> "DomainGrammar":
        """Templates, slots and carriers (what `accepts` needs at run time)."""
        return cls(templates=[(intent, tuple(symbols)) for intent, symbols in data["templates"]],
                   slots={name: [tuple(f) for f in fillers] for name, fillers in data["slots"].items()},
                   prefixes=[tuple(c) for c in data.get("prefixes", ())],
                   suffixes=[tuple(c) for c in data.get("suffixes", ())])

    def accepts(self, text: str) -> bool:
        """Whether the grammar (and so the FSG) produces this sentence exactly."""
        said = self.without_carriers(tuple(spoken_tokens(text)), min_core=1)
        return any(self._match(core, words) for words in said for core in self.cores)

    def _match(self, symbols: tuple[str, ...], words: tuple[str, ...]) -> bool:
        if not symbols:
            return not words
        head, rest = symbols[0], symbols[1:]
        if not is_slot(head):
            return bool(words) and words[0] == head and self._match(rest, words[1:])
        return any(words[:len(f)] == f and self._match(rest, words[len(f):]) for f in self.slots[head])


def build_grammar(data: NluData, carriers: dict[str, list[str]] | None = None) -> DomainGrammar:
    """Templates and slot fillers from Rasa training data; `carriers`: {"prefixes": [...], "suffixes": [...]}."""
    carriers = carriers or {}
    _teach_domain_words(data)
    grammar = DomainGrammar(prefixes=[tuple(spoken_tokens(c)) for c in carriers.get("prefixes", ())],
                            suffixes=[tuple(spoken_tokens(c)) for c in carriers.get("suffixes", ())])
    fillers: dict[str, set[tuple[str, ...]]] = {}
    templates: dict[tuple[str, ...], str] = {}
    for example in data.examples:
        if example.intent in OUT_OF_SCOPE_INTENTS:
            grammar.out_of_scope.append(tuple(spoken_tokens(example.text)))
            continue
        symbols: list[str] = []
        cursor = 0
        for span in sorted(example.entities, key=lambda s: s.start):
            if span.start < cursor:
                continue  # overlapping annotations: the first one wins
            symbols.extend(spoken_tokens(example.text[cursor:span.start]))
            said = example.text[span.start:span.end]
            numeric = _is_number(said.strip()) or _is_spoken_number(said) or _is_zh_number(said)
            name = slot_name(example.intent, span.entity, numeric)
            symbols.append(name)
            fillers.setdefault(name, set()).add(tuple(spoken_tokens(said)))
            cursor = span.end
        symbols.extend(spoken_tokens(example.text[cursor:]))
        if symbols:
            templates.setdefault(tuple(symbols), example.intent)
    for name in list(fillers):
        entity = slot_entity(name)
        if name.endswith("#num"):
            intent = name[1:].split(":", 1)[0]
            numbers = INTENT_NUMBER_RANGES.get((intent, entity)) or NUMBER_RANGES.get(entity, DEFAULT_NUMBER_RANGE)
            zh = any(has_han(w) for f in fillers[name] for w in f)
            for number in numbers:
                forms = [to_chinese(number)] if zh else spoken_forms(number)  # vosk-cn writes 二十二点五
                fillers[name].update(tuple(spoken_tokens(f)) if zh else tuple(f.split()) for f in forms)
        fillers[name].discard(())
    grammar.slots = {name: sorted(f) for name, f in sorted(fillers.items())}
    for name, members in sorted(data.lookups.items()):
        phrases = sorted({tuple(spoken_tokens(m)) for m in members} - {()})
        if len(phrases) > 1 and name not in WORD_CLASSES_SKIPPED:
            grammar.word_classes[name] = phrases
    grammar.templates = sorted((intent, symbols) for symbols, intent in templates.items())
    return grammar


_NUMBER_WORDS = set("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
                    "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy "
                    "eighty ninety hundred point and a half".split())


def _is_spoken_number(text: str) -> bool:
    tokens = spoken_tokens(text)
    return bool(tokens) and all(t in _NUMBER_WORDS for t in tokens) and not set(tokens) <= {"a", "and", "half"}


def _is_zh_number(text: str) -> bool:
    """二十二, 二十二点五, 百分之三十 (一半 is a qualitative amount, a word of its own)."""
    return has_han(text) and text.strip() != "一半" and parse_number_zh(text) is not None


def _teach_domain_words(data: NluData) -> None:
    """Mandarin: the segmenter keeps the pack's own words whole (synonyms, word classes, entity spans)."""
    words = set(data.synonyms) | {m for members in data.lookups.values() for m in members}
    words |= {ex.text[s.start:s.end] for ex in data.examples for s in ex.entities}
    words = {w for w in words if has_han(w) and parse_number_zh(w) is None}
    if words:
        from assistant.asr.zh import teach

        teach(sorted(words))
