"""The speech interpreter: a Transcript in, the reading to act on out."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from assistant.asr.base import Transcript
from assistant.asr.text import spoken_tokens
from assistant.errors import ModelMissingError
from assistant.nlu.split import split_commands
from assistant.understand.choose import Choice, Reading, choose
from assistant.understand.evidence import Weights, features
from assistant.understand.meaning import Meaning

log = logging.getLogger(__name__)

WEIGHTS_FILE = "understand.json"  # in intents/<lang>/
# a command does not end on these: more is coming ("set the temperature to", "open the", "turn the fan and")
LEADS_ON = frozenset("to the a an and or at by of for my your set turn switch make put is are it's what's than "
                     "then".split())
NUMBER_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
                "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
                "hundred point and a half quarter quarters percent degrees degree").split()


class SpeechInterpreter:
    """Parses every reading of a transcript with `nlu` and chooses one (`choose`) by `weights`."""

    def __init__(self, nlu, weights: Weights, vocabulary: frozenset[str] = frozenset()) -> None:
        self.nlu = nlu
        self.weights = weights
        self.vocabulary = vocabulary

    @classmethod
    def from_config(cls, config, nlu) -> "SpeechInterpreter":
        return cls(nlu, load_weights(config), domain_vocabulary(config.intents_dir))

    # -- what a text means ------------------------------------------------------------------
    def parse(self, text: str) -> tuple[Meaning, float, float]:
        """The meaning of `text`, the NLU's confidence in it (the least sure of its commands) and its
        margin over the second intent (the smallest)."""
        try:
            results = split_commands(text, self.nlu)
        except Exception:  # a reading the NLU fails on is not understood; the turn goes on
            log.exception("NLU failed on %r while choosing a reading", text[:200])
            return Meaning(), 0.0, 0.0
        confidence = min((r.intent.confidence for r in results), default=0.0)
        margins = [r.intent.confidence - (r.intent_ranking[1].confidence if len(r.intent_ranking) > 1 else 0.0)
                   for r in results]
        return Meaning.of(results), confidence, min(margins, default=0.0)

    def meaning(self, text: str) -> Meaning:
        return self.parse(text)[0]

    def unknown(self, text: str) -> tuple[str, ...]:
        if not self.vocabulary:
            return ()
        return tuple(w for w in spoken_tokens(text) if w not in self.vocabulary)

    # -- readings -----------------------------------------------------------------------------
    def readings(self, transcript: Transcript) -> list[Reading]:
        """The recogniser's own readings of `transcript`, best first, each with its evidence; the
        cross-check's reading (an alternative from another engine) is evidence, not a reading."""
        if transcript.rejected:
            return []
        own = [h for h in transcript.alternatives if h.engine == transcript.engine]
        cross = next((h for h in transcript.alternatives if h.engine != transcript.engine), None)
        texts = [(h.text, h.score) for h in own] or [(transcript.text, transcript.confidence)]
        cross_meaning = self.meaning(cross.text) if cross is not None else None
        texts = [t for t in texts if t[0]]
        parsed = [self.parse(text) for text, _ in texts]
        best = texts[0][1] if texts else 0.0
        out = []
        for rank, ((text, score), (meaning, confidence, margin)) in enumerate(zip(texts, parsed)):
            unknown = self.unknown(text)
            if not meaning.understood:
                out.append(Reading(text, score, meaning, unknown))
                continue
            support = sum(p[0] == meaning for p in parsed) / len(parsed)
            contradicted = bool(cross_meaning and cross_meaning.understood and cross_meaning != meaning)
            x = features(nlu_confidence=confidence, nlu_margin=margin, asr_score=score, best_score=best, rank=rank,
                         support=support, unknown=len(unknown), words=len(text.split()),
                         cross_agrees=cross_meaning == meaning, cross_disagrees=contradicted, safety=meaning.safety)
            out.append(Reading(text, score, meaning, unknown, x, self.weights.probability(x), contradicted))
        return out

    def interpret(self, transcript: Transcript) -> Choice:
        return choose(self.readings(transcript), self.weights)

    def __call__(self, transcript: Transcript) -> Transcript:
        """`transcript` with the chosen reading as its text, or rejected ("unsure", "unsure_safety") when
        no reading is sure enough; one without alternatives is returned as it is."""
        if transcript.rejected or not transcript.alternatives:
            return transcript
        choice = self.interpret(transcript)
        if choice.reading is None:
            return replace(transcript, text="", rejected=True, reason=choice.reason, words=[],
                           choice=choice.to_json())
        text = choice.reading.text
        return replace(transcript, text=text, words=text.split(), choice=choice.to_json())

    def complete(self, transcript: Transcript) -> bool:
        """Whether `transcript` (already interpreted) is a whole command, sure enough for the front end to
        end the utterance after a short pause: chosen (not unsure), every word one the intents use, and
        not stopping on a word that leads on ("set the temperature to ...")."""
        if transcript.rejected or not transcript.text.strip():
            return False
        if transcript.choice is not None and transcript.choice.get("reason") != "chosen":
            return False
        words = spoken_tokens(transcript.text)
        if not words or words[-1] in LEADS_ON or self.unknown(transcript.text):
            return False
        return self.meaning(transcript.text).understood


def load_weights(config) -> Weights:
    """intents/<lang>/understand.json; ModelMissingError saying how to fit it when it is missing."""
    path = Path(config.intents_dir) / WEIGHTS_FILE
    if not path.is_file():
        raise ModelMissingError(f"no speech-choice weights {path}",
                                hint="`make fixtures` (sets dev,tune), then `assistant train understand`")
    try:
        return Weights.load(path)
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelMissingError(f"{path} is not usable: {exc}", hint="`assistant train understand`") from exc


def domain_vocabulary(intents_dir) -> frozenset[str]:
    """The words the NLU has seen: every word of the training data (out-of-scope lines too), its word
    classes and synonyms, the ASR carriers and phrase lists, and the number words."""
    import yaml

    from assistant.nlu.data import load_nlu_data

    intents_dir = Path(intents_dir)
    data = load_nlu_data(intents_dir / "nlu")
    texts = [e.text for e in data.examples] + list(data.synonyms) + list(data.synonyms.values())
    texts += [m for members in data.lookups.values() for m in members]
    for path in sorted((intents_dir / "asr").glob("*.yml")):
        texts += _strings(yaml.safe_load(path.read_text(encoding="utf-8")))
    return frozenset(w for t in texts for w in spoken_tokens(str(t))) | frozenset(NUMBER_WORDS)


def _strings(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []
