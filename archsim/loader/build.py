"""Raw YAML data -> frozen dataclasses, generic over the schema (the one strict builder of every config class).

It walks ``dataclasses.fields`` and ``typing.get_type_hints`` of the target class and builds nested dataclasses,
``Optional`` values, tuples, lists, dicts, enums and ``str``/``int``/``float``/``bool`` values with strict type
checks. It never fills a typo with a default: every problem is a :class:`~archsim.errors.ConfigError` whose message
names the file and line, the YAML path, what was expected and what was found.

Rules:

* **Units**: a field whose name carries a unit suffix (``latency_ns``, ``area_um2``, ``bandwidth_gbps``) takes a
  bare number in that unit or a string such as ``"80 ns"`` (:mod:`archsim.units`). Numeric strings PyYAML leaves
  unparsed (``1e-3``) are read as numbers.
* **Tagged unions**: a field typed as a union of dataclasses picks its member by the ``kind:`` key; each member
  declares its tag as the default of its own ``kind`` field. A field typed with a dataclass base class that carries
  a class attribute ``KINDS`` (a :class:`~archsim.registry.Registry` of subclasses) is a tagged union over the
  classes registered there, so a class registered later (a new device model, even from a test module) is loadable
  by its ``kind:``. Unknown tags list the valid ones. Without ``kind:`` the member of the field's default is meant
  (``device: {dw_min: 0.01}`` changes the default ConstantStep device); a union field without a default requires
  ``kind:``.
* **Presets**: a mapping may carry ``preset: NAME`` when its target class has a registry — classmethods
  ``preset_names()`` and ``preset_raw(name) -> dict``, a ``PRESETS`` dict on the class, or (for classes with
  ``preset_names()`` only) the ``PRESETS`` dict of the class's module. The loader deep-merges the other keys of the
  mapping over a copy of the preset's raw dict (a nested mapping whose ``kind`` differs replaces the preset's one),
  then validates the result like any other input.
* **Checks** in a class's ``__post_init__`` raise ``ConfigError("field: expected ..., got ...")``; the builder
  prefixes file, line and path.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import enum
import math
import re
import sys
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from archsim.errors import ArchsimError, ConfigError
from archsim.loader.bundled import InputKind
from archsim.loader.inputs import read_input
from archsim.loader.merge import deep_merge
from archsim.loader.overrides import apply_overrides
from archsim.loader.reader import read_yaml
from archsim.loader.source import Path_, Source, describe, dotted, located_error
from archsim.registry import kinds_of
from archsim.units import field_unit, to_field_unit

T = TypeVar("T")

_NUMERIC = re.compile(r"^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$")


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if tp is type(None):
        return "null"
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(tp) if a is not type(None)]
        tags = [t for a in members if dataclasses.is_dataclass(a) and (t := _kind_tag(a)) is not None]
        if len(tags) == len(members) > 1:
            return f"a mapping with 'kind: ' one of {', '.join(tags)}" + (" or null" if len(members) < len(
                typing.get_args(tp)) else "")
        return " or ".join(_type_name(a) for a in typing.get_args(tp))
    if origin in (tuple, list):
        return "a list"
    if origin in (dict, Mapping):
        return "a mapping"
    registry = kinds_of(tp)
    if registry is not None:
        return f"a mapping with 'kind: ' one of {', '.join(registry.names())}"
    if dataclasses.is_dataclass(tp):
        return f"a mapping ({tp.__name__})"
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return "one of " + ", ".join(str(m.value) for m in tp)
    return {bool: "true or false", int: "an integer", float: "a number", str: "a string"}.get(tp, str(tp))


class _HookRegistry(Mapping[str, Any]):
    """A registry read through a class's ``preset_names()`` and ``preset_raw(name)`` classmethods."""

    def __init__(self, cls: type) -> None:
        self._cls = cls

    def __getitem__(self, name: str) -> Any:
        if name not in self._names():
            raise KeyError(name)
        return self._cls.preset_raw(name)  # type: ignore[attr-defined]

    def _names(self) -> list[str]:
        return list(self._cls.preset_names())  # type: ignore[attr-defined]

    def __iter__(self) -> Any:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())


