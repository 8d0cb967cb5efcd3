"""Several commands in one utterance: "turn on the ac and open my window".

A command may also start without a conjunction, after a new line or a full stop, or with
its own verb ("open the window set the temperature to 22"): a value said with the second
command belongs to it, never to the first. A cut is only taken when every part is a
confident command, so "can you open the window" stays one.

`parse` of such a text is nlu_fallback (one intent cannot describe it): backends call
`mixed_intents` for that. `split_commands` is what the dialogue calls: one result when
the whole text is one confident command, else one result per part when every part is a
confident command (a part may be `inform`: "set the temperature to twenty and the
passenger side too"), else the single fallback result.

A part that asks for a feature the car lacks (a fallback naming it, assistant/nlu/unsupported.py)
counts as a part beside at least one real command: "turn on the ac and the wipers" is climate_ac
and the wipers named as unsupported, so the air conditioning goes on and the reply says the rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import combinations

from assistant.nlu.numbers import find_numbers
from assistant.nlu.result import FALLBACK, ParseResult
from assistant.nlu.text import tokenize, words

CONVERSATION = frozenset({"affirm", "deny", "cancel", "help", "repeat", "greet", "thank",
                          "goodbye", "inform", FALLBACK})
# verbs that start a command and are never a noun inside one ("turn", not "heat" or "lower")
COMMAND_VERBS = ("set", "open", "close", "shut", "turn", "switch", "make", "lock", "unlock", "fold",
                 "unfold", "roll", "mute", "unmute", "increase", "decrease")
_BOUNDARY = re.compile(r"\s*[,;]\s*|\s*[.!?]+\s+|\s*\n\s*|\s+(?:and then|and also|and|then|also|plus)\s+"
                       # Mandarin: full-width commas, and 然后/并且/同时 between two commands
                       r"|\s*[，；。]\s*(?:然后|并且|同时|还有|再)?\s*|(?<=[\u3400-\u9fff])(?:然后|并且|同时)(?=[\u3400-\u9fff])"
                       r"|(?P<verb>\s+(?=(?:" + "|".join(COMMAND_VERBS) + r")\b))", re.IGNORECASE)
# the first command starts with its verb, perhaps after politeness ("the tailgate is open please
# close it" is one command: that "open" says how the tailgate is)
_STARTS_WITH_VERB = re.compile(r"^\s*(?:(?:please|can|could|would|will|you|we|now|just|ok|okay|hey)\s+)*(?:"
                               + "|".join(COMMAND_VERBS) + r")\b", re.IGNORECASE)
_ADDITIVE = re.compile(r"\b(?:too|as well|also)\s*[.!]?\s*$|也(?:要|一样|是|开|来)?\S?\s*[。！]?\s*$", re.IGNORECASE)
MAX_BOUNDARIES = 6
MAX_PARTS = 4

ParsePart = Callable[[str], ParseResult]  # a backend's parse without the mixing check
VALUE_ENTITIES = frozenset({"temperature", "amount", "level", "direction", "state", "target", "color", "brightness"})


def boundaries(text: str) -> list[tuple[int, int]]:
    """Conjunction/comma spans where a text may be cut (never inside a number like
    "one hundred and five" or "twenty and a half")."""
    toks = words(tokenize(text))
    # never inside a number, nor inside one token ("22,5" is one unreadable numeral, not "22" and "5")
    inside = [(toks[c.first].start, toks[c.last].end) for c in find_numbers(toks)] + \
             [(t.start, t.end) for t in toks]
    found = []
    opening = _STARTS_WITH_VERB.match(text)
    for m in _BOUNDARY.finditer(text):
        if m.start() == 0 or m.end() == len(text):
            continue
        if any(s < m.start() and m.end() < e for s, e in inside):
            continue
        # a verb starts a second command only after a first one ("open the window set ..."), and
        # only with an object ("is the trunk open", "it's too loud turn it down" stay one)
        if m.group("verb") is not None and (opening is None or opening.end() > m.start()
                                            or len(text[m.end():].split()) < 2):
            continue
        found.append((m.start(), m.end()))
    return found


def cut(text: str, spans: list[tuple[int, int]]) -> list[str]:
    parts, pos = [], 0
    for start, end in spans:
        parts.append(text[pos:start])
        pos = end
    parts.append(text[pos:])
    return [p.strip() for p in parts]


def _mixes(parts: list[str], results: list[ParseResult], threshold: float) -> bool:
    confident = [(p, r) for p, r in zip(parts, results) if r.confidence >= threshold and not r.is_fallback]
    actions = [r for _, r in confident if r.name not in CONVERSATION]
    if len({r.name for r in actions}) >= 2:
        return True
    if not actions:
        return False
    if any(r.is_fallback and r.unsupported for r in results):  # "turn on the ac and the wipers"
        return True
    # the same action twice, each with its own value ("driver to twenty two and passenger to twenty")
    values = [{e.entity for e in r.entities} & VALUE_ENTITIES for r in actions]
    if len(actions) >= 2 and set.intersection(*values):
        return True
    # an action, then an inform part that adds a target ("... and the passenger side too")
    # or gives a value again ("driver to twenty two and the passenger side to twenty")
    said = {e.entity for r in actions for e in r.entities} & VALUE_ENTITIES
    return any(r.name == "inform" and (_ADDITIVE.search(p) or said & {e.entity for e in r.entities})
               for p, r in confident[1:])


def mixed_intents(text: str, parse_part: ParsePart, threshold: float) -> list[ParseResult]:
    """The part results if `text` holds several commands, else [] (one command or unsure)."""
    spans = boundaries(text)
    if not spans or len(spans) > MAX_BOUNDARIES:
        return []
    splits = [[s] for s in spans] + ([spans] if len(spans) > 1 else [])
    cache: dict[str, ParseResult] = {}
    for chosen in splits:
        parts = cut(text, chosen)
        if any(not p for p in parts):
            continue
        results = [cache[p] if p in cache else cache.setdefault(p, parse_part(p)) for p in parts]
        if _mixes(parts, results, threshold):
            return results
    return []


def split_commands(text: str, backend) -> list[ParseResult]:
    """One ParseResult per command in `text` (see the module doc)."""
    whole = backend.parse(text)
    if not whole.is_fallback:
        return [whole]
    spans = boundaries(text)
    if not spans or len(spans) > MAX_BOUNDARIES:
        return [whole]
    cache: dict[str, ParseResult] = {}

    def parse(part: str) -> ParseResult:
        if part not in cache:
            cache[part] = backend.parse(part)
        return cache[part]

    for k in range(1, min(len(spans), MAX_PARTS - 1) + 1):
        best, best_score = None, -1.0
        for chosen in combinations(spans, k):
            parts = cut(text, list(chosen))
            if any(not p for p in parts):
                continue
            results = [parse(p) for p in parts]
            commands = [r for r in results if not r.is_fallback]
            if len(commands) < len(results) - sum(1 for r in results if r.is_fallback and r.unsupported):
                continue  # a part not understood at all
            if all(r.name == "inform" for r in commands):
                continue  # nothing to act on (and no part made of features the car lacks alone)
            score = min(r.confidence for r in commands)
            if score > best_score:
                best, best_score = results, score
        if best:
            return best
    return [whole]
