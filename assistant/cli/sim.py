"""`assistant sim`: the demo car's ECUs on a CAN bus, until SIGINT/SIGTERM.

    assistant sim --bus socketcan:vcan0 --set Vehicle.Speed=40
    assistant sim --bus socketcan:vcan0 --silent AC --time-scale 10

Prints one JSON line {"event": "ready", ...} when it is on the bus, and a
{"event": "stopped", "applied": N, "ignored": {...}} summary when it ends.

With --control, JSON lines on stdin steer the running car (test rigs and scripted
demos), each answered by one line on stdout:
    {"cmd": "reset"}                                  power-cycle: default car, no faults
    {"cmd": "set", "values": {"Vehicle.Speed": "40"}}
    {"cmd": "faults", "silent": ["AC"], "bad_checksum": [], ...}
    {"cmd": "stats"}                                  -> {"event": "stats", "applied", "ignored"}
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import time

from ._common import config_from_args, print_json

FAULT_FLAGS = {
    "silent": "this ECU sends nothing and ignores commands",
    "bad_checksum": "this ECU's status frames carry a wrong CRC",
    "stale_counter": "this ECU's alive counter stops advancing",
    "ignore_commands": "this ECU keeps reporting but never applies commands",
}


def _do_sim(args) -> int:
    from assistant.errors import ValueTypeError
    from assistant.vehicle.bus import BusSpec, open_bus
    from assistant.vehicle.dbc import load_dbc
    from assistant.vehicle.scenario import load_scenario, parse_assignments
    from assistant.vehicle.simulator import EcuSimulator, Faults
    from assistant.vehicle.vss import load_vss_map

    config = config_from_args(args)
    spec = BusSpec.parse(args.bus) if args.bus else BusSpec(config.vehicle.interface, config.vehicle.channel)
    db = load_dbc(config.resolve(config.paths.dbc))
    vss = load_vss_map(config.resolve(config.paths.vss_map), db)
    initial, timeline = load_scenario(args.scenario_file) if args.scenario_file else ({}, [])
    faults = Faults(**{kind: set(getattr(args, kind) or ()) for kind in FAULT_FLAGS})
    ecus = {node.name for node in db.nodes} - {"HU"}
    unknown = set().union(*vars(faults).values()) - ecus - {"*"}
    if unknown:
        raise ValueTypeError(f"unknown ECU {', '.join(sorted(unknown))}; the ECUs are {', '.join(sorted(ecus))}")
    bus = open_bus(spec)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        sim = EcuSimulator(bus, db, vss, faults=faults, time_scale=args.time_scale or config.vehicle.time_scale)
        for path, value in {**initial, **parse_assignments(args.scenario)}.items():
            sim.set(path, value)
        sim.add_timeline(timeline)
        sim.poll()
        print_json({"event": "ready", "bus": str(spec), "faults": {k: sorted(v) for k, v in vars(faults).items() if v}})
        if args.duration:
            threading.Timer(args.duration, stop.set).start()
        if args.control:
            threading.Thread(target=_serve_control, args=(sim, stop), name="sim-control", daemon=True).start()
        started = time.monotonic()
        sim.run(stop)
        print_json({"event": "stopped", "seconds": round(time.monotonic() - started, 2), "applied": sim.applied,
                    "ignored": dict(sim.ignored), "state": sim.snapshot() if args.print_state else None})
    finally:
        bus.shutdown()
    return 0


def _serve_control(sim, stop: threading.Event) -> None:
    """Apply JSON commands from stdin until it closes (then stop the simulator)."""
    from assistant.errors import AssistantError

    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            command = json.loads(line)
            print_json(_control(sim, command))
        except (ValueError, TypeError, AttributeError, AssistantError) as exc:
            print_json({"event": "error", "error": str(exc).splitlines()[0]})
    stop.set()


def _control(sim, command: dict) -> dict:
    kind = command.get("cmd")
    if kind == "reset":
        sim.reset()
    elif kind == "set":
        for path, value in command["values"].items():
            sim.set(path, value)
    elif kind == "faults":
        for fault in FAULT_FLAGS:
            getattr(sim.faults, fault).clear()
            getattr(sim.faults, fault).update(command.get(fault, ()))
    elif kind == "stats":
        return {"event": "stats", "applied": sim.applied, "ignored": dict(sim.ignored)}
    else:
        raise ValueError(f"unknown command {kind!r}; use reset, set, faults or stats")
    return {"event": "ok", "cmd": kind}


def add_subparser(subparsers) -> None:
    parser = subparsers.add_parser("sim", help="run the ECU simulator on a CAN bus",
                                   description=__doc__.split("\n\n")[0])
    parser.add_argument("--bus", metavar="INTERFACE:CHANNEL", help="e.g. socketcan:vcan0 (default: config [vehicle])")
    parser.add_argument("--set", dest="scenario", action="append", default=[], metavar="VSS_PATH=VALUE",
                        help="the car's state at start, e.g. Vehicle.Speed=40 (repeatable)")
    parser.add_argument("--scenario", dest="scenario_file", metavar="FILE.yml",
                        help="scenario file with `set:` and a `timeline:` of changes")
    parser.add_argument("--time-scale", type=float, default=None,
                        help="run the car's physics this many times faster than real time")
    parser.add_argument("--duration", type=float, default=None, help="stop after this many seconds")
    parser.add_argument("--print-state", action="store_true", help="include the final VSS state in the summary")
    parser.add_argument("--control", action="store_true",
                        help="read JSON control commands on stdin (reset, set, faults, stats); EOF stops")
    faults = parser.add_argument_group("fault injection (ECU names: VCU BCM AC SCM AMP EMS TPMS IC SWS; no name = all)")
    for kind, text in FAULT_FLAGS.items():
        faults.add_argument(f"--{kind.replace('_', '-')}", dest=kind, action="append", nargs="?", const="*",
                            metavar="ECU", help=text)
    parser.set_defaults(func=_do_sim)
