"""``sweep.html``: the report of a design-space sweep, one self-contained file (inline SVG, no scripts).

Sections: the Pareto front of every chosen pair of objectives (every point, the front highlighted and joined;
each point links to its own report), the effect of each axis on each objective (every point per value of the axis
with the mean of each value), the best point per objective, every point with its status and a link to its report,
and the failed points with their messages.

The input (:class:`SweepReportInput`) is plain data built by :mod:`archsim.sweep.run` from the sweep table; this
module only lays it out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from archsim import __version__
from archsim.report.format import fmt_num, fmt_si
from archsim.report.html import environment, stylesheet
from archsim.report.model import Card, ScatterChart, ScatterPoint, Section, Table

LOG_SPAN = 30.0
"""An objective spanning more than this factor (all values > 0) is drawn on a log axis."""

SCALES = {"ns": (1e-9, "s"), "pJ": (1e-12, "J"), "pJ·ns": (1e-21, "J·s")}
"""Units shown with SI prefixes: metric unit -> (factor to the base unit, base unit)."""


@dataclass(frozen=True, kw_only=True)
class MetricInfo:
    """What the report needs to know of a metric."""

    name: str
    label: str
    unit: str
    goal: str
    """``min`` or ``max``."""
    description: str


@dataclass(frozen=True, kw_only=True)
class FrontInput:
    """One 2-D Pareto front: which rows are on it."""

    x: str
    y: str
    on_front: tuple[bool, ...]


@dataclass(frozen=True, kw_only=True)
class SweepReportInput:
    """Everything ``sweep.html`` shows."""

    name: str
    description: str
    sweep_file: str
    combine: str
    baseline_label: str
    axes: tuple[tuple[str, tuple[str, ...]], ...]
    """``(axis title, the paths/options it sets)``."""
    objectives: tuple[MetricInfo, ...]
    metrics: tuple[MetricInfo, ...]
    fronts: tuple[FrontInput, ...]
    rows: tuple[Mapping[str, Any], ...]
    """The sweep table's rows plus ``axes`` (title -> tick text) and ``report`` (relative link or None)."""
    summary: Mapping[str, Any]
    """``points``, ``computed``, ``reused``, ``failed``, ``wall_s``, ``workers`` (and any other run facts)."""


def _display(metric: MetricInfo) -> tuple[float, str]:
    return SCALES.get(metric.unit, (1.0, ""))


def fmt_metric(metric: MetricInfo, value: Any) -> str:
    """A metric's value with its unit."""
    if value is None:
        return "—"
    factor, unit = _display(metric)
    if unit:
        return fmt_si(float(value) * factor, unit)
    if metric.unit in ("", "×") and metric.name.endswith("accuracy"):
        return f"{float(value) * 100:.1f} %"
    text = fmt_num(value)
    return f"{text} {metric.unit}".strip() if metric.unit not in ("", "×") else text + metric.unit


def _axis_label(metric: MetricInfo) -> str:
    factor, unit = _display(metric)
    shown = unit or metric.unit
    better = "lower is better" if metric.goal == "min" else "higher is better"
    return f"{metric.label}{f' ({shown})' if shown and not unit else ''} — {better}"


def _wants_log(values: Sequence[float]) -> bool:
    return bool(values) and min(values) > 0 and max(values) / min(values) > LOG_SPAN


def _ok(rows: Sequence[Mapping[str, Any]], *names: str) -> list[int]:
    return [i for i, r in enumerate(rows) if r["status"] == "ok" and all(r.get(n) is not None for n in names)]


def _title(data: SweepReportInput, row: Mapping[str, Any]) -> str:
    parts = [f"#{row['index']} {row['label']}"]
    parts += [f"{m.label}: {fmt_metric(m, row.get(m.name))}" for m in data.objectives]
    return "; ".join(parts) + ("; on the Pareto front of all objectives" if row.get("pareto") else "")


