"""Helpers shared by subcommands."""

from __future__ import annotations

import json
import sys
from typing import Any

from assistant.config import Config, check_config, load_config


def config_from_args(args) -> Config:
    """The effective config for a CLI invocation (`--config`, env, defaults)."""
    return load_config(getattr(args, "config", None))


def print_json(obj: Any) -> None:
    """One JSON object per line, as the CLI contracts ask."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=_jsonable) + "\n")
    sys.stdout.flush()


def _jsonable(value: Any) -> Any:
    if hasattr(value, "to_json"):
        return value.to_json()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def add_vehicle_arguments(parser, *, scenario: bool = True) -> None:
    """--bus / --external / --set / --time-scale, shared by every command that talks to the car."""
    group = parser.add_argument_group("vehicle")
    group.add_argument("--bus", metavar="INTERFACE:CHANNEL",
                       help="python-can bus, e.g. socketcan:vcan0 (default: config [vehicle])")
    group.add_argument("--external", action="store_true",
                       help="a real car or `assistant sim` is on the bus: don't start the built-in simulator "
                            "(already so on any bus but virtual)")
    if scenario:
        group.add_argument("--set", dest="scenario", action="append", default=[], metavar="VSS_PATH=VALUE",
                           help="built-in simulator: the car's state before the first turn (repeatable)")
        group.add_argument("--time-scale", type=float, default=None,
                           help="built-in simulator speed-up for moving parts (windows)")


def apply_vehicle_arguments(args, config: Config) -> Config:
    """Fold --bus/--external into the config, checked like the file's and the environment's values."""
    if getattr(args, "bus", None):
        from assistant.vehicle.bus import BusSpec

        spec = BusSpec.parse(args.bus)
        config.vehicle.interface, config.vehicle.channel = spec.interface, spec.channel
    if getattr(args, "external", False):
        config.vehicle.simulator = "external"
    check_config(config)
    return config
