"""Open any python-can bus from config, with errors that say what to do."""

from __future__ import annotations

import errno
import socket
from dataclasses import dataclass

import can

from assistant.errors import BusError


@dataclass(frozen=True)
class BusSpec:
    """Which bus: a python-can interface name and channel."""

    interface: str = "virtual"
    channel: str = "faw0"

    @classmethod
    def parse(cls, text: str) -> "BusSpec":
        """"socketcan:vcan0" or "virtual:faw0"."""
        interface, sep, channel = text.partition(":")
        if not sep or not interface or not channel:
            raise BusError(f"bus {text!r} must look like INTERFACE:CHANNEL, e.g. socketcan:vcan0")
        return cls(interface, channel)

    def __str__(self) -> str:
        return f"{self.interface}:{self.channel}"


def open_bus(spec: BusSpec, **kwargs) -> can.BusABC:
    """A python-can bus for `spec`; BusError (with a fix) when it cannot open."""
    if spec.interface == "socketcan":
        _check_af_can(spec.channel)
    try:
        return can.Bus(interface=spec.interface, channel=spec.channel, **kwargs)
    except (can.CanError, OSError, ValueError, ImportError, NotImplementedError) as exc:
        hint = None
        if spec.interface == "socketcan":
            hint = (f"create it with `ip link add dev {spec.channel} type vcan && ip link set up {spec.channel}` "
                    "(root, vcan module loaded)")
        raise BusError(f"cannot open CAN bus {spec}: {exc}", hint=hint) from exc


def _check_af_can(channel: str) -> None:
    family = getattr(socket, "AF_CAN", None)
    if family is None:
        raise BusError("this platform has no SocketCAN (socket.AF_CAN)",
                       hint="use the virtual bus, or run the vcan tests with `make test-vcan`")
    try:
        socket.socket(family, socket.SOCK_RAW, socket.CAN_RAW).close()
    except OSError as exc:
        if exc.errno in (errno.EAFNOSUPPORT, errno.EPROTONOSUPPORT):
            raise BusError(
                f"cannot open socketcan {channel}: this kernel has no SocketCAN (AF_CAN missing)",
                hint="`make test-vcan` boots a Debian kernel in qemu with vcan0 and runs the CAN tests there; "
                     "or use the default virtual bus (ASSISTANT_VEHICLE_INTERFACE=virtual)") from exc
        raise BusError(f"cannot open socketcan {channel}: {exc}") from exc
