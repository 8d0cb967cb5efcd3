"""AF_CAN between processes: a separate Python process (a stand-in ECU) answers our frames."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import can
import pytest

pytestmark = [pytest.mark.vcan, pytest.mark.timeout(120)]

PEER = Path(__file__).with_name("echo_peer.py")
STOP_ID, REPLY_OFFSET = 0x7FF, 8  # as in echo_peer.py


@pytest.fixture(scope="module")
def echo_peer(vcan_channel):
    """The echo process, ready (socket bound) before any test sends; one per module, as a
    Python start costs seconds under tcg. Teardown stops it and checks that it exits cleanly."""
    proc = subprocess.Popen([sys.executable, str(PEER), vcan_channel],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first_line = proc.stdout.readline().strip()
    if first_line != "ready":
        proc.kill()
        pytest.fail(f"echo peer did not start: {first_line!r} {proc.stderr.read()}", pytrace=False)
    yield proc
    if proc.poll() is None:
        with can.Bus(interface="socketcan", channel=vcan_channel) as bus:
            bus.send(can.Message(arbitration_id=STOP_ID, is_extended_id=False, data=b""))
        try:
            out, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        assert (proc.returncode, out.strip()) == (0, "stop"), f"echo peer did not stop cleanly: {err}"


def test_another_process_answers_every_frame(vcan_channel, echo_peer):
    requests = [can.Message(arbitration_id=0x7E0, is_extended_id=False, data=bytes(range(n))) for n in range(9)]
    requests += [can.Message(arbitration_id=0x18DA10F1, is_extended_id=True, data=b"\x22\xf1\x90")]
    with can.Bus(interface="socketcan", channel=vcan_channel) as bus:
        for request in requests:
            bus.send(request)
            reply = bus.recv(timeout=5.0)
            assert reply is not None, f"no answer from the peer process to {request}"
            assert reply.arbitration_id == request.arbitration_id + REPLY_OFFSET
            assert reply.is_extended_id == request.is_extended_id
            assert bytes(reply.data) == bytes(reversed(request.data))
    assert echo_peer.poll() is None, "the peer process died"


def test_frames_from_another_process_reach_two_sockets_here(vcan_bus_pair, echo_peer):
    first, second = vcan_bus_pair
    first.send(can.Message(arbitration_id=0x100, is_extended_id=False, data=b"\x01\x02\x03"))
    seen_by_second = [second.recv(timeout=5.0), second.recv(timeout=5.0)]  # our request, then the reply
    reply_at_first = first.recv(timeout=5.0)
    assert [(m.arbitration_id, bytes(m.data)) for m in seen_by_second if m] == [
        (0x100, b"\x01\x02\x03"), (0x108, b"\x03\x02\x01")]
    assert reply_at_first is not None
    assert (reply_at_first.arbitration_id, bytes(reply_at_first.data)) == (0x108, b"\x03\x02\x01")
