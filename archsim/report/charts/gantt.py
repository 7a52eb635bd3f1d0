"""The Gantt timeline: one lane per layer, bars coloured by phase."""

from __future__ import annotations

from typing import Any

from archsim.report.charts.common import CHART_WIDTH, LABEL_WIDTH, PHASE_COLOURS, nice_ticks
from archsim.report.format import fmt_si
from archsim.report.model import Gantt
from archsim.report.registry import register_chart


def _gantt_layout(chart: Gantt) -> dict[str, Any]:
    lane_h = 16
    plot_w = CHART_WIDTH - LABEL_WIDTH - 20
    t_end = chart.t_end_ns or 1.0
    top = 22
    bars = []
    for b in chart.bars:
        x = LABEL_WIDTH + b.start_ns / t_end * plot_w
        width = max(0.5, (b.end_ns - b.start_ns) / t_end * plot_w)
        bars.append(
            {
                "x": round(x, 2),
                "y": top + b.lane * lane_h + 2,
                "w": round(width, 2),
                "h": lane_h - 4,
                "colour": PHASE_COLOURS.get(b.phase, "#555555"),
                "title": b.label,
            }
        )
    lanes = [{"name": name, "y": top + i * lane_h + lane_h - 4} for i, name in enumerate(chart.lanes)]
    axis_y = top + len(chart.lanes) * lane_h + 4
    ticks = [
        {"x": round(LABEL_WIDTH + t / t_end * plot_w, 2), "text": fmt_si(t * 1e-9, "s", 2)}
        for t in nice_ticks(0.0, t_end)
    ]
    legend = [
        {"name": p, "colour": PHASE_COLOURS.get(p, "#555555"), "x": LABEL_WIDTH + i * 110}
        for i, p in enumerate(chart.phases)
    ]
    return {
        "kind": "gantt",
        "width": CHART_WIDTH,
        "height": axis_y + 24,
        "bars": bars,
        "lanes": lanes,
        "axis_y": axis_y,
        "ticks": ticks,
        "legend": legend,
        "x0": LABEL_WIDTH,
        "x1": LABEL_WIDTH + plot_w,
    }


register_chart(Gantt, _gantt_layout)