def _preset_registry(cls: type) -> Mapping[str, Any] | None:
    """The preset registry of ``cls``: ``preset_raw``/``preset_names`` classmethods, a ``PRESETS`` dict on
    the class, or (for classes with ``preset_names``) the ``PRESETS`` dict of the class's module."""
    if callable(getattr(cls, "preset_raw", None)) and callable(getattr(cls, "preset_names", None)):
        return _HookRegistry(cls)
    reg = getattr(cls, "PRESETS", None)
    if isinstance(reg, Mapping):
        return reg
    if hasattr(cls, "preset_names"):
        reg = getattr(sys.modules.get(cls.__module__), "PRESETS", None)
        if isinstance(reg, Mapping):
            return reg
    return None


def _apply_preset(raw: dict[str, Any], classes: Sequence[type], path: Path_, source: Source) -> dict[str, Any]:
    if "preset" not in raw:
        return raw
    name = raw["preset"]
    registries = [(c, r) for c in classes if (r := _preset_registry(c)) is not None]
    if not registries:
        owner = " or ".join(c.__name__ for c in classes)
        raise located_error(source, path + ("preset",), f"presets are not available here ({owner} has no presets)",
                     hint="remove 'preset:' and give the fields explicitly")
    if not isinstance(name, str):
        raise located_error(source, path + ("preset",), f"expected a preset name (a string), got {describe(name)}")
    valid: list[str] = []
    for _, reg in registries:
        if name in reg:
            return deep_merge(copy.deepcopy(dict(reg[name])), {k: v for k, v in raw.items() if k != "preset"})
        valid.extend(reg)
    close = difflib.get_close_matches(name, valid, n=1)
    raise located_error(source, path + ("preset",),
                 f"unknown preset {name!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
                 + "; valid presets: " + ", ".join(sorted(valid)))


def _kind_tag(cls: type) -> str | None:
    for f in dataclasses.fields(cls):
        if f.name == "kind" and isinstance(f.default, str):
            return f.default
    return None


def _field_of(message: str, raw: dict[str, Any]) -> tuple[Path_, str]:
    """Split a ``__post_init__`` message ``"[Class.]field[.sub]: text"`` into the field path and the text.

    Returns ``((), message)`` when the message does not start with a key given in ``raw``.
    """
    head, sep, rest = message.partition(": ")
    if not sep or len(head) > 120:
        return (), message
    tokens = [t.split(" (")[0].split("/")[0].strip() for t in head.split(".")]
    for j, token in enumerate(tokens):
        if token in raw:
            return tuple(tokens[j:]), rest
    return (), message


def _build_dc(raw: Any, cls: type, path: Path_, source: Source) -> Any:
    if isinstance(raw, cls):
        return raw
    if not isinstance(raw, dict):
        raise located_error(source, path, f"expected {_type_name(cls)}, got {describe(raw)}")
    raw = _apply_preset(raw, [cls], path, source)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    for key in raw:
        if not isinstance(key, str) or key not in fields:
            valid = sorted(fields)
            close = difflib.get_close_matches(str(key), valid, n=1)
            raise ConfigError(f"{source.where(path + (key,))}: {dotted(path)}: unknown key {key!r}"
                              + (f" (did you mean {close[0]!r}?)" if close else "")
                              + "; valid keys: " + ", ".join(valid))
    hints = typing.get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for name, f in fields.items():
        if name in raw:
            value = raw[name]
            if isinstance(value, dict) and "kind" not in value and "preset" not in value:
                value = _with_default_kind(value, f, hints[name])
            kwargs[name] = _build_value(value, hints[name], path + (name,), name, source)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise located_error(source, path, f"missing required key {name!r}",
                         hint=f"add '{name}:' to this mapping")
    kind = _kind_tag(cls)
    if kind is not None and "kind" in kwargs and kwargs["kind"] != kind:
        raise located_error(source, path + ("kind",), f"expected kind {kind!r} here, got {kwargs['kind']!r}")
    try:
        return cls(**kwargs)
    except ArchsimError as exc:
        sub, rest = _field_of(exc.message, raw)
        if sub:
            where = source.where(path + (sub[0],))
            raise type(exc)(f"{where}: {dotted(path + sub)}: {rest}", hint=exc.hint) from None
        raise type(exc)(f"{source.where(path)}: {dotted(path)}: {exc.message}", hint=exc.hint) from None
    except (TypeError, ValueError) as exc:
        raise located_error(source, path, f"invalid {cls.__name__}: {exc}") from None