def front_charts(data: SweepReportInput) -> list[ScatterChart]:
    """One scatter chart per pair of objectives, the front highlighted."""
    by_name = {m.name: m for m in data.metrics}
    charts = []
    for k, front in enumerate(data.fronts):
        mx, my = by_name[front.x], by_name[front.y]
        (fx, ux), (fy, uy) = _display(mx), _display(my)
        idx = _ok(data.rows, mx.name, my.name)
        xs = [float(data.rows[i][mx.name]) * fx for i in idx]
        ys = [float(data.rows[i][my.name]) * fy for i in idx]
        points = tuple(ScatterPoint(x=x, y=y, title=_title(data, data.rows[i]), href=data.rows[i]["report"],
                                    highlight=front.on_front[i]) for i, x, y in zip(idx, xs, ys, strict=True))
        n_front = sum(1 for p in points if p.highlight)
        charts.append(ScatterChart(
            id=f"pareto-{k}", title=f"Pareto front: {mx.label} vs {my.label}", x_label=_axis_label(mx),
            y_label=_axis_label(my), points=points, x_log=_wants_log(xs), y_log=_wants_log(ys), x_unit=ux,
            y_unit=uy, front=True, goals=(mx.goal, my.goal),
            note=f"{n_front} of {len(points)} points on the front (orange; the line bounds what they dominate); "
                 "every point links to its report"))
    return charts


def effect_charts(data: SweepReportInput) -> list[ScatterChart]:
    """One small chart per axis and objective: every point at its value of the axis, and the mean per value."""
    charts = []
    for a, (title, _) in enumerate(data.axes):
        levels: list[str] = []
        if data.combine == "one_at_a_time":
            levels.append(data.baseline_label)
        for row in data.rows:
            text = row["axes"].get(title, "-")
            if text != "-" and text not in levels:
                levels.append(text)
        for o, metric in enumerate(data.objectives):
            factor, unit = _display(metric)
            pts, per_level = [], {}
            for i in _ok(data.rows, metric.name):
                row = data.rows[i]
                text = row["axes"].get(title, "-")
                if text == "-":
                    if data.combine != "one_at_a_time" or any(v != "-" for v in row["axes"].values()):
                        continue
                    text = data.baseline_label
                x = levels.index(text)
                y = float(row[metric.name]) * factor
                per_level.setdefault(x, []).append(y)
                pts.append(ScatterPoint(x=float(x), y=y, title=_title(data, row), href=row["report"],
                                        highlight=bool(row.get("pareto"))))
            if not pts:
                continue
            ys = [p.y for p in pts]
            means = tuple((float(x), sum(v) / len(v)) for x, v in sorted(per_level.items()))
            better = "lower is better" if metric.goal == "min" else "higher is better"
            shown = unit or metric.unit
            charts.append(ScatterChart(
                id=f"effect-{a}-{o}", title=f"{title} → {metric.label} ({better})", x_label=title,
                y_label=metric.label + (f" ({shown})" if shown and not unit else ""), points=tuple(pts),
                y_log=_wants_log(ys), y_unit=unit,
                x_ticks=tuple(levels), means=means if len(means) > 1 else (), width=460))
    return charts


def _link(row: Mapping[str, Any]) -> str | None:
    return row.get("report")


def best_table(data: SweepReportInput) -> Table:
    """The best point per objective."""
    axis_titles = [t for t, _ in data.axes]
    rows, links = [], []
    for metric in data.objectives:
        idx = _ok(data.rows, metric.name)
        if not idx:
            rows.append((metric.label, "—", "no point produced it", *("" for _ in axis_titles)))
            links.append((None,) * (3 + len(axis_titles)))
            continue
        pick = min if metric.goal == "min" else max
        best = pick(idx, key=lambda i: (float(data.rows[i][metric.name]), i) if metric.goal == "min"
                    else (float(data.rows[i][metric.name]), -i))
        row = data.rows[best]
        rows.append((metric.label, fmt_metric(metric, row[metric.name]), f"#{row['index']} {row['label']}",
                     *(str(row["axes"].get(t, "-")) for t in axis_titles)))
        links.append((None, None, _link(row), *(None for _ in axis_titles)))
    return Table(title="Best point per objective", columns=("objective", "best", "point", *axis_titles),
                 rows=tuple(rows), numeric=(False, True, False, *(False for _ in axis_titles)), links=tuple(links))


