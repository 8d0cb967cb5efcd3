"""Fixtures for the SocketCAN smoke tests; `vcan_channel` itself is in tests/conftest.py."""

from __future__ import annotations

import pytest


@pytest.fixture
def vcan_bus_pair(vcan_channel):
    """Two independent socketcan buses (two AF_CAN sockets) on the same vcan interface."""
    import can

    first = can.Bus(interface="socketcan", channel=vcan_channel)
    second = can.Bus(interface="socketcan", channel=vcan_channel)
    yield first, second
    first.shutdown()
    second.shutdown()
