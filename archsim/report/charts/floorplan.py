"""The floorplan: the chip's tiles, each drawn as stripes of the layers it holds, with numbered layers.

A network has more layers than a palette has colours (ResNet-50: 54), so layers are told apart three ways: a
colour per layer (the palette for up to 12 layers, else evenly spread hues in alternating lightness), the number
of the tile's main layer written on the tile, and a numbered legend in columns. A tile that holds several layers
is split into vertical stripes in proportion to their crossbars.
"""

from __future__ import annotations

import colorsys
import math
from typing import Any

from archsim.report.charts.common import CHART_WIDTH, PALETTE
from archsim.report.model import Floorplan
from archsim.report.registry import register_chart

LEGEND_ROW = 16
"""Height of one legend entry in px."""
LEGEND_COLUMN = 200
"""Width of one legend column in px."""
GOLDEN_ANGLE = 137.508
"""Hue step between consecutive layers (degrees): neighbours in the network get far-apart hues."""


def layer_colours(n: int) -> list[str]:
    """``n`` distinguishable colours: the palette for up to its size, else spread hues in three lightnesses."""
    if n <= len(PALETTE):
        return list(PALETTE[:n])
    out = []
    for i in range(n):
        hue = (i * GOLDEN_ANGLE) % 360 / 360
        light = (0.38, 0.55, 0.70)[i % 3]
        r, g, b = colorsys.hls_to_rgb(hue, light, 0.65)
        out.append(f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}")
    return out


def _ink(colour: str) -> str:
    """Black or white text, whichever reads on ``colour``."""
    r, g, b = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 0.55 else "#ffffff"


def floorplan_layout(chart: Floorplan) -> dict[str, Any]:
    """Geometry of a floorplan."""
    n = len(chart.tiles)
    cols = max(1, math.ceil(math.sqrt(n)))
    cell = max(12, min(40, 520 // cols))
    colours = layer_colours(len(chart.legend))
    cells = []
    for i, t in enumerate(chart.tiles):
        r, c = divmod(i, cols)
        x, y, size = 10 + c * cell, 10 + r * cell, cell - 2
        stripes = []
        if t.colour >= 0:
            shares = t.shares or ((t.colour, 1.0),)
            x0 = float(x)
            for k, (index, share) in enumerate(shares):
                w = size - (x0 - x) if k == len(shares) - 1 else size * share
                stripes.append({"x": round(x0, 2), "w": round(max(w, 0.5), 2), "colour": colours[index]})
                x0 += w
        cells.append({
            "x": x, "y": y, "size": size, "used": t.colour >= 0, "title": t.title, "stripes": stripes,
            "label": str(t.colour + 1) if t.colour >= 0 and cell >= 18 else "",
            "ink": _ink(colours[t.colour]) if t.colour >= 0 else "#000000",
            "font": 10 if cell < 28 else 12,
        })
    grid_h = 10 + math.ceil(n / cols) * cell
    legend_x = 20 + cols * cell
    per_column = max(8, (grid_h - 10) // LEGEND_ROW)
    legend = []
    for i, name in enumerate(chart.legend):
        col, row = divmod(i, per_column)
        legend.append({"name": name, "number": i + 1, "colour": colours[i], "x": legend_x + col * LEGEND_COLUMN,
                       "y": 20 + row * LEGEND_ROW})
    n_cols = math.ceil(len(chart.legend) / per_column) if chart.legend else 1
    height = max(grid_h + 10, 20 + min(len(chart.legend), per_column) * LEGEND_ROW + 10)
    return {
        "kind": "floorplan",
        "width": max(CHART_WIDTH, legend_x + n_cols * LEGEND_COLUMN),
        "height": height,
        "cells": cells,
        "legend": legend,
        "legend_x": legend_x,
    }


register_chart(Floorplan, floorplan_layout)
