"""The house rules: no import cycles, measurement beside the runtime, and a README map that names every file."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _import_graph():
    spec = importlib.util.spec_from_file_location("import_graph", ROOT / "tools" / "import_graph.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_import_cycle_and_nothing_but_the_cli_imports_measurement(capsys):
    graph = _import_graph()
    assert graph.main() == 0, capsys.readouterr().out


def test_the_checker_finds_a_cycle_and_a_layering_break():
    graph = _import_graph()
    assert graph.cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    breaks = graph.layering_breaks({"assistant.runtime.live": {"assistant.measure.stats"},
                                    "assistant.cli.bench": {"assistant.measure.bench"}})
    assert breaks == ["assistant.runtime.live imports assistant.measure.stats"]


def test_every_file_under_assistant_is_in_a_row_of_the_readme_layout_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Layout"):readme.index("## Configuration")]
    named: set[str] = set()
    for row in table.splitlines():
        cell = row.split("|")[1] if row.startswith("| `assistant/") else ""
        names = re.findall(r"`([^`]+)`", cell)
        named.update(n.removeprefix("assistant/").rstrip("/") for n in names)
    package = ROOT / "assistant"
    files = [p.relative_to(package) for p in package.rglob("*")
             if p.is_file() and "__pycache__" not in p.parts and p != package / "__init__.py"]
    unnamed = sorted(str(f) for f in files if f.parts[0] not in named)
    assert not unnamed, f"files under assistant/ in no row of the README's layout table: {unnamed}"
