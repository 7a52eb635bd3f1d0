"""Horizontal bar charts (grouped series, linear or log scale)."""

from __future__ import annotations

import math
from typing import Any

from archsim.report.charts.common import CHART_WIDTH, LABEL_WIDTH, PALETTE
from archsim.report.model import BarChart
from archsim.report.registry import register_chart


def _bar_layout(chart: BarChart) -> dict[str, Any]:
    n_series = max(1, len(chart.series))
    bar_h = 14
    group_h = bar_h * n_series + 8
    plot_w = CHART_WIDTH - LABEL_WIDTH - 110
    values = [v for b in chart.bars for v in b.values if v > 0]
    vmax = max(values, default=1.0)
    vmin = min(values, default=1.0)
    if chart.log:
        lo = math.floor(math.log10(vmin)) if vmin < vmax else math.floor(math.log10(vmin)) - 1
        hi = math.ceil(math.log10(vmax)) if math.log10(vmax) > lo else lo + 1
        lo = min(lo, 0) if vmin >= 1 else lo

        def scale(v: float) -> float:
            return 0.0 if v <= 0 else max(2.0, (math.log10(v) - lo) / (hi - lo) * plot_w)
    else:

        def scale(v: float) -> float:
            return max(0.0, v / vmax * plot_w) if vmax > 0 else 0.0

    rows = []
    for i, bar in enumerate(chart.bars):
        y0 = 24 + i * group_h
        rects = []
        for j, (v, text) in enumerate(zip(bar.values, bar.texts)):
            w = scale(v)
            rects.append(
                {
                    "x": LABEL_WIDTH,
                    "y": y0 + j * bar_h,
                    "w": round(w, 2),
                    "h": bar_h - 2,
                    "colour": PALETTE[j % len(PALETTE)],
                    "text": text,
                    "tx": round(LABEL_WIDTH + w + 4, 2),
                    "ty": y0 + j * bar_h + bar_h - 4,
                    "series": chart.series[j] if j < len(chart.series) else "",
                }
            )
        rows.append({"label": bar.label, "ly": y0 + (group_h - 8) / 2 + 4, "rects": rects})
    height = 24 + len(chart.bars) * group_h + 10
    legend = (
        [
            {"name": s, "colour": PALETTE[j % len(PALETTE)], "x": LABEL_WIDTH + j * 130}
            for j, s in enumerate(chart.series)
        ]
        if n_series > 1
        else []
    )
    return {
        "kind": "bar",
        "width": CHART_WIDTH,
        "height": height,
        "rows": rows,
        "legend": legend,
        "log": chart.log,
    }


register_chart(BarChart, _bar_layout)
