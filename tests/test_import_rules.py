"""The import rules of docs/architecture.md: which archsim package may import which.

Parses every module under archsim/ with ``ast`` (no imports are executed) and checks its ``archsim.*``
imports, including imports inside functions, against the table below. The hard rule of the design: the
event engine never imports the functional core and the functional core never imports the engine.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "archsim"

#: top-level part -> parts it may import (itself always allowed). ``*`` = anything.
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "units": {"errors"},
    "registry": {"errors"},
    "loader": {"errors", "units", "registry"},
    "hwconfig": {"errors", "units", "registry", "loader"},
    "layers": {"errors", "units", "registry", "hwconfig"},
    "datasets": {"loader", "registry", "errors"},
    "workload": {"errors", "units", "registry", "loader", "hwconfig", "layers", "datasets"},
    "results": {"loader", "registry", "errors", "units"},
    "mapping": {"loader", "registry", "errors", "units", "hwconfig", "workload", "results"},
    "crossbar": {"loader", "registry", "errors", "units", "hwconfig", "results"},
    "nn": {"loader", "registry", "errors", "units", "hwconfig", "workload", "mapping", "results", "crossbar", "datasets",
           "layers"},
    "engine": {"loader", "registry", "errors", "units", "hwconfig", "mapping", "results", "layers"},
    "cost": {"loader", "registry", "errors", "units", "hwconfig", "results"},
    "gpu": {"loader", "registry", "errors", "units", "hwconfig", "workload", "results", "layers"},
    "report": {"errors", "results"},
    "data": set(),
    "api": {"*"},
    "cli": {"*"},
    "commands": {"*"},
    "__init__": {"*"},
    "__main__": {"*"},
}

NEVER = {("engine", "crossbar"), ("engine", "nn"), ("crossbar", "engine"), ("nn", "engine"),
         ("layers", "nn"), ("layers", "crossbar"), ("layers", "engine")}


def _part(module_path: Path) -> str:
    rel = module_path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py")


def _archsim_imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "archsim"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "archsim":
                found += [(node.lineno, f"archsim.{a.name}") for a in node.names]
            elif node.module.startswith("archsim."):
                found.append((node.lineno, node.module))
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(PACKAGE)) for p in MODULES])
def test_module_respects_import_rules(path: Path) -> None:
    part = _part(path)
    allowed = ALLOWED.get(part)
    assert allowed is not None, f"archsim/{part}: new top-level part; add it to ALLOWED and docs/architecture.md"
    for line, name in _archsim_imports(path):
        target = name.split(".")[1] if "." in name else "__init__"
        if target in ("__version__",) or target == part:
            continue
        assert (part, target) not in NEVER, f"{path.relative_to(PACKAGE.parent)}:{line}: {part} must never import {target}"
        if "*" in allowed:
            continue
        assert target in allowed, (f"{path.relative_to(PACKAGE.parent)}:{line}: archsim.{part} imports {name}; "
                                   f"allowed: {', '.join(sorted(allowed)) or 'nothing from archsim'}")
