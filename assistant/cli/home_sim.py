"""`assistant home-sim`: a simulated home (zigbee2mqtt with IKEA TRADFRI bulbs) on an MQTT broker.

    mosquitto -p 1883 &                                  # any broker; Home Assistant's works too
    assistant home-sim                                   # broker, login and rooms from [home]
    assistant home-sim --broker 127.0.0.1 --port 1883 --credentials-file ~/.config/assistant/mqtt.cred

It is a client of the broker, as zigbee2mqtt is. The bulbs are the lights of
`[home] rooms` (default: living room ceiling (colour) and lamp (white spectrum),
bedroom (colour), kitchen (white spectrum), hallway (white), garage: unreachable).
Prints {"event": "ready", "lights": {...}}, then one {"event": "set", "light", "command",
"state"} line per command it takes, and {"event": "stopped"} on SIGINT/SIGTERM.
"""

from __future__ import annotations

import signal
import threading

from ._common import config_from_args, print_json


def home_bulbs(rooms: dict[str, list[str]], unreachable: set[str]):
    """The default demo bulbs, plus a white spectrum bulb for any other light the rooms name."""
    from assistant.home.sim import Bulb, default_bulbs

    known = {bulb.name: bulb for bulb in default_bulbs()}
    names = [name for lights in rooms.values() for name in lights]
    bulbs = [known.get(name) or Bulb(name, "LED1545G12", color_temp=True) for name in dict.fromkeys(names)]
    for bulb in bulbs:
        if unreachable is not None:
            bulb.reachable = bulb.name not in unreachable
    return bulbs


def _do_home_sim(args) -> int:
    from assistant.errors import ConfigError
    from assistant.home.mqtt import check_rooms, read_credentials
    from assistant.home.sim import SimulatedHome

    config = config_from_args(args)
    home = config.home
    rooms = check_rooms(home.rooms)
    every = {name for lights in rooms.values() for name in lights}
    unreachable = None if args.unreachable is None else set(args.unreachable)
    unknown = ((unreachable or set()) | set(args.silent)) - every
    if unknown:
        raise ConfigError(f"home-sim: no light named {', '.join(sorted(unknown))}",
                          hint=f"the lights of [home] rooms are: {', '.join(sorted(every))}")
    credentials = args.credentials_file if args.credentials_file is not None else home.credentials_file
    username = password = None
    if credentials:
        username, password = read_credentials(config.resolve(credentials))
    sim = SimulatedHome(args.broker or home.broker, args.port or home.port, home_bulbs(rooms, unreachable),
                        base_topic=home.base_topic, username=username, password=password,
                        silent=tuple(args.silent), tls=home.tls,
                        ca_file=str(config.resolve(home.ca_file)) if home.ca_file else "")
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    taken = 0
    sim.start()
    try:
        print_json({"event": "ready", "broker": f"{sim._host}:{sim._port}", "base_topic": sim.base,
                    "lights": {b.name: {"model": b.model, "reachable": b.reachable and b.name not in sim.silent,
                                        "state": b.state} for b in sim.bulbs.values()}})
        while not stop.wait(0.05):
            for name, command in sim.commands[taken:]:
                print_json({"event": "set", "light": name, "command": command, "state": sim.state(name)})
            taken = len(sim.commands)
    finally:
        sim.stop()
    print_json({"event": "stopped", "commands": len(sim.commands)})
    return 0


def add_subparser(subparsers) -> None:
    parser = subparsers.add_parser("home-sim", help="simulated home: zigbee2mqtt TRADFRI bulbs on an MQTT broker",
                                   description=__doc__, formatter_class=__import__("argparse").RawDescriptionHelpFormatter)
    parser.add_argument("--broker", help="MQTT broker host (default: [home] broker)")
    parser.add_argument("--port", type=int, help="MQTT broker port (default: [home] port)")
    parser.add_argument("--credentials-file", help="username:password file, chmod 600 (default: [home] credentials_file)")
    parser.add_argument("--unreachable", action="append", metavar="LIGHT",
                        help="this bulb is offline and never answers (repeatable; default: garage_light)")
    parser.add_argument("--silent", action="append", default=[], metavar="LIGHT",
                        help="this bulb answers nothing and reports no availability (repeatable)")
    parser.set_defaults(func=_do_home_sim)
