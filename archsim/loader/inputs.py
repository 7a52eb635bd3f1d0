"""Reading one input file of a known kind (a hardware description, a workload): find it, read it, check it is
that kind of file, and expand ``extends:`` where the kind allows it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from archsim.errors import ConfigError
from archsim.loader.bundled import HARDWARE, InputKind, check_input_kind, resolve_path
from archsim.loader.extends import expand_extends, inherited_paths
from archsim.loader.reader import read_yaml
from archsim.loader.source import Source, describe

#: Kinds whose files may name a base with ``extends:``.
EXTENDABLE = (HARDWARE,)


def read_input(path: str | Path, kind: InputKind) -> tuple[Any, Source]:
    """Raw data and :class:`Source` of the ``kind`` file ``path`` names (a path or a bundled name).

    Raises:
        ConfigError: if the file is missing (with the closest bundled name), unreadable, invalid YAML, not a
            mapping, a file of the other kind, or its ``extends:`` chain is broken.
    """
    raw, source = read_yaml(resolve_path(path, kind.folder), what=kind.what)
    return prepare_input(raw, source, kind)


def prepare_input(raw: Any, source: Source, kind: InputKind) -> tuple[Any, Source]:
    """The checks of :func:`read_input` for data already parsed (YAML text given directly)."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{source.name}:1: expected a mapping at the top level, got {describe(raw)}",
                          hint=f"a {kind.what} starts with 'version: 1'")
    check_input_kind(raw, source.name, kind)
    if kind in EXTENDABLE:
        raw, source = expand_extends(raw, source, kind)
    return raw, source


def inherited_fields(path: str | Path, kind: InputKind = HARDWARE) -> dict[str, str]:
    """Dotted path → base file of every value the file ``path`` inherits through ``extends:`` (sorted by path;
    empty for a file without ``extends:``).

    Raises:
        ConfigError: as :func:`read_input`.
    """
    raw, source = read_input(path, kind)
    return dict(sorted(inherited_paths(raw, source).items()))
