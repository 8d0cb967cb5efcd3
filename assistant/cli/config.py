"""`assistant config`: show the effective configuration as TOML."""

from __future__ import annotations

from assistant.config import Config, dump_toml

from ._common import config_from_args


def _do_config(args) -> int:
    config = Config() if args.defaults else config_from_args(args)
    if not args.defaults:
        print(f"# source: {config.source}")
    print(dump_toml(config, with_docs=not args.bare), end="")
    return 0


def add_subparser(subparsers) -> None:
    parser = subparsers.add_parser(
        "config", help="print the effective configuration (TOML)",
        description="Print the effective configuration: defaults, the config file, then "
                    "ASSISTANT_<SECTION>_<KEY> environment overrides.")
    parser.add_argument("--defaults", action="store_true", help="print the documented defaults")
    parser.add_argument("--bare", action="store_true", help="leave out the comments")
    parser.set_defaults(func=_do_config)
