"""pocketsphinx: the embedded default, with the US-English model shipped in its wheel.

grammar mode decodes against the FSG compiled from the intents (see
assistant.asr.fsg): the hypothesis is either a command the grammar accepts,
or garbage words, which reject it. ngram mode uses the trigram LM compiled
from the same data (garbage words included). open mode uses the wheel's
general English trigram model and dictionary (slow and often wrong on
commands; the baseline the grammar is measured against).

Which mode, measured end to end (`assistant replay`, clean commands, 60 files each):
phrasings in the grammar: grammar 98%, ngram 90%; held-out phrasings the grammar lacks:
grammar 29.5%, ngram 85%; out-of-scope speech acted on: grammar 6 of 40 (1 write), ngram
12 of 40 (3 writes). A second n-gram pass over what the grammar rejects was tried and
dropped: 64% on held-out phrasings and the most out-of-scope actions (16 of 40) - the
grammar's errors on new phrasings are wrong commands, not rejections. grammar stays the
default in the car (fewest actions nobody asked for); ngram is one line of config.

`bestpath = no` in grammar mode: the lattice best path of an FSG search may
end outside the final state ("unmute the"), and costs time; the Viterbi
result cannot.

Between utterances pocketsphinx adapts: the cepstral mean moves towards each
utterance heard (live CMN, starting from the mean measured at compile time)
and the front end keeps a noise estimate. Within one stream that is wanted
(the cabin and the voice stay); `new_stream()` puts both back to where they
were after loading, so each recording is heard as if it were the first.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from assistant.asr.acoustic_model import model_dir
from assistant.asr.base import Transcript, as_int16
from assistant.asr.compile import GARBAGE_PREFIX, asr_dir, ensure_compiled
from assistant.errors import EngineError, ModelMissingError


def _open_lm_files(hmm: Path) -> tuple[Path, Path]:
    root = hmm.parent
    lms = sorted(p for p in root.glob("*.lm.bin") if "phone" not in p.name) or sorted(root.glob("*.lm"))
    dicts = sorted(root.glob("*.dict"))
    if not lms or not dicts:
        raise ModelMissingError(f"open mode needs a language model and dictionary next to {hmm}",
                                hint="use mode = \"grammar\", or install a model with *.lm.bin and *.dict")
    return lms[0], dicts[0]


class PocketsphinxEngine:
    """Streaming pocketsphinx decoder in grammar or open mode."""

    name = "pocketsphinx"
    sample_rate = 16000

    def __init__(self, config, *, mode: str = "grammar") -> None:
        from pocketsphinx import Decoder

        self.mode = mode
        self.reject_threshold = config.asr.reject_threshold
        hmm = model_dir(config)
        settings = dict(hmm=str(hmm), loglevel="FATAL", logfn=os.devnull, samprate=self.sample_rate)
        if mode in ("grammar", "ngram"):
            ensure_compiled(config)
            folder = asr_dir(config) / "pocketsphinx"
            settings["dict"] = str(folder / "words.dict")
            if mode == "grammar":
                settings.update(fsg=str(folder / "commands.fsg"), lm=None, bestpath=False, wbeam=1e-60)
            else:
                settings["lm"] = str(folder / "commands.lm")
        else:
            lm, dictionary = _open_lm_files(hmm)
            settings.update(lm=str(lm), dict=str(dictionary))
        try:
            self._decoder = Decoder(**settings)
        except (RuntimeError, ValueError) as exc:
            raise EngineError(f"pocketsphinx could not load its model or grammar: {exc}",
                              hint="recompile with `assistant train asr`; check [asr] pocketsphinx_model") from exc
        cmn = asr_dir(config) / "pocketsphinx" / "cmn.txt"
        if mode != "open" and cmn.is_file():  # the starting mean measured at compile time
            self._decoder.set_cmn(cmn.read_text(encoding="utf-8").strip())
        self._start_cmn = self._decoder.get_cmn()  # what new_stream() returns to
        self._started = False

    def new_stream(self) -> None:
        """A new source begins (another recording): forget what the last one taught the decoder.

        Measured: the same WAV was heard as "please on the ac" alone and as "open the back seat"
        after other files of one `assistant replay`. Both the cepstral mean and the noise estimate
        carried over; resetting the mean alone still changed scores. `reinit_feat()` rebuilds the
        feature extraction (noise estimate included, < 1 ms), then the starting mean is restored.
        """
        if self._started:  # an utterance left open: end it without letting it update the mean
            self._decoder.end_utt()
            self._started = False
        self._decoder.reinit_feat()
        self._decoder.set_cmn(self._start_cmn)

    def start(self) -> None:
        if self._started:
            self._decoder.end_utt()
        self._decoder.start_utt()
        self._started = True

    def feed(self, pcm) -> None:
        if not self._started:
            self.start()
        samples = as_int16(pcm)
        if not len(samples):
            return
        self._decoder.process_raw(samples.tobytes(), False, False)

    def partial(self) -> str:
        if not self._started:
            return ""
        hyp = self._decoder.hyp()
        words = hyp.hypstr.split() if hyp else []
        return "" if any(w.startswith(GARBAGE_PREFIX) for w in words) else " ".join(words)

    def finish(self) -> Transcript:
        if not self._started:
            return Transcript("", 0.0, True, "no_speech", engine=self.name, mode=self.mode)
        self._decoder.end_utt()
        self._started = False
        hyp = self._decoder.hyp()
        raw = hyp.hypstr.strip() if hyp else ""
        words = raw.split()
        if not words:
            return Transcript("", 0.0, True, "no_match" if hyp is None else "no_speech", raw,
                              self.name, self.mode)
        confidence = self._confidence(hyp)
        garbage = sum(w.startswith(GARBAGE_PREFIX) for w in words)
        if garbage:  # any out-of-domain word: the grammar did not explain this speech
            return Transcript("", confidence, True, "garbage", raw, self.name, self.mode)
        if confidence < self.reject_threshold:
            return Transcript("", confidence, True, "low_confidence", raw, self.name, self.mode)
        return Transcript(raw, confidence, False, "", raw, self.name, self.mode, words)

    def _confidence(self, hyp) -> float:
        """0-1: open mode, the lattice posterior; grammar mode, the best path's score per second.

        pocketsphinx normalises scores by the best state of every frame, so the final path
        score measures how far the grammar forced the audio away from its best local match:
        close to 1 when the words fit the sound, lower when they were forced onto it.
        """
        if self.mode == "open":
            return float(min(max(hyp.prob, 0.0), 1.0))
        seconds = max(self._decoder.n_frames(), 1) / 100.0
        per_second = math.log(max(hyp.score, 1e-300)) / seconds
        return float(min(max(math.exp(per_second), 0.0), 1.0))
