"""The wake phrase: pocketsphinx keyword search on every block (a `Trigger`, see triggers.py).

The wake phrase (config.wake.phrase, default "hello copilot"; every word must
be in the pocketsphinx dictionary) is spotted by pocketsphinx keyword search
(kws) on every block: the phrase's path against a free phone loop, above
`[wake] threshold`. What was measured (`assistant bench wake`, recorded wake set
and an hour of other prose; figures in the bench docstring) and kept:

- A long phrase. "hey car" (5 phones) woke ~70 times per hour of prose at a
  threshold that still missed half of the phrases; "hello copilot" (11 phones)
  had no false wake at the threshold that found 97% of them. Its last word is
  rare in speech ("hello computer" woke on "...a computer network...").
- A threshold per phrase: a longer phrase scores lower, so it needs a lower
  threshold (1e-40 for "hello copilot", tuned with `--wake-thresholds`).
- A wide search beam (1e-80): with pocketsphinx's default the phrase's path was
  pruned in car noise before it could be scored.
- A detection is judged once it has settled (SETTLE_S): "hello cop-" already
  scores as a (poor) whole phrase 0.6 s before "-pilot" ends it, and waking
  there would hand "-pilot" to the recogniser.
- Dither: a white noise floor (DITHER_RMS, -47 dBFS). The acoustic model was
  trained on recordings that always have one; with the old -64 dBFS floor,
  clean synthetic speech and its digital silence were badly missed.

Measured and left off by default:
- `[wake] verify`: `PhraseVerifier` decodes the detection's audio again with
  its own cepstral mean, as the phrase and as free phones, and wants the
  phrase (and each word) to fit nearly as well. It cut "hello computer"'s
  false wakes 4x, but for "hello copilot" it only added misses.
- `[wake] gate`: spot only while the voice detector hears speech. It saves the
  spotter's CPU in silence (about a third of the blocks on the wake set), but
  the cepstral mean then learns from speech alone and more phrases were missed.
"""

from __future__ import annotations

import math
import os
from bisect import bisect_right
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.audio.blocks import AudioBlock
from assistant.nlu.numbers_zh import has_han
from assistant.errors import ConfigError, ModelMissingError

from .triggers import Triggered

RESTART_EVERY_S = 60.0  # keyword search restarts so a stream of hours keeps no growing state
DITHER_RMS = 150.0      # measured: 20 missed clean synthetic speech, 150 found it without more false wakes
SETTLE_S = 0.6          # judge a detection once its end is this old (kws_delay): "hello cop-" can end 0.6 s before "-pilot"
VERIFY_PAD_S = 0.15     # audio either side of a detection that the verifier decodes
END_MARGIN_S = 0.1      # the phrase's path leaves its last phone before that phone's release ("-t") ends
GATE_PRE_ROLL_S = 0.3   # with the gate: audio before the first voiced frame that the spotter still hears
GATE_HANG_S = 0.5       # ... and after the last one
FRAME_S = 0.01          # pocketsphinx frame rate
WORD_FLOOR = -4.0       # verifier: each word's own score too (the phrase said in the recorded set: >= -3.5)
# Where the spotter's cepstral mean settles after a minute of prose in eight flite/espeak-ng voices, clean and
# at 10 dB (license texts other than the wake set's). The wheel's en-us model starts from 40,3,-1: from
# there a freshly started spotter woke on 19 of the wake set's 30 clean/10 dB files, from this on 26.
START_CMN = "62.3,0.4,6.7,10.7,1.0,-0.1,-0.9,-5.8,-3.0,-1.3,2.8,2.5,1.4"


@dataclass(frozen=True)
class Detection:
    """One keyword-spotter detection and how it was judged (kept for benchmarks and logs).

    `score`: log10 of the kws threshold it passes (-46 passes 1e-46); `verify` and
    `weakest_word`: the verifier's per-frame scores (x1000), None when not verified.
    """

    start_s: float
    end_s: float
    score: float
    verify: float | None
    weakest_word: float | None
    accepted: bool


