"""`assistant doctor`: what is installed, which engines work, which bus opens, and the fix for each gap."""

from __future__ import annotations

from ._common import config_from_args, print_json

SYMBOL = {"ok": "ok  ", "warn": "warn", "missing": "MISS"}


def _do_doctor(args) -> int:
    from assistant.doctor import run_checks

    config = config_from_args(args)
    findings = run_checks(config)
    if args.json:
        for finding in findings:
            print_json(finding.to_json())
    else:
        print(f"config: {config.source}")
        for f in findings:
            print(f"[{SYMBOL[f.status]}] {f.area:<6} {f.name:<28} {f.detail}")
            if f.fix and f.status != "ok":
                print(f"       {'':<6} {'':<28} fix: {f.fix}")
    broken = [f for f in findings if f.needed and f.status != "ok"]
    if broken and not args.json:
        print(f"\n{len(broken)} missing piece(s) stop the configured runtime: {', '.join(f.name for f in broken)}")
    return 1 if broken else 0


def add_subparser(subparsers) -> None:
    parser = subparsers.add_parser("doctor", help="check installed engines, models, audio devices and the bus",
                                   description=__doc__)
    parser.add_argument("--json", action="store_true", help="one JSON object per finding")
    parser.set_defaults(func=_do_doctor)
