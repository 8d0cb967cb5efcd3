"""The audio thread: capture (or a WAV standing in for the mic) -> one bounded queue.

A live source never waits for the processing thread: when the queue is full the
oldest block is dropped and counted, so latency cannot grow without bound and a
slow turn costs audio, not memory. A file replayed as fast as possible (`--fast`)
has no clock to keep up with, so it waits for room instead (nothing is dropped).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Callable, Iterator

from assistant.audio.blocks import AudioBlock, AudioSource

log = logging.getLogger(__name__)

_END = object()
WARN_EVERY_S = 5.0  # at most one overrun warning this often (the count keeps going)


class AudioPump:
    """Moves blocks from `source` into a queue of at most `max_blocks`, in its own thread.

    `before_block(block)` runs in the audio thread before a block is queued (scripted
    button presses use it). Each block is queued with the wall time it was captured,
    so the end of speech can be dated in wall-clock time even when the queue lags.
    """

    def __init__(self, source: AudioSource, max_blocks: int, *, drop_when_full: bool = True,
                 before_block: Callable[[AudioBlock], None] | None = None) -> None:
        self.source = source
        self.queue: queue.Queue = queue.Queue(maxsize=max(1, int(max_blocks)))
        self.drop_when_full = drop_when_full
        self.before_block = before_block
        self.dropped = 0
        self.blocks = 0
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._last_warning = float("-inf")
        self._thread = threading.Thread(target=self._run, name="audio-pump", daemon=True)

    def start(self) -> "AudioPump":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.source.close()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    @property
    def finished(self) -> bool:
        return not self._thread.is_alive()

    def _run(self) -> None:
        try:
            for block in self.source.blocks():
                if self._stop.is_set():
                    break
                if self.before_block is not None:
                    self.before_block(block)
                self._put((block, time.perf_counter()))
                self.blocks += 1
        except BaseException as exc:  # a dying device ends the run with its error, not a hang
            self.error = exc
        finally:
            self._put_end()

    def _put(self, item) -> None:
        if self.drop_when_full:
            try:
                self.queue.put_nowait(item)
            except queue.Full:  # the only producer: after dropping one there is room
                self._drop_oldest()
                self.queue.put_nowait(item)
            return
        while not self._stop.is_set():
            try:
                self.queue.put(item, timeout=0.05)
                return
            except queue.Full:
                continue

    def _put_end(self) -> None:
        while not self._stop.is_set():  # the reader is alive: wait for room, drop nothing more
            try:
                self.queue.put(_END, timeout=0.05)
                return
            except queue.Full:
                continue
        while True:  # stopping: nobody may be reading, so make room rather than wait
            try:
                self.queue.put_nowait(_END)
                return
            except queue.Full:
                try:
                    self.queue.get_nowait()
                except queue.Empty:
                    pass

    def _drop_oldest(self) -> None:
        try:
            self.queue.get_nowait()
        except queue.Empty:
            return
        self.dropped += 1
        now = time.monotonic()
        if now - self._last_warning >= WARN_EVERY_S:
            self._last_warning = now
            log.warning("audio queue full (%d blocks): processing fell behind, %d block(s) of audio dropped so far",
                        self.queue.maxsize, self.dropped)


class QueueSource:
    """The processing side of an AudioPump, as an AudioSource for SpeechFrontEnd.listen().

    `on_block(block)` runs in the processing thread before each block goes on.
    """

    def __init__(self, pump: AudioPump, stop: threading.Event, *, poll_s: float = 0.05,
                 on_block: Callable[[AudioBlock], None] | None = None) -> None:
        self.pump = pump
        self.on_block = on_block
        self.block_samples = pump.source.block_samples
        self.channels = pump.source.channels
        self._stop = stop
        self._poll_s = poll_s
        self.last_block: AudioBlock | None = None
        self.last_arrival: float | None = None  # perf_counter() when the last block taken was captured

    def blocks(self) -> Iterator[AudioBlock]:
        while not self._stop.is_set():
            try:
                item = self.pump.queue.get(timeout=self._poll_s)
            except queue.Empty:
                continue
            if item is _END:
                return
            self.last_block, self.last_arrival = item
            if self.on_block is not None:
                self.on_block(self.last_block)
            yield self.last_block

    def close(self) -> None:
        self.pump.stop()
