"""A word-level finite-state grammar (pocketsphinx FSG format) built from templates.

Templates share prefixes (a trie over words and slots), and each slot's
fillers are a trie of their own, so the decoder tracks "set the ..." once, not
once per template: fewer active HMMs, faster decoding.

Out-of-domain speech: a garbage branch (a loop over everyday words) runs in
parallel with the commands, so "what's the capital of France" ends in garbage
words and is rejected instead of being forced onto the nearest command.
Command arcs weigh 1; each garbage word weighs `garbage_weight`. Measured on
synthetic in-grammar commands and out-of-scope sentences (natural voices):
weight 1 rejects every out-of-scope sentence but 38% of commands too; 1e-2
keeps 94% of commands and rejects 92%; 1e-3 keeps 98% and rejects 88%; 1e-4
forces out-of-scope speech onto commands. The NLU's fallback catches part of
what gets through.

Carriers ("can you", "please") are a small trie before and after all the
command cores, not copies of every template.

Suffixes are shared as well as prefixes (`Fsg.merge_equivalent`): a slot's
fillers followed by the same words exist once, which cut the arcs from 36k
to 10k and the decoding time about in half.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from assistant.asr.grammar import DomainGrammar, is_slot


@dataclass
class Fsg:
    """States are integers; transitions (src, dst, prob, word or None for epsilon)."""

    name: str = "commands"
    num_states: int = 2
    start: int = 0
    final: int = 1
    transitions: list[tuple[int, int, float, str | None]] = field(default_factory=list)

    def new_state(self) -> int:
        self.num_states += 1
        return self.num_states - 1

    def add(self, src: int, dst: int, prob: float, word: str | None) -> None:
        self.transitions.append((src, dst, prob, word))

    @property
    def words(self) -> set[str]:
        return {w for *_, w in self.transitions if w is not None}

    def text(self) -> str:
        lines = [f"FSG_BEGIN {self.name}", f"NUM_STATES {self.num_states}",
                 f"START_STATE {self.start}", f"FINAL_STATE {self.final}"]
        for src, dst, prob, word in self.transitions:
            lines.append(f"TRANSITION {src} {dst} {prob:.6e}" + (f" {word}" if word else ""))
        lines.append("FSG_END")
        return "\n".join(lines) + "\n"

    def merge_equivalent(self, keep: set[int] = frozenset()) -> None:
        """Merge states whose futures are identical (same final flag, same arcs to merged states).

        The trie shares prefixes only; this shares suffixes too, so a slot's filler trie
        followed by the same words ("... $temperature degrees") exists once instead of once
        per template. The language is unchanged; the decoder has far fewer arcs to track.
        Works bottom-up, so it needs the graph to be acyclic outside `keep` (the garbage loop).
        """
        arcs: dict[int, list[tuple[int, float, str | None]]] = {}
        for src, dst, prob, word in self.transitions:
            arcs.setdefault(src, []).append((dst, prob, word))
        canonical: dict[int, int] = {}
        by_signature: dict[tuple, int] = {}

        def resolve(state: int) -> int:
            stack = [(state, False)]
            while stack:
                node, expanded = stack.pop()
                if node in canonical:
                    continue
                if node in keep:
                    canonical[node] = node
                    continue
                pending = [d for d, _, _ in arcs.get(node, ()) if d not in canonical]
                if pending and not expanded:
                    stack.append((node, True))
                    stack.extend((d, False) for d in pending)
                    continue
                signature = (node == self.final, node == self.start,
                             frozenset((canonical[d], p, w) for d, p, w in arcs.get(node, ())))
                canonical[node] = by_signature.setdefault(signature, node)
            return canonical[state]

        for state in range(self.num_states):
            resolve(state)
        kept = sorted(set(canonical.values()))
        renumber = {old: new for new, old in enumerate(kept)}
        transitions = {(renumber[canonical[src]], renumber[canonical[dst]], prob, word)
                       for src, dst, prob, word in self.transitions}
        self.transitions = sorted(transitions, key=lambda t: (t[0], t[1], t[3] or ""))
        self.num_states = len(kept)
        self.start, self.final = renumber[canonical[self.start]], renumber[canonical[self.final]]

    def write(self, path: Path) -> None:
        path.write_text(self.text(), encoding="utf-8")


def _add_trie(fsg: Fsg, start: int, end: int, sequences: list[tuple[str, ...]], expand) -> None:
    """Paths start -> end for symbol sequences, sharing prefixes.

    `expand(src, dst, symbol)` adds the arcs for one symbol (a word, or a slot).
    The last symbol of each sequence goes straight to `end`.
    """
    groups: dict[tuple[str, bool], list[tuple[str, ...]]] = {}
    for seq in sequences:
        if seq:
            groups.setdefault((seq[0], len(seq) == 1), []).append(seq[1:])
    for (symbol, last), rest in groups.items():
        if last:
            expand(start, end, symbol)
        else:
            node = fsg.new_state()
            expand(start, node, symbol)
            _add_trie(fsg, node, end, rest, expand)


def build_fsg(grammar: DomainGrammar, *, garbage_words: list[str] = (), garbage_weight: float = 1e-3,
              carrier_weight: float = 1.0) -> Fsg:
    """The command grammar, plus a garbage loop when `garbage_words` are given.

    Each carrier costs `carrier_weight` once (on the empty arc into the carriers)."""
    fsg = Fsg()

    def word_arc(src: int, dst: int, word: str) -> None:
        fsg.add(src, dst, 1.0, word)

    def expand(src: int, dst: int, symbol: str) -> None:
        if not is_slot(symbol):
            word_arc(src, dst, symbol)
            return
        entry = fsg.new_state()  # a slot: its own trie of fillers between src and dst
        fsg.add(src, entry, 1.0, None)
        _add_trie(fsg, entry, dst, list(grammar.slots[symbol]), word_arc)

    command_start = fsg.new_state()
    fsg.add(fsg.start, command_start, 1.0, None)
    core_start, core_end = command_start, fsg.final
    if grammar.prefixes:  # optional carrier before the command: "can you" ...
        core_start, entry = fsg.new_state(), fsg.new_state()
        fsg.add(command_start, core_start, 1.0, None)
        fsg.add(command_start, entry, carrier_weight, None)
        _add_trie(fsg, entry, core_start, grammar.prefixes, word_arc)
    if grammar.suffixes:  # ... and after it: "please"
        core_end, entry = fsg.new_state(), fsg.new_state()
        fsg.add(core_end, fsg.final, 1.0, None)
        fsg.add(core_end, entry, carrier_weight, None)
        _add_trie(fsg, entry, fsg.final, grammar.suffixes, word_arc)
    _add_trie(fsg, core_start, core_end, grammar.cores, expand)
    if garbage_words:
        loop, after = fsg.new_state(), fsg.new_state()
        fsg.add(fsg.start, loop, 1.0, None)
        for word in garbage_words:
            fsg.add(loop, after, garbage_weight, word)
        fsg.add(after, loop, 1.0, None)
        fsg.add(after, fsg.final, 1.0, None)
        fsg.merge_equivalent(keep={loop, after})
    else:
        fsg.merge_equivalent()
    return fsg
