"""Offline in-car voice assistant runtime.

Pipeline stages live in one package each (audio, asr, nlu, dialogue, skills,
vehicle, tts); `runtime` wires them together and `cli` exposes them.
"""

__version__ = "0.1.0"
