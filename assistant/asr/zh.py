"""Mandarin speech in: word segmentation for the vosk phrase list, and what to install.

vosk-model-small-cn-0.22 hears words, written with spaces between them ("打开 空调"), from
its lexicon (graph/words.txt). The grammar compiler segments the zh intents with jieba
(when installed; `pip install jieba`), taught the pack's own domain words (主驾, 车窗, 氛围灯:
the synonyms and word classes of intents/zh/nlu), and writes numbers as the model does
(22 -> 二十二). At load time `resegment` fits every phrase to the model's real lexicon: a word
it lacks is split into the longest words it has, down to single characters, so no phrase is
lost to a segmentation mismatch. Without jieba the phrases are single characters, which
`resegment` then joins into the model's words the same way.

No Mandarin acoustic model ships in a registry package: pocketsphinx has only en-us, and
faster-whisper's multilingual tiny/base must be downloaded. `VOSK_HINT` and `WHISPER_HINT` say how.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path

from assistant.nlu.numbers_zh import find_numbers_zh, has_han, to_chinese

VOSK_MODEL = "vosk-model-small-cn-0.22"
VOSK_URL = f"https://alphacephei.com/vosk/models/{VOSK_MODEL}.zip"
VOSK_HINT = (f"run `make models` with ASSISTANT_LANGUAGE=zh (needs network), or download {VOSK_URL} and unzip it "
             f"into models/ (giving models/{VOSK_MODEL}/), or set [asr] vosk_model to its folder")
WHISPER_MODELS = ("tiny", "base")  # multilingual: tiny.en and base.en hear no Mandarin
WHISPER_HINT = ("Mandarin needs a multilingual Whisper model (tiny or base, not *.en) converted for CTranslate2: on a "
                "machine with a network run `python -c \"from faster_whisper import download_model; "
                "download_model('tiny', output_dir='models/faster-whisper-tiny')\"` (Systran/faster-whisper-tiny, "
                "MIT; 'base' -> models/faster-whisper-base) and copy the folder into models/")
_PIECE = re.compile(r"\d+(?:\.\d+)?|[\u3400-\u9fff]+|[A-Za-z]+")
MAX_WORD = 8  # longest lexicon word tried when re-segmenting

log = logging.getLogger(__name__)


def whisper_model_dirs(models_dir: Path) -> list[Path]:
    """Installed multilingual faster-whisper models (models/faster-whisper-tiny, -base), in size order."""
    return [models_dir / f"faster-whisper-{size}" for size in WHISPER_MODELS
            if (models_dir / f"faster-whisper-{size}" / "model.bin").is_file()]


@lru_cache(maxsize=1)
def _jieba():
    try:
        import jieba
    except ImportError:
        return None
    jieba.setLogLevel(logging.WARNING)
    return jieba


_taught: set[str] = set()


def teach(words) -> None:
    """Domain words jieba must keep whole (主驾 is not 主 + 驾车)."""
    jieba = _jieba()
    if jieba is None:
        return
    for word in words:
        word = "".join(word.split())
        if has_han(word) and word not in _taught and 1 < len(word) <= MAX_WORD:
            jieba.add_word(word, freq=200000)  # above jieba's common words, so the domain word wins
            _taught.add(word)


def segment(text: str) -> list[str]:
    """Written Mandarin -> the recogniser's word tokens: words (or characters without jieba),
    digits as Chinese numerals (22.5 -> 二十二点五), punctuation dropped, Latin words lower case."""
    tokens: list[str] = []
    jieba = _jieba()
    for piece in _PIECE.findall(text.replace("%", " 百分之 ")):
        if piece[0].isdigit():
            tokens.append(to_chinese(float(piece)) if float(piece) < 1000 else piece)
        elif has_han(piece):
            tokens.extend(_segment_han(piece, jieba))
        else:
            tokens.append(piece.lower())
    return _percent_first(tokens)


def _segment_han(piece: str, jieba) -> list[str]:
    """Numbers whole (二十二点五, 百分之三十: jieba would cut 二十二点|五度), the rest by jieba."""
    chars = [_Char(c) for c in piece]
    out: list[str] = []
    pos = 0
    for chunk in find_numbers_zh(chars):
        out.extend(_words(piece[pos:chunk.first], jieba))
        out.append(piece[chunk.first:chunk.last + 1])
        pos = chunk.last + 1
    return out + _words(piece[pos:], jieba)


def _words(text: str, jieba) -> list[str]:
    if not text:
        return []
    return jieba.lcut(text, HMM=False) if jieba else list(text)


class _Char:
    """One character as the number reader's token (it reads `.norm`)."""

    def __init__(self, char: str):
        self.norm = char


def _percent_first(tokens: list[str]) -> list[str]:
    """"30%" reads 百分之三十: the sign came after the number, the words go before it."""
    out: list[str] = []
    for token in tokens:
        if token == "百分之" and out and all(c in "零一二三四五六七八九十百点" for c in out[-1]):
            out[-1] = token + out[-1]
        else:
            out.append(token)
    return out


def resegment(phrase: str, vocabulary: set[str]) -> str | None:
    """`phrase` in the model's own words (greedy longest match over each word's characters),
    or None when a character is not in the lexicon at all."""
    out: list[str] = []
    for word in phrase.split():
        if word in vocabulary or not has_han(word):
            out.append(word)
            continue
        i = 0
        while i < len(word):
            for j in range(min(len(word), i + MAX_WORD), i, -1):
                if word[i:j] in vocabulary:
                    out.append(word[i:j])
                    i = j
                    break
            else:
                return None
    return " ".join(out)


def fit_phrases(phrases: list[str], vocabulary: set[str] | None) -> tuple[list[str], int]:
    """The phrase list re-segmented for a model's lexicon; and how many phrases could not be."""
    if vocabulary is None:
        return phrases, 0
    kept: dict[str, None] = {}
    lost = 0
    for phrase in phrases:
        fitted = phrase if phrase == "[unk]" else resegment(phrase, vocabulary)
        if fitted is None:
            lost += 1
        else:
            kept[fitted] = None
    return list(kept), lost
