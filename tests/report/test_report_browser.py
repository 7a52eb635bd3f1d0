"""The report in a real browser: headless Chromium renders it, logs no errors, shows sections and charts.

Marked ``browser``. Without Chromium the test is skipped with a reason, except under CI (``CI`` set
to a true value), where a missing browser is a failure: ``.ci/run`` installs it.
"""

from __future__ import annotations

import os
import re

import pytest

from archsim.report.browser import console_errors, dump_dom, find_chromium, screenshot
from archsim.report.html import render_result

UNDER_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
HAVE_CHROMIUM = find_chromium() is not None

pytestmark = [
    pytest.mark.browser,
    # Outside CI a machine without Chromium skips these tests; under CI they run and fail instead.
    pytest.mark.skipif(not HAVE_CHROMIUM and not UNDER_CI,
                       reason="chromium not installed (Debian: apt-get install -y chromium); set CI=true to make this fatal"),
]

SECTIONS = ("summary", "hardware", "mapping", "timeline", "utilisation", "energy", "area", "accuracy", "gpu")


def _require_chromium() -> None:
    if not HAVE_CHROMIUM:
        pytest.fail("CI is set but chromium is missing: .ci/run must install it (apt-get install -y chromium)")


def test_report_in_headless_chromium(result, tmp_path):
    _require_chromium()
    result["workload"]["name"] = "<script>alert(1)</script>"
    page = tmp_path / "report.html"
    page.write_text(render_result(result), encoding="utf-8")

    png = screenshot(page, tmp_path / "report.png", width=1200, height=1600)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # a real, non-blank page

    run = dump_dom(page)
    assert run.returncode == 0, run.stderr[-2000:]
    dom = run.stdout
    for sid in SECTIONS:
        assert re.search(rf'<section id="{sid}"', dom), f"section {sid} missing from the rendered DOM"
    charts = re.findall(r'<svg class="chart[^"]*" data-chart="([^"]+)"', dom)
    assert len(charts) >= 5, charts
    assert {"floorplan", "gantt", "energy-chart", "accuracy-chart", "gpu-layer-chart"} <= set(charts)
    assert "<script>alert(1)</script>" not in dom  # the hostile workload name stayed text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert console_errors(run.stderr) == []


def test_report_browser_error_detection_works(tmp_path):
    """The console-error check is not vacuous: a page that throws is caught."""
    _require_chromium()
    page = tmp_path / "bad.html"
    page.write_text("<html><body><script>undefinedFunction();</script></body></html>")
    errors = console_errors(dump_dom(page).stderr)
    assert any("undefinedFunction" in e for e in errors)
