"""docs/architecture.md describes the code as it is: its package table matches the import rules and the tree, and
its module lists name every module of every package."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ALLOWED: dict[str, set[str]] = runpy.run_path(str(ROOT / "tests" / "test_import_rules.py"))["ALLOWED"]
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
PACKAGE = ROOT / "archsim"


def _section(title: str) -> str:
    start = DOC.index(f"## {title}\n")
    end = DOC.find("\n## ", start + 1)
    return DOC[start:end if end >= 0 else None]


def _parts_of_the_tree() -> set[str]:
    parts = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    parts |= {p.stem for p in PACKAGE.glob("*.py")}
    return parts | {"data"} if (PACKAGE / "data").is_dir() else parts


def test_the_package_table_matches_the_import_rules_and_the_tree() -> None:
    table: dict[str, set[str]] = {}
    for line in _section("Packages").splitlines():
        m = re.match(r"\| `([a-z_]+)` \| .* \| ([^|]*) \|$", line)
        if m:
            cell = m.group(2).strip()
            table[m.group(1)] = set() if cell == "—" else {"*"} if cell == "*" else {x.strip() for x in cell.split(",")}
    assert set(table) == set(ALLOWED) == _parts_of_the_tree(), (set(table) ^ set(ALLOWED), _parts_of_the_tree())
    for part, allowed in ALLOWED.items():
        assert table[part] == allowed, f"docs/architecture.md: {part}: {sorted(table[part])} vs {sorted(allowed)}"


def test_the_module_lists_name_every_module() -> None:
    listed: dict[str, set[str]] = {}
    for line in _section("Modules").splitlines():
        m = re.match(r"- `([a-z_]+)`: (.*)$", line)
        if m:
            listed[m.group(1)] = {x.strip() for x in m.group(2).split(",")}
    for folder in sorted(p for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()):
        modules = {str(f.relative_to(folder).with_suffix("")) for f in folder.rglob("*.py")
                   if f.name != "__init__.py" and "__pycache__" not in f.parts}
        if not modules:
            continue
        assert listed.get(folder.name) == modules, (f"docs/architecture.md, Modules, {folder.name}: missing "
                                                    f"{sorted(modules - listed.get(folder.name, set()))}, extra "
                                                    f"{sorted(listed.get(folder.name, set()) - modules)}")
