"""Energy section: totals, energy by component and by component and action."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from archsim.report.format import fmt_si, get, num, total
from archsim.report.model import Bar, BarChart, Section, not_run, present
from archsim.report.sections.breakdown import breakdown_bars


def build(result: Mapping[str, Any]) -> Section:
    """The energy section."""
    e = result.get("energy")
    if not isinstance(e, Mapping):
        return not_run("energy", "Energy", "the cost model did not run")
    total = num(e.get("total_pj"))
    lines = []
    if total is not None:
        extra = [
            f"{label} {fmt_si(num(e.get(key)) * 1e-12, 'J')}"
            for key, label in (("dynamic_pj", "dynamic"), ("leakage_pj", "leakage"))
            if num(e.get(key)) is not None
        ]
        per_sample = num(e.get("per_sample_pj"))
        lines.append(
            f"total {fmt_si(total * 1e-12, 'J')}"
            + (f" ({', '.join(extra)})" if extra else "")
            + (f"; {fmt_si(per_sample * 1e-12, 'J')} per sample" if per_sample else "")
        )
    charts = []
    by_part = e.get("by_part_pj")
    if isinstance(by_part, Mapping) and by_part:
        charts.append(_breakdown_chart("energy-chart", "Energy by component (dynamic + leakage)", by_part))
    by_action = e.get("by_part_action_pj")
    if isinstance(by_action, Mapping) and by_action:
        flat = {
            f"{part} {action}": v
            for part, acts in by_action.items()
            if isinstance(acts, Mapping)
            for action, v in acts.items()
        }
        charts.append(_breakdown_chart("energy-action-chart", "Dynamic energy by component and action", flat))
    layer_chart = by_layer_chart(result, e)
    if layer_chart is not None:
        charts.insert(1, layer_chart)
    return present("energy", "Energy", lines=lines, charts=charts)


def _breakdown_chart(chart_id: str, title: str, energies_pj: Mapping[str, Any]) -> BarChart:
    """One bar per entry of ``energies_pj`` (pJ, shown in J)."""
    return BarChart(id=chart_id, title=title, series=("energy",), bars=breakdown_bars(energies_pj, "J", 1e-12))


def by_layer_chart(result: Mapping[str, Any], e: Mapping[str, Any]) -> BarChart | None:
    """Energy per sample of every layer, in network order, when the cost model gives ``energy.by_layer_pj``.

    ``by_layer_pj`` is optional: ``{layer: pJ}`` or ``{layer: {part or action: pJ}}`` over the whole batch.
    """
    by_layer = e.get("by_layer_pj")
    if not isinstance(by_layer, Mapping) or not by_layer:
        return None
    batch = num(get(result, "timing", "batch")) or 1.0
    order = [str(lm.get("layer")) for lm in get(result, "mapping", "layers", default=[]) or []
             if isinstance(lm, Mapping)]
    names = [n for n in order if n in by_layer] + [str(n) for n in by_layer if str(n) not in order]
    values = {n: (total(by_layer[n]) or 0.0) / batch * 1e-12 for n in names}
    grand = sum(values.values()) or 1.0
    bars = tuple(Bar(label=n, values=(v,), texts=(f"{fmt_si(v, 'J')} ({v / grand * 100:.1f} %)",))
                 for n, v in values.items())
    return BarChart(id="energy-layer-chart", title="Energy per sample by layer (network order)", series=("energy",),
                    bars=bars)


