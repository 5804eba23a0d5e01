"""The engine's shape: stage folders, no import circles, no QGIS or Qt.

Every ``import`` of a ``lever_grid.core`` module (at the top or inside a function) is an
edge of a graph; the graph must have no cycle. Checked by reading the sources with
``ast``, independently of how Python resolves them at run time.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

CORE = ROOT / "lever_grid" / "core"
STAGES = ("inputs", "grid", "coverage", "stats", "briefing", "action")
SHARED = ("crs.py", "fs.py", "errors.py", "progress.py", "pipeline.py")


def _module(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Core modules imported by ``path`` (absolute and relative imports, any depth)."""
    package = _module(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [f"{target}.{a.name}" for a in node.names]
            found.add(target)
            found.update(names)  # ``from .stats import periods`` imports a module
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def _graph() -> dict[str, set[str]]:
    modules = {_module(p): p for p in CORE.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        graph[name] = {m for m in _imports(path) if m in modules and m != name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (as a path), or None; iterative depth-first search."""
    state: dict[str, int] = {}
    for start in sorted(graph):
        if state.get(start):
            continue
        stack = [(start, iter(sorted(graph[start])))]
        path = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state.get(child) == 1:
                return path[path.index(child):] + [child]
            elif not state.get(child):
                state[child] = 1
                stack.append((child, iter(sorted(graph[child]))))
                path.append(child)
    return None


def test_the_cycle_finder_finds_cycles():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_no_module_of_the_core_imports_another_in_a_circle():
    graph = _graph()
    assert len(graph) > 20 and sum(map(len, graph.values())) > 40
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_folders_show_the_stages():
    for stage in STAGES:
        assert (CORE / stage / "__init__.py").is_file(), stage
    for name in SHARED:
        assert (CORE / name).is_file(), name
    loose = {p.name for p in CORE.glob("*.py")} - set(SHARED) - {"__init__.py", "geometry.py"}
    assert loose == set(), f"core modules outside the stage folders: {sorted(loose)}"


def test_importing_the_core_loads_no_qgis_or_qt():
    code = ("import sys, lever_grid.core, lever_grid.core.pipeline\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('qgis', 'PyQt5', 'PyQt6', 'sip')))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"
