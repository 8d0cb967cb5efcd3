"""Car-to-home: the lights at home through a home bridge chosen by `[home] backend`.

Bridges are named like the other engines (an `assistant.registry.Registry`, entry-point
group `assistant.home`): "off" (also "none", the default: no link and no socket) and
"mqtt" (zigbee2mqtt topic conventions on an MQTT broker). A bridge class is built with
`from_config(config)` and must return at once (connect in the background).
"""

from __future__ import annotations

from assistant.home.base import HomeBridge, HomeOutcome, OffHome
from assistant.home.zigbee import LightCommand
from assistant.registry import Registry

BRIDGES = Registry("home bridge", "assistant.home", {
    "off": "assistant.home.base:OffHome",
    "none": "assistant.home.base:OffHome",
    "mqtt": "assistant.home.mqtt:MqttHome",
}, setting="[home] backend")

__all__ = ["BRIDGES", "HomeBridge", "HomeOutcome", "LightCommand", "OffHome", "open_home"]


def open_home(config) -> HomeBridge:
    """The configured bridge; "mqtt" starts connecting in the background and returns at once."""
    return BRIDGES.load((config.home.backend or "off").lower()).from_config(config)
