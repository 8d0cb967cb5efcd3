"""A starting cepstral mean for pocketsphinx, measured when the grammar is compiled.

pocketsphinx normalises features by a running cepstral mean (CMN) that it
learns from the speech it hears. The value it starts from (the model's
`cmninit`) is far from what a head unit's audio looks like, so the first
utterances after start-up were misheard ("how much fuel do i have" became
garbage twice, then right the third time). `assistant train asr` therefore
speaks some of the grammar's own sentences with espeak-ng, decodes them, and
stores the decoder's mean as cmn.txt; the engine starts from it and keeps
adapting to the real microphone as usual.

The stored mean is the average over every sentence of a second pass, not the
decoder's last state: that one leans on the last sentence heard, so adding a
few phrasings to the intents moved it far enough to change how the first
utterance of a stream was heard.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

CALIBRATION_SENTENCES = 16  # how many the compiler draws from the grammar
SAMPLE_RATE = 16000


def _speech(sentences: list[str]) -> list[np.ndarray]:
    import soxr

    from assistant.tts.espeak import EspeakEngine

    engine = EspeakEngine("en-us")
    out = []
    for text in sentences:
        for chunk in engine.synthesize(text):
            samples = chunk.samples.astype(np.float32)
            if chunk.sample_rate != SAMPLE_RATE:
                samples = soxr.resample(samples, chunk.sample_rate, SAMPLE_RATE)
            pad = np.zeros(SAMPLE_RATE // 2, np.float32)  # pauses around it, as a recording has
            out.append(np.clip(np.concatenate([pad, samples, pad]), -32768, 32767).astype(np.int16))
    return out


def measure_cmn(hmm: Path, fsg: Path, dictionary: Path, sentences: list[str]) -> str | None:
    """The decoder's cepstral mean after hearing `sentences` spoken; None when no TTS is available."""
    from pocketsphinx import Decoder

    from assistant.errors import AssistantError

    try:
        clips = _speech(sentences)
    except (AssistantError, OSError) as exc:
        log.warning("no CMN calibration (espeak-ng unavailable: %s); the first utterances may be misheard", exc)
        return None
    decoder = Decoder(hmm=str(hmm), fsg=str(fsg), dict=str(dictionary), lm=None, loglevel="FATAL",
                      logfn=os.devnull, samprate=SAMPLE_RATE)
    means = []
    for second_pass in (False, True):  # the second pass starts from the first pass's mean
        for clip in clips:
            decoder.start_utt()
            decoder.process_raw(clip.tobytes(), False, True)
            decoder.end_utt()
            if second_pass:
                means.append([float(v) for v in decoder.get_cmn().split(",")])
    return ",".join(f"{v:.4g}" for v in np.mean(means, axis=0))