class PhraseVerifier:
    """Second pass on a detection: the phrase, or free phones that fit the audio better?

    One decoder with batch cepstral mean (the detection's own audio, so the stream's
    history does not matter) and two searches: an FSG of exactly the phrase, and the
    model's phone recogniser. Returns (phrase - phones) acoustic log-likelihood per
    frame, x1000: near 0 when the phrase explains the audio as well as any phone
    sequence, well below 0 when other sounds were taken for it.
    """

    def __init__(self, hmm: Path, dict_path: Path, phrase: str, phone_lm: Path | None) -> None:
        from pocketsphinx import Decoder

        self._decoder = Decoder(hmm=str(hmm), dict=str(dict_path), lm=None, cmn="batch", bestpath=False,
                                loglevel="FATAL", logfn=os.devnull)
        words = phrase.split()
        self._words = set(words)
        transitions = [(i, i + 1, 1.0, w) for i, w in enumerate(words)]
        self._decoder.add_fsg("phrase", self._decoder.create_fsg("phrase", 0, len(words), transitions))
        self._decoder.add_allphone_file("phones", str(phone_lm) if phone_lm else None)

    def _segments(self, search: str, pcm: np.ndarray) -> list[tuple[str, int, int, float]]:
        """(word, first frame, last frame, acoustic log-likelihood) of the best path; [] when none."""
        self._decoder.activate_search(search)
        self._decoder.start_utt()
        self._decoder.process_raw(pcm.tobytes(), False, True)
        self._decoder.end_utt()
        if self._decoder.hyp() is None:
            return []
        return [(seg.word, seg.start_frame, seg.end_frame, math.log(max(seg.ascore, 1e-300)))
                for seg in self._decoder.seg()]

    def score(self, pcm: np.ndarray) -> tuple[float, float] | None:
        """(whole phrase, weakest word): (phrase - free phones) acoustic score per frame x1000.

        None when either search found no path. The weakest word catches a near miss whose
        first word fits perfectly ("hello there" for "hello computer").
        """
        phrase, phones = self._segments("phrase", pcm), self._segments("phones", pcm)
        if not phrase or not phones:
            return None
        frames = max(1, len(pcm) // 160)
        whole = (sum(s[3] for s in phrase) - sum(s[3] for s in phones)) / frames * 1000
        words = [_per_frame(seg, phones) for seg in phrase if seg[0] in self._words]
        return whole, min(words, default=whole)


def _per_frame(word: tuple[str, int, int, float], phones: list[tuple[str, int, int, float]]) -> float:
    """A word's score minus the free phones' over the same frames (shared phones pro rata), per frame x1000."""
    _, first, last, score = word
    other = sum(s * (min(last, e) - max(first, b) + 1) / (e - b + 1)
                for _, b, e, s in phones if min(last, e) >= max(first, b))
    return (score - other) / (last - first + 1) * 1000


class VoiceGate:
    """Which blocks the spotter hears when gated: voiced ones, a pre-roll before them, a hang-over after.

    Uses the endpointer's detector (webrtcvad above an adaptive noise floor), on its own
    instance: between utterances nothing reaches the keyword search.
    """

    def __init__(self, block_ms: int = 30) -> None:
        from assistant.audio.vad import SpeechDetector, frame_ms_for

        self._detector = SpeechDetector(2, frame_ms_for(block_ms))
        self._frame = self._detector.frame_samples
        self._pre: deque[AudioBlock] = deque(maxlen=max(1, round(GATE_PRE_ROLL_S * 1000 / block_ms)))
        self._hang_blocks = max(1, round(GATE_HANG_S * 1000 / block_ms))
        self._hang = 0

    def admit(self, raw: AudioBlock, block: AudioBlock) -> list[AudioBlock]:
        """The blocks to feed now (`raw` is judged, `block` - the dithered copy - is what is fed)."""
        pcm = raw.pcm
        voiced = any(self._detector.is_speech(pcm[i:i + self._frame])
                     for i in range(0, len(pcm) - self._frame + 1, self._frame))
        if voiced:
            self._hang = self._hang_blocks
            out = [*self._pre, block]
            self._pre.clear()
            return out
        if self._hang > 0:
            self._hang -= 1
            return [block]
        self._pre.append(block)
        return []


class WakePhraseSpotter:
    """The wake phrase in a continuous stream: keyword spotting, optionally `PhraseVerifier` (module docstring).

    `detections` keeps the last detections with their scores (benchmarks, logs);
    `blocks_seen`/`blocks_fed` count what the gate let through.
    """

    def __init__(self, phrase: str, *, threshold: float = 1e-40, verify_threshold: float | None = None,
                 gate: bool = False, dither: float = DITHER_RMS, settle_s: float = SETTLE_S, beam: float = 1e-80,
                 hmm: Path | None = None) -> None:
        from pocketsphinx import Decoder, get_model_path

        from assistant.asr.lexicon import pronounce

        self.phrase = " ".join(phrase.lower().split())
        if not self.phrase:
            raise ConfigError("[wake] phrase is empty", hint='set a phrase, e.g. phrase = "hello copilot"')
        if not 0.0 < float(threshold) < 1.0:
            raise ConfigError(f"[wake] threshold must be between 0 and 1 (e.g. 1e-40), not {threshold}",
                              hint="lower finds more and wakes more; tune with `assistant bench wake --wake-thresholds`")
        model = Path(get_model_path()) / "en-us"
        own_model = hmm is None
        hmm = hmm or model / "en-us"
        if not (hmm / "mdef").is_file():
            raise ModelMissingError(f"no pocketsphinx acoustic model in {hmm}", hint="reinstall pocketsphinx")
        words = pronounce(self.phrase.split(), _cmudict_entries(model / "cmudict-en-us.dict", self.phrase.split()))
        dict_path = _private_dict(words)
        try:
            self._decoder = Decoder(hmm=str(hmm), dict=str(dict_path), keyphrase=self.phrase,
                                    kws_threshold=float(threshold), kws_delay=round(settle_s / FRAME_S),
                                    beam=beam, lm=None, loglevel="FATAL", logfn=os.devnull)
            phone_lm = next(iter(sorted(hmm.parent.glob("*phone.lm.bin"))), None)
            self.verifier = (PhraseVerifier(hmm, dict_path, self.phrase, phone_lm)
                             if verify_threshold is not None else None)
        finally:
            dict_path.unlink(missing_ok=True)
        if own_model:
            self._decoder.set_cmn(START_CMN)
        self._start_cmn = self._decoder.get_cmn()  # what new_stream() returns to
        self.threshold = float(threshold)
        self.verify_threshold = verify_threshold
        self.dither = float(dither)
        self.gated = bool(gate)
        self._gate: VoiceGate | None = None
        self._rng = np.random.default_rng(0)
        self._fed: list[AudioBlock] = []   # blocks fed since start_utt (audio for the verifier, times)
        self._offsets: list[int] = []      # sample offset of each fed block in the utterance
        self._samples = 0
        self._judged: set[tuple[int, int]] = set()
        self._started = False
        self.detections: deque[Detection] = deque(maxlen=100)
        self.blocks_seen = 0
        self.blocks_fed = 0
        self.seconds_seen = 0.0

    @classmethod
    def from_config(cls, config) -> "WakePhraseSpotter":
        w = config.wake
        if has_han(w.phrase):  # pocketsphinx has no Mandarin: the zh model's recogniser spots it
            from assistant.asr.wake_zh import VoskPhraseSpotter

            return VoskPhraseSpotter.from_config(config)
        return cls(w.phrase, threshold=w.threshold, verify_threshold=w.verify_threshold if w.verify else None,
                   gate=w.gate)

    def check(self, block: AudioBlock) -> Triggered | None:
        self.blocks_seen += 1
        self.seconds_seen += block.duration_s
        dithered = self._dither(block)
        if self.gated:
            if self._gate is None:
                self._gate = VoiceGate(round(block.duration_s * 1000))
            todo = self._gate.admit(block, dithered)
        else:
            todo = [dithered]
        for b in todo:
            fired = self._feed(b)
            if fired is not None:
                return fired
        return None

    def _dither(self, block: AudioBlock) -> AudioBlock:
        if not self.dither:
            return block
        noisy = block.pcm + self._rng.normal(0.0, self.dither, len(block.pcm))
        return AudioBlock(np.clip(noisy, -32768, 32767).astype(np.int16), block.start_s, block.channel_rms)

    def _feed(self, block: AudioBlock) -> Triggered | None:
        if not self._started:
            self._decoder.start_utt()
            self._started = True
        self._decoder.process_raw(block.pcm.tobytes(), False, False)
        self.blocks_fed += 1
        self._fed.append(block)
        self._offsets.append(self._samples)
        self._samples += len(block.pcm)
        hyp = self._decoder.hyp()  # only detections older than SETTLE_S (kws_delay)
        if hyp is not None and hyp.hypstr:
            for seg in self._decoder.seg() or []:
                key = (seg.start_frame, seg.end_frame)
                if key in self._judged:
                    continue
                self._judged.add(key)
                detection = self._judge(seg)
                self.detections.append(detection)
                if detection.accepted:
                    self._restart()
                    return Triggered("wake", round(detection.end_s + END_MARGIN_S, 3), self.phrase)
        if self._samples / 16000 > RESTART_EVERY_S:
            self._restart()
        return None

    def _judge(self, seg) -> Detection:
        start, end = seg.start_frame * 160, (seg.end_frame + 1) * 160
        score = (math.log(max(seg.prob, 1e-300)) / math.log(1.0001) + _KWS_MAX) * _KWS_UNIT_LOG10
        scores = None
        if self.verifier is not None:
            pad = int(VERIFY_PAD_S * 16000)
            scores = self.verifier.score(self._audio(max(0, start - pad), end + pad))
        accepted = self.verifier is None or (scores is not None and scores[0] >= self.verify_threshold
                                             and scores[1] >= WORD_FLOOR)
        return Detection(self._time(start), self._time(end), round(score, 2),
                         None if scores is None else round(scores[0], 3),
                         None if scores is None else round(scores[1], 3), accepted)

    def _audio(self, lo: int, hi: int) -> np.ndarray:
        pcm = np.concatenate([b.pcm for b in self._fed])
        return pcm[lo:min(hi, len(pcm))]

    def _time(self, sample: int) -> float:
        """Stream time of a sample of this utterance (fed blocks need not be contiguous when gated)."""
        i = max(0, bisect_right(self._offsets, sample) - 1)
        return round(self._fed[i].start_s + (sample - self._offsets[i]) / 16000, 3)

    def _restart(self) -> None:
        if self._started:
            self._decoder.end_utt()
        self._started = False
        self._fed, self._offsets, self._samples = [], [], 0
        self._judged.clear()

    def reset(self) -> None:
        self._restart()

    def new_stream(self) -> None:
        """Another recording: the spotter as after loading (its cepstral mean, noise estimate, dither
        and gate learnt nothing from the last one). `reset()` keeps them: the same cabin."""
        self._restart()
        self._decoder.reinit_feat()
        self._decoder.set_cmn(self._start_cmn)
        self._rng = np.random.default_rng(0)
        self._gate = None


def _cmudict_entries(path: Path, words: list[str]) -> dict[str, list[str]]:
    """Only these words' entries of a CMU dictionary: parsing all 134k lines cost ~0.5 s of start-up."""
    import re

    from assistant.asr.lexicon import read_cmudict

    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return read_cmudict(path)  # raises the ModelMissingError that says what to do
    wanted = "|".join(re.escape(w) for w in sorted(set(words)))
    table: dict[str, list[str]] = {}
    for word, phones in re.findall(rf"^({wanted})(?:\(\d+\))?[ \t]+([^\n#]+)", text, re.M):
        table.setdefault(word, []).append(" ".join(phones.split()))
    return table


def _private_dict(words) -> Path:
    import tempfile
    fd, name = tempfile.mkstemp(prefix="wake-", suffix=".dict")
    os.close(fd)
    path = Path(name)
    words.write_dict(path)
    return path


# kws reports prob = (phrase - phone loop) - KWS_MAX in log base 1.0001 >> 10 units (kws_search.c)
_KWS_MAX = 1500
_KWS_UNIT_LOG10 = 1024 * math.log10(1.0001)
