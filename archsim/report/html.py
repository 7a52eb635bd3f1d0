"""Render a :class:`~archsim.report.data.ReportData` as ONE self-contained HTML file.

The page has inline CSS and inline SVG charts, no scripts, no fonts, no external resources: it can
be archived or e-mailed and opens offline. Rendering uses jinja2 with autoescaping switched on for
every template, so every user-supplied string (workload, layer and hardware names) is HTML-escaped;
chart geometry is computed here as plain numbers and drawn by the macros in
``templates/charts.html.j2``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import jinja2

from archsim import __version__
from archsim.report.data import BarChart, Floorplan, Gantt, LineChart, ReportData, build_report_data, fmt_si
from archsim.results.io import write_text_atomic
from archsim.results.schema import read_result_file

#: Colour-blind-friendly palette (Okabe–Ito + Tableau extras), used for layers and series.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
    "#8C564B",
    "#7F7F7F",
    "#17BECF",
    "#BCBD22",
)
PHASE_COLOURS = {
    "forward": "#0072B2",
    "backward": "#E69F00",
    "update": "#009E73",
    "digital": "#CC79A7",
    "transfer": "#7F7F7F",
}

CHART_WIDTH = 760
LABEL_WIDTH = 200


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("archsim.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["layout"] = layout_chart
    return env


def _nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi <= lo:
        return [lo]
    step = 10 ** math.floor(math.log10((hi - lo) / n))
    for mult in (1, 2, 5, 10):
        if (hi - lo) / (step * mult) <= n:
            step *= mult
            break
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]


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
    xticks = [{"x": sx(t), "text": f"{t:g}"} for t in _nice_ticks(x0, x1)]
    yticks = [{"y": sy(t), "text": f"{t:.3g}"} for t in _nice_ticks(y0, y1)]
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
        for t in _nice_ticks(0.0, t_end)
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


def _floorplan_layout(chart: Floorplan) -> dict[str, Any]:
    n = len(chart.tiles)
    cols = max(1, math.ceil(math.sqrt(n)))
    cell = max(10, min(32, 260 // cols))
    cells = []
    for i, t in enumerate(chart.tiles):
        r, c = divmod(i, cols)
        cells.append(
            {
                "x": 10 + c * cell,
                "y": 10 + r * cell,
                "size": cell - 2,
                "colour": PALETTE[t.colour % len(PALETTE)] if t.colour >= 0 else "#e6e6e6",
                "title": t.title,
                "used": t.colour >= 0,
            }
        )
    grid_h = 10 + math.ceil(n / cols) * cell
    legend_x = 20 + cols * cell
    legend = [
        {"name": name, "colour": PALETTE[i % len(PALETTE)], "y": 20 + i * 18}
        for i, name in enumerate(chart.legend)
    ]
    height = max(grid_h + 10, 20 + len(legend) * 18 + 10)
    return {
        "kind": "floorplan",
        "width": max(CHART_WIDTH, legend_x + 260),
        "height": height,
        "cells": cells,
        "legend": legend,
        "legend_x": legend_x,
    }


def layout_chart(chart: Any) -> dict[str, Any]:
    """Geometry of one chart (numbers and the strings to show; escaped by the template)."""
    if isinstance(chart, BarChart):
        return _bar_layout(chart)
    if isinstance(chart, LineChart):
        return _line_layout(chart)
    if isinstance(chart, Gantt):
        return _gantt_layout(chart)
    if isinstance(chart, Floorplan):
        return _floorplan_layout(chart)
    raise TypeError(f"unknown chart type {type(chart).__name__}")


def render_html(data: ReportData) -> str:
    """The report page as one HTML string."""
    env = _env()
    css = env.loader.get_source(env, "report.css")[0]  # type: ignore[union-attr]
    return env.get_template("report.html.j2").render(data=data, css=css, version=__version__)


def render_result(result: dict[str, Any]) -> str:
    """result dict → HTML string."""
    return render_html(build_report_data(result))


def write_report(result_path: str | Path, out_path: str | Path | None = None) -> Path:
    """Re-render ``report.html`` from a ``result.json`` (next to it unless ``out_path`` is given)."""
    result = read_result_file(result_path)  # refuses a damaged file with one line naming the key
    target = Path(out_path) if out_path else Path(result_path).with_name("report.html")
    return write_text_atomic(target, render_result(result))
