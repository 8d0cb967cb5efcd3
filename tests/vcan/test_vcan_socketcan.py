"""Real AF_CAN traffic on a vcan interface through python-can's socketcan backend."""

from __future__ import annotations

import itertools

import can
import pytest

pytestmark = [pytest.mark.vcan, pytest.mark.timeout(60)]

RECV_TIMEOUT = 2.0
NOTHING_TIMEOUT = 0.2  # how long "no frame arrives" is watched


def frames() -> list[can.Message]:
    """Standard and extended ids (including the extremes) with every classic length 0-8."""
    ids = [(0x000, False), (0x123, False), (0x7FF, False), (0x0, True), (0x18DAF110, True), (0x1FFFFFFF, True)]
    return [
        can.Message(arbitration_id=ident, is_extended_id=ext, data=bytes((ident + i) & 0xFF for i in range(n)))
        for (ident, ext), n in itertools.product(ids, range(9))
    ]


def assert_same(received: can.Message | None, sent: can.Message) -> None:
    assert received is not None, f"frame {sent} did not arrive"
    assert (received.arbitration_id, received.is_extended_id, received.dlc, bytes(received.data)) == (
        sent.arbitration_id, sent.is_extended_id, sent.dlc, bytes(sent.data))
    assert not received.is_error_frame and not received.is_remote_frame and not received.is_fd


def drain(bus: can.BusABC) -> list[can.Message]:
    got = []
    while (msg := bus.recv(timeout=NOTHING_TIMEOUT)) is not None:
        got.append(msg)
    return got


def test_frames_arrive_both_ways_with_every_length_and_id_format(vcan_bus_pair):
    first, second = vcan_bus_pair
    for sender, receiver in ((first, second), (second, first)):
        for msg in frames():
            sender.send(msg)
            assert_same(receiver.recv(timeout=RECV_TIMEOUT), msg)
        # socketcan loops frames back to other sockets, not to the sender's own socket by default
        assert drain(sender) == []


def test_frames_keep_their_order_in_a_burst(vcan_bus_pair):
    first, second = vcan_bus_pair
    sent = frames()
    for msg in sent:
        first.send(msg)
    received = [second.recv(timeout=RECV_TIMEOUT) for _ in sent]
    for got, msg in zip(received, sent):
        assert_same(got, msg)


def test_kernel_filters_select_by_id_and_id_format(vcan_channel, vcan_bus_pair):
    sender, _ = vcan_bus_pair
    with can.Bus(interface="socketcan", channel=vcan_channel,
                 can_filters=[{"can_id": 0x120, "can_mask": 0x7F0, "extended": False}]) as filtered:
        assert filtered._is_filtered, "filters were not installed in the kernel"
        wanted = [can.Message(arbitration_id=i, is_extended_id=False, data=[i & 0xFF]) for i in (0x120, 0x12F)]
        unwanted = [can.Message(arbitration_id=0x130, is_extended_id=False, data=[1]),
                    can.Message(arbitration_id=0x11F, is_extended_id=False, data=[2]),
                    can.Message(arbitration_id=0x120, is_extended_id=True, data=[3])]
        for msg in unwanted[:2] + wanted[:1] + unwanted[2:] + wanted[1:]:
            sender.send(msg)
        got = drain(filtered)
        assert [(m.arbitration_id, m.is_extended_id) for m in got] == [(0x120, False), (0x12F, False)]

        filtered.set_filters(None)  # back to receiving everything
        for msg in unwanted:
            sender.send(msg)
        assert [(m.arbitration_id, m.is_extended_id) for m in drain(filtered)] == [
            (m.arbitration_id, m.is_extended_id) for m in unwanted]


def test_wrong_length_frames_are_refused_and_the_bus_keeps_working(vcan_bus_pair):
    sender, receiver = vcan_bus_pair
    with pytest.raises(ValueError):
        can.Message(arbitration_id=0x100, data=bytes(9), check=True)
    with pytest.raises(ValueError):
        can.Message(arbitration_id=0x800, is_extended_id=False, data=b"", check=True)

    # Unchecked, the 9-byte classic frame reaches the kernel, which refuses it (EINVAL).
    with pytest.raises(can.CanOperationError) as refused:
        sender.send(can.Message(arbitration_id=0x100, data=bytes(9), check=False))
    assert refused.value.error_code == 22
    assert drain(receiver) == []

    good = can.Message(arbitration_id=0x101, data=b"\x01\x02")
    sender.send(good)
    assert_same(receiver.recv(timeout=RECV_TIMEOUT), good)


def test_opening_a_missing_interface_fails_clearly(vcan_channel):
    with pytest.raises((OSError, can.CanError), match="nosuchcan9|No such device"):
        can.Bus(interface="socketcan", channel="nosuchcan9")