def _with_default_kind(value: dict[str, Any], f: dataclasses.Field[Any], tp: Any) -> dict[str, Any]:
    """For a tagged-union field given without ``kind``, use the kind of the field's default value."""
    if kinds_of(tp) is None:
        if typing.get_origin(tp) not in (typing.Union, types.UnionType):
            return value
        members = [a for a in typing.get_args(tp) if dataclasses.is_dataclass(a)]
        if len(members) < 2:
            return value
    if f.default is not dataclasses.MISSING:
        default = f.default
    elif f.default_factory is not dataclasses.MISSING:
        default = f.default_factory()
    else:
        return value
    tag = _kind_tag(type(default)) if dataclasses.is_dataclass(default) else None
    return {"kind": tag, **value} if tag is not None else value


def _number_from(raw: Any, path: Path_, field_name: str, source: Source, *, integer: bool) -> int | float:
    what = "an integer" if integer else "a number"
    if isinstance(raw, bool) or raw is None or isinstance(raw, (dict, list)):
        raise located_error(source, path, f"expected {what}{_unit_note(field_name)}, got {describe(raw)}")
    value: float
    if isinstance(raw, (int, float)):
        value = raw
    elif isinstance(raw, str):
        if _NUMERIC.match(raw):
            value = float(raw) if not re.match(r"^\s*[-+]?\d+\s*$", raw) else int(raw)
        elif field_unit(field_name) is not None:
            try:
                value = to_field_unit(raw, field_name)
            except ConfigError as exc:
                raise located_error(source, path, exc.message, hint=exc.hint) from None
        else:
            raise located_error(source, path, f"expected {what}, got {describe(raw)}",
                         hint=f"'{field_name}' has no unit suffix, so write a plain number")
    else:
        raise located_error(source, path, f"expected {what}, got {describe(raw)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise located_error(source, path, f"expected a finite number{_unit_note(field_name)}, got {value}",
                            hint="archsim values are finite; NaN and infinity have no meaning here")
    if integer:
        if isinstance(value, float):
            if not value.is_integer():
                raise located_error(source, path, f"expected an integer{_unit_note(field_name)}, got {describe(raw)}")
            value = int(value)
        return int(value)
    return float(value)


def _unit_note(field_name: str) -> str:
    unit = field_unit(field_name)
    return f" (in {unit}, or a string with a unit)" if unit else ""


def _build_value(raw: Any, tp: Any, path: Path_, field_name: str, source: Source) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any or tp is object:
        return raw
    if origin in (typing.Union, types.UnionType):
        members = [a for a in args if a is not type(None)]
        if raw is None:
            if type(None) in args:
                return None
            raise located_error(source, path, f"expected {_type_name(tp)}, got null")
        if len(members) == 1:
            return _build_value(raw, members[0], path, field_name, source)
        dcs = [a for a in members if dataclasses.is_dataclass(a)]
        for a in dcs:
            if isinstance(raw, a):
                return raw
        if dcs and isinstance(raw, dict):
            return _build_tagged(raw, dcs, path, source)
        errors: list[tuple[Any, ConfigError]] = []
        for a in members:
            if dataclasses.is_dataclass(a):
                continue
            try:
                return _build_value(raw, a, path, field_name, source)
            except ConfigError as exc:
                errors.append((a, exc))
        # Report the member of the same structure (a list for a list, a scalar for a scalar) if there is one.
        is_list = isinstance(raw, (list, tuple))
        same = [e for a, e in errors if (typing.get_origin(a) in (tuple, list, Sequence)) == is_list]
        if len(same) == 1:
            raise same[0]
        raise located_error(source, path, f"expected {_type_name(tp)}, got {describe(raw)}")
    if origin is typing.Literal:
        if raw in args and not isinstance(raw, bool):
            return raw
        raise located_error(source, path, f"invalid value {raw!r}; expected one of: " + ", ".join(map(str, args)))
    if origin in (tuple, list, Sequence):
        if not isinstance(raw, (list, tuple)):
            raise located_error(source, path, f"expected a list, got {describe(raw)}")
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis) and args and args != ((),):
            if len(raw) != len(args):
                raise located_error(source, path, f"expected a list of {len(args)} items, got {len(raw)} items")
            item_types = list(args)
        else:
            item_types = [args[0] if args else Any] * len(raw)
        items = [_build_value(v, t, path + (i,), field_name, source) for i, (v, t) in enumerate(zip(raw, item_types, strict=True))]
        return list(items) if origin is list else tuple(items)
    if origin in (dict, Mapping):
        if not isinstance(raw, dict):
            raise located_error(source, path, f"expected a mapping, got {describe(raw)}")
        key_t, val_t = args if args else (Any, Any)
        out = {}
        for k, v in raw.items():
            key = _build_value(k, key_t, path + (k,), "", source)
            out[key] = _build_value(v, val_t, path + (k,), field_name, source)
        return out
    registry = kinds_of(tp)
    if registry is not None:
        if isinstance(raw, tp):
            return raw
        if not isinstance(raw, dict):
            raise located_error(source, path, f"expected {_type_name(tp)}, got {describe(raw)}")
        return _build_tagged(raw, [c for _, c in registry.items() if issubclass(c, tp)], path, source)
    if dataclasses.is_dataclass(tp):
        return _build_dc(raw, tp, path, source)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        if isinstance(raw, tp):
            return raw
        values = [m.value for m in tp]
        if isinstance(raw, str):
            for m in tp:
                if isinstance(m.value, str) and m.value == raw.strip().lower():
                    return m
        close = difflib.get_close_matches(str(raw), [str(v) for v in values], n=1)
        raise located_error(source, path, f"invalid value {raw!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
                     + "; expected one of: " + ", ".join(map(str, values)))
    if tp is bool:
        if isinstance(raw, bool):
            return raw
        raise located_error(source, path, f"expected true or false, got {describe(raw)}")
    if tp is int:
        return _number_from(raw, path, field_name, source, integer=True)
    if tp is float:
        return _number_from(raw, path, field_name, source, integer=False)
    if tp is str:
        if isinstance(raw, str):
            return raw
        raise located_error(source, path, f"expected a string, got {describe(raw)}")
    if isinstance(tp, type):
        if isinstance(raw, tp):
            return raw
        raise located_error(source, path, f"expected {tp.__name__}, got {describe(raw)}")
    return raw


