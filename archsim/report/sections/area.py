"""Area section: chip and tile area and peak power, by part."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from archsim.report.format import fmt_num, fmt_si, num
from archsim.report.model import Bar, BarChart, Section, not_run, present
from archsim.report.sections.breakdown import breakdown_bars


def build(result: Mapping[str, Any]) -> Section:
    """The area section."""
    a = result.get("area")
    if not isinstance(a, Mapping):
        return not_run("area", "Area", "the cost model did not run")
    lines = []
    chip_mm2 = num(a.get("chip_area_mm2"))
    if chip_mm2 is not None:
        lines.append(
            f"chip {fmt_num(chip_mm2)} mm² ({fmt_num(a.get('n_tiles'))} tiles of "
            f"{fmt_num(num(a.get('tile_area_mm2')))} mm²); peak power: chip {fmt_si(num(a.get('chip_power_w')), 'W')}, "
            f"tile {fmt_si((num(a.get('tile_power_mw')) or 0) * 1e-3, 'W')}"
        )
    n_tiles = num(a.get("n_tiles")) or 1.0
    chip_parts: dict[str, float] = {}
    for item in a.get("items") or []:
        if not isinstance(item, Mapping):
            continue
        area = (num(item.get("area_um2")) or 0.0) * (n_tiles if item.get("scope") == "tile" else 1.0)
        label = f"{item.get('name')} ({item.get('scope')})"
        chip_parts[label] = chip_parts.get(label, 0.0) + area
    charts = []
    if chip_parts:
        bars = breakdown_bars(chip_parts, "m²", 1e-12)  # µm² → m² for the SI formatter; shown in mm²
        bars = tuple(
            Bar(
                label=b.label,
                values=(b.values[0] * 1e6,),
                texts=(f"{fmt_num(b.values[0] * 1e6)} mm²{b.texts[0][b.texts[0].index(' (') :]}",),
            )
            for b in bars
        )
        charts.append(BarChart(id="area-chart", title="Chip area by component", series=("area",), bars=bars))
    return present("area", "Area", lines=lines, charts=charts)


