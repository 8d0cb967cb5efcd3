"""`assistant vehicle get|set|list`: a developer tool that goes through the safety gate.

    assistant vehicle set Vehicle.Cabin.Door.Row1.DriverSide.Window.Position 100 --json
    assistant vehicle set Vehicle.Body.Trunk.Rear.IsOpen true --set Vehicle.Speed=40
    assistant vehicle get Vehicle.Speed --bus socketcan:vcan0 --external
"""

from __future__ import annotations

import sys

from ._common import add_vehicle_arguments, apply_vehicle_arguments, config_from_args, print_json


FAST_TIME = 10.0  # the built-in car's windows travel 10x faster for this developer tool


def _open(args):
    from assistant.vehicle.scenario import parse_assignments
    from assistant.vehicle.session import open_vehicle

    config = apply_vehicle_arguments(args, config_from_args(args))
    car = open_vehicle(config, scenario=parse_assignments(args.scenario), time_scale=args.time_scale or FAST_TIME)
    if not car.wait_ready(timeout_s=2.0):
        print(f"warning: no status from {', '.join(car.silent_ecus())}", file=sys.stderr)
    return car


def _do_set(args) -> int:
    with _open(args) as car:
        signal = car.vss.writable(args.path)
        value = signal.parse_text(args.value)
        result = car.gate.finish_motion(car.gate.write({args.path: value}))
        if result.ok:
            car.settle(timeout_s=args.settle_timeout)
        report = {"path": args.path, "value": value, "decision": result.status, "reason": result.reason,
                  "detail": result.detail, "frames": [f.to_json() for f in result.frames],
                  "state": car.car_state()}
    if args.json:
        print_json(report)
    else:
        print(f"{args.path} = {value}: {result.status}" + (f" ({result.reason}: {result.detail})" if result.reason else ""))
        for frame in report["frames"]:
            print(f"  sent {frame['name']} {frame['id']} {frame['data']}")
        if not report["frames"]:
            print("  no frame sent")
        print(f"  car now: {args.path} = {report['state'].get(args.path)}")
    return 0 if result.ok else 1


def _do_get(args) -> int:
    with _open(args) as car:
        paths = args.paths or [s.path for s in car.vss]
        readings = [car.state.read(path) for path in paths]
    if args.json:
        print_json({r.path: {"value": r.value, "fresh": r.fresh,
                             "age_ms": None if r.age_s is None else round(r.age_s * 1000, 1)} for r in readings})
    else:
        for r in readings:
            print(f"{r.path} = {r.value}" + ("" if r.fresh else "  (stale: ECU not responding)"))
    return 0 if all(r.fresh for r in readings) else 1


def _do_list(args) -> int:
    from assistant.vehicle.dbc import load_dbc
    from assistant.vehicle.vss import load_vss_map

    config = config_from_args(args)
    vss = load_vss_map(config.resolve(config.paths.vss_map), load_dbc(config.resolve(config.paths.dbc)))
    rows = [{"path": s.path, "datatype": s.datatype, "unit": s.unit, "writable": s.writable,
             "min": s.minimum, "max": s.maximum, "values": list(s.choices.values()) or None,
             "status": s.status.name, "command": s.command.name if s.command else None} for s in vss]
    for row in rows:
        if args.json:
            print_json(row)
        else:
            access = "rw" if row["writable"] else "r "
            span = f"{row['min']:g}..{row['max']:g}" if row["min"] is not None else (
                "|".join(map(str, row["values"])) if row["values"] else "")
            print(f"{access} {row['path']:<58} {row['datatype']:<8} {span:<14} {row['unit']}")
    return 0


def add_subparser(subparsers) -> None:
    parser = subparsers.add_parser("vehicle", help="read or write VSS signals through the safety gate",
                                   description=__doc__.split("\n\n")[0])
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True

    set_parser = actions.add_parser("set", help="write one VSS path and wait for the car to confirm")
    set_parser.add_argument("path", help="VSS path, e.g. Vehicle.Cabin.Door.Row1.DriverSide.Window.Position")
    set_parser.add_argument("value", help="true/false, a number, or a value name (e.g. blue)")
    set_parser.add_argument("--json", action="store_true", help="one JSON object: decision, frames, state")
    set_parser.add_argument("--settle-timeout", type=float, default=30.0,
                            help="how long to wait for moving parts before printing the state")
    add_vehicle_arguments(set_parser)
    set_parser.set_defaults(func=_do_set)

    get_parser = actions.add_parser("get", help="read VSS paths from the car's status frames")
    get_parser.add_argument("paths", nargs="*", metavar="PATH", help="VSS paths (default: all)")
    get_parser.add_argument("--json", action="store_true")
    add_vehicle_arguments(get_parser)
    get_parser.set_defaults(func=_do_get)

    list_parser = actions.add_parser("list", help="every mapped VSS path with its type, range and signals")
    list_parser.add_argument("--json", action="store_true")
    list_parser.set_defaults(func=_do_list)
