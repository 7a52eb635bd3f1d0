"""Number formatting and tolerant readers of result.json values, shared by every report section.

Every number a report shows is formatted here (:func:`fmt_si`, :func:`fmt_num`: three significant figures), so
gold files are stable. The readers (:func:`get`, :func:`num`, ...) return None for a value that is absent or not a
finite number, so a section can say "—" for an optional key instead of failing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from archsim.results.io import finite_number

_SI = [
    (1e12, "T"),
    (1e9, "G"),
    (1e6, "M"),
    (1e3, "k"),
    (1.0, ""),
    (1e-3, "m"),
    (1e-6, "µ"),
    (1e-9, "n"),
    (1e-12, "p"),
    (1e-15, "f"),
]


def _as_float(value: Any) -> float | str:
    """``value`` as a finite float to format, or the text shown instead: '—' when missing or not finite, the value
    itself when it is not a number."""
    if value is None:
        return "—"
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    return v if math.isfinite(v) else "—"


def fmt_num(value: Any, digits: int = 3) -> str:
    """A number with ``digits`` significant figures, thousands separators for large ones; '—' if missing."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    v = _as_float(value)
    if isinstance(v, str):
        return v
    if v == 0:
        return "0"
    if 10 ** (digits - 1) <= abs(v) < 1e6:
        return f"{round(v):,}"
    v = float(f"{v:.{digits - 1}e}")
    if 1e-3 <= abs(v) < 1e6:
        decimals = max(0, digits - 1 - math.floor(math.log10(abs(v))))
        return f"{v:,.{decimals}f}"
    return f"{v:.{digits - 1}e}"


def fmt_si(value: Any, unit: str, digits: int = 3) -> str:
    """``value`` in base ``unit`` with an SI prefix: ``fmt_si(1.5e-6, 's') == '1.50 µs'``."""
    v = _as_float(value)
    if isinstance(v, str):
        return v
    if v == 0:
        return f"0 {unit}"
    for scale, prefix in _SI:
        if abs(v) >= scale * 0.9995:
            break
    x = float(f"{v / scale:.{digits - 1}e}")  # round to significant figures first (0.99996 → 1.00)
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(x))))
    return f"{x:.{decimals}f} {prefix}{unit}"


def fmt_ratio(value: Any) -> str:
    """A ratio as ``12.3×``."""
    if value is None:
        return "—"
    return f"{fmt_num(value)}×"


def fmt_pct(value: Any) -> str:
    """A fraction as a percentage."""
    if value is None:
        return "—"
    return f"{float(value) * 100:.1f} %"


def get(d: Any, *path: str, default: Any = None) -> Any:
    """``d[path[0]][path[1]]...``, or ``default`` where a key is missing."""
    for key in path:
        if not isinstance(d, Mapping) or key not in d:
            return default
        d = d[key]
    return d


num = finite_number
"""A finite float, or None (:func:`archsim.results.io.finite_number`)."""


def total(value: Any) -> float | None:
    """A number, or the sum of the numbers in a (nested) mapping."""
    if isinstance(value, Mapping):
        parts = [total(v) for v in value.values()]
        nums = [p for p in parts if p is not None]
        return sum(nums) if nums else None
    return num(value)


def ns(value: Any) -> float | None:
    """Nanoseconds → seconds."""
    v = num(value)
    return None if v is None else v * 1e-9


def pj(value: Any) -> float | None:
    """Picojoules → joules."""
    v = num(value)
    return None if v is None else v * 1e-12


def div(a: Any, b: Any) -> float | None:
    """a / b, or None."""
    a, b = num(a), num(b)
    if a is None or b is None or b == 0:
        return None
    return a / b


def clip(text: str, n: int = 90) -> str:
    """``text`` shortened to ``n`` characters with an ellipsis."""
    return text if len(text) <= n else text[: n - 1] + "…"


def fmt_value(v: Any) -> str:
    """A configuration value (number, list, mapping) as short text."""
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, (list, tuple)):
        return ", ".join(fmt_value(x) for x in v)
    if isinstance(v, Mapping):
        return ", ".join(f"{k}: {fmt_value(x)}" for k, x in sorted(v.items(), key=lambda kv: str(kv[0])))
    return str(v)


__all__ = ["clip", "div", "fmt_num", "fmt_pct", "fmt_ratio", "fmt_si", "fmt_value", "get", "ns", "num", "pj",
           "total"]
