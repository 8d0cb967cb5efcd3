"""The CLI contracts: `assistant parse --json`, `assistant train`, `assistant eval nlu`."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from assistant.config import Config
from assistant.nlu.data import load_nlu_data
from assistant.nlu.model import model_path


def run(args, models_dir, **kw):
    env = {**os.environ, "ASSISTANT_PATHS_MODELS": str(models_dir)}
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True,
                          env=env, timeout=300, **kw)


def test_parse_json_contract(trained_config):
    out = run(["parse", "--json", "set the passenger side to twenty two degrees", "hello"],
              trained_config.models_dir)
    assert out.returncode == 0, out.stderr
    first, second = (json.loads(line) for line in out.stdout.splitlines())
    assert first["intent"]["name"] == "climate_set_temperature"
    assert {(e["entity"], e["value"]) for e in first["entities"]} == {("zone", "passenger"), ("temperature", 22)}
    assert second["intent"]["name"] == "greet"


def test_parse_readable_and_split(trained_config):
    out = run(["parse", "--split", "turn on the ac and open the trunk"], trained_config.models_dir)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("climate_ac (") and "state=on" in lines[0]
    assert lines[1].startswith("trunk_open (")


def test_parse_without_model_is_a_clear_error(tmp_path):
    out = run(["parse", "hello"], tmp_path / "none")
    assert out.returncode == 2
    assert "assistant train" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.slow
def test_train_cli_writes_model(tmp_path):
    out = run(["train", "-q"], tmp_path)
    assert out.returncode == 0, out.stderr
    intents = len(load_nlu_data(Config().intents_dir / "nlu").intents)
    assert intents >= 41 and f"embedded: {intents} intents" in out.stdout
    assert (tmp_path / "nlu" / "embedded.npz").is_file()


def test_eval_nlu_reports_json_and_png(trained_config, tmp_path):
    out = run(["eval", "nlu", "--backend", "embedded", "--out", str(tmp_path)], trained_config.models_dir)
    assert out.returncode == 0, out.stderr
    report = json.loads((tmp_path / "nlu.json").read_text())["backends"]["embedded"]
    assert (tmp_path / "nlu_confusion_embedded.png").stat().st_size > 10_000
    assert report["examples"] > 500 and 0 <= report["calibration_error"] < 0.2
    # a regression guard well below the measured figures (README), not a tuned target
    assert report["intent_accuracy"] > 0.9 and report["entity"]["f1"] > 0.9
    assert "intent accuracy" in out.stdout


def test_model_path_is_under_models_dir(trained_config):
    assert model_path(trained_config).parent.parent == trained_config.models_dir
