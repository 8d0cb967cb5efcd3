"""The NLU backend protocol and its name -> class registry (`assistant.registry`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from assistant.registry import Registry

if TYPE_CHECKING:
    from assistant.config import Config
    from assistant.nlu.result import ParseResult

# imported only when chosen, so rasa's client code costs nothing otherwise
BACKENDS = Registry("NLU backend", "assistant.nlu", {
    "embedded": "assistant.nlu.embedded:EmbeddedNlu",
    "rasa": "assistant.nlu.rasa:RasaNlu",
}, setting="[nlu] backend")


@runtime_checkable
class NluBackend(Protocol):
    """Text in, intent + entities out. `close()` frees servers or files."""

    name: str

    def parse(self, text: str) -> "ParseResult": ...

    def close(self) -> None: ...


def backend_class(name: str) -> type:
    return BACKENDS.load(name)


def load_nlu(config: "Config", backend: str | None = None) -> NluBackend:
    """The configured NLU backend (or `backend`), loaded and ready to parse.

    Raises ModelMissingError (with a hint: `assistant train`, `make rasa`) when its
    model is missing or stale, DataError when a file is corrupt.
    """
    return backend_class(backend or config.nlu.backend).from_config(config)
