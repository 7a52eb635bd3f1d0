"""The report's extension points: the list of section builders and the chart kinds.

A report section is one builder function ``build(result) -> Section`` registered with :func:`register_section`
(in the order the page shows them) plus its template part (``Section.template``, default
``templates/sections/default.html.j2``: lines, tables and charts). A chart kind is a view-model class (a
:class:`~archsim.report.model.Chart`: id, title, note and its data), a layout function (chart -> geometry) and a
template part ``templates/charts/<kind>.html.j2``, registered with :func:`register_chart`. The built-in sections
and charts register themselves in :mod:`archsim.report.sections` and :mod:`archsim.report.charts`; a new one is one
module there (or in a test) and no edit elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from archsim.registry import Registry
from archsim.report.model import Section

SectionBuilder = Callable[[Mapping[str, Any]], Section]
"""Builds one section from a result dict (result.json)."""


@dataclass(frozen=True, kw_only=True)
class SectionEntry:
    """A registered section builder."""

    id: str
    """The section's id (HTML anchor)."""
    build: SectionBuilder
    """The builder."""


SECTIONS: Registry[SectionEntry] = Registry("report section")
"""Section builders in page order."""


def register_section(sid: str, build: SectionBuilder) -> SectionBuilder:
    """Append the builder of section ``sid`` to :data:`SECTIONS`; returns ``build`` (usable as a decorator's body)."""
    SECTIONS.register(sid, SectionEntry(id=sid, build=build))
    return build


def section(sid: str) -> Callable[[SectionBuilder], SectionBuilder]:
    """``@section("energy")`` registers the decorated builder."""
    def wrap(build: SectionBuilder) -> SectionBuilder:
        return register_section(sid, build)
    return wrap


Layout = Callable[[Any], dict[str, Any]]
"""Chart -> geometry (numbers and the strings to show; the template escapes them)."""


@dataclass(frozen=True, kw_only=True)
class ChartKind:
    """A registered chart kind."""

    cls: type
    """The view-model class."""
    layout: Layout
    """Its layout function; the geometry carries ``kind`` (the name of the template part)."""


CHARTS: Registry[ChartKind] = Registry("chart kind")
"""Chart kinds by the name of their view-model class."""


def register_chart(cls: type, layout: Layout) -> None:
    """Register the layout of chart class ``cls``."""
    CHARTS.register(cls.__name__, ChartKind(cls=cls, layout=layout))


__all__ = ["CHARTS", "SECTIONS", "ChartKind", "SectionBuilder", "SectionEntry", "register_chart",
           "register_section", "section"]
