"""Freed memory goes back to the system between turns (assistant/runtime/memory.py)."""

from __future__ import annotations

import sys

import psutil
import pytest

from assistant.runtime import memory


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="malloc_trim is glibc's")
def test_freed_heap_pages_are_given_back():
    me = psutil.Process()
    pieces = [bytearray(64 * 1024) for _ in range(1600)]  # 100 MB from the heap (below mmap's threshold)
    keep = pieces[-1]  # the top of the heap stays in use, so only a trim can hand the rest back
    del pieces
    before = me.memory_info().rss
    memory.release()
    after = me.memory_info().rss
    assert before - after > 50 * 2**20, (before >> 20, after >> 20)
    assert keep[0] == 0
