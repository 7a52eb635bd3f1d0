"""Bundled hardware descriptions, workloads and GPU baselines, found by name (``isaac-2016`` for
``hwconfigs/isaac-2016.yaml``), and the two kinds of input file a command takes.

The bundled files live in the repository's top-level ``hwconfigs/`` and ``workloads/`` folders. A wheel ships a
copy of both inside the package, under ``archsim/_bundled/`` (``setup.py`` copies them at build time), so
:func:`data_root` is that folder in an installed package and the repository root in a source checkout or an
editable install.

Two kinds of input (:data:`HARDWARE`, :data:`WORKLOAD`) are told apart by their bundled folder and by the
top-level keys only that kind has, so a workload given where a hardware description is expected (the two
positional arguments swapped) is named as such instead of failing on its first key.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archsim.errors import ConfigError

#: Sub-folders of the data root that hold bundled YAML files.
BUNDLED_FOLDERS = ("hwconfigs", "hwconfigs/gpus", "workloads", "sweeps")


@dataclass(frozen=True)
class InputKind:
    """One kind of input file: where its bundled files are and how to recognise one."""

    folder: str
    """Bundled folder under :func:`data_root` (``hwconfigs``)."""
    what: str
    """What a file of this kind is, for messages (``hardware description``)."""
    argument: str
    """The command-line argument that takes it (``HW.yaml``)."""
    markers: tuple[str, ...]
    """Top-level keys that only files of this kind have."""
    noun: str = "file"
    """What a missing file is called (``file not found``, ``workload file not found``)."""


HARDWARE = InputKind("hwconfigs", "hardware description", "HW.yaml, the first argument",
                     ("chip", "tile", "crossbar", "interconnect", "offchip", "extends"))
WORKLOAD = InputKind("workloads", "workload", "WORKLOAD.yaml, the second argument",
                     ("layers", "input_shape", "n_classes", "task", "dataset"), noun="workload file")
INPUT_KINDS = (HARDWARE, WORKLOAD)


def repo_root() -> Path:
    """The folder holding the package (the project root of a source checkout or an editable install)."""
    return Path(__file__).resolve().parents[2]


def data_root() -> Path:
    """The folder holding ``hwconfigs/`` and ``workloads/``: the wheel's ``archsim/_bundled`` when installed,
    else the project root."""
    installed = Path(__file__).resolve().parents[1] / "_bundled"
    return installed if installed.is_dir() else repo_root()


def bundled_dir(folder: str) -> Path:
    """The bundled folder ``folder`` (one of :data:`BUNDLED_FOLDERS`)."""
    if folder not in BUNDLED_FOLDERS:
        raise ValueError(f"no bundled folder {folder!r}; expected one of {', '.join(BUNDLED_FOLDERS)}")
    return data_root() / folder


def bundled_files(folder: str) -> list[Path]:
    """The bundled ``*.yaml`` files of ``folder`` (``hwconfigs``, ``hwconfigs/gpus`` or ``workloads``), by name."""
    d = bundled_dir(folder)
    return sorted(d.glob("*.yaml")) if d.is_dir() else []


def _stem(p: Path) -> str:
    return p.name[:-5] if p.name.endswith(".yaml") else p.name[:-4] if p.name.endswith(".yml") else p.name


def _kind_of_folder(folder: str) -> InputKind | None:
    return next((k for k in INPUT_KINDS if k.folder == folder), None)


def resolve_path(path: str | Path, folder: str) -> Path:
    """The file ``path`` names, for an input whose bundled files are in ``folder``.

    ``path`` itself when it exists; else the bundled file of that name (``isaac-2016``, ``isaac-2016.yaml``, or
    ``hwconfigs/isaac-2016.yaml`` given outside the project folder).

    Raises:
        ConfigError: if neither exists, with the closest bundled name, or naming the other kind of input when
            ``path`` is one of its bundled files (the two positional arguments swapped).
    """
    p = Path(path)
    try:
        if p.exists():
            return p
    except OSError:  # a name the file system refuses: the reader reports it
        return p
    parts = p.parts
    stem = _stem(p)
    if len(parts) == 1 or (len(parts) == 2 and parts[0] == folder):
        for f in bundled_files(folder):
            if f.stem == stem:
                return f
    kind = _kind_of_folder(folder)
    what = kind.what if kind is not None else "file"
    noun = kind.noun if kind is not None else "file"
    for other in INPUT_KINDS:
        if other.folder != folder and (len(parts) == 1 or parts[-2:-1] == (other.folder,)) \
                and stem in [f.stem for f in bundled_files(other.folder)]:
            raise ConfigError(f"{p}: a bundled {other.what}, given where a {what} is expected",
                              hint=f"the {other.what} goes in {other.argument}"
                                   + (f"; the {what} in {kind.argument}" if kind is not None else ""))
    raise ConfigError(f"{p}: {noun} not found", hint=bundled_hint(p, folder))


def bundled_hint(p: Path, folder: str | None = None) -> str:
    """A hint for a missing file: the closest bundled name and the list of bundled names."""
    folders = [folder] if folder is not None else [f for f in ("hwconfigs", "workloads")
                                                   if f in p.parts or _stem(p) in [b.stem for b in bundled_files(f)]]
    for name in folders:
        stems = [f.stem for f in bundled_files(name)]
        if stems:
            close = difflib.get_close_matches(_stem(p), stems, n=1, cutoff=0.6)
            if close and len(p.parts) > 1:
                suggestion = f"did you mean {p.with_name(close[0] + '.yaml')}? "
            else:
                suggestion = f"did you mean {close[0]!r}? " if close else ""
            return suggestion + f"bundled {name}: " + ", ".join(stems)
    return "check the path; 'archsim list' shows the bundled hwconfigs and workloads"


def check_input_kind(raw: Any, name: str, kind: InputKind) -> None:
    """Refuse a file of the other kind (a workload given as ``HW.yaml``), recognised by its top-level keys.

    Raises:
        ConfigError: naming the file, what it is and what was expected.
    """
    if not isinstance(raw, dict) or any(k in raw for k in kind.markers):
        return
    for other in INPUT_KINDS:
        found = [k for k in other.markers if k in raw]
        if other is not kind and found:
            raise ConfigError(f"{name}: a {other.what} (it has {', '.join(repr(k) for k in found[:2])}), given "
                              f"where a {kind.what} is expected",
                              hint=f"the {other.what} goes in {other.argument}; the {kind.what} in {kind.argument}")
