"""result.json → report view model (pure: no HTML, no I/O).

:func:`build_report_data` turns the result dict of one run (the sections of docs/architecture.md:
``meta``, ``hardware``, ``workload``, ``mapping``, ``timing``, ``counts``, ``energy``, ``area``,
``accuracy``, ``gpu``) into a :class:`ReportData`: summary cards (:mod:`archsim.report.cards`) and one
:class:`Section` per registered section builder (:mod:`archsim.report.sections`, in page order). A section that is
absent from the result (the part was not run) becomes a :class:`Section` with ``present=False`` and a note, so the
report says "not run" instead of failing.

Every number shown is formatted by :mod:`archsim.report.format` (three significant figures), so gold files are
stable. User-supplied strings (workload, layer and hardware names) are passed through unchanged; escaping is the
renderer's job (jinja2 autoescape).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from archsim.report import sections as _sections  # noqa: F401 - registers the built-in sections
from archsim.report.cards import build_cards
from archsim.report.format import fmt_num, fmt_pct, fmt_ratio, fmt_si, get
from archsim.report.model import (
    Bar,
    BarChart,
    Card,
    Floorplan,
    FloorTile,
    Gantt,
    GanttBar,
    LineChart,
    LineSeries,
    ReportData,
    ScatterChart,
    ScatterPoint,
    Section,
    Table,
)
from archsim.report.registry import SECTIONS
from archsim.report.sections.accuracy import accuracy_series


def build_report_data(result: Mapping[str, Any]) -> ReportData:
    """Turn one result dict (result.json) into the report's view model."""
    meta = result.get("meta") if isinstance(result.get("meta"), Mapping) else {}
    workload = (
        get(result, "workload", "name")
        or get(meta, "inputs", "workload", "name")
        or get(result, "mapping", "workload_name")
        or get(result, "accuracy", "workload")
        or "workload"
    )
    hardware = (
        get(result, "hardware", "resolved", "name")
        or get(meta, "inputs", "hwconfig", "name")
        or get(result, "mapping", "hw_name")
        or get(result, "accuracy", "hardware")
        or "hardware"
    )
    meta_rows = []
    version = get(meta, "versions", "archsim") or meta.get("archsim_version")
    if version:
        meta_rows.append(("archsim version", str(version)))
    for key in ("command", "mode", "batch", "seed", "stats_source", "wall_time_s"):
        value = meta.get(key)
        if value is None or value == "":
            continue
        if isinstance(value, (list, tuple)):
            value = " ".join(str(v) for v in value)
        meta_rows.append((key.replace("_", " "), fmt_num(value) if isinstance(value, float) else str(value)))
    return ReportData(
        title=f"{workload} on {hardware}",
        subtitle="archsim report",
        meta=tuple(meta_rows),
        cards=build_cards(result),
        sections=tuple(build(result) for _, build in SECTIONS.items()),
    )


__all__ = [
    "Bar",
    "BarChart",
    "Card",
    "FloorTile",
    "Floorplan",
    "Gantt",
    "GanttBar",
    "LineChart",
    "LineSeries",
    "ReportData",
    "ScatterChart",
    "ScatterPoint",
    "Section",
    "Table",
    "accuracy_series",
    "build_report_data",
    "fmt_num",
    "fmt_pct",
    "fmt_ratio",
    "fmt_si",
]
