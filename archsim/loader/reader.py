"""Strict YAML reading: ``yaml.safe_load`` semantics, plus the line of every path, duplicate keys as errors and
bounded resources.

PyYAML silently keeps the last of two equal keys (yaml/pyyaml#165); this reader refuses them. Merge keys
(``<<: *anchor``) and anchors work as usual. Everything a hostile or broken file could do to the process is
bounded and refused with one :class:`~archsim.errors.ConfigError` line naming the file and line:

* a file larger than :data:`MAX_FILE_BYTES` (the pure-Python parser reads about 0.2 MB/s);
* a character YAML does not allow (NUL and other control characters);
* nesting deeper than :data:`MAX_DEPTH` mappings/lists, counted after alias expansion (Python's recursion
  limit would otherwise end the process with a ``RecursionError``);
* an alias inside its own anchor (``x: &a [*a]``, a recursive structure);
* more than :data:`MAX_VALUES` values after alias expansion ("billion laughs": nine anchors of nine aliases
  each expand to 9**9 values from a 400-byte file); the expanded size is computed on the composed node graph
  before anything is built, so the check takes time proportional to the file, not to its expansion;
* a tag on a mapping or list (``!!python/object/apply:...``, ``!foo``, ``!!set``, ``!!omap``): ``yaml.safe_load``
  refuses unknown tags, while building plain data would silently drop them. Tags on scalars keep safe_load's
  meaning (``!!str 12`` is the string ``'12'``, unknown scalar tags are refused).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from archsim.errors import ConfigError
from archsim.loader.bundled import bundled_hint
from archsim.loader.source import Path_, Source, describe, dotted

#: Largest YAML file read (bytes). The largest bundled file is about 10 kB (ResNet-50); 1 MiB holds a workload
#: of over 10,000 layers. Parsing takes about 5 s per MB on one core.
MAX_FILE_BYTES = 1 << 20
#: Deepest nesting of mappings and lists, after alias expansion (bundled files nest at most 5 levels).
MAX_DEPTH = 64
#: Most values (mapping keys and values, list items, scalars) a document may hold after alias expansion.
MAX_VALUES = 200_000

_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader used only to compose nodes (with a nesting limit) and construct scalars."""

    def __init__(self, stream: str, name: str) -> None:
        self._depth = 0
        self._name = name
        super().__init__(stream)

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        """Compose one node, refusing nesting deeper than :data:`MAX_DEPTH` before the recursion gets deep."""
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH + 1:
                mark = self.peek_event().start_mark
                raise ConfigError(f"{self._name}:{mark.line + 1}: nesting deeper than {MAX_DEPTH} levels",
                                  hint="archsim files nest a few levels; check the brackets and indentation")
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        finally:
            self._depth -= 1


def parse_yaml(text: str, name: str = "<string>") -> tuple[Any, Source]:
    """Parse YAML text strictly; return the plain data and a :class:`Source` with the line of every path.

    Raises:
        ConfigError: on a YAML syntax error, a duplicate key, a tag on a mapping or list, or an input over
            the limits of this module (size, nesting depth, alias expansion).
    """
    source = Source(name)
    if len(text) > MAX_FILE_BYTES:
        raise ConfigError(f"{name}: the file has {len(text):,} characters, more than the {MAX_FILE_BYTES:,} "
                          f"archsim reads", hint="hardware and workload files are a few kB")
    loader: _StrictLoader | None = None
    try:
        loader = _StrictLoader(text, name)
        node = loader.get_single_node()
        if node is None:
            return None, source
        _check_expansion(node, name)
        data = _construct(loader, node, (), source)
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        char = f"#x{exc.character:04x}" if isinstance(exc.character, int) else repr(exc.character)
        raise ConfigError(f"{name}:{line}: invalid YAML: the character {char} is not allowed in a YAML file",
                          hint="remove control characters (NUL, escape, ...); YAML allows tab, newline and "
                               "printable text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{name}{line}: invalid YAML: {problem}",
                          hint="check indentation, colons and quotes near that line") from None
    finally:
        if loader is not None:
            loader.dispose()
    return data, source


