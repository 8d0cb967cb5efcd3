"""A simulated home: zigbee2mqtt with a few IKEA TRADFRI bulbs, on a real MQTT broker.

It answers as zigbee2mqtt does: `<base>/<name>/set` changes a bulb (what the bulb
supports: state, brightness, colour temperature, colour) and the bulb's whole state is
published, retained, on `<base>/<name>`; `<base>/<name>/get` publishes it again;
`<base>/<name>/availability` is retained `{"state": "online"|"offline"}`, and
`<base>/bridge/state` is the bridge's. An unreachable bulb is offline and never answers;
a silent one answers nothing and has no availability (as with availability turned off).
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from assistant.home.zigbee import BRIGHTNESS_MAX, COLOR_HEX, decode, hex_to_xy

log = logging.getLogger(__name__)
MIREDS_RANGE = (250, 454)


@dataclass
class Bulb:
    """One simulated bulb and what it can do (TRADFRI models)."""

    name: str
    model: str
    color: bool = False  # CIE xy (and colour temperature)
    color_temp: bool = False  # white spectrum
    reachable: bool = True
    state: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.state = {"state": "OFF", "brightness": 254, "linkquality": 120}
        if self.color_temp or self.color:
            self.state["color_temp"] = 370
            self.state["color_mode"] = "color_temp"
        if self.color:
            self.state["color"] = {"x": 0.4599, "y": 0.4106}

    def apply(self, command: dict[str, Any]) -> None:
        """A `/set` payload, as zigbee2mqtt's light converters take it; what the bulb lacks is ignored."""
        wanted = str(command.get("state", "")).upper()
        if wanted == "TOGGLE":
            wanted = "OFF" if self.state["state"] == "ON" else "ON"
        if wanted in ("ON", "OFF"):
            self.state["state"] = wanted
        if isinstance(command.get("brightness"), (int, float)) and not isinstance(command["brightness"], bool):
            self.state["brightness"] = max(0, min(BRIGHTNESS_MAX, round(command["brightness"])))
            self.state["state"] = "ON" if self.state["brightness"] > 0 else "OFF"
        mireds = command.get("color_temp")
        if (self.color_temp or self.color) and isinstance(mireds, (int, float)) and not isinstance(mireds, bool):
            self.state["color_temp"] = max(MIREDS_RANGE[0], min(MIREDS_RANGE[1], round(mireds)))
            self.state["color_mode"] = "color_temp"
        color = command.get("color")
        if self.color and isinstance(color, dict):
            xy = _xy(color)
            if xy is not None:
                self.state["color"] = {"x": xy[0], "y": xy[1]}
                self.state["color_mode"] = "xy"


def _xy(color: dict) -> tuple[float, float] | None:
    if all(isinstance(color.get(k), (int, float)) for k in ("x", "y")):
        return round(float(color["x"]), 4), round(float(color["y"]), 4)
    hex_color = color.get("hex")
    if isinstance(hex_color, str) and len(hex_color.lstrip("#")) == 6:
        try:
            return hex_to_xy(hex_color)
        except ValueError:
            return None
    name = color.get("name")
    return hex_to_xy(COLOR_HEX[name]) if name in COLOR_HEX else None


def default_bulbs() -> list[Bulb]:
    """The demo home of `[home] rooms`' defaults; the garage bulb is unreachable."""
    return [
        Bulb("living_room_ceiling", "LED1924G9", color=True),  # TRADFRI bulb E27 CWS 806 lm
        Bulb("living_room_lamp", "LED1545G12", color_temp=True),  # TRADFRI bulb E27 WS 980 lm
        Bulb("bedroom_ceiling", "LED1924G9", color=True),
        Bulb("kitchen_ceiling", "LED1545G12", color_temp=True),
        Bulb("hallway_light", "LED1623G12"),  # TRADFRI bulb E27 W 1000 lm (white, dimmable)
        Bulb("garage_light", "LED1623G12", reachable=False),
    ]


