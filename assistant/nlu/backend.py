"""The NLU backend protocol and the name -> class registry (python-can's BACKENDS pattern)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from assistant.errors import ConfigError

if TYPE_CHECKING:
    from assistant.config import Config
    from assistant.nlu.result import ParseResult

# name -> (module, class); imported only when chosen, so rasa's client code costs nothing otherwise.
BACKENDS: dict[str, tuple[str, str]] = {
    "embedded": ("assistant.nlu.embedded", "EmbeddedNlu"),
    "rasa": ("assistant.nlu.rasa", "RasaNlu"),
}


@runtime_checkable
class NluBackend(Protocol):
    """Text in, intent + entities out. `close()` frees servers or files."""

    name: str

    def parse(self, text: str) -> "ParseResult": ...

    def close(self) -> None: ...


def backend_class(name: str) -> type:
    try:
        module_name, class_name = BACKENDS[name]
    except KeyError:
        raise ConfigError(f"unknown NLU backend {name!r}",
                          hint=f"set [nlu] backend to one of: {', '.join(sorted(BACKENDS))}") from None
    return getattr(importlib.import_module(module_name), class_name)


def load_nlu(config: "Config", backend: str | None = None) -> NluBackend:
    """The configured NLU backend (or `backend`), loaded and ready to parse.

    Raises ModelMissingError (with a hint: `assistant train`, `make rasa`) when its
    model is missing or stale, DataError when a file is corrupt.
    """
    return backend_class(backend or config.nlu.backend).from_config(config)
