"""Utilisation section: busy fraction of the components, grouped by component type.

A chip has hundreds of components of a few types (ResNet-50 on ISAAC: 1,096 — 133 crossbars, 133 shift-and-add
units, ... and hundreds of links), so the chart shows one bar pair per type (mean and maximum busy fraction over
the type's units, with the number of units) — the grouping of the energy breakdown
(:func:`archsim.results.energy.part_of_scope`) — and a table lists the busiest single components.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from archsim.report.format import fmt_num, fmt_pct, get, num
from archsim.report.model import Bar, BarChart, Section, Table, not_run, present
from archsim.results.energy import part_of_scope

BUSIEST = 10
"""Single components listed in the table."""


def build(result: Mapping[str, Any]) -> Section:
    """The utilisation section."""
    util = get(result, "timing", "utilisation")
    if not isinstance(util, Mapping) or not util:
        return not_run("utilisation", "Utilisation", "the event engine did not run")
    values = {str(k): num(v) or 0.0 for k, v in util.items()}
    groups: dict[str, list[float]] = {}
    for scope, v in values.items():
        groups.setdefault(part_of_scope(scope), []).append(v)
    ranked = sorted(groups.items(), key=lambda kv: (-max(kv[1]), kv[0]))
    bars = tuple(
        Bar(label=f"{part} ({fmt_num(len(vs))})", values=(sum(vs) / len(vs), max(vs)),
            texts=(fmt_pct(sum(vs) / len(vs)), fmt_pct(max(vs))))
        for part, vs in ranked
    )
    busiest = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))[:BUSIEST]
    table = Table(title=f"The {len(busiest)} busiest components", columns=("component", "type", "busy"),
                  rows=tuple((k, part_of_scope(k), fmt_pct(v)) for k, v in busiest), numeric=(False, False, True))
    lines = (f"{fmt_num(len(values))} components of {len(groups)} types; busy fraction = busy time / (makespan x "
             "units) of each component, mean and maximum over the units of a type (number of units in brackets)",)
    chart = BarChart(id="utilisation-chart", title="Busy fraction by component type: mean and busiest unit",
                     series=("mean", "max"), bars=bars)
    return present("utilisation", "Utilisation", lines=lines, tables=(table,), charts=(chart,))
