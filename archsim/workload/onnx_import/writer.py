"""The raw workload mapping of an import as YAML text: one flow mapping per layer, so files stay diffable."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["to_yaml"]

_ORDER = ("version", "name", "description", "source", "input_shape", "dataset", "task", "n_classes",
          "default_epochs")


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a YAML double-quoted scalar
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_scalar(v)}" for k, v in value.items()) + "}"
    return str(value)


def to_yaml(raw: dict[str, Any], header: str = "") -> str:
    """YAML text of a raw workload mapping (top-level keys in the usual order, then one line per layer).

    ``header`` lines are written first as comments.
    """
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    for key in _ORDER:
        if key in raw:
            lines.append(f"{key}: {_scalar(raw[key])}")
    lines.append("layers:")
    for layer in raw["layers"]:
        lines.append(f"  - {_scalar(layer)}")
    return "\n".join(lines) + "\n"
