"""Two recognisers on the same audio: the primary's transcript, with the other's reading beside it.

Whisper hears open vocabulary, new phrasings included, but now and then an opposite ("unlock" ->
"lock") or a command in chatter; the pocketsphinx grammar only ever outputs a sentence the
intents allow, and rejects what it cannot place. They are wrong in different ways, so the
runtime weighs a reading by whether the other recogniser heard the same command
(assistant.understand). This engine only runs both: every block goes to each, `finish()` returns
the primary's transcript with the cross-check's accepted reading appended to `alternatives`
(tagged with its engine and mode, e.g. "pocketsphinx/grammar"); the cross-check's rejection adds
nothing. `[asr] cross_check` names it ("" = none).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from assistant.asr.transcript import Hypothesis, Transcript


class CrossCheckEngine:
    """`primary` and `check` behind one AsrEngine; the primary decides what is rejected."""

    sample_rate = 16000

    def __init__(self, primary, check) -> None:
        self.primary, self.check = primary, check
        self.name = primary.name
        self.mode = primary.mode
        self.label = f"{check.name}/{check.mode}"
        if hasattr(primary, "peek"):  # early endpointing when the primary can decode before the end
            self.peek, self.finish_peeked = self._peek, self._finish_peeked

    def start(self) -> None:
        self.primary.start()
        self.check.start()

    def feed(self, pcm: np.ndarray) -> None:
        self.primary.feed(pcm)
        self.check.feed(pcm)

    def partial(self) -> str:
        return self.primary.partial()

    def new_stream(self) -> None:
        for engine in (self.primary, self.check):
            method = getattr(engine, "new_stream", None)
            if callable(method):
                method()

    def _peek(self) -> Transcript:
        return self._with_check(self.primary.peek(), self.check.partial())

    def finish(self) -> Transcript:
        return self._checked(self.primary.finish())

    def _finish_peeked(self) -> Transcript:
        """The primary's last peek, with the cross-check's final reading (it streams: finishing is cheap)."""
        return self._checked(self.primary.finish_peeked())

    def _checked(self, transcript: Transcript) -> Transcript:
        checked = self.check.finish()
        return self._with_check(transcript, "" if checked.rejected else checked.text, checked.confidence)

    def _with_check(self, transcript: Transcript, text: str, confidence: float = 0.0) -> Transcript:
        if transcript.rejected or not text:
            return transcript
        own = transcript.alternatives or [Hypothesis(transcript.text, transcript.confidence, transcript.engine)]
        return replace(transcript, alternatives=own + [Hypothesis(text, confidence, self.label)])
