#!/usr/bin/env python3
"""The import graph of `assistant/`: cycles between modules and between packages, and layering breaks.

    python tools/import_graph.py            # prints the package graph, every cycle and every break; exit 1 if any

Every `import` counts, module-level or inside a function (a lazy import is still a dependency), but
those under `if TYPE_CHECKING:` (annotations only).
Packages are the first level under assistant/ (asr, audio, ..., runtime, measure, cli); a top-level
module (config, errors, doctor, demo) is its own package. Layering: nothing but the CLI imports
`assistant.measure` (measurement stays beside the runtime) or `assistant.cli`.
Standard library only.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "assistant"
# Who may import these packages (besides the package itself).
ONLY_FROM = {"measure": {"cli"}, "cli": {"__main__"}}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, name: str) -> set[str]:
    """Absolute names of the `assistant` modules that `path` imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    type_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If) and _is_type_checking(block.test)
                 for n in ast.walk(block)}
    for node in ast.walk(tree):
        if id(node) in type_only:  # `if TYPE_CHECKING:` imports are for annotations, not dependencies
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base if is_package else base[:-1]
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # `from pkg import module` depends on pkg.module; `from module import name` on module
            found.update(f"{target}.{a.name}" for a in node.names)
    return {f for f in found if f == PACKAGE or f.startswith(PACKAGE + ".")}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def build_graph() -> dict[str, set[str]]:
    paths = {module_name(p): p for p in sorted((ROOT / PACKAGE).rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        targets = set()
        for target in imports_of(path, name):
            while target not in paths and "." in target:  # `from pkg import function` -> pkg
                target = target.rsplit(".", 1)[0]
            if target in paths and target != name and target != PACKAGE:
                targets.add(target)
        graph[name] = targets
    return graph


def package_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    packages: dict[str, set[str]] = defaultdict(set)
    for module, targets in graph.items():
        packages[package_of(module)].update(package_of(t) for t in targets if package_of(t) != package_of(module))
    return dict(packages)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def layering_breaks(graph: dict[str, set[str]]) -> list[str]:
    breaks = []
    for module, targets in sorted(graph.items()):
        for target in sorted(targets):
            guarded, importer = package_of(target), package_of(module)
            if guarded in ONLY_FROM and importer != guarded and importer not in ONLY_FROM[guarded]:
                breaks.append(f"{module} imports {target}")
    return breaks


def main() -> int:
    graph = build_graph()
    packages = package_graph(graph)
    print(f"{len(graph)} modules, {sum(map(len, graph.values()))} imports between them; packages:")
    for name in sorted(packages):
        print(f"  {name} -> {', '.join(sorted(packages[name])) or '-'}")
    problems = [f"module cycle: {' <-> '.join(c)}" for c in cycles(graph)]
    problems += [f"package cycle: {' <-> '.join(c)}" for c in cycles(packages)]
    problems += [f"layering: {b}" for b in layering_breaks(graph)]
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s)" if problems else "no cycles, no layering breaks")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
