"""Where reply audio goes: the speaker (sounddevice), a WAV file, or nowhere.

Every sink takes mono int16 blocks at the rate given to `open()`:

- `write(block)` hands one block over; a speaker blocks while its buffer is
  full, so writes are paced by the sound card's clock;
- `abort()` drops whatever is still buffered (barge-in: stop talking now);
- `close()` lets buffered audio finish, then releases the device or file.

The WAV and null sinks can pace themselves in real time (`realtime=True`),
behaving like a speaker with a one-block buffer; benchmarks and tests use that
to measure barge-in without a sound card.
"""

from __future__ import annotations

import time
import wave
from datetime import datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from assistant.errors import AudioError, ConfigError

SINK_KINDS = ("speaker", "wav", "null")


@runtime_checkable
class AudioSink(Protocol):
    """Plays or stores mono int16 audio, block by block."""

    name: str

    def open(self, sample_rate: int) -> None: ...

    def write(self, block: np.ndarray) -> None: ...

    def abort(self) -> None: ...

    def close(self) -> None: ...


class _Pacer:
    """Makes `write` return no earlier than a speaker with a `buffer_s` buffer would."""

    def __init__(self, sample_rate: int, buffer_s: float) -> None:
        self.sample_rate, self.buffer_s = sample_rate, buffer_s
        self.start: float | None = None
        self.frames = 0

    def wait(self, frames: int) -> None:
        now = time.perf_counter()
        if self.start is None:
            self.start = now
        self.frames += frames
        due = self.start + self.frames / self.sample_rate - self.buffer_s
        if due > now:
            time.sleep(due - now)


class NullSink:
    """Counts what it is given and throws it away (benchmarks, dry runs)."""

    name = "null"

    def __init__(self, *, realtime: bool = False, buffer_ms: int = 20) -> None:
        self.realtime, self.buffer_s = realtime, buffer_ms / 1000
        self.sample_rate = 0
        self.frames = 0
        self.blocks = 0
        self._pacer: _Pacer | None = None

    def open(self, sample_rate: int) -> None:
        self.sample_rate, self.frames, self.blocks = sample_rate, 0, 0
        self._pacer = _Pacer(sample_rate, self.buffer_s) if self.realtime else None

    def write(self, block: np.ndarray) -> None:
        self.frames += len(block)
        self.blocks += 1
        if self._pacer:
            self._pacer.wait(len(block))

    def abort(self) -> None:
        self._pacer = None

    def close(self) -> None:
        self._pacer = None


class WavSink:
    """Writes 16-bit mono WAV. `path` is a file, or a folder that gets one file per reply."""

    name = "wav"

    def __init__(self, path: str | Path, *, realtime: bool = False, buffer_ms: int = 20) -> None:
        self.path = Path(path)
        self.realtime, self.buffer_s = realtime, buffer_ms / 1000
        self.last_path: Path | None = None
        self.frames = 0
        self._wav: wave.Wave_write | None = None
        self._pacer: _Pacer | None = None

    def open(self, sample_rate: int) -> None:
        target = self.path
        if target.is_dir() or not target.suffix:
            target = target / f"reply-{datetime.now():%Y%m%d-%H%M%S-%f}.wav"
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._wav = wave.open(str(target), "wb")
            self._wav.setnchannels(1)
            self._wav.setsampwidth(2)
            self._wav.setframerate(sample_rate)
        except (OSError, wave.Error) as exc:
            raise AudioError(f"cannot write WAV file {target}: {exc}",
                             hint="choose a writable path (--out) or [tts] out_dir") from exc
        self.last_path, self.frames = target, 0
        self._pacer = _Pacer(sample_rate, self.buffer_s) if self.realtime else None

    def write(self, block: np.ndarray) -> None:
        if self._wav is None:
            raise AudioError("WAV sink written before open()")
        try:
            self._wav.writeframes(np.asarray(block, dtype="<i2").tobytes())
        except OSError as exc:
            raise AudioError(f"cannot write WAV file {self.last_path}: {exc}", hint="is the disk full?") from exc
        self.frames += len(block)
        if self._pacer:
            self._pacer.wait(len(block))

    def abort(self) -> None:
        self.close()  # a file has no buffer to drop: keep what was spoken

    def close(self) -> None:
        if self._wav is not None:
            try:
                self._wav.close()
            except OSError as exc:
                raise AudioError(f"cannot finish WAV file {self.last_path}: {exc}") from exc
            finally:
                self._wav = None


