"""Strict YAML reading: ``yaml.safe_load`` semantics, plus the line of every path and duplicate keys as errors.

PyYAML silently keeps the last of two equal keys (yaml/pyyaml#165); this reader refuses them. Merge keys
(``<<: *anchor``) work as usual.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from archsim.errors import ConfigError
from archsim.loader.bundled import bundled_hint
from archsim.loader.source import Path_, Source, describe, dotted


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader used only to compose nodes and construct scalars."""


def parse_yaml(text: str, name: str = "<string>") -> tuple[Any, Source]:
    """Parse YAML text strictly; return the plain data and a :class:`Source` with the line of every path.

    Raises:
        ConfigError: on a YAML syntax error or a duplicate key.
    """
    source = Source(name)
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, source
        data = _construct(loader, node, (), source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{name}{line}: invalid YAML: {problem}",
                          hint="check indentation, colons and quotes near that line") from None
    finally:
        loader.dispose()
    return data, source


def _construct(loader: _StrictLoader, node: Any, path: Path_, source: Source) -> Any:
    source.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, MappingNode):
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                first = seen.get(key)
            except TypeError:
                raise ConfigError(f"{source.name}:{line}: {dotted(path)}: a mapping key must be a scalar, "
                                  f"got {describe(key)}") from None
            if first is not None:
                raise ConfigError(
                    f"{source.name}:{line}: {dotted(path)}: duplicate key {key!r} (first given on line {first})",
                    hint="YAML would silently keep only the last value; remove one of them")
            seen[key] = line
        loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            source.lines[path + (key,)] = key_node.start_mark.line + 1
            result[key] = _construct(loader, value_node, path + (key,), source)
        return result
    if isinstance(node, SequenceNode):
        return [_construct(loader, item, path + (i,), source) for i, item in enumerate(node.value)]
    assert isinstance(node, ScalarNode)
    return loader.construct_object(node, deep=True)


def read_yaml(path: str | Path, *, what: str = "file") -> tuple[Any, Source]:
    """Read a YAML file strictly (see :func:`parse_yaml`).

    Raises:
        ConfigError: if the file is missing, unreadable or invalid.
    """
    p = Path(path)
    if not p.exists():
        raise ConfigError(f"{p}: {what} not found", hint=bundled_hint(p))
    if not p.is_file():
        raise ConfigError(f"{p}: expected a YAML file, got a directory")
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: cannot read the file ({exc})") from None
    return parse_yaml(text, str(p))
