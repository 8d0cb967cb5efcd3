"""Assistants on the built-in simulator, with the real embedded NLU (`make_assistant` and
`nlu_ready` are in tests/conftest.py)."""

from __future__ import annotations

import pytest

from assistant.runtime import Assistant


@pytest.fixture
def assistant(make_assistant) -> Assistant:
    return make_assistant()
