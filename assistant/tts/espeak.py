"""espeak-ng: the embedded default voice (formant synthesis, tiny, many languages).

Runs the `espeak-ng` binary once per sentence with `--stdout`. A process per
sentence costs a few milliseconds and gives clean sentence boundaries; the
text goes in on stdin so a reply starting with "-" is never read as an option.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from typing import Iterator

import numpy as np

from assistant.errors import EngineError, ModelMissingError

from .base import AudioChunk
from .sentences import MAX_SENTENCE_CHARS, limit_text, split_sentences

# Language pack -> espeak-ng voice (`espeak-ng --voices` lists them).
# zh: cmn-latn-pinyin, not cmn: Debian's espeak-ng 1.51 cmn dictionary gives many characters as pinyin
# with a tone digit, which the cmn voice then reads as English ("温度" -> "wen one du four")
LANGUAGE_VOICES = {"en": "en-us", "zh": "cmn-latn-pinyin"}
DEFAULT_WPM = 175  # espeak-ng's own default speed
INSTALL_HINT = "install it: `apt-get install espeak-ng` (or `make system-deps`)"


class EspeakEngine:
    """espeak-ng through its command-line binary; 22050 Hz mono int16."""

    name = "espeak"

    def __init__(self, voice: str = "en-us", *, rate: float = 1.0, max_chars: int = 1000,
                 binary: str = "espeak-ng", timeout_s: float = 30.0) -> None:
        path = shutil.which(binary)
        if path is None:
            raise ModelMissingError(f"espeak-ng is not installed ({binary!r} not found on PATH)",
                                    hint=INSTALL_HINT)
        if not rate > 0:
            raise EngineError(f"speaking rate must be positive, got {rate}", hint="set [tts] rate = 1.0")
        self.binary = path
        self.voice = voice
        self.wpm = max(80, min(450, round(DEFAULT_WPM * rate)))
        self.max_chars = max_chars
        self.timeout_s = timeout_s
        self.sample_rate = 22050
        self.sentences_synthesised = 0
        self._check_voice()

    @classmethod
    def from_config(cls, config, voice: str = "") -> "EspeakEngine":
        """Voice from `voice` / [tts] voice, else the language's (en -> en-us, zh -> cmn)."""
        chosen = voice or config.tts.voice or LANGUAGE_VOICES.get(config.language, config.language)
        return cls(chosen, rate=config.tts.rate, max_chars=config.tts.max_chars)

    def synthesize(self, text: str) -> Iterator[AudioChunk]:
        """One chunk per sentence, each synthesised only when asked for."""
        sentences = limit_text(split_sentences(text, MAX_SENTENCE_CHARS), self.max_chars)
        for index, sentence in enumerate(sentences):
            rate, samples = self._run(sentence)
            self.sample_rate = rate
            self.sentences_synthesised += 1
            yield AudioChunk(samples=samples, sample_rate=rate, text=sentence, index=index)

    def _check_voice(self) -> None:
        # `-q` synthesises nothing: this only asks espeak-ng whether the voice loads.
        result = self._exec(["-q", "-v", self.voice], b"")
        if result.returncode != 0:
            raise ModelMissingError(
                f"espeak-ng has no voice {self.voice!r}: {_stderr(result)}",
                hint="pick one from `espeak-ng --voices` (en-us, cmn, ...) for [tts] voice, "
                     "or leave it empty to follow the language")

    def _run(self, sentence: str) -> tuple[int, np.ndarray]:
        args = ["--stdout", "-b", "1", "-v", self.voice, "-s", str(self.wpm)]
        if self.voice.startswith("cmn"):
            from assistant.nlu.numbers_zh import speakable_zh

            sentence = speakable_zh(sentence)  # 22.5 and -4.5 as words: espeak-ng drops the point and minus
        result = self._exec(args, sentence.encode("utf-8"))
        if result.returncode != 0:
            raise EngineError(f"espeak-ng failed on {sentence[:60]!r}: {_stderr(result)}",
                              hint="check the voice with `espeak-ng -v VOICE 'test'`")
        return parse_wav_stream(result.stdout)

    def _exec(self, args: list[str], stdin: bytes) -> subprocess.CompletedProcess:
        try:
            return subprocess.run([self.binary, *args], input=stdin, capture_output=True,
                                  timeout=self.timeout_s, check=False)
        except subprocess.TimeoutExpired as exc:
            raise EngineError(f"espeak-ng took longer than {self.timeout_s:g} s",
                              hint="the sentence may be huge; lower [tts] max_chars") from exc
        except OSError as exc:
            raise ModelMissingError(f"cannot run {self.binary}: {exc}", hint=INSTALL_HINT) from exc


def parse_wav_stream(data: bytes) -> tuple[int, np.ndarray]:
    """(sample_rate, int16 samples) of a WAV written to a pipe.

    `espeak-ng --stdout` cannot seek back to fill in the sizes, so the header
    claims a huge data chunk: take everything after the `data` tag instead.
    """
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise EngineError("espeak-ng did not write a WAV stream", hint="check `espeak-ng --version`")
    pos, rate, bits, channels = 12, 0, 16, 1
    while pos + 8 <= len(data):
        tag, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        body = pos + 8
        if tag == b"fmt ":
            _, channels, rate, _, _, bits = struct.unpack("<HHIIHH", data[body:body + 16])
        elif tag == b"data":
            if bits != 16 or channels != 1 or not rate:
                raise EngineError(f"unexpected espeak-ng audio format: {bits}-bit, {channels} ch, {rate} Hz")
            pcm = data[body:]
            pcm = pcm[:len(pcm) - len(pcm) % 2]
            return rate, np.frombuffer(pcm, dtype="<i2").astype(np.int16)
        pos = body + size + (size & 1)
    raise EngineError("espeak-ng wrote a WAV stream without audio data")


def _stderr(result: subprocess.CompletedProcess) -> str:
    return result.stderr.decode("utf-8", "replace").strip() or f"exit status {result.returncode}"
