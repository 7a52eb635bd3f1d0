"""Deep merge of raw YAML data: a file (or a ``preset:`` mapping) over the base it builds on.

Rules (the same for ``preset:`` and ``extends:``): mappings merge key by key, recursively; every other value
(a scalar, a list, ``null``) replaces the base's value; a mapping whose ``kind`` differs from the base's
replaces the base's mapping as a whole (the base's fields belong to another type).
"""

from __future__ import annotations

import copy
from typing import Any


def deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """``top`` merged over a copy of ``base`` (neither argument is modified)."""
    out = dict(base)
    for key, value in top.items():
        old = out.get(key)
        if isinstance(old, dict) and isinstance(value, dict) and value.get("kind", old.get("kind")) == old.get("kind"):
            out[key] = deep_merge(old, value)
        else:
            out[key] = copy.deepcopy(value)
    return out
