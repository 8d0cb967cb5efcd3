"""The pinned transmit side: what the head unit may send, checked in beside the DBC.

The DBC is read at start-up, so an edited DBC would silently change what the gate sends
(a command moved to ID 0x000, a window range widened to 120 %). `can_dbc/transmit_manifest.yml`
pins every head-unit message: ID, length, and each signal's bit layout, scaling, range and
value names. The gate refuses to start (DataError naming the message and signal) when the
loaded DBC differs. Changing what the head unit may send is then a reviewed change of
two files:

    python -m assistant.vehicle.manifest --write     # regenerate from can_dbc/faw_demo.dbc
    git diff can_dbc/transmit_manifest.yml          # review it
"""

from __future__ import annotations

import argparse
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from cantools.database.can import Database, Message

from assistant.errors import DataError
from assistant.vehicle.dbc import command_messages

MANIFEST_NAME = "can_dbc/transmit_manifest.yml"
SIGNAL_FIELDS = ("start", "length", "byte_order", "signed", "scale", "offset", "min", "max", "choices")


def default_path() -> Path:
    from assistant.config import project_home

    return project_home() / MANIFEST_NAME


def _number(value: Any) -> Any:
    """Ints stay ints, floats that are whole become ints, so YAML round-trips compare equal."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def describe_message(message: Message) -> dict:
    """The manifest entry of one command message, from a cantools message."""
    signals = {}
    for s in message.signals:
        signals[s.name] = {
            "start": s.start, "length": s.length, "byte_order": s.byte_order, "signed": bool(s.is_signed),
            "scale": _number(s.scale), "offset": _number(s.offset),
            "min": _number(s.minimum), "max": _number(s.maximum),
            "choices": {int(k): str(v) for k, v in sorted((s.choices or {}).items())},
        }
    return {"id": message.frame_id, "extended": bool(message.is_extended_frame), "length": message.length,
            "signals": signals}


@dataclass(frozen=True)
class TransmitManifest:
    """Every head-unit message by name, as `describe_message` writes it."""

    messages: dict[str, dict]
    source: str = MANIFEST_NAME

    @classmethod
    def of(cls, db: Database) -> "TransmitManifest":
        return cls({m.name: describe_message(m) for m in command_messages(db)}, "the DBC")

    def differences(self, db: Database) -> list[str]:
        """What the DBC's transmit side does differently from the manifest (empty = the same)."""
        found = []
        loaded = {m.name: describe_message(m) for m in command_messages(db)}
        for name in sorted(set(loaded) - set(self.messages)):
            found.append(f"{name} (0x{loaded[name]['id']:03X}) is sent by HU in the DBC but not in the manifest")
        for name in sorted(set(self.messages) - set(loaded)):
            found.append(f"{name} is in the manifest but the DBC does not have the head unit send it")
        for name in sorted(set(loaded) & set(self.messages)):
            want, got = self.messages[name], loaded[name]
            for key in ("id", "extended", "length"):
                if want.get(key) != got[key]:
                    found.append(f"{name}: {key} {_show(key, got[key])} in the DBC, "
                                 f"{_show(key, want.get(key))} in the manifest")
            want_signals, got_signals = want.get("signals") or {}, got["signals"]
            for signal in sorted(set(got_signals) - set(want_signals)):
                found.append(f"{name}.{signal} is in the DBC but not in the manifest")
            for signal in sorted(set(want_signals) - set(got_signals)):
                found.append(f"{name}.{signal} is in the manifest but not in the DBC")
            for signal in sorted(set(got_signals) & set(want_signals)):
                for key in SIGNAL_FIELDS:
                    w, g = want_signals[signal].get(key), got_signals[signal][key]
                    if key == "choices":
                        w = {int(k): str(v) for k, v in (w or {}).items()}
                    if w != g:
                        found.append(f"{name}.{signal}: {key} {g!r} in the DBC, {w!r} in the manifest")
        return found

    def verify(self, db: Database) -> None:
        """DataError listing every difference, when the DBC would send other frames than pinned."""
        found = self.differences(db)
        if found:
            shown = "; ".join(found[:8]) + (f"; and {len(found) - 8} more" if len(found) > 8 else "")
            raise DataError(f"the DBC's transmit side differs from {self.source}: {shown}",
                            hint="restore the DBC; if the change is intended, regenerate the manifest with "
                                 "`python -m assistant.vehicle.manifest --write` and review the diff")


def _show(key: str, value: Any) -> str:
    return f"0x{value:03X}" if key == "id" and isinstance(value, int) else repr(value)


@functools.lru_cache(maxsize=8)
def _load(path: str, mtime_ns: int) -> TransmitManifest:
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(f"cannot read the transmit manifest {path}: {exc}",
                        hint="restore can_dbc/transmit_manifest.yml from the repository") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("messages"), dict):
        raise DataError(f"{path} has no `messages:` mapping", hint="restore it from the repository")
    return TransmitManifest(doc["messages"], str(path))


def load_manifest(path: Path | str | None = None) -> TransmitManifest:
    """The checked-in manifest (cached while the file is unchanged)."""
    path = Path(path) if path is not None else default_path()
    try:
        mtime = path.stat().st_mtime_ns
    except OSError as exc:
        raise DataError(f"the transmit manifest {path} is missing",
                        hint="restore can_dbc/transmit_manifest.yml from the repository") from exc
    return _load(str(path), mtime)


def render(db: Database) -> str:
    header = ("# What the head unit may transmit: pinned, checked against the DBC when the gate starts\n"
              "# (assistant/vehicle/manifest.py). Regenerate: python -m assistant.vehicle.manifest --write\n")
    return header + yaml.safe_dump({"messages": TransmitManifest.of(db).messages}, sort_keys=False,
                                   default_flow_style=None, width=200)


def main(argv: list[str] | None = None) -> int:
    from assistant.config import load_config
    from assistant.vehicle.dbc import load_dbc

    parser = argparse.ArgumentParser(description="check or regenerate can_dbc/transmit_manifest.yml")
    parser.add_argument("--write", action="store_true", help="write the manifest from the configured DBC")
    parser.add_argument("--dbc", default=None, help="DBC file (default: [paths] dbc)")
    args = parser.parse_args(argv)
    config = load_config()
    db = load_dbc(args.dbc or config.resolve(config.paths.dbc))
    if args.write:
        default_path().write_text(render(db), encoding="utf-8")
        print(f"wrote {default_path()}")
        return 0
    found = load_manifest().differences(db)
    print("\n".join(found) if found else "the DBC matches the transmit manifest")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
