"""Bundled hardware descriptions and workloads, found by name (``isaac-2016`` for ``hwconfigs/isaac-2016.yaml``)."""

from __future__ import annotations

import difflib
from pathlib import Path


def repo_root() -> Path:
    """The folder holding ``hwconfigs/`` and ``workloads/`` (the project root of an editable install)."""
    return Path(__file__).resolve().parents[2]


def bundled_files(folder: str) -> list[Path]:
    """The bundled ``*.yaml`` files of ``folder`` (``hwconfigs`` or ``workloads``), sorted by name."""
    for base in (repo_root(), Path.cwd()):
        d = base / folder
        if d.is_dir():
            return sorted(d.glob("*.yaml"))
    return []


def resolve_path(path: str | Path, folder: str) -> Path:
    """``path`` itself if it exists, else the bundled ``folder/<name>.yaml`` of that name (if any)."""
    p = Path(path)
    if p.exists() or len(p.parts) != 1:
        return p
    stem = p.name[:-5] if p.name.endswith(".yaml") else p.name
    for f in bundled_files(folder):
        if f.stem == stem:
            return f
    return p


def bundled_hint(p: Path) -> str:
    """A hint for a missing file: the closest bundled name and the list of bundled files."""
    for folder in ("hwconfigs", "workloads"):
        names = [f.name for f in bundled_files(folder)]
        if names and (folder in p.parts or p.name in names):
            close = difflib.get_close_matches(p.name, names, n=1)
            return ((f"did you mean {folder}/{close[0]}? " if close else "") + f"bundled {folder}: "
                    + ", ".join(names))
    return "check the path; 'archsim list' shows the bundled hwconfigs and workloads"
