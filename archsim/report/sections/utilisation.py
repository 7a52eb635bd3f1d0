"""Utilisation section: busy fraction of the components."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from archsim.report.format import fmt_pct, get, num
from archsim.report.model import Bar, BarChart, Section, not_run
from archsim.report.sections.breakdown import MAX_BREAKDOWN_BARS


def build(result: Mapping[str, Any]) -> Section:
    """The utilisation section."""
    util = get(result, "timing", "utilisation")
    if not isinstance(util, Mapping) or not util:
        return not_run("utilisation", "Utilisation", "the event engine did not run")
    pairs = sorted(((str(k), num(v) or 0.0) for k, v in util.items()), key=lambda kv: (-kv[1], kv[0]))
    shown = pairs[:MAX_BREAKDOWN_BARS]
    bars = tuple(Bar(label=k, values=(v,), texts=(fmt_pct(v),)) for k, v in shown)
    lines = () if len(pairs) <= len(shown) else (f"the {len(shown)} busiest of {len(pairs)} components",)
    return Section(
        id="utilisation",
        title="Utilisation",
        present=True,
        lines=lines,
        charts=(
            BarChart(
                id="utilisation-chart", title="Busy fraction by component", series=("utilisation",), bars=bars
            ),
        ),
    )


