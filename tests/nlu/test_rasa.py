"""The rasa backend against a real `rasa run --enable-api` from .rasa-venv (`make rasa`).

Uses the project's rasa model when `assistant train --backend rasa` has trained it on the
current data; otherwise trains a short-epoch DIET into tmp (a few minutes).
"""

from __future__ import annotations

import shutil

import pytest

from assistant.errors import ModelMissingError
from assistant.nlu.backend import load_nlu
from assistant.nlu.rasa import rasa_installed, rasa_model_dir

needs_rasa = pytest.mark.skipif(not rasa_installed(), reason="rasa is not installed: run `make rasa` (.rasa-venv)")


def test_rasa_not_installed_is_a_clear_error(tmp_path, config_factory):
    config = config_factory(tmp_path / "models", rasa_venv=str(tmp_path / "no-venv"))
    with pytest.raises(ModelMissingError, match="make rasa"):
        load_nlu(config, "rasa")


@pytest.mark.rasa
@needs_rasa
def test_rasa_model_missing_is_a_clear_error(tmp_path, config_factory):
    with pytest.raises(ModelMissingError, match="assistant train --backend rasa"):
        load_nlu(config_factory(tmp_path / "models"), "rasa")


@pytest.fixture(scope="module")
def rasa_config(tmp_path_factory, config_factory):
    from assistant.config import load_config
    from assistant.nlu.data import data_fingerprint
    import json

    project = load_config(env={})
    info = rasa_model_dir(project) / "nlu.json"
    if info.is_file() and json.loads(info.read_text()).get("fingerprint") == data_fingerprint(project.intents_dir / "nlu"):
        return project
    from assistant.nlu.rasa import train_rasa

    config = config_factory(tmp_path_factory.mktemp("rasa-models"))
    pipeline = tmp_path_factory.mktemp("rasa-pipeline") / "config.yml"
    text = config.resolve("tools/rasa/config.yml").read_text().replace("epochs: 100", "epochs: 20")
    pipeline.write_text(text)
    train_rasa(config, lambda fraction, message: None, pipeline=pipeline)
    return config


@pytest.mark.rasa
@pytest.mark.slow
@needs_rasa
def test_rasa_server_parses_and_stops(rasa_config):
    nlu = load_nlu(rasa_config, "rasa")
    server = nlu.process
    try:
        result = nlu.parse("set the passenger side to twenty two degrees")
        assert result.name == "climate_set_temperature"
        assert {(e.entity, e.value) for e in result.entities} == {("zone", "passenger"), ("temperature", 22)}
        out = result.to_json()
        assert set(out) == {"text", "intent", "entities", "intent_ranking"}
        for bad in ("", "   ", "x" * 10_000, "打开车窗", "turn on the ac and open the window"):
            assert nlu.parse(bad).is_fallback
    finally:
        nlu.close()
    assert server.poll() is not None  # close() stopped the server


@pytest.mark.rasa
@needs_rasa
def test_rasa_stale_model_is_detected(tmp_path, config_factory):
    from assistant.config import load_config

    project = load_config(env={})
    if not (rasa_model_dir(project) / "nlu.json").is_file():
        pytest.skip("no project rasa model (run `assistant train --backend rasa`)")
    config = config_factory(tmp_path / "models")
    shutil.copytree(rasa_model_dir(project), rasa_model_dir(config))
    shutil.copytree(project.intents_dir.parent, tmp_path / "intents")
    config.paths.intents = str(tmp_path / "intents")
    (config.intents_dir / "nlu" / "extra.yml").write_text("nlu:\n- intent: greet\n  examples: |\n    - howdy partner\n")
    with pytest.raises(ModelMissingError, match="different data"):
        load_nlu(config, "rasa")
