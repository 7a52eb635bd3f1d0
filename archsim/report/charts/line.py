"""Line charts (training curves, accuracy after drift)."""

from __future__ import annotations

from typing import Any

from archsim.report.charts.common import CHART_WIDTH, PALETTE, nice_ticks
from archsim.report.model import LineChart
from archsim.report.registry import register_chart


def _line_layout(chart: LineChart) -> dict[str, Any]:
    w, h, left, right, top, bottom = CHART_WIDTH, 300, 60, 180, 20, 40
    pts = [p for s in chart.series for p in s.points]
    xs = [p[0] for p in pts] or [0.0, 1.0]
    ys = [p[1] for p in pts] or [0.0, 1.0]
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(0.0, min(ys)), max(ys)
    if x1 == x0:
        x1 = x0 + 1
    if y1 == y0:
        y1 = y0 + 1
    pw, ph = w - left - right, h - top - bottom

    def sx(x: float) -> float:
        return round(left + (x - x0) / (x1 - x0) * pw, 2)

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
        series.append(
            {
                "name": s.name,
                "colour": PALETTE[metrics.index(metric) % len(PALETTE)],
                "dash": dash,
                "path": " ".join(f"{x},{y}" for x, y in coords),
                "dots": [
                    {"x": x, "y": y, "title": f"{s.name}: epoch {p[0]:g}, {p[1]:.4g}"}
                    for (x, y), p in zip(coords, s.points)
                ],
                "ly": top + 12 + j * 18,
            }
        )
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
        "x_label": chart.x_label,
        "y_label": chart.y_label,
    }


register_chart(LineChart, _line_layout)
