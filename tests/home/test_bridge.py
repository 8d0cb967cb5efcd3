"""The MQTT home bridge against a real mosquitto (authentication on) and the simulated zigbee2mqtt home."""

from __future__ import annotations

import socket
import threading

import psutil
import pytest

from assistant.config import Config
from assistant.errors import ConfigError
from assistant.home import open_home
from assistant.home.base import CONFIRMED, NO_ANSWER, NO_LINK, NOT_SET_UP, PARTIAL
from assistant.home.mqtt import MqttHome, read_credentials
from assistant.home.sim import Bulb
from assistant.home.zigbee import LightCommand, hex_to_xy

from home_broker import PASSWORD, USER, free_port, home_config


@pytest.fixture
def bridge(broker):
    opened = []

    def make(**home) -> MqttHome:
        config = home_config(broker, **home)
        b = open_home(config)
        opened.append(b)
        return b

    yield make
    for b in opened:
        b.close()


def test_on_is_done_only_when_the_bulbs_state_topic_shows_it(home_sim, bridge):
    sim = home_sim()
    home = bridge()
    lights = home.rooms["living_room"]
    outcome = home.set_lights(lights, LightCommand(on=True))
    assert outcome.status == CONFIRMED, outcome
    assert sorted(outcome.confirmed) == sorted(lights)
    assert outcome.requested == {name: {"state": "ON"} for name in lights}
    assert all(sim.state(name)["state"] == "ON" for name in lights)
    assert sim.state("kitchen_ceiling")["state"] == "OFF"  # only the room asked for
    off = home.set_lights(["living_room_lamp"], LightCommand(on=False))
    assert off.status == CONFIRMED and sim.state("living_room_lamp")["state"] == "OFF"


def test_brightness_and_colour_temperature_in_zigbee2mqtt_units(home_sim, bridge):
    sim = home_sim()
    home = bridge()
    outcome = home.set_lights(["kitchen_ceiling"], LightCommand(True, 50, "warm_white"))
    assert outcome.status == CONFIRMED
    assert outcome.requested["kitchen_ceiling"] == {"state": "ON", "brightness": 127, "color_temp": 454}
    assert sim.state("kitchen_ceiling") | {"linkquality": 0} == {
        "state": "ON", "brightness": 127, "color_temp": 454, "color_mode": "color_temp", "linkquality": 0}


def test_a_colour_on_a_white_spectrum_bulb_is_not_reported_done(home_sim, bridge):
    sim = home_sim()
    home = bridge()
    outcome = home.set_lights(home.rooms["living_room"], LightCommand(True, None, "red"))
    assert outcome.status == PARTIAL
    assert outcome.confirmed == ["living_room_ceiling"] and outcome.unanswered == ["living_room_lamp"]
    x, y = hex_to_xy("#FF0000")
    assert sim.state("living_room_ceiling")["color"] == {"x": x, "y": y}


def test_an_offline_bulb_gets_nothing_and_is_not_waited_for(home_sim, bridge):
    sim = home_sim()
    home = bridge(answer_timeout_s=30.0)  # were it waited for, this test would take 30 s
    for _ in range(200):  # zigbee2mqtt's retained availability arrives just after subscribing
        if home.availability("garage_light") == "offline":
            break
        threading.Event().wait(0.02)
    assert home.availability("garage_light") == "offline"
    outcome = home.set_lights(["garage_light"], LightCommand(on=True))
    assert outcome.status == NO_ANSWER and outcome.unanswered == ["garage_light"]
    assert [name for name, _ in sim.commands] == []


def test_a_silent_bulb_times_out_as_no_answer(home_sim, bridge):
    sim = home_sim(silent=("hallway_light",))
    home = bridge(answer_timeout_s=0.5)
    outcome = home.set_lights(["hallway_light"], LightCommand(on=True))
    assert outcome.status == NO_ANSWER and outcome.confirmed == []
    assert sim.bulbs["hallway_light"].state["state"] == "OFF"


def test_query_reads_each_bulb_fresh(home_sim, bridge):
    sim = home_sim()
    home = bridge(answer_timeout_s=1.0)
    assert home.set_lights(["bedroom_ceiling"], LightCommand(on=True)).ok
    outcome = home.query_lights(["bedroom_ceiling", "kitchen_ceiling", "garage_light"])
    assert outcome.status == PARTIAL
    assert outcome.states["bedroom_ceiling"]["state"] == "ON"
    assert outcome.states["kitchen_ceiling"]["state"] == "OFF"
    assert outcome.unanswered == ["garage_light"]
    assert sim.commands == [("bedroom_ceiling", {"state": "ON"})]  # a query changes nothing


def test_wrong_password_is_no_link_and_nothing_is_sent(broker, home_sim, tmp_path):
    sim = home_sim()
    wrong = tmp_path / "wrong.cred"
    wrong.write_text(f"{USER}:not-{PASSWORD}\n")
    wrong.chmod(0o600)
    config = home_config(broker, credentials_file=str(wrong), connect_wait_s=3.0)
    home = open_home(config)
    try:
        outcome = home.set_lights(["kitchen_ceiling"], LightCommand(on=True))
        assert outcome.status == NO_LINK and not home.linked
    finally:
        home.close()
    assert sim.commands == []


def test_no_broker_is_no_link_at_once():
    home = MqttHome("127.0.0.1", free_port(), {"kitchen": ["kitchen_ceiling"]}, connect_wait_s=3.0)
    try:
        assert home.set_lights(["kitchen_ceiling"], LightCommand(on=True)).status == NO_LINK
        assert home.query_lights(["kitchen_ceiling"]).status == NO_LINK
    finally:
        home.close()