def _build_tagged(raw: dict[str, Any], members: list[type], path: Path_, source: Source) -> Any:
    raw = _apply_preset(raw, members, path, source)
    tags = {t: m for m in members if (t := _kind_tag(m)) is not None}
    if "kind" not in raw:
        raise located_error(source, path, "missing key 'kind' that selects the type; valid kinds: " + ", ".join(tags))
    kind = raw["kind"]
    if not isinstance(kind, str):
        raise located_error(source, path + ("kind",), f"expected a kind name (a string), got {describe(kind)}; "
                            "valid kinds: " + ", ".join(tags))
    if kind not in tags:
        close = difflib.get_close_matches(str(kind), list(tags), n=1)
        raise located_error(source, path + ("kind",), f"unknown kind {kind!r}"
                     + (f" (did you mean {close[0]!r}?)" if close else "") + "; valid kinds: " + ", ".join(tags))
    return _build_dc(raw, tags[kind], path, source)


def build_dataclass(raw: Any, cls: type[T], where: Source | str = "<input>", path: Path_ = ()) -> T:
    """Build ``cls`` from raw YAML-like data with the strict rules of this module.

    Args:
        raw: plain data (dicts, lists, scalars) as ``yaml.safe_load`` returns it.
        cls: the target dataclass (or a union of dataclasses tagged by ``kind``).
        where: a :class:`Source` (file name + line table) or a label used in error messages.
        path: the YAML path of ``raw`` inside its document.

    Raises:
        ConfigError: on any mismatch (see the module docstring).
    """
    source = where if isinstance(where, Source) else Source(str(where))
    return _build_value(raw, cls, path, "", source)  # type: ignore[no-any-return]


def load_yaml_as(path: str | Path, cls: type[T], overrides: Sequence[str] = (), *,
                 require_version: bool = True, kind: InputKind | None = None) -> T:
    """Read ``path`` strictly, apply ``--set`` overrides, and build ``cls`` from it.

    With ``kind`` (:data:`~archsim.loader.bundled.HARDWARE`, ...), ``path`` may be a bundled name, a file of the
    other kind is named as such, and ``extends:`` is expanded where the kind allows it
    (:func:`archsim.loader.inputs.read_input`).

    Raises:
        ConfigError: on any problem, naming file, line and YAML path.
    """
    raw, source = read_input(path, kind) if kind is not None else read_yaml(path)
    if not isinstance(raw, dict):
        raise ConfigError(f"{source.name}:1: expected a mapping at the top level, got {describe(raw)}")
    if require_version and "version" not in raw:
        raise ConfigError(f"{source.name}:1: missing key 'version'", hint="add 'version: 1' at the top of the file")
    raw = apply_overrides(raw, overrides, source)
    return build_dataclass(raw, cls, source)
