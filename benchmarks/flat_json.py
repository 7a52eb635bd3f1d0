"""The ``--json`` line every benchmark script ends with: one flat JSON object (scalars only, dotted keys)."""

from __future__ import annotations

import json
import math
from typing import Any


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts and lists as one level: ``{"rows": [{"fp_s": 1.0}]}`` -> ``{"rows.0.fp_s": 1.0}``; non-finite
    floats become None (strict JSON)."""
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            out.update(flatten(value, f"{prefix}{key}."))
        return out
    if isinstance(data, (list, tuple)):
        out = {}
        for i, value in enumerate(data):
            out.update(flatten(value, f"{prefix}{i}."))
        return out
    if isinstance(data, float) and not math.isfinite(data):
        data = None
    elif not (data is None or isinstance(data, (bool, int, float, str))):
        data = float(data) if hasattr(data, "__float__") else str(data)
    return {prefix[:-1]: data}


def json_line(data: Any) -> str:
    """``data`` flattened, as one line of sorted JSON (the last line a script prints with ``--json``)."""
    return json.dumps(flatten(data), sort_keys=True, allow_nan=False)
