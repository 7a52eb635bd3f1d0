"""Report sections and chart kinds are registries: a new one is registered from a test module alone."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from archsim.report.data import build_report_data
from archsim.report.html import render_result
from archsim.report.model import Section, Table
from archsim.report.registry import CHARTS, SECTIONS, register_chart, register_section
from archsim.report.sections import BUILT_IN


def test_built_in_sections_are_registered_in_page_order(result):
    assert [sid for sid, _ in BUILT_IN] == list(SECTIONS.names())[:len(BUILT_IN)]
    assert [s.id for s in build_report_data(result).sections][:len(BUILT_IN)] == [sid for sid, _ in BUILT_IN]
    assert set(CHARTS.names()) >= {"BarChart", "LineChart", "Gantt", "Floorplan", "ScatterChart"}


@dataclass(frozen=True, kw_only=True)
class Dial:
    """A toy chart kind: one number on a dial."""

    id: str
    title: str
    value: float


def _dial_layout(chart: Dial) -> dict:
    return {"kind": "bar", "width": 100, "height": 40, "rows": [{"label": "dial", "ly": 20, "rects": [
        {"x": 0, "y": 10, "w": chart.value * 100, "h": 10, "colour": "#000", "text": f"{chart.value:.0%}",
         "tx": 4, "ty": 30, "series": ""}]}], "legend": [], "log": False, "ticks": [], "axis_y": 30,
        "base_x": None, "x0": 0, "x1": 100}


def _toy_section(result) -> Section:
    n = len((result.get("mapping") or {}).get("layers") or [])
    return Section(id="toy", title="Toy section", present=True, lines=(f"{n} mapped layers",),
                   tables=(Table(columns=("a", "b"), rows=(("<b>1</b>", "2"),)),),
                   charts=(Dial(id="dial", title="Dial", value=0.25),))


@pytest.fixture
def toy():
    register_section("toy", _toy_section)
    register_chart(Dial, _dial_layout)
    yield
    SECTIONS.unregister("toy")
    CHARTS.unregister("Dial")


def test_a_new_section_and_chart_kind_from_a_test_module(result, toy):
    data = build_report_data(result)
    assert data.sections[-1].id == "toy" and data.sections[-1].lines == ("3 mapped layers",)
    html = render_result(result)
    assert '<section id="toy" class="present">' in html and "3 mapped layers" in html
    assert '<a href="#toy">Toy section</a>' in html
    assert 'data-chart="dial"' in html and "25%" in html
    assert "&lt;b&gt;1&lt;/b&gt;" in html  # escaped like every other cell


def test_an_unknown_chart_kind_is_named():
    from archsim.errors import ConfigError
    from archsim.report.charts import layout_chart

    with pytest.raises(ConfigError, match=r"unknown chart kind 'Dial'"):
        layout_chart(Dial(id="d", title="d", value=1.0))