class SimulatedHome:
    """Runs the bulbs as an MQTT client of `broker` until `stop()`."""

    def __init__(self, broker: str, port: int, bulbs: list[Bulb] | None = None, *, base_topic: str = "zigbee2mqtt",
                 username: str | None = None, password: str | None = None, silent: tuple[str, ...] = (),
                 client_id: str = "faw-home-sim", tls: bool = False, ca_file: str = "") -> None:
        from assistant.home.mqtt import paho_client

        mqtt = paho_client()

        self.base = base_topic.strip("/")
        self.bulbs = {bulb.name: bulb for bulb in (bulbs if bulbs is not None else default_bulbs())}
        self.silent = set(silent)
        self.commands: list[tuple[str, dict]] = []  # every /set taken, in order (for tests and the log)
        self._lock = threading.Lock()
        self.connected = threading.Event()
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311)
        if username is not None:
            client.username_pw_set(username, password)
        if tls:
            client.tls_set(ca_certs=ca_file or None)
        client.will_set(f"{self.base}/bridge/state", json.dumps({"state": "offline"}), retain=True)
        client.on_connect = self._on_connect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        self._client = client
        self._host, self._port = broker, port

    def start(self, timeout_s: float = 5.0) -> "SimulatedHome":
        """Connect and publish every bulb's availability and state; an error if the broker refuses."""
        from assistant.errors import ConfigError

        self._refused: str | None = None
        self._subscribe_mid: int | None = None
        try:
            self._client.connect(self._host, self._port, keepalive=30)
        except OSError as exc:
            raise ConfigError(f"home-sim: no MQTT broker at {self._host}:{self._port} ({exc})",
                              hint="start one (mosquitto -p PORT) or give --broker/--port") from None
        self._client.loop_start()
        if not self.connected.wait(timeout_s):
            self._client.loop_stop()
            raise ConfigError(f"home-sim: the broker at {self._host}:{self._port} refused us: "
                              f"{self._refused or 'no answer'}", hint="check --credentials-file")
        return self

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            self._refused = str(reason_code)
            return
        self._subscribe_mid = client.subscribe([(f"{self.base}/+/set", 0), (f"{self.base}/+/get", 0)])[1]
        client.publish(f"{self.base}/bridge/state", json.dumps({"state": "online"}), retain=True)
        for bulb in self.bulbs.values():
            if bulb.name in self.silent:
                continue
            word = "online" if bulb.reachable else "offline"
            client.publish(f"{self.base}/{bulb.name}/availability", json.dumps({"state": word}), retain=True)
            if bulb.reachable:
                self._publish_state(bulb)

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        if mid == self._subscribe_mid:  # ready only once the broker routes commands to us
            self.connected.set()

    def _publish_state(self, bulb: Bulb) -> None:
        self._client.publish(f"{self.base}/{bulb.name}", json.dumps(bulb.state), retain=True)

    def _on_message(self, client, userdata, message) -> None:
        parts = message.topic.split("/")
        if len(parts) != 3 or parts[0] != self.base:
            return
        name, verb = parts[1], parts[2]
        bulb = self.bulbs.get(name)
        payload = decode(message.payload)
        if bulb is None or payload is None or not bulb.reachable or name in self.silent:
            return  # zigbee2mqtt logs unknown devices; an unreachable bulb never answers
        with self._lock:
            if verb == "set":
                bulb.apply(payload)
                self.commands.append((name, payload))
                log.info("home-sim: %s <- %s -> %s", name, payload, bulb.state)
            self._publish_state(bulb)

    def state(self, name: str) -> dict[str, Any]:
        with self._lock:
            return dict(self.bulbs[name].state)

    def stop(self) -> None:
        self._client.publish(f"{self.base}/bridge/state", json.dumps({"state": "offline"}), retain=True)
        self._client.disconnect()
        self._client.loop_stop()

    def __enter__(self) -> "SimulatedHome":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