def _check_expansion(root: Node, name: str) -> None:
    """Refuse recursive aliases, nesting deeper than MAX_DEPTH and more than MAX_VALUES values after expansion.

    Each node is measured once (memoised by identity): its expanded size and height. Aliases make the node
    graph a DAG (or, for ``&a [*a]``, a cycle, found through the nodes on the current path).
    """
    measured: dict[int, tuple[int, int]] = {}
    on_path: set[int] = set()

    def fail(node: Node, message: str, hint: str) -> ConfigError:
        return ConfigError(f"{name}:{node.start_mark.line + 1}: {message}", hint=hint)

    def children(node: Node) -> list[Node]:
        if isinstance(node, MappingNode):
            return [n for pair in node.value for n in pair]
        if isinstance(node, SequenceNode):
            return list(node.value)
        return []

    def visit(node: Node, depth: int) -> tuple[int, int]:
        key = id(node)
        if key in on_path:
            raise fail(node, "an alias refers to its own anchor (a recursive structure)",
                       "an anchor (&name) cannot contain an alias (*name) of itself")
        done = measured.get(key)
        if done is None:
            _check_tag(node, name)
            on_path.add(key)
            size, height = 1, 0
            for child in children(node):
                if depth + 1 > MAX_DEPTH:
                    raise fail(child, f"nesting deeper than {MAX_DEPTH} levels (after expanding aliases)",
                               "archsim files nest a few levels; check anchors that include each other")
                child_size, child_height = visit(child, depth + 1)
                size += child_size
                height = max(height, child_height + 1)
                if size > MAX_VALUES:
                    raise fail(node, f"the aliases expand to more than {MAX_VALUES:,} values",
                               "an anchor used many times inside anchors used many times grows exponentially "
                               "(a 'billion laughs' file); write the values out or use fewer aliases")
            on_path.discard(key)
            done = measured[key] = (size, height)
        if depth + done[1] > MAX_DEPTH:
            raise fail(node, f"nesting deeper than {MAX_DEPTH} levels (after expanding aliases)",
                       "archsim files nest a few levels; check anchors that include each other")
        return done

    visit(root, 0)


def _check_tag(node: Node, name: str) -> None:
    default = {MappingNode: _MAP_TAG, SequenceNode: _SEQ_TAG}.get(type(node))
    if default is not None and node.tag != default:
        what = "mapping" if default == _MAP_TAG else "list"
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        raise ConfigError(f"{name}:{node.start_mark.line + 1}: YAML tag {tag!r} on a {what} is not supported",
                          hint="archsim reads plain mappings, lists and scalars; remove the tag")


def _construct(loader: _StrictLoader, node: Any, path: Path_, source: Source) -> Any:
    source.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, MappingNode):
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, ScalarNode):
                what = "a mapping" if isinstance(key_node, MappingNode) else "a list"
                raise ConfigError(f"{source.name}:{line}: {dotted(path)}: a mapping key must be a scalar, "
                                  f"got {what}")
            key = loader.construct_object(key_node, deep=True)
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
        ConfigError: if the file is missing, unreadable, too large or invalid.
    """
    p = Path(path)
    try:
        exists, is_file, is_dir = p.exists(), p.is_file(), p.is_dir()
    except OSError as exc:  # a name too long, a loop of symbolic links, ...
        raise ConfigError(f"{p}: cannot read the file ({exc.strerror or exc})") from None
    if not exists:
        raise ConfigError(f"{p}: {what} not found", hint=bundled_hint(p))
    if not is_file:
        raise ConfigError(f"{p}: expected a YAML file, got a directory" if is_dir
                          else f"{p}: expected a YAML file, got a special file")
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ConfigError(f"{p}: the file has {size:,} bytes, more than the {MAX_FILE_BYTES:,} archsim reads",
                              hint="hardware and workload files are a few kB")
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = p.read_bytes().count(b"\n", 0, exc.start) + 1
        raise ConfigError(f"{p}:{line}: cannot read the file: it is not UTF-8 text (byte "
                          f"{exc.object[exc.start]:#04x} at offset {exc.start})",
                          hint="save the file as UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read the file ({exc.strerror or exc})") from None
    return parse_yaml(text, str(p))
