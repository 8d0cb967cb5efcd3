"""Helpers shared by subcommands."""

from __future__ import annotations

import json
import sys
from typing import Any

from assistant.config import Config, load_config


def config_from_args(args) -> Config:
    """The effective config for a CLI invocation (`--config`, env, defaults)."""
    return load_config(getattr(args, "config", None))


def print_json(obj: Any) -> None:
    """One JSON object per line, as the CLI contracts ask."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=_jsonable) + "\n")
    sys.stdout.flush()


def _jsonable(value: Any) -> Any:
    if hasattr(value, "to_json"):
        return value.to_json()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)
