"""Breakdown bars (energy, area): the largest parts, the rest folded into one 'other' bar."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from archsim.report.format import fmt_si, total
from archsim.report.model import Bar

MAX_BREAKDOWN_BARS = 16
"""Maximum bars in a breakdown chart (the rest is folded into "other")."""


def breakdown_bars(items: Mapping[str, Any], unit: str, scale: float = 1.0) -> tuple[Bar, ...]:
    pairs = [(str(k), total(v)) for k, v in items.items()]
    pairs = sorted(
        [(k, v * scale) for k, v in pairs if v is not None and v > 0], key=lambda kv: (-kv[1], kv[0])
    )
    if len(pairs) > MAX_BREAKDOWN_BARS:
        rest = sum(v for _, v in pairs[MAX_BREAKDOWN_BARS - 1 :])
        pairs = pairs[: MAX_BREAKDOWN_BARS - 1] + [(f"other ({len(pairs) - MAX_BREAKDOWN_BARS + 1})", rest)]
    grand = sum(v for _, v in pairs) or 1.0
    return tuple(
        Bar(label=k, values=(v,), texts=(f"{fmt_si(v, unit)} ({v / grand * 100:.1f} %)",)) for k, v in pairs
    )
