"""Fixtures shared by every test area.

`vcan_channel` is here, not in tests/vcan/, because tests of other areas (e.g. the vehicle
suite's vcan variants) request it too.
"""

from __future__ import annotations

import os

import pytest

VCAN_ENV = "ASSISTANT_TEST_VCAN"
VCAN_HINT = ("run `make test-vcan` (it boots a qemu VM with vcan0 when this kernel has no SocketCAN), "
             "or create the interface as root: ip link add dev vcan0 type vcan && ip link set up vcan0")


@pytest.fixture(scope="session")
def vcan_channel() -> str:
    """A working SocketCAN interface: $ASSISTANT_TEST_VCAN, default vcan0.

    Tests that use it are marked `vcan` and run only when selected (`make test-vcan`); when the
    interface cannot be opened they FAIL with a hint rather than skip, so a broken setup shows.
    """
    import can

    channel = os.environ.get(VCAN_ENV, "vcan0")
    try:
        can.Bus(interface="socketcan", channel=channel).shutdown()
        problem = None
    except (OSError, can.CanError) as exc:
        problem = str(exc)
    if problem:  # failed outside the except block, so the report is the message alone
        pytest.fail(f"cannot open a socketcan bus on {channel!r}: {problem}\n  hint: {VCAN_HINT}", pytrace=False)
    return channel
