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


def log_ticks(lo: float, hi: float) -> list[float]:
    """Decade ticks covering [lo, hi] (with 2 and 5 when the range spans fewer than three decades)."""
    a, b = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    ticks = []
    for e in range(a, b + 1):
        for m in ((1, 2, 5) if b - a < 3 else (1,)):
            t = m * 10.0 ** e
            if lo / 1.0001 <= t <= hi * 1.0001:
                ticks.append(t)
    return ticks or [lo]
