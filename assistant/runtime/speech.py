"""Replies spoken by the live loop: sink choice, numbered reply WAVs, non-blocking playback.

The live loop must keep listening while a reply plays (barge-in), so a reply is
started in the Player's thread and the loop only waits for its first audio, which
dates "end of speech -> first reply audio". A failure to speak never raises into
the loop: the turn's action has already happened, the error is returned and logged
with the reply text.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from assistant.audio.sinks import SINK_KINDS, AudioSink, NullSink, SoundDeviceSink, WavSink
from assistant.errors import AssistantError, AudioError, ConfigError

log = logging.getLogger(__name__)

FIRST_AUDIO_TIMEOUT_S = 10.0


class NumberedWavSink(WavSink):
    """One WAV per reply in a folder: reply_01.wav, reply_02.wav, ... (the run's reply count)."""

    def __init__(self, folder: str | Path, *, realtime: bool = False) -> None:
        super().__init__(folder, realtime=realtime)
        self.folder = Path(folder)
        self.count = 0

    def open(self, sample_rate: int) -> None:
        self.count += 1
        self.path = self.folder / f"reply_{self.count:02d}.wav"
        super().open(sample_rate)


class StreamPacedSink:
    """Wraps a sink so each reply's audio goes out no faster than `allow()` says (seconds from its start)."""

    def __init__(self, sink: AudioSink) -> None:
        self.sink = sink
        self.name = sink.name
        self._cond = threading.Condition()
        self._allowed_s = 0.0
        self._released = False
        self._frames = 0
        self._rate = 0

    def __getattr__(self, name: str):  # path, last_path, ... of the wrapped sink
        return getattr(self.sink, name)

    def restart(self) -> None:
        with self._cond:
            self._allowed_s, self._released = 0.0, False

    def allow(self, seconds: float) -> None:
        with self._cond:
            self._allowed_s = max(self._allowed_s, seconds)
            self._cond.notify_all()

    def release(self) -> None:
        with self._cond:
            self._released = True
            self._cond.notify_all()

    def open(self, sample_rate: int) -> None:
        self._frames, self._rate = 0, sample_rate
        self.sink.open(sample_rate)

    def write(self, block) -> None:
        with self._cond:
            # the first block goes at once (first audio); later ones once the stream has got that far
            while (not self._released and self._frames
                   and self._frames / self._rate >= self._allowed_s):
                self._cond.wait(0.05)
        self.sink.write(block)
        self._frames += len(block)

    def abort(self) -> None:
        self.sink.abort()

    def close(self) -> None:
        self.sink.close()


def reply_sink(config, spec: str | None, *, realtime: bool = False) -> AudioSink:
    """The sink for `--sink` (speaker, null, wav or wav:DIR; default [tts] sink), checked now.

    A speaker that does not exist is an AudioError here, at start-up, not at the first reply.
    """
    kind, _, where = (spec or config.tts.sink).partition(":")
    if kind == "wav":
        return NumberedWavSink(config.resolve(where or config.tts.out_dir), realtime=realtime)
    if kind == "null":
        return NullSink(realtime=realtime)
    if kind == "speaker":
        sink = SoundDeviceSink(where or config.audio.output_device, block_ms=config.audio.output_block_ms)
        check_speaker(sink.device)
        return sink
    raise ConfigError(f"unknown reply sink {kind!r}",
                      hint=f"use one of: {', '.join(SINK_KINDS)} (wav:DIR writes reply_01.wav, ... into DIR)")


def check_speaker(device) -> None:
    """AudioError naming the fix when the output device is missing."""
    try:
        import sounddevice as sd
    except (ImportError, OSError) as exc:
        raise AudioError(f"sounddevice/PortAudio is not available: {exc}",
                         hint="apt-get install libportaudio2; or speak into WAVs: --sink wav:out/replies") from exc
    try:
        sd.query_devices(device, "output")
    except Exception as exc:  # ValueError / PortAudioError: no such device, or none at all
        what = "the default output device" if device is None else f"output device {device!r}"
        raise AudioError(f"no speaker: {what} is not available ({exc})",
                         hint="write replies as WAVs with `--sink wav:out/replies` (or `--sink null`), or set "
                              "[audio] output_device; `assistant doctor` lists the audio devices") from exc


@dataclass
class Spoken:
    """How speaking one reply began: when its first audio went out, or why it failed."""

    started_at: float  # time.perf_counter() when playback was started
    first_audio_at: float | None = None
    error: str | None = None
    path: str | None = None  # the reply WAV, with a WAV sink

    @property
    def first_audio_ms(self) -> float | None:
        return None if self.first_audio_at is None else round((self.first_audio_at - self.started_at) * 1000, 2)


class ReplySpeaker:
    """Speaks replies through a Player in the background; `stop()` is barge-in."""

    def __init__(self, tts, player) -> None:
        self.tts = tts
        self.player = player
        self.errors = 0
        self.paced: StreamPacedSink | None = None

    @property
    def playing(self) -> bool:
        return self.player.playing

    def say(self, text: str) -> Spoken:
        """Start speaking `text` (cutting any reply still playing); returns once audio is out or failed."""
        self.stop()
        self.wait()
        if self.paced is not None:
            self.paced.restart()
        spoken = Spoken(time.perf_counter())
        try:
            self.player.start(self.tts.synthesize(text))
        except (AssistantError, RuntimeError) as exc:
            return self._failed(spoken, text, exc)
        deadline = spoken.started_at + FIRST_AUDIO_TIMEOUT_S
        report = self.player.report
        while report.first_audio_s is None and self.player.playing and time.perf_counter() < deadline:
            time.sleep(0.002)
        if report.first_audio_s is not None:
            spoken.first_audio_at = report.started_at + report.first_audio_s
            spoken.path = _path_of(self.player.sink)
        if not self.player.playing and report.error:
            return self._failed(spoken, text, report.error)
        return spoken

    def check(self, spoken: Spoken, text: str) -> Spoken:
        """After playback: record a failure that came after the first audio (e.g. a later sentence)."""
        report = self.player.report
        if spoken.error is None and report.error and not self.player.playing:
            return self._failed(spoken, text, report.error)
        return spoken

    def pace_by_stream(self) -> None:
        """As-fast-as-possible runs: let the reply out only as far as the audio stream has got (`advance`),
        so a reply lasts as long in stream time as it would in the car, and whether the next utterance
        cuts it (barge-in) does not depend on how busy the machine is."""
        if self.paced is None:
            self.paced = StreamPacedSink(self.player.sink)
            self.player.sink = self.paced

    def advance(self, seconds: float) -> None:
        """The stream is `seconds` past the reply's start: let that much out, and wait until it is out."""
        if self.paced is None:
            return
        self.paced.allow(seconds)
        deadline = time.perf_counter() + FIRST_AUDIO_TIMEOUT_S
        while self.player.playing and self.player.report.audio_s < seconds and time.perf_counter() < deadline:
            time.sleep(0.0005)

    def stop(self) -> bool:
        """Barge-in: True when a reply was playing and is being cut."""
        if not self.player.playing:
            return False
        self.player.stop()
        self.release()
        return True

    def release(self) -> None:
        """Let the reply play out without waiting for the stream (the input has ended, or it was cut)."""
        if self.paced is not None:
            self.paced.release()

    def wait(self, timeout: float | None = None) -> None:
        try:
            self.player.wait(timeout)
        except TimeoutError:
            raise
        except BaseException as exc:  # the error was already reported by say()/check()
            log.debug("playback ended with %s", exc)

    def _failed(self, spoken: Spoken, text: str, error) -> Spoken:
        self.errors += 1
        spoken.error = str(error).splitlines()[0]
        log.error("could not speak the reply %r: %s (the action stands)", text, spoken.error)
        return spoken


def _path_of(sink) -> str | None:
    path = getattr(sink, "last_path", None)
    return str(path) if path else None
