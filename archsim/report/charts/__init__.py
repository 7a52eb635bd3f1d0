"""The built-in chart kinds, one module each (layout function + ``templates/charts/<kind>.html.j2``).

:func:`layout_chart` looks a chart's kind up in :data:`archsim.report.registry.CHARTS` by its class.
"""

from __future__ import annotations

from typing import Any

from archsim.report.charts import bar, floorplan, gantt, line, scatter  # noqa: F401 - imported to register
from archsim.report.registry import CHARTS


def layout_chart(chart: Any) -> dict[str, Any]:
    """Geometry of one chart (numbers and the strings to show; escaped by the template)."""
    return CHARTS[type(chart).__name__](chart)


__all__ = ["layout_chart"]
