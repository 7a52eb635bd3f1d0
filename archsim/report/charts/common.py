"""Shared geometry of the chart kinds: palette, phase colours, widths, axis ticks."""

from __future__ import annotations

import math

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
"""Colour-blind-friendly palette (Okabe–Ito + Tableau extras), used for series."""

PHASE_COLOURS = {
    "forward": "#0072B2",
    "backward": "#E69F00",
    "update": "#009E73",
    "digital": "#CC79A7",
    "transfer": "#7F7F7F",
}
"""Colour of each phase in the timeline."""

CHART_WIDTH = 760
"""Default chart width in px."""
LABEL_WIDTH = 200
"""Width of the label column of bar and Gantt charts."""


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi <= lo:
        return [lo]
    step = 10 ** math.floor(math.log10((hi - lo) / n))
    for mult in (1, 2, 5, 10):
        if (hi - lo) / (step * mult) <= n:
            step *= mult
            break
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]
