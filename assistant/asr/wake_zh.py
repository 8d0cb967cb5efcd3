"""The Mandarin wake phrase ("你好一汽"), spotted with the Mandarin vosk model.

pocketsphinx's keyword spotter has only the en-us model, so a phrase in Han characters is
spotted by vosk-model-small-cn-0.22 instead: a recogniser whose grammar is the phrase (in the
model's own words) and "[unk]" for everything else, fed every block; the phrase in its partial
or final result starts a turn. Without the model this is a ModelMissingError that says how to
get it; the steering-wheel button works either way.
"""

from __future__ import annotations

import json

from assistant.asr.triggers import Triggered
from assistant.audio.blocks import AudioBlock
from assistant.errors import ModelMissingError

UNK = "[unk]"


class VoskPhraseSpotter:
    """Trigger protocol (check/reset) over a vosk recogniser constrained to the wake phrase."""

    def __init__(self, model_path, phrase: str) -> None:
        from assistant.asr.vosk_engine import check_model, model_vocabulary
        from assistant.asr.zh import resegment, segment

        info = check_model(model_path)
        try:
            import vosk
        except ImportError as exc:
            raise ModelMissingError("the vosk package is not installed", hint="pip install 'vosk>=0.3.45'") from exc
        vocabulary = model_vocabulary(info["words"])
        words = " ".join(segment(phrase))
        fitted = resegment(words, vocabulary) if vocabulary is not None else words
        if fitted is None:
            raise ModelMissingError(f"the wake phrase {phrase!r} has characters {model_path} does not know",
                                    hint="choose another [wake] phrase; the voice button always works")
        vosk.SetLogLevel(-1)
        self.phrase = fitted
        self._model = vosk.Model(str(info["path"]))
        self._recognizer = vosk.KaldiRecognizer(self._model, 16000.0, json.dumps([fitted, UNK], ensure_ascii=False))

    @classmethod
    def from_config(cls, config) -> "VoskPhraseSpotter":
        from assistant.asr.vosk_engine import find_model
        from assistant.asr.zh import VOSK_HINT

        try:
            model = find_model(config)
        except ModelMissingError as exc:
            raise ModelMissingError(
                f"the wake phrase {config.wake.phrase!r} needs the Mandarin vosk model: {str(exc).splitlines()[0]}",
                hint=VOSK_HINT + '; or set [wake] phrase = "" and use the voice button (it always works)') from None
        return cls(model, config.wake.phrase)

    def check(self, block: AudioBlock) -> Triggered | None:
        done = self._recognizer.AcceptWaveform(block.pcm.astype("<i2").tobytes())
        payload = self._recognizer.Result() if done else self._recognizer.PartialResult()
        heard = json.loads(payload or "{}")
        text = heard.get("text", heard.get("partial", ""))
        if self.phrase in text:
            self._recognizer.Reset()
            return Triggered("wake", round(block.start_s + block.duration_s, 3), self.phrase)
        return None

    def reset(self) -> None:
        self._recognizer.Reset()
