"""One exception hierarchy for the whole runtime.

Every error a user can cause (bad config, missing model, corrupt file, bus that
will not open) is an `AssistantError`. Its message says what went wrong and
`hint` says how to fix it; the CLI prints both and exits non-zero instead of
showing a traceback.
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base class: a clear, user-facing failure."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:
        text = super().__str__()
        return f"{text}\n  hint: {self.hint}" if self.hint else text


class ConfigError(AssistantError):
    """The configuration file or an override is unreadable or invalid."""


class ModelMissingError(AssistantError):
    """A model (ASR, NLU, TTS voice) is not installed or not trained."""


class DataError(AssistantError):
    """Training data, a DBC, a mapping or another input file is corrupt."""


class AudioError(AssistantError):
    """An audio file or device cannot be read or written."""


class EngineError(AssistantError):
    """An engine (ASR, NLU, TTS backend) failed at run time."""


class VehicleError(AssistantError):
    """Base for the vehicle layer."""


class BusError(VehicleError):
    """The CAN bus cannot be opened or a frame cannot be sent."""


class UnknownSignalError(VehicleError):
    """A VSS path that the DBC mapping does not know, or that is read-only."""


class ValueTypeError(VehicleError):
    """A value of the wrong type for its VSS path (e.g. text for a number)."""
