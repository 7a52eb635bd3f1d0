"""The import rules of docs/architecture.md: which archsim package may import which; no cycles; no string imports.

Parses every module under archsim/ with ``ast`` (nothing is executed) and checks its ``archsim.*`` imports,
including imports inside functions:

* each top-level part imports only the parts the table below allows (``*`` = anything);
* the event engine never imports the tile numerics or the networks, and they never import the engine — not even
  through a third module (the closure of the module import graph is checked);
* the module import graph has no cycle (a cycle hidden inside a function, behind ``try``/``except ImportError``, is
  still a cycle);
* no module imports an archsim module by a string (``importlib.import_module``, ``__import__``), which would hide a
  dependency from this test.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "archsim"

#: top-level part -> parts it may import (itself always allowed). ``*`` = anything.
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "units": {"errors"},
    "registry": {"errors"},
    "loader": {"errors", "units", "registry"},
    "devices": {"errors", "registry"},
    "components": {"errors", "registry"},
    "hwconfig": {"errors", "units", "registry", "loader", "devices", "components"},
    "layers": {"errors", "units", "registry", "hwconfig"},
    "workload": {"errors", "units", "registry", "loader", "hwconfig", "layers", "datasets"},
    "results": {"errors", "units", "loader", "registry"},
    "mapping": {"errors", "units", "loader", "registry", "hwconfig", "workload", "results"},
    "crossbar": {"errors", "units", "loader", "registry", "devices", "hwconfig", "results"},
    "datasets": {"errors", "loader", "registry"},
    "nn": {"errors", "units", "loader", "registry", "devices", "hwconfig", "workload", "mapping", "results", "crossbar",
           "datasets", "layers"},
    "engine": {"errors", "units", "loader", "registry", "hwconfig", "mapping", "results", "layers"},
    "validation": {"errors", "units", "loader", "registry", "hwconfig", "workload", "mapping", "engine", "cost",
                   "results"},
    "cost": {"errors", "units", "loader", "registry", "hwconfig", "results"},
    "gpu": {"errors", "units", "loader", "registry", "hwconfig", "workload", "results", "layers"},
    "report": {"errors", "registry", "results"},
    "data": set(),
    "pipeline": {"errors", "units", "loader", "registry", "devices", "hwconfig", "workload", "results", "mapping", "crossbar",
                 "datasets", "nn", "engine", "cost", "gpu", "report", "layers", "validation"},
    "sweep": {"errors", "units", "loader", "registry", "hwconfig", "workload", "results", "mapping", "pipeline",
              "report"},
    "api": {"pipeline"},
    "cli": {"commands", "errors"},
    "commands": {"*"},
    "__init__": {"*"},
    "__main__": {"*"},
}

#: (part, part) pairs that must never depend on each other, directly or through other modules.
NEVER = {("engine", "crossbar"), ("engine", "nn"), ("crossbar", "engine"), ("nn", "engine"),
         ("layers", "nn"), ("layers", "crossbar"), ("layers", "engine")}

MODULES = sorted(PACKAGE.rglob("*.py"))


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULE_NAMES = {_module_name(p): p for p in MODULES}


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imports(path: Path) -> list[tuple[int, str]]:
    """``(line, module)`` for every archsim module ``path`` imports (a ``from pkg import name`` of a submodule
    counts as an import of the submodule, else of the package)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "archsim"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] != "archsim":
                continue
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.append((node.lineno, sub if sub in MODULE_NAMES else node.module))
    return found


def _graph() -> nx.DiGraph:
    g = nx.DiGraph()
    for name, path in MODULE_NAMES.items():
        g.add_node(name)
        for _, target in _imports(path):
            if target in MODULE_NAMES and target != name:
                g.add_edge(name, target)
    return g


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(PACKAGE)) for p in MODULES])
def test_module_respects_import_rules(path: Path) -> None:
    module = _module_name(path)
    part = _part(module)
    allowed = ALLOWED.get(part)
    assert allowed is not None, f"archsim/{part}: new top-level part; add it to ALLOWED and docs/architecture.md"
    for line, name in _imports(path):
        target = _part(name)
        if name == "archsim" or target == part:
            continue
        where = f"{path.relative_to(PACKAGE.parent)}:{line}"
        assert (part, target) not in NEVER, f"{where}: {part} must never import {target}"
        if "*" not in allowed:
            assert target in allowed, (f"{where}: archsim.{part} imports {name}; "
                                       f"allowed: {', '.join(sorted(allowed)) or 'nothing from archsim'}")


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(PACKAGE)) for p in MODULES])
def test_no_string_imports(path: Path) -> None:
    for node in ast.walk(_tree(path)):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
        assert name not in ("import_module", "__import__"), (
            f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: string import ({name}); import the module "
            f"explicitly so its dependency is visible")


def test_no_import_cycles() -> None:
    cycles = [sorted(c) for c in nx.strongly_connected_components(_graph()) if len(c) > 1]
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_never_pairs_hold_through_other_modules() -> None:
    g = _graph()
    for a, b in sorted(NEVER):
        for module in (m for m in g if _part(m) == a):
            reached = {_part(m) for m in nx.descendants(g, module)}
            assert b not in reached, (f"{module} reaches archsim.{b} through "
                                      + " -> ".join(next(nx.shortest_path(g, module, t)
                                                         for t in g if _part(t) == b and nx.has_path(g, module, t))))


def test_the_table_covers_every_part() -> None:
    parts = {_part(m) for m in MODULE_NAMES}
    assert parts <= set(ALLOWED), f"parts missing from ALLOWED: {sorted(parts - set(ALLOWED))}"
