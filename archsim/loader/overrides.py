"""``--set dotted.path=value`` overrides applied to the raw data before validation (so they pass the same checks)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import yaml

from archsim.errors import ConfigError
from archsim.loader.source import Source, describe, dotted


def apply_overrides(raw: dict[str, Any], overrides: Sequence[str], source: Source) -> dict[str, Any]:
    """Apply ``KEY.PATH=VALUE`` overrides to a copy of ``raw``; values are parsed as YAML scalars/flows.

    Raises:
        ConfigError: if an override is malformed or walks through a non-mapping.
    """
    result = copy.deepcopy(raw)
    for text in overrides:
        if "=" not in text:
            raise ConfigError(f"{source.name}: --set {text}: expected KEY=VALUE, e.g. tile.adc.bits=6")
        key, value_text = text.split("=", 1)
        parts = [p.strip() for p in key.strip().split(".")]
        if not all(parts):
            raise ConfigError(f"{source.name}: --set {text}: empty name in the key path {key!r}")
        try:
            value = yaml.safe_load(value_text) if value_text.strip() else None
        except yaml.YAMLError as exc:
            raise ConfigError(f"{source.name}: --set {text}: cannot read the value ({exc})") from None
        node: Any = result
        path: list[Any] = []
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            step: Any = part
            if isinstance(node, list):
                if not part.lstrip("-").isdigit() or not -len(node) <= int(part) < len(node):
                    raise ConfigError(f"{source.name}: --set {text}: {dotted(tuple(path))} is a list of "
                                      f"{len(node)} items; {part!r} is not a valid index")
                step = int(part)
            elif not isinstance(node, dict):
                raise ConfigError(f"{source.name}: --set {text}: {dotted(tuple(path))} is not a mapping "
                                  f"(it holds {describe(node)})")
            path.append(step)
            if last:
                node[step] = value
            else:
                if isinstance(node, dict) and step not in node:
                    node[step] = {}
                node = node[step]
        source.overrides[tuple(path)] = text
    return result
