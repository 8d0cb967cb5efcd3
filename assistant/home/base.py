"""The home bridge: what the home skill may ask of the lights at home.

A bridge is a client of the home's hub (zigbee2mqtt on an MQTT broker, or Home
Assistant's MQTT integration). It is never a server, never sees the CAN bus, and
never queues a command for later: with no link a request fails at once and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from assistant.home.zigbee import LightCommand

CONFIRMED = "confirmed"  # every light's state topic shows the change
PARTIAL = "partial"  # some did, some did not answer in time
NO_ANSWER = "no_answer"  # the broker is there, the lights did not answer
NO_LINK = "no_link"  # no broker, or not connected: nothing was sent
NOT_SET_UP = "not_set_up"  # [home] backend = "off"


@dataclass
class HomeOutcome:
    """What came of a request: which lights showed it and which did not."""

    status: str
    requested: dict[str, dict[str, Any]] = field(default_factory=dict)  # light -> zigbee2mqtt payload sent
    confirmed: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)
    states: dict[str, dict[str, Any]] = field(default_factory=dict)  # light -> last state reported (queries)

    @property
    def ok(self) -> bool:
        return self.status == CONFIRMED


@runtime_checkable
class HomeBridge(Protocol):
    """A link to the lights at home; `rooms` maps each room to its lights' names."""

    rooms: dict[str, list[str]]

    @property
    def linked(self) -> bool: ...

    def set_lights(self, lights: list[str], command: LightCommand) -> HomeOutcome: ...

    def query_lights(self, lights: list[str]) -> HomeOutcome: ...

    def close(self) -> None: ...


class OffHome:
    """`[home] backend = "off"`: no link, no socket; every request says home control is not set up."""

    def __init__(self, rooms: dict[str, list[str]] | None = None) -> None:
        self.rooms = dict(rooms or {})

    @classmethod
    def from_config(cls, config) -> "OffHome":
        return cls(config.home.rooms)

    @property
    def linked(self) -> bool:
        return False

    def set_lights(self, lights: list[str], command: LightCommand) -> HomeOutcome:
        return HomeOutcome(NOT_SET_UP, requested={name: command.payload() for name in lights})

    def query_lights(self, lights: list[str]) -> HomeOutcome:
        return HomeOutcome(NOT_SET_UP)

    def close(self) -> None:
        pass
