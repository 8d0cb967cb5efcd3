"""The MQTT home bridge: zigbee2mqtt topics on a broker, as a client only.

paho-mqtt's network thread connects in the background (`connect_async` + `loop_start`)
and reconnects by itself, so opening the bridge never waits for the broker and a slow or
absent broker never delays a car turn. A light change is done only when the light's own
state topic shows it (the closed loop, as for the car). Commands are sent at QoS 0 and only
while connected: paho drops, never queues, what it cannot send, so nothing reaches the home
later without the driver knowing.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import ssl
import stat
import threading
import time
from pathlib import Path
from typing import Any

from assistant.errors import ConfigError
from assistant.home.base import CONFIRMED, NO_ANSWER, NO_LINK, PARTIAL, HomeOutcome
from assistant.home.zigbee import LightCommand, availability, decode, shows

log = logging.getLogger(__name__)


def _local_socketpair() -> tuple[socket.socket, socket.socket]:
    a, b = socket.socketpair()  # AF_UNIX: nothing on the network, nothing anyone could connect to
    a.setblocking(False)
    b.setblocking(False)
    return a, b


def paho_client():
    """paho-mqtt's client module, with its wake-up socket pair made without a TCP listener.

    paho builds that pair by listening on 127.0.0.1 for a moment (for Windows); on the head
    unit the bridge must never listen, not even briefly, so a Unix socket pair stands in.
    """
    import paho.mqtt.client as mqtt

    if hasattr(socket, "socketpair") and hasattr(mqtt, "_socketpair_compat"):
        mqtt._socketpair_compat = _local_socketpair
    return mqtt


def read_credentials(path: str | os.PathLike) -> tuple[str, str]:
    """`username:password` from the first line of a file only its owner may read."""
    file = Path(path).expanduser()
    try:
        info = file.stat()
    except OSError as exc:
        raise ConfigError(f"[home] credentials_file {file} cannot be read: {exc.strerror}",
                          hint="write `username:password` into it and chmod 600 it") from None
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"[home] credentials_file {file} is not a regular file")
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"[home] credentials_file {file} may be read by others (mode {stat.S_IMODE(info.st_mode):o})",
                          hint=f"chmod 600 {file}")
    try:
        line = file.read_text(encoding="utf-8").splitlines()[0].strip() if info.st_size else ""
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"[home] credentials_file {file} cannot be read: {exc}") from None
    username, sep, password = line.partition(":")
    if not sep or not username:
        raise ConfigError(f"[home] credentials_file {file} must hold one line `username:password`")
    return username, password


def check_rooms(rooms: Any) -> dict[str, list[str]]:
    """[home] rooms: room name -> list of light names, each a valid MQTT topic level."""
    if not isinstance(rooms, dict) or not rooms:
        raise ConfigError("[home] rooms must be a table of room = [light names]",
                          hint='e.g. rooms = {living_room = ["living_room_lamp"]}')
    checked = {}
    for room, lights in rooms.items():
        if not isinstance(lights, list) or not all(isinstance(name, str) and name for name in lights):
            raise ConfigError(f"[home] rooms.{room} must be a list of light names")
        bad = [name for name in lights if any(c in name for c in "+#\0") or name.endswith(("/set", "/get"))]
        if bad:
            raise ConfigError(f"[home] rooms.{room}: {bad[0]!r} is not a zigbee2mqtt friendly name")
        checked[str(room)] = list(lights)
    return checked


class MqttHome:
    """A zigbee2mqtt client; `rooms` maps rooms to the lights' friendly names."""

    def __init__(self, broker: str, port: int, rooms: dict[str, list[str]], *, base_topic: str = "zigbee2mqtt",
                 client_id: str = "faw-assistant", username: str | None = None, password: str | None = None,
                 tls: bool = False, ca_file: str = "", answer_timeout_s: float = 3.0,
                 connect_wait_s: float = 2.0, keepalive_s: int = 30) -> None:
        mqtt = paho_client()

        if not 0 < port < 65536:
            raise ConfigError(f"[home] port {port} is not a TCP port")
        self.rooms = check_rooms(rooms)
        self.base = base_topic.strip("/")
        self.answer_timeout_s = answer_timeout_s
        self.connect_wait_s = connect_wait_s
        self.lights = sorted({name for names in self.rooms.values() for name in names})
        self._cond = threading.Condition()
        self._connected = False
        self._first_attempt_done = threading.Event()
        self._states: dict[str, dict[str, Any]] = {}
        self._seq: dict[str, int] = {}  # per light: how many state messages so far
        self._available: dict[str, str] = {}
        self.last_error: str | None = None
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311)
        if username is not None:
            client.username_pw_set(username, password)
        if tls:
            client.tls_set(ca_certs=ca_file or None, cert_reqs=ssl.CERT_REQUIRED)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_connect_fail = self._on_connect_fail
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        self._client = client
        client.connect_async(broker, port, keepalive=keepalive_s)
        client.loop_start()  # the network thread connects; this returns at once

    @classmethod
    def from_config(cls, config) -> "MqttHome":
        home = config.home
        username = password = None
        if home.credentials_file:
            username, password = read_credentials(config.resolve(home.credentials_file))
        ca_file = str(config.resolve(home.ca_file)) if home.ca_file else ""
        if ca_file and not Path(ca_file).is_file():
            raise ConfigError(f"[home] ca_file {ca_file} does not exist")
        return cls(home.broker, home.port, home.rooms, base_topic=home.base_topic, client_id=home.client_id,
                   username=username, password=password, tls=home.tls, ca_file=ca_file,
                   answer_timeout_s=home.answer_timeout_s, connect_wait_s=home.connect_wait_s)

    # -- paho callbacks (network thread) ----------------------------------------
    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            self.last_error = str(reason_code)
            log.warning("home broker refused the connection: %s", reason_code)
            self._first_attempt_done.set()
            return
        client.subscribe([(f"{self.base}/{name}", 0) for name in self.lights]
                         + [(f"{self.base}/{name}/availability", 0) for name in self.lights])
        with self._cond:
            self._connected = True
            self._cond.notify_all()
        self.last_error = None
        self._first_attempt_done.set()
        log.info("home bridge connected")

    def _on_connect_fail(self, client, userdata) -> None:
        self.last_error = "no broker"
        self._first_attempt_done.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        with self._cond:
            self._connected = False
            self._cond.notify_all()
        if reason_code.is_failure:
            self.last_error = str(reason_code)
        self._first_attempt_done.set()

    def _on_message(self, client, userdata, message) -> None:
        topic = message.topic[len(self.base) + 1:] if message.topic.startswith(self.base + "/") else ""
        if topic.endswith("/availability"):
            word = availability(message.payload)
            if word:
                with self._cond:
                    self._available[topic[:-len("/availability")]] = word
            return
        if topic not in self._seq and topic not in self.lights:
            return
        state = decode(message.payload)
        if state is None:
            log.warning("home: unreadable state on %s", message.topic)
            return
        with self._cond:
            self._states[topic] = {**self._states.get(topic, {}), **state}
            self._seq[topic] = self._seq.get(topic, 0) + 1
            self._cond.notify_all()

    # -- requests (the dialogue's thread) ---------------------------------------
    @property
    def linked(self) -> bool:
        return self._connected

    def availability(self, light: str) -> str | None:
        """What zigbee2mqtt last said of the light: "online", "offline", or None (not said)."""
        with self._cond:
            return self._available.get(light)

    def _wait_link(self) -> bool:
        """Connected now, or (first connection still being set up) within connect_wait_s."""
        if not self._connected and not self._first_attempt_done.is_set():
            self._first_attempt_done.wait(self.connect_wait_s)
        return self._connected

    def _publish(self, topic: str, payload: dict) -> bool:
        mqtt = paho_client()
        info = self._client.publish(topic, json.dumps(payload), qos=0)
        return info.rc == mqtt.MQTT_ERR_SUCCESS

    def set_lights(self, lights: list[str], command: LightCommand) -> HomeOutcome:
        payload = command.payload()
        outcome = HomeOutcome(NO_LINK, requested={name: payload for name in lights})
        if not self._wait_link():
            return outcome
        sent = self._send(lights, "set", payload, outcome)
        if sent is None:
            return outcome
        self._await(sent, outcome, lambda name: shows(self._states.get(name, {}), payload))
        return outcome

    def query_lights(self, lights: list[str]) -> HomeOutcome:
        outcome = HomeOutcome(NO_LINK)
        if not self._wait_link():
            return outcome
        sent = self._send(lights, "get", {"state": ""}, outcome)
        if sent is None:
            return outcome
        self._await(sent, outcome, lambda name: True)
        outcome.states = {name: dict(self._states[name]) for name in outcome.confirmed}
        return outcome

    def _send(self, lights, verb, payload, outcome) -> dict[str, int] | None:
        """Publish to each reachable light; its state-message count before (None = the link is gone)."""
        sent: dict[str, int] = {}
        for name in lights:
            with self._cond:
                if self._available.get(name) == "offline":  # zigbee2mqtt says it is gone: send nothing
                    outcome.unanswered.append(name)
                    continue
                before = self._seq.get(name, 0)
            if not self._publish(f"{self.base}/{name}/{verb}", payload):
                outcome.status = NO_LINK  # the link went while sending: say so, wait for nothing
                return None
            sent[name] = before
        return sent

    def _await(self, sent: dict[str, int], outcome: HomeOutcome, done) -> None:
        """Wait for a new state message from each light that `done` accepts."""
        deadline = time.monotonic() + self.answer_timeout_s
        pending = dict(sent)
        with self._cond:
            while pending:
                for name in [n for n, before in pending.items() if self._seq.get(n, 0) > before and done(n)]:
                    outcome.confirmed.append(name)
                    del pending[name]
                left = deadline - time.monotonic()
                if not pending or left <= 0:
                    break
                self._cond.wait(left)
        outcome.unanswered.extend(pending)
        outcome.status = (CONFIRMED if not outcome.unanswered else PARTIAL if outcome.confirmed else NO_ANSWER)

    def close(self) -> None:
        try:
            self._client.disconnect()
        finally:
            self._client.loop_stop()
