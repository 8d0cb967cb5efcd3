"""Giving memory back between turns.

A turn's decode and synthesis allocate tens of MB of buffers (Whisper's encoder over its window,
piper's sentence buffers) and free them when done; glibc keeps the freed pages mapped, so the
process's resident size stays at the turn's peak for the rest of the drive. `release()` asks
glibc to return them (`malloc_trim`): measured, 420 -> 380 MB after a spoken turn. Elsewhere (musl,
macOS) it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)
_libc = None


def release() -> None:
    """Return freed heap pages to the system (a few ms); call it when no turn is running."""
    global _libc
    if _libc is None:
        name = ctypes.util.find_library("c")
        try:
            _libc = ctypes.CDLL(name) if name else False
        except OSError:
            _libc = False
        if _libc and not hasattr(_libc, "malloc_trim"):
            _libc = False
    if _libc:
        _libc.malloc_trim(0)
