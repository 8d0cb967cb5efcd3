"""Live microphone in (sounddevice), as pipeline blocks.

The device is chosen by index or by (part of) its name. It is opened at its
own default rate when 16 kHz is not offered, and resampled (soxr). With seat
zones configured, one channel per zone is captured so the listener can tell
who spoke. The PortAudio callback only copies into a bounded queue; when the
consumer falls behind, the oldest audio is dropped and counted (`overruns`)
instead of blocking the audio thread.
"""

from __future__ import annotations

import queue
from typing import Iterator

import numpy as np

from assistant.audio.blocks import PIPELINE_RATE, AudioBlock, Blocker, block_samples
from assistant.errors import AudioError


def find_input_device(spec: str | int | None):
    """(index, info) of the input device named or numbered by `spec` (empty = the default)."""
    try:
        import sounddevice as sd
    except OSError as exc:  # PortAudio library missing
        raise AudioError(f"sounddevice cannot load PortAudio: {exc}",
                         hint="install libportaudio2 (make system-deps)") from exc
    try:
        devices = list(sd.query_devices())
    except Exception as exc:  # PortAudio errors are not a stable exception type across versions
        raise AudioError(f"cannot list audio devices: {exc}", hint="check the sound system (ALSA/PulseAudio)") from exc
    inputs = [(i, d) for i, d in enumerate(devices) if d.get("max_input_channels", 0) > 0]
    names = ", ".join(f"{i}: {d['name']}" for i, d in inputs) or "none"
    if not inputs:
        raise AudioError("no audio input device found",
                         hint="connect a microphone, or replay recorded WAVs (assistant replay / transcribe)")
    spec = "" if spec is None else str(spec).strip()
    if spec == "":
        default = sd.default.device[0] if isinstance(sd.default.device, (list, tuple)) else sd.default.device
        for i, d in inputs:
            if i == default:
                return i, d
        return inputs[0]
    if spec.lstrip("-").isdigit():
        for i, d in inputs:
            if i == int(spec):
                return i, d
        raise AudioError(f"audio input device {spec} does not exist or has no inputs",
                         hint=f"input devices: {names}")
    matches = [(i, d) for i, d in inputs if spec.lower() in d["name"].lower()]
    if not matches:
        raise AudioError(f"no audio input device named like {spec!r}", hint=f"input devices: {names}")
    return matches[0]


class MicSource:
    """A live microphone (one channel, or one per seat zone) as 16 kHz mono blocks."""

    def __init__(self, device: str | int | None = None, *, block_ms: int = 30, channels: int = 1,
                 queue_blocks: int = 64) -> None:
        self.index, self.device = find_input_device(device)
        if channels > self.device["max_input_channels"]:
            raise AudioError(f"{self.device['name']} has {self.device['max_input_channels']} input channels, "
                             f"{channels} needed for the configured seat zones",
                             hint="set [audio] channel_zones to match the microphone array")
        self.channels = channels
        self.block_samples = block_samples(block_ms)
        self.rate = self._pick_rate()
        self._queue: queue.Queue = queue.Queue(maxsize=max(2, queue_blocks))
        self.overruns = 0
        self._stream = None

    def _pick_rate(self) -> int:
        import sounddevice as sd
        try:
            sd.check_input_settings(device=self.index, channels=self.channels, samplerate=PIPELINE_RATE,
                                    dtype="float32")
            return PIPELINE_RATE
        except Exception:  # PortAudio refuses 16 kHz: use the device's own rate and resample
            return int(self.device["default_samplerate"])

    def _callback(self, indata, frames, time_info, status) -> None:
        try:
            self._queue.put_nowait(indata.copy())
        except queue.Full:
            try:
                self._queue.get_nowait()  # drop the oldest: latency must not grow without bound
            except queue.Empty:
                pass
            self.overruns += 1
            self._queue.put_nowait(indata.copy())

    def blocks(self) -> Iterator[AudioBlock]:
        import sounddevice as sd

        blocker = Blocker(self.rate, self.channels, self.block_samples)
        try:
            self._stream = sd.InputStream(device=self.index, channels=self.channels, samplerate=self.rate,
                                          dtype="float32", blocksize=self.rate * self.block_samples // PIPELINE_RATE,
                                          callback=self._callback)
            self._stream.start()
        except Exception as exc:
            raise AudioError(f"cannot open {self.device['name']}: {exc}",
                             hint="check that no other program holds the device, and its rate/channels") from exc
        try:
            while self._stream is not None:
                try:
                    data = self._queue.get(timeout=1.0)
                except queue.Empty:
                    if self._stream is None or not self._stream.active:
                        break
                    continue
                yield from blocker.push(np.asarray(data))
        finally:
            self.close()

    def close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()
                stream.close()
            except Exception:  # closing a device that already vanished must not crash the runtime
                pass