def test_a_broker_that_goes_away_is_no_link_and_nothing_is_queued(broker, home_sim, bridge, tmp_path):
    from home_broker import start_broker

    home = bridge(answer_timeout_s=1.0)
    sim = home_sim()
    assert home.set_lights(["kitchen_ceiling"], LightCommand(on=True)).ok
    sim.stop()
    broker.stop()
    for _ in range(100):
        if not home.linked:
            break
        threading.Event().wait(0.05)
    assert home.set_lights(["kitchen_ceiling"], LightCommand(on=False)).status == NO_LINK
    # The broker comes back on the same port: the "off" asked while it was gone never arrives.
    again = start_broker(tmp_path / "again", port=broker.port)
    try:
        from assistant.home.sim import SimulatedHome

        with SimulatedHome(again.host, again.port, [Bulb("kitchen_ceiling", "LED1545G12", color_temp=True)],
                           username=USER, password=PASSWORD) as fresh:
            for _ in range(200):
                if home.linked:
                    break
                threading.Event().wait(0.05)
            assert home.linked
            assert home.set_lights(["kitchen_ceiling"], LightCommand(on=True)).ok
            assert fresh.commands == [("kitchen_ceiling", {"state": "ON"})]
    finally:
        again.stop()


def test_the_bridge_is_a_client_only_and_talks_to_its_broker_alone(broker, home_sim, bridge):
    home_sim()
    me = psutil.Process()
    before = {(c.laddr, c.raddr, c.status) for c in me.net_connections(kind="inet")}
    home = bridge()
    assert home.set_lights(["kitchen_ceiling"], LightCommand(on=True)).ok
    new = [c for c in me.net_connections(kind="inet") if (c.laddr, c.raddr, c.status) not in before]
    assert new, "the bridge's connection should show"
    assert all(c.status != psutil.CONN_LISTEN for c in new)
    assert {(c.raddr.ip, c.raddr.port) for c in new} == {("127.0.0.1", broker.port)}


def test_credentials_readable_by_others_are_refused(tmp_path):
    cred = tmp_path / "mqtt.cred"
    cred.write_text("car:secret\n")
    cred.chmod(0o644)
    with pytest.raises(ConfigError, match="read by others") as err:
        read_credentials(cred)
    assert "chmod 600" in err.value.hint
    cred.chmod(0o600)
    assert read_credentials(cred) == ("car", "secret")
    cred.write_text("just-a-password\n")
    with pytest.raises(ConfigError, match="username:password"):
        read_credentials(cred)
    with pytest.raises(ConfigError, match="cannot be read"):
        read_credentials(tmp_path / "missing")


def test_a_bad_credentials_file_stops_the_bridge_before_any_socket(tmp_path):
    cred = tmp_path / "open.cred"
    cred.write_text("car:secret\n")
    cred.chmod(0o640)
    config = Config()
    config.home.backend = "mqtt"
    config.home.credentials_file = str(cred)
    with pytest.raises(ConfigError):
        open_home(config)


def test_off_backend_opens_nothing_and_says_not_set_up():
    me = psutil.Process()
    before = len(me.net_connections(kind="inet"))
    home = open_home(Config())
    assert home.set_lights(["kitchen_ceiling"], LightCommand(on=True)).status == NOT_SET_UP
    assert len(me.net_connections(kind="inet")) == before
    home.close()


def test_unknown_backend_is_a_config_error():
    config = Config()
    config.home.backend = "zwave"
    with pytest.raises(ConfigError, match="zwave") as err:
        open_home(config)
    assert "[home] backend" in err.value.hint and "mqtt" in err.value.hint


def test_a_slow_broker_does_not_block_opening_the_bridge():
    """A TCP listener that never answers MQTT: the constructor returns, requests say no link."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        home = MqttHome("127.0.0.1", port, {"kitchen": ["kitchen_ceiling"]}, connect_wait_s=0.2)
        try:
            assert not home.linked
            assert home.set_lights(["kitchen_ceiling"], LightCommand(on=True)).status == NO_LINK
        finally:
            home.close()


def test_the_bridge_never_calls_listen(broker, home_sim, bridge, monkeypatch):
    """paho's own wake-up pair listens on 127.0.0.1 for a moment; the bridge's must not."""
    home_sim()
    listened = []
    real_listen = socket.socket.listen
    monkeypatch.setattr(socket.socket, "listen", lambda self, *a: (listened.append(self.getsockname()),
                                                                   real_listen(self, *a))[1])
    home = bridge()
    assert home.set_lights(["kitchen_ceiling"], LightCommand(on=True)).ok
    assert listened == []


def test_tls_with_the_brokers_ca_and_a_login(tmp_path):
    from home_broker import make_certificates, start_broker

    from assistant.home.sim import SimulatedHome

    ca, cert, key = make_certificates(tmp_path / "certs")
    tls_broker = start_broker(tmp_path / "tls", tls=(ca, cert, key))
    try:
        with SimulatedHome(tls_broker.host, tls_broker.port, username=USER, password=PASSWORD, tls=True,
                           ca_file=str(ca)) as sim:
            home = open_home(home_config(tls_broker, tls=True, ca_file=str(ca)))
            try:
                assert home.set_lights(["kitchen_ceiling"], LightCommand(on=True)).ok
            finally:
                home.close()
            assert sim.state("kitchen_ceiling")["state"] == "ON"
            plain = open_home(home_config(tls_broker, connect_wait_s=1.0))  # no TLS to a TLS listener: no link
            try:
                assert plain.set_lights(["kitchen_ceiling"], LightCommand(on=False)).status == NO_LINK
            finally:
                plain.close()
            assert sim.state("kitchen_ceiling")["state"] == "ON"
    finally:
        tls_broker.stop()
