"""Benchmarks behind `assistant bench`: one module per area, each with `run(config, args) -> dict`."""
