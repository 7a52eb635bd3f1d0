"""Every non-Python file the package reads at run time is declared as package data (or the wheel misses it)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "archsim"


def test_package_data_covers_every_data_file() -> None:
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"]["archsim"]
    declared = {p.relative_to(PACKAGE) for pattern in patterns for p in PACKAGE.glob(pattern) if p.is_file()}
    data = {p.relative_to(PACKAGE) for p in PACKAGE.rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc")
            and "__pycache__" not in p.parts and "_bundled" not in p.parts}
    assert data <= declared, f"files the wheel would miss: {sorted(map(str, data - declared))}"
