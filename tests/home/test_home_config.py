"""[home] in the config file and the environment."""

from __future__ import annotations

import tomllib

import pytest

from assistant.config import Config, dump_toml, load_config
from assistant.errors import ConfigError
from assistant.home.mqtt import check_rooms


def test_defaults_are_off_and_round_trip_through_toml():
    config = Config()
    assert config.home.backend == "off" and config.home.broker == "127.0.0.1"
    data = tomllib.loads(dump_toml(config))
    assert data["home"]["rooms"] == config.home.rooms
    assert data["project_home"] == ""


def test_file_and_environment(tmp_path):
    file = tmp_path / "assistant.toml"
    file.write_text('[home]\nbackend = "mqtt"\nport = 8883\ntls = true\n'
                    '[home.rooms]\noffice = ["desk_lamp"]\n')
    config = load_config(file, env={"ASSISTANT_HOME_BROKER": "hub.local", "ASSISTANT_HOME_ANSWER_TIMEOUT_S": "5"})
    assert (config.home.backend, config.home.port, config.home.tls) == ("mqtt", 8883, True)
    assert config.home.rooms == {"office": ["desk_lamp"]}
    assert config.home.broker == "hub.local" and config.home.answer_timeout_s == 5.0


def test_project_home_still_comes_from_assistant_home(tmp_path):
    config = load_config(None, env={"ASSISTANT_HOME": str(tmp_path)})
    assert config.project_home == str(tmp_path) and config.resolve("x") == tmp_path / "x"


@pytest.mark.parametrize("rooms", [{}, {"kitchen": "kitchen_ceiling"}, {"kitchen": ["a/#"]}, {"kitchen": [""]}])
def test_bad_rooms_are_refused(rooms):
    with pytest.raises(ConfigError):
        check_rooms(rooms)


def test_a_wrong_type_is_refused(tmp_path):
    file = tmp_path / "assistant.toml"
    file.write_text('[home]\nport = "lots"\n')
    with pytest.raises(ConfigError, match="port"):
        load_config(file, env={})
