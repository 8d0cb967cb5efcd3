"""One head-unit sender per bus, and alive counters that survive a restart.

Two head units on one bus would stamp the same command IDs with clashing alive counters,
and the ECUs would drop one of them as stale. So a head unit takes an exclusive `flock`
on `<runtime dir>/<interface>-<channel>.lock` before it sends anything: the first of
/run/faw-assistant (the systemd unit's RuntimeDirectory), $XDG_RUNTIME_DIR/faw-assistant,
/tmp/faw-assistant-<uid>. A second sender waits up to `wait_s` for it (a queue: a
`vehicle set` run is over in seconds), then is refused with a BusError naming the holder.
The kernel drops the lock when its process dies, so a crash never leaves the bus locked.

The same file keeps the holder (pid, command) and the next alive counter of every command
ID, rewritten after each frame, so a restarted head unit continues the sequence instead of
starting at 0 again (which the ECUs would take for a replayed frame). The in-process
`virtual` bus needs none of this: nothing outside the process can share it.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from pathlib import Path
from typing import Mapping

from assistant.errors import BusError
from assistant.vehicle.bus import BusSpec

POLL_S = 0.05


def default_lock_dir() -> Path:
    """Where lock files live: shared by every process of the head unit that may send."""
    candidates = [Path("/run/faw-assistant")]
    if os.environ.get("XDG_RUNTIME_DIR"):
        candidates.append(Path(os.environ["XDG_RUNTIME_DIR"]) / "faw-assistant")
    for candidate in candidates:
        if candidate.is_dir() and os.access(candidate, os.W_OK | os.X_OK):
            return candidate
    if len(candidates) > 1 and candidates[1].parent.is_dir() and os.access(candidates[1].parent, os.W_OK):
        return candidates[1]
    return Path(f"/tmp/faw-assistant-{os.getuid()}")


class SenderLock:
    """The exclusive right to send head-unit frames on one bus, plus its persisted counters."""

    def __init__(self, spec: BusSpec, *, directory: Path | str | None = None, wait_s: float = 5.0) -> None:
        self.spec = spec
        self.directory = Path(directory) if directory is not None else default_lock_dir()
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in f"{spec.interface}-{spec.channel}")
        self.path = self.directory / f"{safe}.lock"
        self.wait_s = wait_s
        self._fd: int | None = None
        self._counters: dict[int, int] = {}

    def acquire(self) -> "SenderLock":
        """Take the lock (waiting up to `wait_s`); BusError naming the holder if it stays taken."""
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise BusError(f"cannot create the head-unit lock {self.path}: {exc}",
                           hint="make the folder writable (systemd: RuntimeDirectory=faw-assistant)") from exc
        deadline = time.monotonic() + self.wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _describe(_read(fd))
                    os.close(fd)
                    raise BusError(
                        f"another head unit is sending on {self.spec}: {holder} holds {self.path} "
                        f"(waited {self.wait_s:g} s)",
                        hint="only one head-unit sender may run per bus, or the ECUs drop its frames as "
                             "stale; stop the other one (or let it finish) and try again") from None
                time.sleep(POLL_S)
        self._fd = fd
        self._counters = _counters_of(_read(fd))
        self._write()
        return self

    def counters(self) -> dict[int, int]:
        """The next alive counter per command ID, as the previous holder left them."""
        return dict(self._counters)

    def save_counters(self, counters: Mapping[int, int]) -> None:
        """Persist the next counters (called after every frame sent)."""
        self._counters = dict(counters)
        self._write()

    def release(self) -> None:
        if self._fd is not None:
            self._write(holder=False)
            os.close(self._fd)  # closing drops the flock
            self._fd = None

    def _write(self, *, holder: bool = True) -> None:
        if self._fd is None:
            return
        doc = {"counters": {f"0x{i:03X}": v for i, v in sorted(self._counters.items())}}
        if holder:
            doc |= {"pid": os.getpid(), "command": " ".join(sys.argv)[:200], "bus": str(self.spec)}
        data = json.dumps(doc).encode()
        try:
            os.pwrite(self._fd, data, 0)
            os.ftruncate(self._fd, len(data))
        except OSError:  # a full disk must not stop the car's commands; the ECUs resync after a gap
            pass

    def __enter__(self) -> "SenderLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def _read(fd: int) -> dict:
    try:
        doc = json.loads(os.pread(fd, 65536, 0) or b"{}")
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def _counters_of(doc: dict) -> dict[int, int]:
    counters = {}
    raw = doc.get("counters")
    for key, value in (raw.items() if isinstance(raw, dict) else ()):
        try:
            counters[int(key, 16)] = int(value) % 16
        except (TypeError, ValueError):
            continue  # a damaged entry: that ID starts at 0 (the ECU resyncs after a gap)
    return counters


def _describe(doc: dict) -> str:
    if "pid" not in doc:
        return "a process"
    return f"pid {doc['pid']} ({doc.get('command') or 'unknown command'})"