class SoundDeviceSink:
    """The speaker, through PortAudio (sounddevice). `device`: name, index, or "" for the default."""

    name = "speaker"

    def __init__(self, device: str | int = "", *, block_ms: int = 20) -> None:
        self.device = _device_spec(device)
        self.block_ms = block_ms
        self._stream = None

    def open(self, sample_rate: int) -> None:
        sd = _sounddevice()
        try:
            info = sd.query_devices(self.device, "output")
            self._stream = sd.OutputStream(
                samplerate=sample_rate, channels=1, dtype="int16", device=self.device,
                blocksize=max(1, sample_rate * self.block_ms // 1000), latency="low")
            self._stream.start()
        except (ValueError, sd.PortAudioError) as exc:
            raise AudioError(f"no usable audio output device ({_describe(self.device)}): {exc}",
                             hint=_device_hint(sd)) from exc
        self.device_name = info.get("name", str(self.device)) if isinstance(info, dict) else str(info)

    def write(self, block: np.ndarray) -> None:
        if self._stream is None:
            raise AudioError("speaker written before open()")
        sd = _sounddevice()
        try:
            self._stream.write(np.ascontiguousarray(block, dtype=np.int16).reshape(-1, 1))
        except sd.PortAudioError as exc:
            raise AudioError(f"audio output failed: {exc}", hint=_device_hint(sd)) from exc

    def abort(self) -> None:
        if self._stream is not None:
            try:
                self._stream.abort()  # drops buffered audio, unlike stop()
            finally:
                self._release()

    def close(self) -> None:
        if self._stream is not None:
            try:
                self._stream.stop()  # plays out what is buffered
            finally:
                self._release()

    def _release(self) -> None:
        stream, self._stream = self._stream, None
        try:
            stream.close()
        except Exception:  # closing a broken stream must not hide the first error
            pass


def open_sink(config, kind: str | None = None, *, path: str | Path | None = None,
              realtime: bool = False) -> AudioSink:
    """The sink named by `kind` (default [tts] sink): speaker, wav or null."""
    kind = kind or config.tts.sink
    if kind == "speaker":
        return SoundDeviceSink(config.audio.output_device, block_ms=config.audio.output_block_ms)
    if kind == "wav":
        return WavSink(path or config.resolve(config.tts.out_dir), realtime=realtime)
    if kind == "null":
        return NullSink(realtime=realtime)
    raise ConfigError(f"unknown audio sink {kind!r}", hint=f"set [tts] sink to one of: {', '.join(SINK_KINDS)}")


def _device_spec(device: str | int) -> str | int | None:
    if isinstance(device, int):
        return device
    device = device.strip()
    if not device:
        return None
    return int(device) if device.isdigit() else device


def _describe(device) -> str:
    return "the system default" if device is None else f"device {device!r}"


def _sounddevice():
    try:
        import sounddevice
    except (ImportError, OSError) as exc:  # OSError: the PortAudio library itself is missing
        raise AudioError(f"sounddevice/PortAudio is not available: {exc}",
                         hint="`apt-get install libportaudio2` (or `make system-deps`) and `pip install sounddevice`") from exc
    return sounddevice


def _device_hint(sd) -> str:
    try:
        outputs = [f"{i}: {d['name']}" for i, d in enumerate(sd.query_devices()) if d["max_output_channels"] > 0]
    except Exception:
        outputs = []
    found = f"output devices: {'; '.join(outputs)}" if outputs else "no output devices were found"
    return (f"{found}. Set [audio] output_device (name or index, see `python -m sounddevice`), "
            "or write WAV instead: `assistant say --out reply.wav ...` / [tts] sink = \"wav\"")
