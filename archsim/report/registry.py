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
from typing import Any

from archsim.registry import Registry
from archsim.report.model import Section

SectionBuilder = Callable[[Mapping[str, Any]], Section]
"""Builds one section from a result dict (result.json)."""


SECTIONS: Registry[SectionBuilder] = Registry("report section")
"""Section builders in page order, by section id (the HTML anchor)."""


def register_section(sid: str, build: SectionBuilder) -> SectionBuilder:
    """Append the builder of section ``sid`` to :data:`SECTIONS`; returns ``build`` (usable as a decorator's body)."""
    return SECTIONS.register(sid, build)


def section(sid: str) -> Callable[[SectionBuilder], SectionBuilder]:
    """``@section("energy")`` registers the decorated builder."""
    def wrap(build: SectionBuilder) -> SectionBuilder:
        return register_section(sid, build)
    return wrap


Layout = Callable[[Any], dict[str, Any]]
"""Chart -> geometry (numbers and the strings to show; the template escapes them)."""


CHARTS: Registry[Layout] = Registry("chart kind")
"""Chart layout functions by the name of their view-model class; the geometry carries ``kind`` (the name of the
template part)."""


def register_chart(cls: type, layout: Layout) -> None:
    """Register the layout of chart class ``cls``."""
    CHARTS.register(cls.__name__, layout)


__all__ = ["CHARTS", "SECTIONS", "Layout", "SectionBuilder", "register_chart", "register_section", "section"]
