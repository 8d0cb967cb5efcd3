"""Pronunciations for the grammar's words: the CMU dictionary, else espeak-ng.

Words the dictionary lacks (brand names, "defroster", "moonroof") are never
dropped: espeak-ng's letter-to-sound rules give IPA phonemes, mapped here to
the acoustic model's ARPAbet phone set. A word neither can pronounce is a
DataError naming the word, so the compile fails loudly instead of silently
shrinking the grammar.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from assistant.errors import DataError, ModelMissingError

# espeak-ng IPA (en-us) -> CMU/ARPAbet phones of the pocketsphinx en-us model. Longest match first.
_IPA_TO_ARPA = {
    "aɪə": "AY ER", "aɪ": "AY", "aʊ": "AW", "eɪ": "EY", "oʊ": "OW", "əʊ": "OW", "ɔɪ": "OY",
    "eə": "EH R", "ɪə": "IH R", "ʊə": "UH R", "tʃ": "CH", "dʒ": "JH",
    "ɑː": "AA", "ɑ": "AA", "ɒ": "AA", "a": "AA", "æ": "AE", "ʌ": "AH", "ə": "AH", "ɐ": "AH",
    "ɔː": "AO", "ɔ": "AO", "ɛ": "EH", "e": "EH", "ɜː": "ER", "ɜ": "ER", "ɝ": "ER", "ɚ": "ER",
    "ɪ": "IH", "ᵻ": "IH", "iː": "IY", "i": "IY", "oː": "OW", "o": "OW", "ʊ": "UH",
    "uː": "UW", "u": "UW", "b": "B", "d": "D", "ð": "DH", "f": "F", "ɡ": "G", "g": "G",
    "h": "HH", "k": "K", "x": "K", "l": "L", "ɫ": "L", "m": "M", "n": "N", "ŋ": "NG", "p": "P",
    "ɹ": "R", "r": "R", "ɾ": "T", "ʔ": "T", "s": "S", "ʃ": "SH", "t": "T", "θ": "TH", "v": "V",
    "w": "W", "j": "Y", "z": "Z", "ʒ": "ZH", "l̩": "AH L", "n̩": "AH N", "m̩": "AH M",
}
_LETTER_NAMES = dict(zip("abcdefghijklmnopqrstuvwxyz", (
    "EY", "B IY", "S IY", "D IY", "IY", "EH F", "JH IY", "EY CH", "AY", "JH EY", "K EY", "EH L", "EH M",
    "EH N", "OW", "P IY", "K Y UW", "AA R", "EH S", "T IY", "Y UW", "V IY", "D AH B AH L Y UW",
    "EH K S", "W AY", "Z IY")))
_IGNORED = set("ˈˌ.‿͡ ̃")
_LETTERS = re.compile(r"^[a-z]+$")
_ESPEAK_VOICE = "en-us"


@dataclass
class Pronunciations:
    """word -> pronunciations (space-separated phones), and where each came from."""

    entries: dict[str, list[str]] = field(default_factory=dict)
    source: dict[str, str] = field(default_factory=dict)  # word -> "cmudict" | "espeak-ng"

    def write_dict(self, path: Path, *, rename: dict[str, str] | None = None) -> None:
        """A pocketsphinx .dict file (alternates as word(2), word(3), ...)."""
        lines = []
        for word in sorted(self.entries):
            name = (rename or {}).get(word, word)
            for n, pron in enumerate(self.entries[word]):
                lines.append(f"{name if n == 0 else f'{name}({n + 1})'} {pron}")
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_cmudict(path: Path) -> dict[str, list[str]]:
    """A CMU-format dictionary: word [alt] phones... -> {word: [pron, ...]}."""
    table: dict[str, list[str]] = {}
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise ModelMissingError(f"cannot read pronunciation dictionary {path}: {exc}",
                                hint="reinstall pocketsphinx: pip install --force-reinstall pocketsphinx") from exc
    for line in lines:
        parts = line.split()
        if len(parts) < 2 or line.startswith(";;;"):
            continue
        word = re.sub(r"\(\d+\)$", "", parts[0])
        phones = [p for p in parts[1:] if not p.startswith("#")]
        if phones:
            table.setdefault(word, []).append(" ".join(phones))
    return table


def ipa_to_arpabet(ipa: str) -> str:
    """espeak-ng IPA (phonemes separated by '_' or not) -> ARPAbet phones."""
    phones: list[str] = []
    text = "".join(ch for ch in ipa.replace("_", "") if ch not in _IGNORED and not ch.isspace())
    keys = sorted(_IPA_TO_ARPA, key=len, reverse=True)
    i = 0
    while i < len(text):
        for key in keys:
            if text.startswith(key, i):
                phones.extend(_IPA_TO_ARPA[key].split())
                i += len(key)
                break
        else:
            i += 1  # a diacritic or length mark espeak adds; it carries no phone of its own
    return " ".join(phones)


def espeak_pronounce(word: str) -> str:
    """ARPAbet phones for one word from espeak-ng's letter-to-sound rules."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise ModelMissingError(
            f"the word {word!r} is not in the pronunciation dictionary and espeak-ng is not installed",
            hint="install espeak-ng (make system-deps), or add the word to intents/<lang>/asr_lexicon.dict")
    letters = re.sub(r"[^a-z]", "", word)
    if letters and ("/" in word or (len(letters) <= 4 and not re.search(r"[aeiouy]", letters))):
        return " ".join(_LETTER_NAMES[ch] for ch in letters)  # "a/c", "hvc": said letter by letter
    spoken = word
    result = subprocess.run([exe, "-q", "-v", _ESPEAK_VOICE, "--ipa", "--sep=_", spoken],
                            capture_output=True, text=True, timeout=30, check=False)
    phones = ipa_to_arpabet(result.stdout)
    if result.returncode != 0 or not phones:
        raise DataError(f"cannot find a pronunciation for {word!r} (espeak-ng said {result.stderr.strip()!r})",
                        hint="add it to intents/<lang>/asr_lexicon.dict as `word PH ON ES`")
    return phones


def pronounce(words: set[str] | list[str], dictionary: dict[str, list[str]],
              extra: dict[str, list[str]] | None = None) -> Pronunciations:
    """Pronunciations for every word: the project lexicon, else the dictionary, else espeak-ng."""
    result = Pronunciations()
    for word in sorted(set(words)):
        if extra and word in extra:
            result.entries[word], result.source[word] = list(extra[word]), "lexicon"
        elif word in dictionary:
            result.entries[word], result.source[word] = list(dictionary[word]), "cmudict"
        else:
            result.entries[word], result.source[word] = [espeak_pronounce(word)], "espeak-ng"
    return result
