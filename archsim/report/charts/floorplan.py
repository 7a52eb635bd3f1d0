"""The floorplan: the chip's tiles coloured by the layer they hold."""

from __future__ import annotations

import math
from typing import Any

from archsim.report.charts.common import CHART_WIDTH, PALETTE
from archsim.report.model import Floorplan
from archsim.report.registry import register_chart


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


register_chart(Floorplan, _floorplan_layout)
