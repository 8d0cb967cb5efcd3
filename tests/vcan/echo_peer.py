"""A separate process that answers frames on a socketcan interface (a stand-in ECU).

    python echo_peer.py CHANNEL

Prints "ready" once its socket is bound. For each frame it receives it sends a reply with
arbitration id + 8 (the request/response pairing of diagnostic ECUs) and the payload
reversed, keeping the id format. A frame with id STOP_ID ends it with exit status 0; ten
seconds without traffic ends it with status 3.
"""

from __future__ import annotations

import sys

import can

STOP_ID = 0x7FF
REPLY_OFFSET = 8


def main(channel: str) -> int:
    with can.Bus(interface="socketcan", channel=channel) as bus:
        print("ready", flush=True)
        while True:
            msg = bus.recv(timeout=10.0)
            if msg is None:
                print("no traffic for 10 s", file=sys.stderr)
                return 3
            if msg.arbitration_id == STOP_ID and not msg.is_extended_id:
                print("stop", flush=True)
                return 0
            bus.send(can.Message(arbitration_id=msg.arbitration_id + REPLY_OFFSET,
                                 is_extended_id=msg.is_extended_id, data=bytes(reversed(msg.data))))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
