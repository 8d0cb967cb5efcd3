"""vosk (Kaldi): the larger-model engine, when a vosk model is installed.

The model is the folder named by config.asr.vosk_model, else the first
models/vosk-model-* found. None can be downloaded at run time; without one the
engine raises ModelMissingError with the command that fetches it.

grammar mode passes vosk a phrase list (compiled from the intents by
`assistant train asr`, see assistant.asr.compile.vosk_phrases) with "[unk]":
vosk builds a small decoding graph from it at run time, so only models with a
dynamic graph (graph/HCLr.fst + graph/Gr.fst, the "small" models) support it.
Phrases with words the model does not know are dropped (vosk would only warn),
and the number dropped is logged. Output containing "[unk]" is rejected as
out-of-domain.
"""

from __future__ import annotations

import importlib
import json
import logging
from pathlib import Path

import numpy as np

from assistant.asr.base import Transcript, as_int16
from assistant.asr.compile import asr_dir, ensure_compiled
from assistant.errors import EngineError, ModelMissingError

log = logging.getLogger(__name__)

MODEL_URL = "https://alphacephei.com/vosk/models/vosk-model-small-en-us-0.15.zip"
DOWNLOAD_HINT = (f"run `make models` (needs network), or download {MODEL_URL} and unzip it into models/ "
                 "(giving models/vosk-model-small-en-us-0.15/), or set [asr] vosk_model to its folder")
UNK = "[unk]"


# models of another language than English: the folder names they are found by, and how to get one
LANGUAGE_MODELS = {"zh": ("vosk-model-*cn*", "assistant.asr.zh")}


def download_hint(config) -> str:
    if config.language in LANGUAGE_MODELS:
        return importlib.import_module(LANGUAGE_MODELS[config.language][1]).VOSK_HINT
    return DOWNLOAD_HINT


def find_model(config) -> Path:
    """The vosk model folder to use, or ModelMissingError saying how to get one."""
    hint = download_hint(config)
    if config.asr.vosk_model:
        path = config.resolve(config.asr.vosk_model)
        if not path.is_dir():
            raise ModelMissingError(f"vosk model folder {path} does not exist", hint=hint)
        return path
    pattern = LANGUAGE_MODELS.get(config.language, ("vosk-model-*",))[0]
    candidates = sorted(p for p in config.models_dir.glob(pattern) if p.is_dir())
    if not candidates:
        raise ModelMissingError(f"no vosk model for language {config.language!r} installed "
                                f"(looked for {config.models_dir}/{pattern})", hint=hint)
    return candidates[0]


def check_model(path: Path) -> dict:
    """The layout of a vosk model folder; ModelMissingError naming what is missing."""
    am = next((p for p in (path / "am" / "final.mdl", path / "final.mdl") if p.is_file()), None)
    conf = next((p for p in (path / "conf" / "mfcc.conf", path / "mfcc.conf") if p.is_file()), None)
    graph = path / "graph" if (path / "graph").is_dir() else path
    missing = [name for name, found in (("am/final.mdl", am), ("conf/mfcc.conf", conf)) if found is None]
    dynamic = (graph / "HCLr.fst").is_file() and (graph / "Gr.fst").is_file()
    static = (graph / "HCLG.fst").is_file()
    if not (dynamic or static):
        missing.append("graph/HCLG.fst or graph/HCLr.fst + graph/Gr.fst")
    if missing:
        raise ModelMissingError(f"{path} is not a complete vosk model: missing {', '.join(missing)}",
                                hint=DOWNLOAD_HINT)
    for file in (am, conf):
        if file.stat().st_size == 0:
            raise ModelMissingError(f"{path} is corrupt: {file.relative_to(path)} is empty", hint=DOWNLOAD_HINT)
    return {"path": path, "graph": graph, "dynamic": dynamic, "words": graph / "words.txt"}


def model_vocabulary(words_txt: Path) -> set[str] | None:
    """The words of a model (graph/words.txt: `word id` lines), or None when it has no list."""
    if not words_txt.is_file():
        return None
    words = set()
    for line in words_txt.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split()
        if parts:
            words.add(parts[0])
    return words


def grammar_for_model(phrases: list[str], vocabulary: set[str] | None) -> tuple[list[str], int]:
    """Phrases whose every word the model knows (plus "[unk]"), and how many were dropped."""
    if vocabulary is None:
        return phrases, 0
    kept = [p for p in phrases if p == UNK or all(w in vocabulary for w in p.split())]
    if UNK not in kept:
        kept.append(UNK)
    return kept, len(phrases) - len(kept) + (0 if UNK in phrases else 1)


