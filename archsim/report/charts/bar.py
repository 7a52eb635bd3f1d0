"""Horizontal bar charts: grouped series, linear or log scale.

On a log axis every bar needs a start: ``BarChart.baseline`` (1.0 for ratios) makes bars grow right of it for
values above and left of it for values below, so a speed-up of 0.01× is a long bar pointing left, never a short
bar pointing right; without a baseline bars start at the axis's lowest decade. Log charts carry decade ticks.
"""

from __future__ import annotations

import math
from typing import Any

from archsim.report.charts.common import CHART_WIDTH, LABEL_WIDTH, PALETTE
from archsim.report.format import fmt_num, fmt_si
from archsim.report.model import BarChart
from archsim.report.registry import register_chart

TEXT_ROOM = 110
"""Width kept right of the longest bar for its value text."""


def _tick_text(value: float, chart: BarChart) -> str:
    if chart.baseline is not None and chart.unit in ("", "×"):
        return f"{value:g}×"  # decades: 0.001×, 1×, 1e+06×
    return fmt_si(value, chart.unit, 2) if chart.unit else fmt_num(value, 2)


def bar_layout(chart: BarChart) -> dict[str, Any]:
    """Geometry of a bar chart."""
    n_series = max(1, len(chart.series))
    bar_h = 14
    group_h = bar_h * n_series + 8
    plot_w = CHART_WIDTH - LABEL_WIDTH - TEXT_ROOM
    values = [v for b in chart.bars for v in b.values if v > 0]
    vmax = max(values, default=1.0)
    vmin = min(values, default=1.0)
    top = 24
    ticks: list[dict[str, Any]] = []
    base_x: float | None = None
    if chart.log:
        base = chart.baseline
        lo_v = min(vmin, base) if base is not None else vmin
        hi_v = max(vmax, base) if base is not None else vmax
        lo, hi = math.floor(math.log10(lo_v)), math.ceil(math.log10(hi_v))
        if hi <= lo:
            hi = lo + 1

        def pos(v: float) -> float:
            return LABEL_WIDTH + (math.log10(v) - lo) / (hi - lo) * plot_w

        start = pos(base) if base is not None else LABEL_WIDTH
        base_x = round(start, 2) if base is not None else None
        step = max(1, math.ceil((hi - lo) / 8))
        ticks = [{"x": round(pos(10.0 ** e), 2), "text": _tick_text(10.0 ** e, chart)}
                 for e in range(lo, hi + 1, step)]
    else:

        def pos(v: float) -> float:
            return LABEL_WIDTH + (max(0.0, v / vmax * plot_w) if vmax > 0 else 0.0)

        start = LABEL_WIDTH
    rows = []
    for i, bar in enumerate(chart.bars):
        y0 = top + i * group_h
        rects = []
        for j, (v, text) in enumerate(zip(bar.values, bar.texts, strict=False)):
            end = pos(v) if v > 0 else start
            x, w = min(start, end), abs(end - start)
            if chart.log and v > 0 and chart.baseline is None:
                w = max(2.0, w)
            left = chart.log and chart.baseline is not None and v < chart.baseline
            rects.append({
                "x": round(x, 2), "y": y0 + j * bar_h, "w": round(w, 2), "h": bar_h - 2,
                "colour": PALETTE[j % len(PALETTE)], "text": text,
                # a bar left of the baseline has its value right of the baseline (the labels sit left of the plot)
                "tx": round((start if left else x + w) + 4, 2), "ty": y0 + j * bar_h + bar_h - 4,
                "series": chart.series[j] if j < len(chart.series) else "",
            })
        rows.append({"label": bar.label, "ly": y0 + (group_h - 8) / 2 + 4, "rects": rects})
    axis_y = top + len(chart.bars) * group_h + 2
    height = axis_y + (22 if ticks else 8)
    legend = ([{"name": s, "colour": PALETTE[j % len(PALETTE)], "x": LABEL_WIDTH + j * 130}
               for j, s in enumerate(chart.series)] if n_series > 1 else [])
    return {"kind": "bar", "width": CHART_WIDTH, "height": height, "rows": rows, "legend": legend, "log": chart.log,
            "ticks": ticks, "axis_y": axis_y, "base_x": base_x, "x0": LABEL_WIDTH, "x1": LABEL_WIDTH + plot_w}


register_chart(BarChart, bar_layout)
