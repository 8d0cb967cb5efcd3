"""Car-to-home: the lights at home through a home bridge chosen by `[home] backend`.

Backends are named like the other engines: "off" (also "none", the default: no link
and no socket) and "mqtt" (zigbee2mqtt topic conventions on an MQTT broker).
"""

from __future__ import annotations

import importlib

from assistant.errors import ConfigError
from assistant.home.base import HomeBridge, HomeOutcome, OffHome
from assistant.home.zigbee import LightCommand

BACKENDS = {"off": "assistant.home.base:OffHome", "none": "assistant.home.base:OffHome",
            "mqtt": "assistant.home.mqtt:MqttHome"}

__all__ = ["BACKENDS", "HomeBridge", "HomeOutcome", "LightCommand", "OffHome", "open_home"]


def open_home(config) -> HomeBridge:
    """The configured bridge; "mqtt" starts connecting in the background and returns at once."""
    name = (config.home.backend or "off").lower()
    if name not in BACKENDS:
        raise ConfigError(f"[home] backend {config.home.backend!r} is not known",
                          hint=f"choose one of: {', '.join(BACKENDS)}")
    module, _, cls = BACKENDS[name].partition(":")
    bridge_class = getattr(importlib.import_module(module), cls)
    if bridge_class is OffHome:
        return OffHome(config.home.rooms)
    return bridge_class.from_config(config)
