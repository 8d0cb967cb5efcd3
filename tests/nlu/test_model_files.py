"""Missing, corrupt and stale models and training data fail clearly, naming the file."""

from __future__ import annotations

import shutil

import pytest

from assistant.errors import DataError, ModelMissingError
from assistant.nlu.backend import load_nlu
from assistant.nlu.model import model_path


@pytest.fixture
def intents_copy(tmp_path, trained_config, config_factory):
    """A private copy of intents/ with the session model next to it."""
    shutil.copytree(trained_config.intents_dir.parent, tmp_path / "intents")
    config = config_factory(tmp_path / "models")
    config.paths.intents = str(tmp_path / "intents")
    model_path(config).parent.mkdir(parents=True)
    shutil.copy(model_path(trained_config), model_path(config))
    return config


def test_copy_loads(intents_copy):
    assert load_nlu(intents_copy, "embedded").parse("open the trunk").name == "trunk_open"


def test_missing_model_says_train(tmp_path, config_factory):
    with pytest.raises(ModelMissingError) as err:
        load_nlu(config_factory(tmp_path / "empty"), "embedded")
    assert "embedded.npz" in str(err.value) and "assistant train" in str(err.value)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_corrupt_model_names_the_file(intents_copy, damage):
    path = model_path(intents_copy)
    data = path.read_bytes()
    path.write_bytes({"garbage": b"not a model" * 100, "truncated": data[: len(data) // 2], "empty": b""}[damage])
    with pytest.raises(DataError) as err:
        load_nlu(intents_copy, "embedded")
    assert str(path) in str(err.value) and "assistant train" in str(err.value)


def test_model_from_other_data_is_stale(intents_copy):
    climate = intents_copy.intents_dir / "nlu" / "climate.yml"
    climate.write_text(climate.read_text() + "    - make it toasty\n")
    with pytest.raises(ModelMissingError) as err:
        load_nlu(intents_copy, "embedded")
    assert "different data" in str(err.value) and "assistant train" in str(err.value)


def test_corrupt_training_file_names_it(intents_copy):
    from assistant.nlu.trainer import train_embedded

    bad = intents_copy.intents_dir / "nlu" / "broken.yml"
    bad.write_text("nlu:\n- intent: greet\n  examples: |\n    - hi [there\n")
    with pytest.raises(DataError) as err:
        train_embedded(intents_copy)
    assert "broken.yml" in str(err.value)


def test_missing_training_data_is_clear(intents_copy):
    shutil.rmtree(intents_copy.intents_dir / "nlu")
    with pytest.raises(DataError) as err:
        load_nlu(intents_copy, "embedded")
    assert str(intents_copy.intents_dir / "nlu") in str(err.value)


def test_unknown_backend_is_a_config_error(trained_config):
    from assistant.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown NLU backend"):
        load_nlu(trained_config, "watson")


def test_calibrated_temperature_is_stored(trained_config):
    from assistant.nlu.model import load_bundle

    meta = load_bundle(model_path(trained_config)).meta
    assert meta["temperature"] > 0
    assert meta["fingerprint"] and meta["stats"]["candidate_coverage"] > 0.99
