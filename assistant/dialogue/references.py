"""What a command refers to when it does not name it: a bare verb ("open") and pronouns ("close it").

Both are read from the language pack's word classes (the `lookup` blocks of
intents/<lang>/nlu/lexicon.yml: `verb_open`, `thing_window`, ...), so a new language
or a new word for a part needs no code:

- a *bare verb* is an utterance that is only a command verb ("open", "turn on",
  "close please"): nothing says what to act on, so the driver is asked;
- a command that names no part (no `thing_*` word: "close it", "open it a bit") acts on
  the part acted on last, whatever kind it was; a pronoun with nothing before it to
  refer to is asked about too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from assistant.nlu.text import tokenize, words

BARE_VERB_CLASSES = frozenset({"verb_open", "verb_close", "verb_on", "verb_off", "verb_set"})
PART_PREFIX = "thing_"
PRONOUNS = frozenset({"it", "them", "that", "this", "those", "these"})
FILLERS = frozenset({"please", "now", "just", "ok", "okay", "hey", "um", "uh", "again", "can", "could",
                     "would", "will", "you"})
# intents named <part>_<verb>: a follow-up keeps the verb and takes the last part
PART_VERBS = ("open", "close", "lock", "unlock")
PARTICLES = frozenset({"up", "down", "on", "off"})
MAX_PHRASE = 3


def part_and_verb(intent: str) -> tuple[str, str] | None:
    """("sunroof", "close") for sunroof_close; None for intents that do not act on a part this way."""
    part, _, verb = intent.rpartition("_")
    return (part, verb) if part and verb in PART_VERBS else None


@dataclass(frozen=True)
class WordClasses:
    """Phrase (tuple of lower-case words) -> the word classes it belongs to."""

    phrases: dict[tuple[str, ...], frozenset[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, nlu_dir: Path | str) -> "WordClasses":
        """The word classes of a language pack's NLU folder (empty when it has none)."""
        path = Path(nlu_dir)
        lexicon = path / "lexicon.yml"
        source = lexicon if lexicon.is_file() else path
        if not source.exists():
            return cls()
        return _load(str(source), source.stat().st_mtime_ns)

    def _spans(self, norms: list[str]):
        """(first, last, classes) of every known phrase, longest first at each position."""
        for i in range(len(norms)):
            for n in range(min(MAX_PHRASE, len(norms) - i), 0, -1):
                classes = self.phrases.get(tuple(norms[i:i + n]))
                if classes:
                    yield i, i + n - 1, classes

    def bare_verb(self, text: str) -> str | None:
        """The verb as said when `text` is a command verb and nothing else ("turn on"), else None."""
        norms = [t.norm for t in words(tokenize(text)) if t.norm not in FILLERS]
        if not norms or len(norms) > MAX_PHRASE:
            return None
        classes = self.phrases.get(tuple(norms), frozenset())
        if not classes and len(norms) > 1 and norms[-1] in PARTICLES:  # "open up"
            norms = norms[:-1]
            classes = self.phrases.get(tuple(norms), frozenset())
        return " ".join(norms) if classes & BARE_VERB_CLASSES else None

    def names_part(self, text: str) -> bool:
        """Whether `text` names a thing ("the sunroof", "my window", "the boot")."""
        norms = [t.norm for t in words(tokenize(text))]
        return any(c.startswith(PART_PREFIX) for _, _, classes in self._spans(norms) for c in classes)

    @staticmethod
    def has_pronoun(text: str) -> bool:
        return any(t.norm in PRONOUNS for t in words(tokenize(text)))


@lru_cache(maxsize=8)
def _load(source: str, _mtime: int) -> WordClasses:
    from assistant.nlu.data import load_lookups

    phrases: dict[tuple[str, ...], set[str]] = {}
    for name, examples in load_lookups(source).items():
        for example in examples:
            key = tuple(t.norm for t in words(tokenize(example)))
            if key:
                phrases.setdefault(key, set()).add(name)
    return WordClasses({k: frozenset(v) for k, v in phrases.items()})
