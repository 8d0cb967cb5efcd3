"""Paths and a reader for the ASR tests' data (a module with a unique name: test files import it,
which `from conftest import` cannot do reliably when several test folders are collected)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

WAV_DIR = Path(__file__).with_name("wav")
DATA_DIR = Path(__file__).with_name("data")


def read(name: str) -> np.ndarray:
    """A committed recording as 16 kHz int16 samples."""
    samples, rate = sf.read(WAV_DIR / name, dtype="int16")
    assert rate == 16000
    return samples
