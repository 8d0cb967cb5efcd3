"""Features the car does not have ("increase the bass", "turn on the wipers", "call mom"):
named, never acted on.

The words are the `unsupported_<feature>` word classes of intents/<lang>/nlu/lexicon.yml
(`unsupported_wipers: wipers, wiper, windshield wipers`). A text is cut into the lexicon's
phrases, longest first from the left (so "fog lights" is one phrase, not the defroster's "fog";
in Mandarin 调低音量 is 调低 + 音量, not 低音), and a phrase of such a class names its feature:

- a result that is nlu_fallback gets the features named (`ParseResult.unsupported`), so the
  dialogue can say "Sorry, I can't control the wipers here." instead of a bare "sorry";
- a result that is any other intent becomes nlu_fallback naming the feature, when the phrase
  means nothing else in the data: the classifier's guess ("increase the bass" ->
  climate_change_temperature) is never acted on;
- a phrase that also means something the car does ("radio" is also `thing_volume`: "turn up the
  radio"; "call" is in a volume_mute training sentence: "i'm on a call mute the music") is
  *ambiguous*: it names the feature of a fallback ("turn on the radio") but never overrides
  another intent.

Both NLU backends run their result through `FeatureWords.check`; the embedded model keeps the
phrases in its metadata (a change of lexicon.yml changes the data fingerprint, so it is retrained).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from assistant.nlu.result import FALLBACK, ParseResult, fallback
from assistant.nlu.text import tokenize, words

PREFIX = "unsupported_"
MAX_PHRASE = 5


def feature_of(word_class: str) -> str | None:
    """"wipers" for the class unsupported_wipers, else None."""
    return word_class[len(PREFIX):] if word_class.startswith(PREFIX) and len(word_class) > len(PREFIX) else None


def _key(text: str) -> tuple[str, ...]:
    return tuple(t.norm for t in words(tokenize(text)))


def segment(norms: list[str], lexicon: Mapping[tuple[str, ...], Iterable[str]],
            longest: int = MAX_PHRASE) -> list[tuple[int, int, frozenset[str]]]:
    """(first, end, classes) of the lexicon phrases in `norms`, longest first from the left,
    never overlapping; words in no phrase are skipped."""
    spans = []
    i = 0
    while i < len(norms):
        for n in range(min(longest, len(norms) - i), 0, -1):
            classes = lexicon.get(tuple(norms[i:i + n]))
            if classes:
                spans.append((i, i + n, frozenset(classes)))
                i += n
                break
        else:
            i += 1
    return spans


@dataclass(frozen=True)
class FeatureWords:
    """The phrases of a language pack that name features the car lacks."""

    lexicon: dict[tuple[str, ...], frozenset[str]] = field(default_factory=dict)  # every word-class phrase
    ambiguous: frozenset[tuple[str, ...]] = frozenset()  # feature phrases that also mean a supported thing
    longest: int = 1

    @classmethod
    def build(cls, lookups: Mapping[str, Iterable[str]], examples: Iterable = ()) -> "FeatureWords":
        """From the word classes (`NluData.lookups`) and the training examples (`NluData.examples`):
        a feature phrase is ambiguous when it is in another word class too, or when a training
        sentence of an intent the car acts on says it."""
        lexicon: dict[tuple[str, ...], set[str]] = {}
        for name, phrases in lookups.items():
            for phrase in phrases:
                key = _key(phrase)
                if key and len(key) <= MAX_PHRASE:
                    lexicon.setdefault(key, set()).add(name)
        frozen = {k: frozenset(v) for k, v in lexicon.items()}
        longest = max((len(k) for k in frozen), default=1)
        ambiguous = {k for k, classes in frozen.items()
                     if any(feature_of(c) for c in classes) and not all(feature_of(c) for c in classes)}
        for example in examples:
            if example.intent == FALLBACK:
                continue
            norms = [t.norm for t in words(tokenize(example.text))]
            for first, end, classes in segment(norms, frozen, longest):
                if any(feature_of(c) for c in classes):
                    ambiguous.add(tuple(norms[first:end]))
        return cls(frozen, frozenset(ambiguous), longest)

    # -- the model file --------------------------------------------------------------
    def to_json(self) -> dict:
        """What `check` needs: every word-class phrase (the segmentation) and the ambiguous feature
        phrases."""
        return {"lexicon": [[" ".join(k), sorted(v)] for k, v in sorted(self.lexicon.items())],
                "ambiguous": sorted(" ".join(k) for k in self.ambiguous)}

    @classmethod
    def from_json(cls, data: Mapping | None) -> "FeatureWords":
        if not data:
            return cls()
        lexicon = {tuple(k.split()): frozenset(v) for k, v in data["lexicon"]}
        return cls(lexicon, frozenset(tuple(k.split()) for k in data["ambiguous"]),
                   max((len(k) for k in lexicon), default=1))

    # -- parsing ---------------------------------------------------------------------
    def named(self, text: str) -> tuple[tuple[str, ...], bool]:
        """The features `text` names, in the order said, and whether one of them is named by a
        phrase that means nothing else (so no other intent may be acted on)."""
        if not self.lexicon:
            return (), False
        norms = [t.norm for t in words(tokenize(text))]
        features: list[str] = []
        certain = False
        for first, end, classes in segment(norms, self.lexicon, self.longest):
            said = sorted(f for f in map(feature_of, classes) if f)
            if not said:
                continue
            features.extend(f for f in said if f not in features)
            certain = certain or tuple(norms[first:end]) not in self.ambiguous
        return tuple(features), certain

    def check(self, result: ParseResult) -> ParseResult:
        """`result` naming the features its text asks for; an action on a feature the car lacks
        becomes nlu_fallback (its ranking kept)."""
        features, certain = self.named(result.text)
        if not features:
            return result
        if result.is_fallback:
            return replace(result, unsupported=features)
        if not certain:
            return result  # "turn up the radio": the radio's volume is the car's
        return fallback(result.text, result.intent_ranking, 1.0, unsupported=features)
