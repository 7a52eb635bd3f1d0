"""The report's view model: cards, tables, chart series and sections, as plain frozen values (no HTML).

Section builders (:mod:`archsim.report.sections`) produce these from result.json; the chart kinds
(:mod:`archsim.report.charts`) turn each chart into geometry and the templates draw it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True, kw_only=True)
class Card:
    """One summary card."""

    label: str
    value: str
    detail: str = ""


@dataclass(frozen=True, kw_only=True)
class Table:
    """A table of formatted strings; ``numeric`` marks right-aligned columns."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...] = ()
    title: str = ""
    """Optional caption."""
    links: tuple[tuple[str | None, ...], ...] = ()
    """Per row and column: a relative link for the cell, or None (empty: no links)."""


@dataclass(frozen=True, kw_only=True)
class Chart:
    """What the chart macro (``templates/charts.html.j2``) reads of every chart kind; each kind adds its data and
    is registered with :func:`archsim.report.registry.register_chart`."""

    id: str
    """HTML anchor of the figure."""
    title: str
    """Caption."""
    note: str = ""
    """Line under the chart ('' for none)."""


@dataclass(frozen=True, kw_only=True)
class Bar:
    """One bar (or a group of bars sharing a label)."""

    label: str
    values: tuple[float, ...]
    texts: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class BarChart(Chart):
    """Horizontal bar chart; several ``series`` make grouped bars.

    With ``log`` the value axis is logarithmic; with ``baseline`` (log charts of ratios) bars start at that value
    and grow right above it and left below it, so a ratio of 0.5 and one of 2 are bars of equal length.
    """

    series: tuple[str, ...]
    bars: tuple[Bar, ...]
    log: bool = False
    baseline: float | None = None
    """Where bars start on a log axis (1.0 for ratios); None: at the axis minimum."""
    unit: str = ""
    """Unit of the axis ticks (log charts)."""


@dataclass(frozen=True, kw_only=True)
class LineSeries:
    """One line: (x, y) points, optionally with a ± band."""

    name: str
    points: tuple[tuple[float, float], ...]
    errors: tuple[float, ...] = ()
    """Half-width of a band around each point (empty: no band)."""


@dataclass(frozen=True, kw_only=True)
class LineChart(Chart):
    """Line chart with a shared x axis."""

    x_label: str
    y_label: str
    series: tuple[LineSeries, ...]
    x_log: bool = False
    """Logarithmic x axis (times after programming)."""
    x_ticks: tuple[tuple[float, str], ...] = ()
    """Ticks of the x axis (value, text); empty: evenly spaced numbers."""
    y_from_zero: bool = True
    """Start the y axis at 0 (False: fit the data, for small changes such as accuracy after drift)."""


@dataclass(frozen=True, kw_only=True)
class GanttBar:
    """One bar of the timeline."""

    lane: int
    start_ns: float
    end_ns: float
    phase: str
    label: str


@dataclass(frozen=True, kw_only=True)
class Gantt(Chart):
    """Timeline: lanes (layers) × bars coloured by phase."""

    lanes: tuple[str, ...]
    bars: tuple[GanttBar, ...]
    t_end_ns: float
    phases: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class FloorTile:
    """One tile of the floorplan."""

    tile: int
    layer: str
    """The layer holding most crossbars on the tile ('' for an unused tile)."""
    colour: int
    """Index into the layer legend; -1 for an unused tile."""
    title: str
    """Hover text."""
    shares: tuple[tuple[int, float], ...] = ()
    """(legend index, fraction of the tile's used crossbars) of every layer on the tile, largest first."""


@dataclass(frozen=True, kw_only=True)
class Floorplan(Chart):
    """Tiles of the chip coloured by layer."""

    tiles: tuple[FloorTile, ...]
    legend: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class ScatterPoint:
    """One point of a scatter chart."""

    x: float
    y: float
    title: str
    """Hover text."""
    href: str | None = None
    """Link (a point's report)."""
    highlight: bool = False
    """Drawn in the accent colour (on the Pareto front, the best of a level)."""


@dataclass(frozen=True, kw_only=True)
class ScatterChart(Chart):
    """Points in the plane; ``front`` joins the highlighted points as a step line (a 2-D Pareto front)."""

    x_label: str
    y_label: str
    points: tuple[ScatterPoint, ...]
    x_log: bool = False
    y_log: bool = False
    x_unit: str = ""
    """Unit of the x values: ticks are formatted with an SI prefix ('' : plain numbers)."""
    y_unit: str = ""
    """Unit of the y values."""
    front: bool = False
    """Draw the highlighted points as a connected front."""
    goals: tuple[str, str] = ("min", "min")
    """Which way is better on x and y (``min``/``max``): the front is drawn as the staircase that bounds the
    region its points dominate."""
    x_ticks: tuple[str, ...] = ()
    """Categorical x axis: tick texts at x = 0, 1, ... (the levels of an axis); empty: numeric x."""
    means: tuple[tuple[float, float], ...] = ()
    """A line through (x, mean y) per category."""
    width: int = 0
    """Width in px (0: the default)."""


@dataclass(frozen=True, kw_only=True)
class Section:
    """One report section; ``present=False`` renders as 'not run' with ``note``."""

    id: str
    title: str
    present: bool
    note: str = ""
    lines: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    charts: tuple[Chart, ...] = ()
    template: str = "sections/default.html.j2"
    """The template part that draws the section."""


@dataclass(frozen=True, kw_only=True)
class ReportData:
    """Everything the HTML template shows."""

    title: str
    subtitle: str
    meta: tuple[tuple[str, str], ...]
    cards: tuple[Card, ...]
    sections: tuple[Section, ...] = field(default_factory=tuple)

    @property
    def n_charts(self) -> int:
        """Charts over all sections."""
        return sum(len(s.charts) for s in self.sections)


def not_run(sid: str, title: str, what: str) -> Section:
    """A section that a run did not produce."""
    return Section(id=sid, title=title, present=False, note=f"not run: {what}")


def present(sid: str, title: str, *, lines: Iterable[str] = (), tables: Iterable[Table] = (),
            charts: Iterable[Chart] = ()) -> Section:
    """A section that a run produced, from what its builder collected (frozen into tuples)."""
    return Section(id=sid, title=title, present=True, lines=tuple(lines), tables=tuple(tables), charts=tuple(charts))


__all__ = ["Bar", "BarChart", "Card", "Chart", "FloorTile", "Floorplan", "Gantt", "GanttBar", "LineChart", "LineSeries",
           "ReportData", "ScatterChart", "ScatterPoint", "Section", "Table", "not_run", "present"]
