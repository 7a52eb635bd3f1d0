"""Line charts: training curves per epoch, accuracy against time after programming (log time axis).

The same metric keeps its colour across variants; floating-point series are dashed, analog solid. A series with
``errors`` gets a shaded ±band (the spread over repeated programmings).
"""

from __future__ import annotations

import math
from typing import Any

from archsim.report.charts.common import CHART_WIDTH, PALETTE, log_ticks, nice_ticks
from archsim.report.model import LineChart
from archsim.report.registry import register_chart


def line_layout(chart: LineChart) -> dict[str, Any]:
    """Geometry of a line chart."""
    w, h, left, right, top, bottom = CHART_WIDTH, 300, 60, 180, 20, 40
    pts = [p for s in chart.series for p in s.points]
    xs = [p[0] for p in pts] or [0.0, 1.0]
    lows = [y - e for s in chart.series for (_, y), e in zip(s.points, s.errors, strict=False)]
    highs = [y + e for s in chart.series for (_, y), e in zip(s.points, s.errors, strict=False)]
    ys = [p[1] for p in pts] + lows + highs or [0.0, 1.0]
    x_log = chart.x_log and min(xs) > 0

    def fx(x: float) -> float:
        return math.log10(x) if x_log else x

    x0, x1 = fx(min(xs)), fx(max(xs))
    y0, y1 = min(ys), max(ys)
    if chart.y_from_zero:
        y0 = min(0.0, y0)
    else:
        pad = (y1 - y0) * 0.15 or abs(y1) * 0.05 or 0.05
        y0, y1 = y0 - pad, y1 + pad
    if x1 == x0:
        x1 = x0 + 1
    if y1 == y0:
        y1 = y0 + 1
    pw, ph = w - left - right, h - top - bottom

    def sx(x: float) -> float:
        return round(left + (fx(x) - x0) / (x1 - x0) * pw, 2)

    def sy(y: float) -> float:
        return round(top + ph - (y - y0) / (y1 - y0) * ph, 2)

    series = []
    metrics: list[str] = []  # same colour for the same metric; floating point dashed, analog solid
    for j, s in enumerate(chart.series):
        variant, _, metric = s.name.partition(" ")
        if variant.lower() not in ("analog", "fp") or not metric:
            metric = s.name
        if metric not in metrics:
            metrics.append(metric)
        dash = "6 3" if variant.lower() == "fp" else ""
        coords = [(sx(x), sy(y)) for x, y in s.points]
        band = ""
        if s.errors:
            upper = [(sx(x), sy(y + e)) for (x, y), e in zip(s.points, s.errors, strict=False)]
            lower = [(sx(x), sy(y - e)) for (x, y), e in zip(s.points, s.errors, strict=False)]
            band = " ".join(f"{x},{y}" for x, y in upper + lower[::-1])
        texts = {x: t for x, t in chart.x_ticks}
        series.append(
            {
                "name": s.name,
                "colour": PALETTE[metrics.index(metric) % len(PALETTE)],
                "dash": dash,
                "band": band,
                "path": " ".join(f"{x},{y}" for x, y in coords),
                "dots": [
                    {"x": x, "y": y, "title": f"{s.name}: {chart.x_label} {texts.get(p[0], f'{p[0]:g}')}, "
                                              f"{p[1]:.4g}" + (f" ± {s.errors[i]:.2g}" if s.errors else "")}
                    for i, ((x, y), p) in enumerate(zip(coords, s.points, strict=True))
                ],
                "ly": top + 12 + j * 18,
            }
        )
    if chart.x_ticks:
        xticks = [{"x": sx(t), "text": text} for t, text in chart.x_ticks]
    elif x_log:
        xticks = [{"x": sx(t), "text": f"{t:g}"} for t in log_ticks(min(xs), max(xs))]
    else:
        xticks = [{"x": sx(t), "text": f"{t:g}"} for t in nice_ticks(x0, x1)]
    yticks = [{"y": sy(t), "text": f"{t:.3g}"} for t in nice_ticks(y0, y1)]
    return {
        "kind": "line",
        "width": w,
        "height": h,
        "left": left,
        "top": top,
        "pw": pw,
        "ph": ph,
        "series": series,
        "xticks": xticks,
        "yticks": yticks,
        "legend_x": left + pw + 16,
        "x_label": chart.x_label + (" (log scale)" if x_log else ""),
        "y_label": chart.y_label,
    }


register_chart(LineChart, line_layout)
