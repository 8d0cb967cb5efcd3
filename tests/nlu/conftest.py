"""A real embedded NLU model, trained once per session from intents/en into tmp."""

from __future__ import annotations

import pytest

from assistant.config import load_config


def make_config(models_dir, **nlu):
    config = load_config(env={})
    config.paths.models = str(models_dir)
    for key, value in nlu.items():
        setattr(config.nlu, key, value)
    return config


@pytest.fixture(scope="session")
def config_factory():
    """make_config(models_dir, **nlu_settings) -> Config with models under models_dir."""
    return make_config


@pytest.fixture(scope="session")
def trained_config(tmp_path_factory):
    from assistant.nlu.trainer import train_embedded

    config = make_config(tmp_path_factory.mktemp("nlu-models"))
    train_embedded(config)
    return config


@pytest.fixture(scope="session")
def nlu(trained_config):
    from assistant.nlu.backend import load_nlu

    backend = load_nlu(trained_config, "embedded")
    yield backend
    backend.close()
