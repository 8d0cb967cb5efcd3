"""When a notice may be spoken: between turns, never over the driver or a reply.

The live loop asks `NoticeTiming.next(block, busy)` once per audio block. It checks
the watcher, queues what is due, and hands back one notice only when

- the loop is not busy (no reply playing, no turn open after a wake phrase or the
  button, no follow-up window, no dialogue question waiting: the loop says so), and
- nobody is speaking in the cabin: a voice detector of its own hears the blocks
  even when no turn is open (with a wake phrase the endpointer then sees nothing),
  and a notice waits until `quiet_s` after the last voiced frame. With nothing
  waiting it only keeps its noise floor current (no speech decisions, so idle CPU
  does not grow); a notice that comes due is heard out for `quiet_s` first.

A notice that waited is dropped if it stopped being true meanwhile (the door was
closed), so nothing stale is said.
"""

from __future__ import annotations

import logging
from collections import deque

from assistant.audio.blocks import PIPELINE_RATE, AudioBlock

from .watcher import Notice, NoticeWatcher

log = logging.getLogger(__name__)

QUIET_S = 0.6  # as long as the endpointer's trailing silence: a pause, not the end of a sentence
CHECK_EVERY_S = 0.1  # of stream time: the watcher looks at the car this often (status frames come every 50-200 ms)
OBSERVE_EVERY = 4  # with nothing waiting, every 4th block keeps the noise floor current (it moves slowly)


class NoticeTiming:
    """The watcher, the queue of notices waiting to be said, and the cabin's voice activity."""

    def __init__(self, watcher: NoticeWatcher, *, quiet_s: float = QUIET_S, aggressiveness: int = 2,
                 frame_ms: int = 30) -> None:
        from assistant.audio.vad import SpeechDetector

        self.watcher = watcher
        self.quiet_s = quiet_s
        self.waiting: deque[Notice] = deque()
        self.dropped: list[Notice] = []  # no longer true when their turn came
        self._detector = SpeechDetector(aggressiveness, frame_ms)
        self._last_voice_s = float("-inf")
        self._next_check_s = float("-inf")
        self._blocks = 0

    @classmethod
    def from_config(cls, config, vehicle) -> "NoticeTiming":
        from .texts import NoticeTexts

        texts = NoticeTexts.load(config.intents_dir / "responses.yml")
        return cls(NoticeWatcher(vehicle.state, vehicle.db, texts), quiet_s=QUIET_S,
                   aggressiveness=config.vad.aggressiveness)

    def next(self, block: AudioBlock, *, busy: bool) -> Notice | None:
        """The notice to say now, if any (see the module docstring)."""
        due = []
        if block.start_s >= self._next_check_s:
            self._next_check_s = block.start_s + CHECK_EVERY_S
            due = self.watcher.check()
        if due and not self.waiting:
            self._last_voice_s = max(self._last_voice_s, block.start_s)  # listen for quiet_s before speaking
        self.waiting.extend(due)
        self._hear(block)
        if not self.waiting or busy or block.start_s - self._last_voice_s < self.quiet_s:
            return None
        while self.waiting:
            notice = self.waiting.popleft()
            if self.watcher.still_applies(notice):
                return notice
            self.dropped.append(notice)
            log.info("notice %s no longer applies: not said (%s)", notice.kind, notice.text)
        return None

    def _hear(self, block: AudioBlock) -> None:
        self._blocks += 1
        if not self.waiting and self._blocks % OBSERVE_EVERY:
            return
        size = self._detector.frame_samples
        for i in range(0, len(block.pcm) - size + 1, size):
            if not self.waiting:
                self._detector.observe(block.pcm[i:i + size])
            elif self._detector.is_speech(block.pcm[i:i + size]):
                self._last_voice_s = block.start_s + (i + size) / PIPELINE_RATE
