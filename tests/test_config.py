"""Issue 11, configuration: every value is type- and range-checked, from the TOML file and the
environment alike, and an unknown ASSISTANT_* name is an error naming the closest key."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import pytest

from assistant.config import (ENV_NOT_SETTINGS, Config, allowed, check_config, dump_toml, env_names,
                              load_config)
from assistant.errors import ConfigError


def from_env(**env):
    return load_config(env={f"ASSISTANT_{k}": v for k, v in env.items()})


def from_file(tmp_path, text):
    path = tmp_path / "assistant.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path, env={})


BAD = [  # (section, key, TOML value): each was accepted silently before (issue 11)
    ("vehicle", "write_timeout_s", "inf"),      # hung a turn forever
    ("vehicle", "write_timeout_s", "-5"),       # sent the frame, then reported failure
    ("vehicle", "write_timeout_s", "0"),
    ("vehicle", "write_timeout_s", "nan"),
    ("vehicle", "write_timeout_s", "1e9"),
    ("vehicle", "simulator", '"bogus"'),
    ("nlu", "threshold", "nan"),
    ("nlu", "threshold", "-1"),
    ("nlu", "threshold", "1.5"),
    ("nlu", "backend", '"spacy"'),
    ("vehicle", "interface", '"bogus"'),
    ("vehicle", "time_scale", "0"),
    ("vehicle", "time_scale", "-inf"),
    ("asr", "engine", '"kaldi"'),
    ("asr", "mode", '"free"'),
    ("asr", "garbage_weight", "0"),
    ("asr", "max_clipped", "2"),
    ("audio", "block_ms", "25"),
    ("audio", "channel_zones", '["driver", "trunk"]'),
    ("vad", "aggressiveness", "4"),
    ("wake", "barge_in", '"always"'),
    ("wake", "follow_up_s", "-1"),
    ("dialogue", "confirm_timeout_s", "inf"),
    ("tts", "sink", '"hdmi"'),
    ("tts", "rate", "0"),
]


@pytest.mark.parametrize("section, key, value", BAD)
def test_a_bad_value_in_the_file_is_refused(tmp_path, section, key, value):
    with pytest.raises(ConfigError) as err:
        from_file(tmp_path, f"[{section}]\n{key} = {value}\n")
    assert key in str(err.value) and "allowed:" in err.value.hint


@pytest.mark.parametrize("section, key, value", BAD)
def test_the_same_bad_value_from_the_environment_is_refused(section, key, value):
    name = f"{section}_{key}".upper()
    with pytest.raises(ConfigError) as err:
        from_env(**{name: value})
    assert f"$ASSISTANT_{name}" in str(err.value) and "allowed:" in err.value.hint


@pytest.mark.parametrize("env, attr, expected", [
    ({"VEHICLE_WRITE_TIMEOUT_S": "0.1"}, ("vehicle", "write_timeout_s"), 0.1),
    ({"VEHICLE_WRITE_TIMEOUT_S": "30"}, ("vehicle", "write_timeout_s"), 30.0),
    ({"VEHICLE_SIMULATOR": "external"}, ("vehicle", "simulator"), "external"),
    ({"VEHICLE_SIMULATOR": "auto"}, ("vehicle", "simulator"), "auto"),
    ({"VEHICLE_INTERFACE": "socketcan"}, ("vehicle", "interface"), "socketcan"),
    ({"NLU_THRESHOLD": "0"}, ("nlu", "threshold"), 0.0),
    ({"NLU_THRESHOLD": "1"}, ("nlu", "threshold"), 1.0),
    ({"AUDIO_CHANNEL_ZONES": '["driver", "passenger"]'}, ("audio", "channel_zones"), ["driver", "passenger"]),
])
def test_values_inside_the_range_are_taken(env, attr, expected):
    config = from_env(**env)
    assert getattr(getattr(config, attr[0]), attr[1]) == expected


def test_the_defaults_are_valid_and_every_number_has_a_range():
    config = Config()
    check_config(config)
    for section in (getattr(config, f.name) for f in dataclasses.fields(config)):
        if not dataclasses.is_dataclass(section):
            continue
        for f in dataclasses.fields(section):
            if isinstance(getattr(section, f.name), (int, float)) and not isinstance(getattr(section, f.name), bool):
                rules = set(f.metadata) & {"choices", "minimum", "maximum", "above"}
                assert rules, f"[{type(section).__name__}] {f.name} has no range"
                assert "maximum" in rules or "choices" in rules, f"{f.name} is unbounded"


def test_defaults_dump_round_trips_and_says_the_range(tmp_path):
    text = dump_toml(Config())
    assert "# allowed: 0.1 to 30.0, finite\nwrite_timeout_s = 2.0" in text
    assert "# allowed: one of: auto, builtin, external\nsimulator =" in text
    assert from_file(tmp_path, text) == dataclasses.replace(Config(), source=str(tmp_path / "assistant.toml"))


@pytest.mark.parametrize("typo, suggestion", [
    ("ASSISTANT_VEHICLE_WRITE_TIMOUT_S", "ASSISTANT_VEHICLE_WRITE_TIMEOUT_S"),
    ("ASSISTANT_NLU_TRESHOLD", "ASSISTANT_NLU_THRESHOLD"),
    ("ASSISTANT_VEHICLE_SIMULATER", "ASSISTANT_VEHICLE_SIMULATOR"),
    ("ASSISTANT_CONFG", "ASSISTANT_CONFIG"),
])
def test_an_unknown_environment_name_is_an_error_naming_the_closest_key(typo, suggestion):
    with pytest.raises(ConfigError) as err:
        load_config(env={typo: "1"})
    assert typo in str(err.value) and suggestion in err.value.hint


def test_a_name_nothing_is_close_to_still_is_an_error():
    with pytest.raises(ConfigError) as err:
        load_config(env={"ASSISTANT_ZZZ": "1"})
    assert "config --defaults" in err.value.hint


def test_the_non_setting_variables_are_listed_with_a_reason(tmp_path):
    assert {"ASSISTANT_CONFIG", "ASSISTANT_HOME", "ASSISTANT_TEST_VCAN"} <= set(ENV_NOT_SETTINGS)
    assert all(reason for reason in ENV_NOT_SETTINGS.values())
    assert not set(ENV_NOT_SETTINGS) & set(env_names())
    config = load_config(env={"ASSISTANT_TEST_VCAN": "vcan0", "ASSISTANT_HOME": str(tmp_path)})
    assert config.project_home == str(tmp_path)


def test_every_setting_has_an_environment_name():
    config = Config()
    names = set(env_names(config))
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if dataclasses.is_dataclass(value):
            assert {f"ASSISTANT_{f.name}_{g.name}".upper() for g in dataclasses.fields(value)} <= names


def test_cross_checked_settings():
    with pytest.raises(ConfigError, match="complete_silence_ms"):
        from_env(VAD_COMPLETE_SILENCE_MS="700", VAD_TRAILING_SILENCE_MS="600")


def test_allowed_describes_each_kind_of_rule():
    fields = {f.name: f for f in dataclasses.fields(Config().asr)}
    assert allowed(fields["garbage_weight"]) == "more than 0.0, at most 1.0, finite"
    assert allowed(fields["mode"]) == "one of: grammar, ngram, open"
    assert allowed(fields["vosk_model"]) == ""


def cli(*args, **env):
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True, timeout=120,
                          env={**{k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}, **env})


@pytest.mark.parametrize("name, value", [("ASSISTANT_VEHICLE_WRITE_TIMEOUT_S", "inf"),
                                         ("ASSISTANT_VEHICLE_WRITE_TIMEOUT_S", "-5"),
                                         ("ASSISTANT_VEHICLE_SIMULATOR", "bogus"),
                                         ("ASSISTANT_NLU_THRESHOLD", "nan"),
                                         ("ASSISTANT_NLU_THRESHOLD", "-1"),
                                         ("ASSISTANT_VEHICLE_WRITE_TIMOUT_S", "3")])
def test_chat_refuses_to_start_on_a_bad_setting_and_sends_nothing(nlu_ready, name, value):
    run = cli("chat", "--json", "--no-tts", "open the trunk", **{name: value})
    assert run.returncode != 0 and run.stdout == ""  # no turn, so no frame
    assert name in run.stderr and "hint:" in run.stderr


def test_config_defaults_still_prints_even_with_a_bad_environment():
    run = cli("config", "--defaults", ASSISTANT_NLU_THRESHOLD="nan")
    assert run.returncode == 0 and "# allowed: 0.1 to 30.0, finite\nwrite_timeout_s = 2.0" in run.stdout
