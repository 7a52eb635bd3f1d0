"""Scatter charts: Pareto fronts (numeric axes, linear or log) and the effect of one axis (categorical x).

Points that carry a link are drawn inside ``<a href>`` (a point's own report); highlighted points are drawn in the
accent colour and, with ``front``, joined in x order. Log axes get decade ticks; linear axes "nice" ticks.
"""

from __future__ import annotations

import math
from typing import Any

from archsim.report.charts.common import CHART_WIDTH, log_ticks, nice_ticks
from archsim.report.format import fmt_num, fmt_si
from archsim.report.model import ScatterChart
from archsim.report.registry import register_chart

ACCENT = "#D55E00"
"""Highlighted points (the Pareto front)."""
MUTED = "#7f8c99"
"""Other points."""
TICK_CHARS = 24
"""Longest tick text of a categorical axis (longer ones are cut; the full text is the hover title)."""


def _fmt(v: float, unit: str, digits: int = 2) -> str:
    return fmt_si(v, unit, digits) if unit else fmt_num(v, digits)


def tick_digits(ticks: list[float]) -> int:
    """Significant figures that tell neighbouring linear ticks apart (69.27 ms and 69.30 ms, not 69 ms twice)."""
    if len(ticks) < 2:
        return 2
    step = abs(ticks[1] - ticks[0])
    top = max(abs(t) for t in ticks)
    if step == 0 or top == 0:
        return 2
    return max(2, min(6, math.floor(math.log10(top)) - math.floor(math.log10(step)) + 1))


class _Axis:
    """Maps values to pixels on one axis."""

    def __init__(self, values: list[float], log: bool, p0: float, p1: float) -> None:
        self.log = log and bool(values) and min(values) > 0
        lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
        if self.log:
            if hi <= lo:
                lo, hi = lo / 2, hi * 2
            pad = (math.log10(hi) - math.log10(lo)) * 0.05
            self.lo, self.hi = 10 ** (math.log10(lo) - pad), 10 ** (math.log10(hi) + pad)
        else:
            if hi <= lo:
                lo, hi = lo - (abs(lo) or 1.0) * 0.5, hi + (abs(hi) or 1.0) * 0.5
            pad = (hi - lo) * 0.05
            self.lo, self.hi = lo - pad, hi + pad
        self.p0, self.p1 = p0, p1

    def __call__(self, v: float) -> float:
        if self.log:
            f = (math.log10(v) - math.log10(self.lo)) / (math.log10(self.hi) - math.log10(self.lo))
        else:
            f = (v - self.lo) / (self.hi - self.lo)
        return round(self.p0 + f * (self.p1 - self.p0), 2)

    def ticks(self) -> list[float]:
        return log_ticks(self.lo, self.hi) if self.log else nice_ticks(self.lo, self.hi)


def scatter_layout(chart: ScatterChart) -> dict[str, Any]:
    """Geometry of a scatter chart."""
    w = chart.width or CHART_WIDTH
    categorical = bool(chart.x_ticks)
    left, right, top = 96, 16, 14
    longest = max((len(t) for t in chart.x_ticks), default=0)
    bottom = 44 if not categorical or longest <= 6 else 40 + 5 * min(longest, TICK_CHARS)
    h = (300 if w >= 600 else 250) + bottom - 44  # the plot keeps its height under long ticks
    pw, ph = w - left - right, h - top - bottom
    ys = [p.y for p in chart.points] + [m[1] for m in chart.means]
    yaxis = _Axis(ys, chart.y_log, top + ph, top)
    x_is_log = False
    if categorical:
        n = len(chart.x_ticks)
        step = pw / max(n, 1)

        def sx(x: float) -> float:
            return round(left + step * (x + 0.5), 2)

        xticks = [{"x": sx(i), "text": t if len(t) <= TICK_CHARS else t[:TICK_CHARS - 1] + "…", "full": t}
                  for i, t in enumerate(chart.x_ticks)]
    else:
        xaxis = _Axis([p.x for p in chart.points], chart.x_log, left, left + pw)
        sx = xaxis
        x_is_log = xaxis.log
        ticks = xaxis.ticks()
        d = 2 if xaxis.log else tick_digits(ticks)
        xticks = [{"x": xaxis(t), "text": _fmt(t, chart.x_unit, d), "full": _fmt(t, chart.x_unit, d)} for t in ticks]
    ticks = yaxis.ticks()
    d = 2 if yaxis.log else tick_digits(ticks)
    yticks = [{"y": yaxis(t), "text": _fmt(t, chart.y_unit, d)} for t in ticks]
    dots = []
    order = sorted(range(len(chart.points)), key=lambda i: chart.points[i].highlight)  # front drawn last, on top
    for i in order:
        p = chart.points[i]
        dots.append({"x": sx(p.x), "y": yaxis(p.y), "r": 4.5 if p.highlight else 3.5,
                     "colour": ACCENT if p.highlight else MUTED, "title": p.title, "href": p.href})
    front = ""
    if chart.front:
        pts = sorted(set((p.x, p.y) for p in chart.points if p.highlight))
        path = []
        for k, (x, y) in enumerate(pts):
            if k:
                px, py = pts[k - 1]
                # the corner both neighbours dominate: the worse x and the worse y of the two
                cx = max(px, x) if chart.goals[0] == "min" else min(px, x)
                cy = max(py, y) if chart.goals[1] == "min" else min(py, y)
                path.append((cx, cy))
            path.append((x, y))
        front = " ".join(f"{sx(x)},{yaxis(y)}" for x, y in path)
    means = " ".join(f"{sx(x)},{yaxis(y)}" for x, y in chart.means)
    return {
        "kind": "scatter", "width": w, "height": h, "left": left, "top": top, "pw": pw, "ph": ph,
        "dots": dots, "xticks": xticks, "yticks": yticks, "front": front, "means": means,
        "x_label": chart.x_label + (" (log)" if x_is_log else ""),
        "y_label": chart.y_label + (" (log)" if yaxis.log else ""), "rotate": bottom > 44,
    }


register_chart(ScatterChart, scatter_layout)
