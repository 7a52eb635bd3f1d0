"""``extends:``: a file that names the file it builds on and states only what differs.

A hardware description may start with ``extends: isaac-2016`` (a bundled name) or ``extends: base.yaml`` (a path,
relative to the extending file's folder) and give only the fields it changes::

    version: 1
    extends: isaac-2016
    name: isaac-6bit-adc
    tile:
      adc: {bits: 6}

The base is read with the same strict reader (it may extend another file, up to :data:`MAX_EXTENDS` files; a
cycle is an error) and the file's own keys are deep-merged over it (:func:`archsim.loader.merge.deep_merge`:
mappings merge key by key, other values replace, a mapping of another ``kind`` replaces the base's). ``--set``
overrides apply to the merged data. Every value keeps its origin: an error in an inherited value names the base
file and line, and :func:`inherited_paths` lists what a file inherited (``archsim validate`` prints it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from archsim.errors import ConfigError
from archsim.loader.bundled import InputKind, check_input_kind, resolve_path
from archsim.loader.merge import deep_merge
from archsim.loader.reader import read_yaml
from archsim.loader.source import Path_, Source, describe, dotted

#: Longest chain of files extending each other (a file, its base, the base's base, ...).
MAX_EXTENDS = 8


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:
        return False


def _locate(ref: str, source: Source, kind: InputKind) -> Path:
    here = Path(source.name)
    if _is_file(here):
        candidate = here.parent / ref
        if _is_file(candidate):
            return candidate
    try:
        return resolve_path(ref, kind.folder)
    except ConfigError as exc:
        raise ConfigError(f"{source.where(('extends',))}: extends: {exc.message}", hint=exc.hint) from None


def _key(path: Path) -> Path:
    return path.resolve()


def expand_extends(raw: Any, source: Source, kind: InputKind,
                   _chain: tuple[tuple[Path, str], ...] = ()) -> tuple[Any, Source]:
    """``raw`` merged over the file its ``extends:`` names (recursively); ``raw`` itself without ``extends:``.

    The returned :class:`Source` is named after the extending file; ``Source.files`` gives the base file of every
    path whose value was inherited, so messages name the file a value came from.

    Raises:
        ConfigError: if ``extends`` is not a name or path, names no file, forms a cycle or a chain longer than
            :data:`MAX_EXTENDS`, or the base is not a valid file of ``kind``.
    """
    if not isinstance(raw, dict) or "extends" not in raw:
        return raw, source
    ref = raw["extends"]
    where = f"{source.where(('extends',))}: extends"
    if not isinstance(ref, str) or not ref.strip():
        raise ConfigError(f"{where}: expected the name of a bundled {kind.what} or a path, got {describe(ref)}",
                          hint="e.g. 'extends: isaac-2016' or 'extends: base.yaml' (relative to this file)")
    if "version" not in raw:
        raise ConfigError(f"{source.name}:1: missing key 'version'", hint="add 'version: 1' at the top of the file")
    here = Path(source.name)
    chain = _chain + (((_key(here), source.name),) if _is_file(here) else ())
    if len(chain) >= MAX_EXTENDS:
        raise ConfigError(f"{where}: more than {MAX_EXTENDS} files extend each other",
                          hint="extend the bundled file directly")
    base_path = _locate(ref.strip(), source, kind)
    if _key(base_path) in [key for key, _ in chain]:
        names = " -> ".join([name for _, name in chain] + [str(base_path)])
        raise ConfigError(f"{where}: the files extend each other in a cycle: {names}",
                          hint="a file cannot (indirectly) extend itself")
    base_raw, base_source = read_yaml(base_path, what=kind.what)
    if not isinstance(base_raw, dict):
        raise ConfigError(f"{base_source.name}:1: expected a mapping at the top level, got {describe(base_raw)}",
                          hint=f"extended by {source.name}")
    if "version" not in base_raw:
        raise ConfigError(f"{base_source.name}:1: missing key 'version'", hint=f"extended by {source.name}")
    check_input_kind(base_raw, base_source.name, kind)
    base_raw, base_source = expand_extends(base_raw, base_source, kind, chain)
    own = {k: v for k, v in raw.items() if k != "extends"}
    merged = deep_merge(base_raw, own)
    result = Source(source.name)
    result.overrides = dict(source.overrides)

    def record(value: Any, path: Path_) -> None:
        if path in source.lines:
            result.lines[path] = source.lines[path]
        elif path in base_source.lines:
            result.lines[path] = base_source.lines[path]
            result.files[path] = base_source.files.get(path, base_source.name)
        if isinstance(value, dict):
            for k, v in value.items():
                record(v, path + (k,))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                record(v, path + (i,))

    record(merged, ())
    result.lines.setdefault((), 1)
    return merged, result


def leaf_paths(value: Any, path: Path_ = ()) -> list[Path_]:
    """Paths of every leaf of raw data (scalars, lists and empty mappings are leaves)."""
    if isinstance(value, dict) and value:
        return [p for k, v in value.items() for p in leaf_paths(v, path + (k,))]
    return [path]


def inherited_paths(raw: Any, source: Source) -> dict[str, str]:
    """Dotted path → file of every leaf value that ``raw`` (as :func:`expand_extends` returned it) inherited."""
    return {dotted(p): source.files[p] for p in leaf_paths(raw) if p in source.files}
