"""The Gantt timeline: one lane per layer over the whole run, bars coloured by phase.

Every layer of the network gets its own lane (ResNet-50: 54), the time axis spans the whole makespan, and bars
closer together than the chart can show were merged by the section (so a 1,728-entry timeline stays readable and
small). Lanes carry ``data-lane`` so a browser test can count them.
"""

from __future__ import annotations

from typing import Any

from archsim.report.charts.common import LABEL_WIDTH, PHASE_COLOURS, nice_ticks
from archsim.report.format import fmt_si
from archsim.report.model import Gantt
from archsim.report.registry import register_chart

GANTT_WIDTH = 960
"""Width of the timeline in px (wider than the other charts: it carries the whole run)."""


def lane_height(n_lanes: int) -> int:
    """Pixels per lane: 16 for a few layers, 11 for a deep network (54 lanes stay under 700 px)."""
    return 16 if n_lanes <= 24 else 11


def gantt_layout(chart: Gantt) -> dict[str, Any]:
    """Geometry of a Gantt chart."""
    lane_h = lane_height(len(chart.lanes))
    plot_w = GANTT_WIDTH - LABEL_WIDTH - 20
    t_end = chart.t_end_ns or 1.0
    top = 22
    bars = []
    for b in chart.bars:
        x = LABEL_WIDTH + b.start_ns / t_end * plot_w
        width = max(0.5, (b.end_ns - b.start_ns) / t_end * plot_w)
        bars.append(
            {
                "x": round(x, 2),
                "y": top + b.lane * lane_h + 1,
                "w": round(width, 2),
                "h": lane_h - 2,
                "colour": PHASE_COLOURS.get(b.phase, "#555555"),
                "title": b.label,
            }
        )
    lanes = [{"name": name, "y": top + i * lane_h + lane_h - 3, "y0": top + i * lane_h, "h": lane_h,
              "stripe": i % 2 == 1, "bars": []} for i, name in enumerate(chart.lanes)]
    for b, geometry in zip(chart.bars, bars, strict=True):
        lanes[b.lane]["bars"].append(geometry)
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
        "width": GANTT_WIDTH,
        "height": axis_y + 24,
        "lanes": lanes,
        "axis_y": axis_y,
        "ticks": ticks,
        "legend": legend,
        "x0": LABEL_WIDTH,
        "x1": LABEL_WIDTH + plot_w,
        "font": 11 if lane_h >= 16 else 9,
    }


register_chart(Gantt, gantt_layout)