def points_table(data: SweepReportInput) -> Table:
    """Every point: label (linked to its report), axes, objectives, Pareto flag, status, wall time."""
    axis_titles = [t for t, _ in data.axes]
    rows, links = [], []
    for row in data.rows:
        rows.append((str(row["index"]), str(row["label"]), *(str(row["axes"].get(t, "-")) for t in axis_titles),
                     *(fmt_metric(m, row.get(m.name)) for m in data.objectives), "yes" if row.get("pareto") else "",
                     str(row["status"]), fmt_si(row.get("wall_s"), "s")))
        links.append((None, _link(row), *(None for _ in axis_titles), *(None for _ in data.objectives), None, None,
                      None))
    columns = ("#", "point", *axis_titles, *(m.label for m in data.objectives), "Pareto", "status", "wall time")
    numeric = (True, False, *(False for _ in axis_titles), *(True for _ in data.objectives), False, False, True)
    return Table(title="Every point (each links to its own report)", columns=columns, rows=tuple(rows),
                 numeric=numeric, links=tuple(links))


def failed_table(data: SweepReportInput) -> Table | None:
    """Points that failed, with their messages."""
    bad = [r for r in data.rows if r["status"] != "ok"]
    if not bad:
        return None
    return Table(title="Failed points", columns=("#", "point", "status", "message"),
                 rows=tuple((str(r["index"]), str(r["label"]), str(r["status"]), str(r.get("error") or ""))
                            for r in bad), numeric=(True, False, False, False))


def cards(data: SweepReportInput) -> tuple[Card, ...]:
    """Summary cards: points, computed / reused, failed, wall time, the best value of each objective."""
    s = data.summary
    out = [
        Card(label="Points", value=fmt_num(int(s["points"])), detail=f"{data.combine.replace('_', ' ')}"),
        Card(label="Computed", value=fmt_num(int(s["computed"])),
             detail=f"{fmt_num(int(s['reused']))} reused from the folder"),
        Card(label="Failed", value=fmt_num(int(s["failed"])), detail="archsim errors and crashes"),
        Card(label="Wall time", value=fmt_si(s.get("wall_s"), "s"),
             detail=f"{fmt_num(s.get('workers'))} worker(s)"),
    ]
    for metric in data.objectives:
        idx = _ok(data.rows, metric.name)
        if idx:
            values = [float(data.rows[i][metric.name]) for i in idx]
            best = min(values) if metric.goal == "min" else max(values)
            out.append(Card(label=f"Best {metric.label}", value=fmt_metric(metric, best),
                            detail=f"{'min' if metric.goal == 'min' else 'max'} over {len(idx)} points"))
    return tuple(out)


def build_sweep_sections(data: SweepReportInput) -> tuple[Section, ...]:
    """The sections of ``sweep.html``."""
    fronts = front_charts(data)
    objective_lines = tuple(f"{m.label}: {m.description} ({'lower' if m.goal == 'min' else 'higher'} is better)"
                            for m in data.objectives)
    sections = [
        Section(id="pareto", title="Pareto fronts", present=bool(fronts), charts=tuple(fronts),
                lines=objective_lines, note="not run: fewer than two objectives, or no point produced them"),
        Section(id="effects", title="Effect of each axis", present=bool(data.axes),
                lines=("every point at its value of the axis (orange: on the Pareto front of all objectives); "
                       "dashed: the mean per value",),
                charts=tuple(effect_charts(data)), note="not run: the sweep has no axes",
                template="sections/effects.html.j2"),
        Section(id="best", title="Best points", present=True, tables=(best_table(data),)),
        Section(id="points", title="Points", present=True, tables=(points_table(data),)),
    ]
    failed = failed_table(data)
    sections.append(Section(id="failed", title="Failed points", present=failed is not None,
                            tables=(failed,) if failed is not None else (), note="none: every point ran"))
    return tuple(sections)


def render_sweep_report(data: SweepReportInput) -> str:
    """``sweep.html`` as one HTML string."""
    env = environment()
    meta = [("sweep file", data.sweep_file), ("archsim version", __version__)]
    meta += [(str(k).replace("_", " "), fmt_num(v) if isinstance(v, float) and math.isfinite(v) else str(v))
             for k, v in data.summary.items() if k not in ("points", "computed", "reused", "failed", "wall_s")]
    return env.get_template("sweep.html.j2").render(
        title=data.name, description=data.description, meta=meta, cards=cards(data),
        sections=build_sweep_sections(data), css=stylesheet(env), version=__version__)


__all__ = ["FrontInput", "MetricInfo", "SweepReportInput", "build_sweep_sections", "fmt_metric",
           "render_sweep_report"]
