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


RUN_CHARTS = {"floorplan", "layer-time", "gantt", "utilisation-chart", "energy-chart", "energy-action-chart",
              "area-chart", "speedup-chart", "gpu-layer-chart"}
"""Charts of a run report with timing, cost and a GPU comparison (no accuracy step)."""


def _rendered(page):
    run = dump_dom(page)
    assert run.returncode == 0, run.stderr[-2000:]
    assert console_errors(run.stderr) == []
    return run.stdout


def test_resnet50_report_shows_every_layer_over_the_whole_run(tmp_path):
    """A real ResNet-50 run (54 analog layers, 1,728 timeline entries): every chart, every layer in the timeline."""
    _require_chromium()
    from archsim import api

    state = api.run(api.RunOptions(hw_path="isaac-2016", workload_path="resnet50", batch=16, accuracy="off",
                                   out_dir=tmp_path / "run"))
    timing = state.result.to_dict()["timing"]
    layers = [lt["layer"] for lt in timing["layers"]]
    assert len(layers) == 54 and len(timing["timeline"]) == 1728 and not timing["timeline_truncated"]
    page = state.written["report"]
    png = screenshot(page, tmp_path / "resnet50.png", width=1280, height=2400)
    assert len(png.read_bytes()) > 50_000
    dom = _rendered(page)
    charts = set(re.findall(r'<svg class="chart[^"]*" data-chart="([^"]+)"', dom))
    assert RUN_CHARTS <= charts, RUN_CHARTS - charts
    lanes = dict(re.findall(r'<g class="lane" data-lane="([^"]+)">(.*?)</g>', dom, re.DOTALL))
    assert list(lanes) == layers  # one lane per layer, in network order
    assert all('class="bar"' in body for body in lanes.values())  # and each has its bars
    ends = [float(x) + float(w) for x, w in re.findall(r'<rect class="bar" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"',
                                                         dom)]
    assert max(ends) > 200 + 0.97 * (960 - 220)  # the bars reach the end of the run's axis


def test_sweep_report_in_headless_chromium(tmp_path):
    _require_chromium()
    from archsim.sweep import SerialExecutor, load_sweep, run_sweep

    path = tmp_path / "s.yaml"
    path.write_text("version: 1\nname: s\nhardware: [isaac-2016]\nworkloads: [rapa-cnn3]\noptions: {accuracy: off}\n"
                    "axes:\n  - {path: tile.adc.columns_per_adc, values: [32, 64, 128]}\n"
                    "  - {option: batch, values: [1, 2]}\n"
                    "objectives: [latency, energy_per_sample, area]\n")
    with SerialExecutor() as executor:
        outcome = run_sweep(load_sweep(path), executor, out_dir=tmp_path / "out")
    page = outcome.files["report"]
    png = screenshot(page, tmp_path / "sweep.png", width=1400, height=2400)
    assert len(png.read_bytes()) > 50_000
    dom = _rendered(page)
    charts = set(re.findall(r'<svg class="chart[^"]*" data-chart="([^"]+)"', dom))
    assert {"pareto-0", "pareto-1", "pareto-2"} <= charts  # every pair of the three objectives
    assert {f"effect-{a}-{o}" for a in range(2) for o in range(3)} <= charts
    for sid in ("summary", "pareto", "effects", "best", "points", "failed"):
        assert f'<section id="{sid}"' in dom
    links = set(re.findall(r'href="(points/[^"]+)"', dom))
    assert len(links) == 6 and all((tmp_path / "out" / link).is_file() for link in links)
