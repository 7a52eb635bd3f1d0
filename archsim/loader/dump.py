"""Dataclass trees back to plain data: the resolved config file and the "fields that differ" summary."""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

import yaml


def to_raw(obj: Any) -> Any:
    """A dataclass tree as plain YAML/JSON data (enums → values, tuples → lists), fields in order."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_raw(getattr(obj, f.name)) for f in dataclasses.fields(obj) if f.init}
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, dict):
        return {str(to_raw(k)): to_raw(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_raw(v) for v in obj]
    if isinstance(obj, float) and obj.is_integer() and abs(obj) < 1e15:
        return obj
    return obj


def non_default(obj: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted path → value of every field that differs from its default (aihwkit-style short summary)."""
    out: dict[str, Any] = {}
    if not (dataclasses.is_dataclass(obj) and not isinstance(obj, type)):
        return out
    for f in dataclasses.fields(obj):
        if not f.init:
            continue
        value = getattr(obj, f.name)
        key = f"{prefix}{f.name}"
        if f.default is not dataclasses.MISSING:
            default: Any = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            out[key] = to_raw(value)
            continue
        if value == default:
            continue
        if dataclasses.is_dataclass(value) and type(value) is type(default):
            out.update(non_default(value, key + "."))
        else:
            out[key] = to_raw(value)
    return out


def dump_yaml(obj: Any) -> str:
    """The fully resolved config as YAML text (``hwconfig.resolved.yaml``)."""
    return yaml.safe_dump(to_raw(obj), sort_keys=False, default_flow_style=None, width=110, allow_unicode=True)