def load_grammar(config) -> list[str]:
    ensure_compiled(config)
    path = asr_dir(config) / "vosk" / "grammar.json"
    try:
        phrases = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelMissingError(f"vosk grammar {path} is unreadable: {exc}", hint="run `assistant train asr`") from exc
    if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
        raise ModelMissingError(f"vosk grammar {path} is not a list of phrases", hint="run `assistant train asr`")
    return phrases


def parse_result(payload: str) -> tuple[list[str], list[float]]:
    """Words and their confidences from a vosk result JSON."""
    data = json.loads(payload or "{}")
    items = data.get("result") or []
    if items:
        return [i["word"] for i in items], [float(i.get("conf", 1.0)) for i in items]
    words = (data.get("text") or "").split()
    return words, [1.0] * len(words)


def decide(words: list[str], confs: list[float], *, engine: str, mode: str, threshold: float) -> Transcript:
    """The transcript for vosk's words: "[unk]" rejects, low mean confidence rejects."""
    raw = " ".join(words)
    if not words:
        return Transcript("", 0.0, True, "no_speech", raw, engine, mode)
    confidence = float(np.mean(confs)) if confs else 0.0
    if UNK in words:
        return Transcript("", confidence, True, "garbage", raw, engine, mode)
    if confidence < threshold:
        return Transcript("", confidence, True, "low_confidence", raw, engine, mode)
    return Transcript(raw, confidence, False, "", raw, engine, mode, list(words))


class VoskEngine:
    """Streaming vosk recogniser in grammar or open mode."""

    name = "vosk"
    sample_rate = 16000

    def __init__(self, config, *, mode: str = "grammar") -> None:
        info = check_model(find_model(config))
        try:
            import vosk
        except ImportError as exc:
            raise ModelMissingError("the vosk package is not installed", hint="pip install 'vosk>=0.3.45'") from exc
        vosk.SetLogLevel(-1)
        try:
            self._model = vosk.Model(str(info["path"]))
        except Exception as exc:  # vosk raises a bare Exception("Failed to create a model")
            raise ModelMissingError(f"vosk could not load the model in {info['path']}: {exc}",
                                    hint="the model is corrupt or for another vosk version; " + DOWNLOAD_HINT) from exc
        self.mode = mode
        self.model_path = info["path"]
        self.threshold = config.asr.reject_threshold
        self._grammar: str | None = None
        if mode in ("grammar", "ngram"):  # vosk takes a phrase list, not an LM: both use it
            if not info["dynamic"]:
                log.warning("vosk model %s has a static graph: it cannot take a grammar, decoding open",
                            info["path"])
                self.mode = "open"
            else:
                phrases, vocabulary = load_grammar(config), model_vocabulary(info["words"])
                if config.language == "zh":  # words as the model's lexicon segments them (assistant.asr.zh)
                    from assistant.asr.zh import fit_phrases

                    phrases, _ = fit_phrases(phrases, vocabulary)
                phrases, dropped = grammar_for_model(phrases, vocabulary)
                if dropped:
                    log.info("vosk grammar: %d phrases dropped (words unknown to the model)", dropped)
                self._grammar = json.dumps(phrases, ensure_ascii=False)
        self._vosk = vosk
        self._recognizer = None
        self._reusable = None
        self._words: list[str] = []
        self._confs: list[float] = []

    def _new_recognizer(self):
        args = (self._model, float(self.sample_rate)) + ((self._grammar,) if self._grammar else ())
        try:
            recognizer = self._vosk.KaldiRecognizer(*args)
        except Exception as exc:
            raise EngineError(f"vosk could not build a recogniser: {exc}", hint="recompile: assistant train asr") from exc
        recognizer.SetWords(True)
        return recognizer

    def start(self) -> None:
        # building the recogniser compiles the grammar: once, then Reset() per utterance
        if self._reusable is None:
            self._reusable = self._new_recognizer()
        else:
            self._reusable.Reset()
        self._recognizer = self._reusable
        self._words, self._confs = [], []

    def feed(self, pcm) -> None:
        if self._recognizer is None:
            self.start()
        samples = as_int16(pcm)
        if len(samples) and self._recognizer.AcceptWaveform(samples.tobytes()):
            words, confs = parse_result(self._recognizer.Result())  # vosk's own endpoint mid-utterance
            self._words += words
            self._confs += confs

    def partial(self) -> str:
        if self._recognizer is None:
            return ""
        partial = json.loads(self._recognizer.PartialResult() or "{}").get("partial", "")
        return " ".join(w for w in (" ".join(self._words) + " " + partial).split() if w != UNK)

    def finish(self) -> Transcript:
        if self._recognizer is None:
            return Transcript("", 0.0, True, "no_speech", engine=self.name, mode=self.mode)
        words, confs = parse_result(self._recognizer.FinalResult())
        self._recognizer = None
        return decide(self._words + words, self._confs + confs, engine=self.name, mode=self.mode,
                      threshold=self.threshold)
