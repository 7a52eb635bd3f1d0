"""Render a :class:`~archsim.report.model.ReportData` as ONE self-contained HTML file.

The page has inline CSS and inline SVG charts, no scripts, no fonts, no external resources: it can
be archived or e-mailed and opens offline. Rendering uses jinja2 with autoescaping switched on for
every template, so every user-supplied string (workload, layer and hardware names) is HTML-escaped;
chart geometry is computed by the chart kinds (:mod:`archsim.report.charts`) as plain numbers and drawn by
their template parts (``templates/charts/<kind>.html.j2``); each section is drawn by its part
(``templates/sections/``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from archsim import __version__
from archsim.report.charts import layout_chart
from archsim.report.data import build_report_data
from archsim.report.model import ReportData
from archsim.results.io import write_text_atomic
from archsim.results.schema import read_result_file


def environment() -> jinja2.Environment:
    """The jinja2 environment of every report template (autoescaped, strict about undefined names)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("archsim.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["layout"] = layout_chart
    return env


def stylesheet(env: jinja2.Environment) -> str:
    """The report's CSS (inlined into every page)."""
    return env.loader.get_source(env, "report.css")[0]  # type: ignore[union-attr]


def render_html(data: ReportData) -> str:
    """The report page as one HTML string."""
    env = environment()
    return env.get_template("report.html.j2").render(data=data, css=stylesheet(env), version=__version__)


def render_result(result: dict[str, Any]) -> str:
    """result dict → HTML string."""
    return render_html(build_report_data(result))


def write_report(result_path: str | Path, out_path: str | Path | None = None) -> Path:
    """Re-render ``report.html`` from a ``result.json`` (next to it unless ``out_path`` is given)."""
    result = read_result_file(result_path)  # refuses a damaged file with one line naming the key
    target = Path(out_path) if out_path else Path(result_path).with_name("report.html")
    return write_text_atomic(target, render_result(result))
