"""Load the car's DBC with cantools and check the conventions the gate relies on."""

from __future__ import annotations

from pathlib import Path

import cantools
from cantools.database.can import Database, Message

from assistant.errors import DataError
from assistant.vehicle import e2e

COUNTER = "COUNTER"
CHECKSUM = "CHECKSUM"
NO_REQUEST = "NoRequest"
HEAD_UNIT = "HU"


def load_dbc(path: Path | str) -> Database:
    """Parse a DBC strictly; a missing or garbled file is a DataError naming it."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"DBC file {path} does not exist",
                        hint="set [paths] dbc in the config, or restore can_dbc/faw_demo.dbc")
    try:
        db = cantools.database.load_file(str(path), database_format="dbc", strict=True)
    except Exception as exc:  # cantools raises many parser-specific types
        raise DataError(f"cannot parse DBC file {path}: {exc}",
                        hint="check it with `python -m cantools dump <file>`") from exc
    for message in db.messages:
        _check_e2e_layout(message, path)
    for message in command_messages(db):
        _check_no_request(message, path)
    return db


def command_messages(db: Database) -> list[Message]:
    """Messages the head unit sends: the gate's transmit whitelist."""
    return [m for m in db.messages if HEAD_UNIT in m.senders]


def status_messages(db: Database) -> list[Message]:
    """Messages the ECUs send and the head unit decodes into vehicle state."""
    return [m for m in db.messages if HEAD_UNIT not in m.senders]


def payload_signals(message: Message):
    """Signals other than COUNTER and CHECKSUM."""
    return [s for s in message.signals if s.name not in (COUNTER, CHECKSUM)]


def _check_e2e_layout(message: Message, path: Path) -> None:
    names = {s.name: s for s in message.signals}
    counter, crc = names.get(COUNTER), names.get(CHECKSUM)
    if (message.length != 8 or counter is None or crc is None
            or (counter.start, counter.length) != (e2e.COUNTER_BYTE * 8, 4)
            or (crc.start, crc.length) != (e2e.CHECKSUM_BYTE * 8, 8)):
        raise DataError(f"{path}: message {message.name} must be 8 bytes with a 4-bit COUNTER at "
                        f"bit {e2e.COUNTER_BYTE * 8} and an 8-bit CHECKSUM at bit {e2e.CHECKSUM_BYTE * 8}")


def _check_no_request(message: Message, path: Path) -> None:
    for signal in payload_signals(message):
        if not signal.choices or signal.choices.get(0) != NO_REQUEST:
            raise DataError(f"{path}: command signal {message.name}.{signal.name} needs raw 0 = "
                            f"\"{NO_REQUEST}\" so that an all-zero payload requests nothing")
