"""The speech interpreter: a Transcript in, the reading to act on out."""

from __future__ import annotations

import logging
from dataclasses import replace

from assistant.asr.base import Transcript
from assistant.asr.text import spoken_tokens
from assistant.nlu.split import split_commands
from assistant.understand.choose import Choice, Policy, Reading, choose
from assistant.understand.meaning import Meaning

log = logging.getLogger(__name__)


class SpeechInterpreter:
    """Parses every reading of a transcript with `nlu` and chooses one by `policy`."""

    def __init__(self, nlu, policy: Policy | None = None, vocabulary: frozenset[str] = frozenset()) -> None:
        self.nlu = nlu
        self.policy = policy or Policy()
        self.vocabulary = vocabulary

    @classmethod
    def from_config(cls, config, nlu) -> "SpeechInterpreter":
        return cls(nlu, Policy.from_config(config), domain_vocabulary(config.intents_dir))

    def unknown(self, text: str) -> tuple[str, ...]:
        if not self.vocabulary:
            return ()
        return tuple(w for w in spoken_tokens(text) if w not in self.vocabulary)

    def meaning(self, text: str) -> Meaning:
        try:
            return Meaning.of(split_commands(text, self.nlu))
        except Exception:  # a reading the NLU fails on is not understood; the turn goes on
            log.exception("NLU failed on %r while choosing a reading", text[:200])
            return Meaning()

    def readings(self, transcript: Transcript) -> list[Reading]:
        """Every reading of `transcript`, best first (the transcript's own text when there is no n-best)."""
        if transcript.rejected:
            return []
        alternatives = transcript.alternatives or []
        texts = [(h.text, h.score) for h in alternatives] or [(transcript.text, transcript.confidence)]
        return [Reading(text, score, self.meaning(text), self.unknown(text)) for text, score in texts if text]

    def interpret(self, transcript: Transcript) -> Choice:
        return choose(self.readings(transcript), self.policy)

    def complete(self, transcript: Transcript) -> bool:
        """Whether `transcript` (already interpreted) is a whole command, sure enough for the front end to
        end the utterance after a short pause: understood, every word one the intents use, and not
        stopping on a word that leads on ("set the temperature to ...")."""
        if transcript.rejected or not transcript.text.strip():
            return False
        words = spoken_tokens(transcript.text)
        if not words or words[-1] in LEADS_ON or self.unknown(transcript.text):
            return False
        return self.meaning(transcript.text).understood

    def __call__(self, transcript: Transcript) -> Transcript:
        """`transcript` with the chosen reading as its text, or rejected ("unsure", "unsure_safety") when
        its readings disagree; one without alternatives is returned as it is."""
        if transcript.rejected or not transcript.alternatives:
            return transcript
        choice = self.interpret(transcript)
        if choice.reading is None:
            return replace(transcript, text="", rejected=True, reason=choice.reason, words=[],
                           choice=choice.to_json())
        text = choice.reading.text
        return replace(transcript, text=text, words=text.split(), choice=choice.to_json())


# a command does not end on these: more is coming ("set the temperature to", "open the", "turn the fan and")
LEADS_ON = frozenset("to the a an and or at by of for my your set turn switch make put is are it's what's than "
                     "then".split())
NUMBER_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
                "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
                "hundred point and a half quarter quarters percent degrees degree").split()


def domain_vocabulary(intents_dir) -> frozenset[str]:
    """The words the NLU has seen: every word of the training data (out-of-scope lines too), its word
    classes and synonyms, the ASR carriers and phrase lists, and the number words."""
    from pathlib import Path

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
