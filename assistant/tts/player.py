"""Play a stream of AudioChunks through a sink, in small blocks, stoppable at once.

Synthesis runs in a producer thread that stays at most `prefetch` sentences
ahead, so sentence 2 is synthesised while sentence 1 plays. The playing side
hands the sink one block (`block_ms`, default 20 ms) at a time and checks the
stop flag between blocks: after `stop()` at most the block already being
written goes out, then the sink's buffer is dropped (`abort`). That bounds
barge-in by one block plus the sink's abort, well under 100 ms.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Iterable, Iterator

import numpy as np

from assistant.audio.sinks import AudioSink

from .base import AudioChunk

log = logging.getLogger(__name__)

_POLL_S = 0.005  # how often a waiting player looks at the stop flag
_END = object()


@dataclass
class PlaybackReport:
    """What playing one reply did. Times in seconds from the start of playback."""

    sample_rate: int = 0
    sentences: list[str] = field(default_factory=list)
    frames: int = 0  # frames handed to the sink
    blocks: int = 0
    first_chunk_s: float | None = None  # first sentence synthesised
    first_audio_s: float | None = None  # first block handed to the sink (time to first audio)
    duration_s: float = 0.0
    stopped: bool = False  # stop() cut the reply short
    stop_frame: int | None = None  # frames already written when stop() was called
    frames_after_stop: int = 0  # frames of the block that was in flight at stop() (at most one block)
    stop_latency_s: float | None = None  # stop() -> last write returned and the sink's buffer dropped
    started_at: float = 0.0  # time.perf_counter() when playback began
    error: str | None = None

    @property
    def audio_s(self) -> float:
        return self.frames / self.sample_rate if self.sample_rate else 0.0

    @property
    def first_audio_at(self) -> float | None:
        """time.perf_counter() of the first audio, for end-of-speech -> first reply audio timings."""
        return None if self.first_audio_s is None else self.started_at + self.first_audio_s

    def to_json(self) -> dict:
        data = asdict(self)
        data["audio_s"] = round(self.audio_s, 4)
        return data


@dataclass
class _Failed:
    error: BaseException


class Player:
    """Plays replies through `sink`; `stop()` from any thread interrupts (barge-in)."""

    def __init__(self, sink: AudioSink, *, block_ms: int = 20, sample_rate: int = 0, prefetch: int = 2) -> None:
        if block_ms <= 0:
            raise ValueError("block_ms must be positive")
        self.sink = sink
        self.block_ms = block_ms
        self.sample_rate = sample_rate  # 0 = the rate of the first chunk
        self.prefetch = max(1, prefetch)
        self.report = PlaybackReport()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._stop_at: float | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    @classmethod
    def from_config(cls, config, sink: AudioSink | None = None) -> "Player":
        """A player on `sink` (default: [tts] sink) with the [audio] output settings."""
        if sink is None:
            from assistant.audio.sinks import open_sink

            sink = open_sink(config)
        return cls(sink, block_ms=config.audio.output_block_ms, sample_rate=config.audio.output_sample_rate)

    @property
    def playing(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def frames_played(self) -> int:
        return self.report.frames

    def play(self, chunks: Iterable[AudioChunk]) -> PlaybackReport:
        """Play to the end (or until `stop()`); raises the synthesis or sink error, if any."""
        self._reset()
        self._run(chunks)
        return self._result()

    def start(self, chunks: Iterable[AudioChunk]) -> None:
        """Play in a background thread; `wait()` for the report."""
        if self.playing:
            raise RuntimeError("already playing: stop() or wait() first")
        self._reset()
        self._thread = threading.Thread(target=self._run, args=(chunks,), name="tts-player", daemon=True)
        self._thread.start()

    def wait(self, timeout: float | None = None) -> PlaybackReport:
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                raise TimeoutError("playback still running")
        return self._result()

    def stop(self) -> None:
        """Barge-in: stop at the next block boundary and drop buffered audio."""
        with self._lock:
            if not self._stop.is_set():
                self._stop_at = time.perf_counter()
                self.report.stop_frame = self.report.frames
                self._stop.set()

    # -- internals -------------------------------------------------------

    def _reset(self) -> None:
        self._stop.clear()
        self._stop_at = None
        self._error = None
        self.report = PlaybackReport(started_at=time.perf_counter())

    def _result(self) -> PlaybackReport:
        if self._error is not None:
            raise self._error
        return self.report

    def _run(self, chunks: Iterable[AudioChunk]) -> None:
        report = self.report
        pending: queue.Queue = queue.Queue(maxsize=self.prefetch)
        threading.Thread(target=self._produce, args=(iter(chunks), pending), name="tts-synth", daemon=True).start()
        opened = False
        try:
            for chunk in self._take(pending):
                if report.first_chunk_s is None:
                    report.first_chunk_s = time.perf_counter() - report.started_at
                if not opened:
                    report.sample_rate = self.sample_rate or chunk.sample_rate
                    self.sink.open(report.sample_rate)
                    opened = True
                report.sentences.append(chunk.text)
                if not self._write_blocks(_resample(chunk, report.sample_rate)):
                    break
        except BaseException as exc:
            self._error = exc
            report.error = str(exc)
            self._stop.set()  # the producer must not run on
        finally:
            self._finish(opened)

    def _take(self, pending: queue.Queue) -> Iterator[AudioChunk]:
        while not self._stop.is_set():
            try:
                item = pending.get(timeout=_POLL_S)
            except queue.Empty:
                continue
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item

    def _write_blocks(self, samples: np.ndarray) -> bool:
        """False when stopped. The flag is read under the lock so stop_frame is exact."""
        report = self.report
        step = max(1, report.sample_rate * self.block_ms // 1000)
        for begin in range(0, len(samples), step):
            with self._lock:
                if self._stop.is_set():
                    return False
                if report.first_audio_s is None:
                    report.first_audio_s = time.perf_counter() - report.started_at
            block = samples[begin:begin + step]
            self.sink.write(block)
            with self._lock:
                report.frames += len(block)
                report.blocks += 1
        return True

    def _finish(self, opened: bool) -> None:
        report = self.report
        stopped = self._stop.is_set() and self._error is None
        try:
            if opened:
                self.sink.abort() if stopped else self.sink.close()
        except BaseException as exc:
            if self._error is None:
                self._error, report.error = exc, str(exc)
        end = time.perf_counter()
        report.duration_s = end - report.started_at
        if stopped and self._stop_at is not None:
            report.stopped = True
            report.stop_latency_s = end - self._stop_at
            report.frames_after_stop = report.frames - (report.stop_frame or 0)

    def _produce(self, chunks: Iterator[AudioChunk], pending: queue.Queue) -> None:
        try:
            for chunk in chunks:
                if not self._put(pending, chunk):
                    break
            else:
                self._put(pending, _END)
        except BaseException as exc:
            self._put(pending, _Failed(exc))
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()  # lets a generator engine clean up (e.g. after barge-in)

    def _put(self, pending: queue.Queue, item) -> bool:
        while not self._stop.is_set():
            try:
                pending.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False


def _resample(chunk: AudioChunk, rate: int) -> np.ndarray:
    samples = np.asarray(chunk.samples, dtype=np.int16)
    if chunk.sample_rate == rate or not len(samples):
        return samples
    import soxr

    return soxr.resample(samples, chunk.sample_rate, rate)
