"""Rendered HTML: gold file, escaping of user strings, self-containment, re-rendering from result.json.

Gold workflow: on a mismatch the actual page is written to tests/actual/report/; after checking it,
accept it with ``ARCHSIM_UPDATE_GOLD=1 python -m pytest tests/report`` (rewrites tests/report/gold/).
"""

from __future__ import annotations

import argparse
import json
import os
import re
from pathlib import Path

import pytest

from archsim.commands import report_cmd
from archsim.errors import DataError
from archsim.report.html import render_result, write_report

GOLD = Path(__file__).parent / "gold"
ACTUAL = Path(__file__).parents[1] / "actual" / "report"

SCRUBS = (
    (re.compile(r"archsim \d+\.\d+\.\d+[\w.+-]*"), "archsim VERSION"),
    (re.compile(r"(archsim version</dt><dd>)[^<]*"), r"\1VERSION"),
)


def scrub(text: str) -> str:
    for pattern, repl in SCRUBS:
        text = pattern.sub(repl, text)
    return text


def compare_gold(name: str, actual: str) -> None:
    """Compare with tests/report/gold/NAME; ARCHSIM_UPDATE_GOLD=1 rewrites the gold file."""
    gold = GOLD / name
    actual = scrub(actual)
    if os.environ.get("ARCHSIM_UPDATE_GOLD"):
        gold.parent.mkdir(parents=True, exist_ok=True)
        gold.write_text(actual, encoding="utf-8")
        return
    expected = gold.read_text(encoding="utf-8") if gold.exists() else None
    if expected != actual:
        ACTUAL.mkdir(parents=True, exist_ok=True)
        (ACTUAL / name).write_text(actual, encoding="utf-8")
        pytest.fail(
            f"{name} differs from {gold} (actual output in {ACTUAL / name}); "
            "if the change is intended, rerun with ARCHSIM_UPDATE_GOLD=1"
        )


def test_report_html_gold(result):
    compare_gold("report.html", render_result(result))


def test_report_html_gold_not_run(result):
    for key in ("timing", "energy", "area", "accuracy", "gpu"):
        del result[key]
    html = render_result(result)
    assert html.count("not run") >= 5
    compare_gold("report-not-run.html", html)


def test_report_html_is_self_contained(result):
    html = render_result(result)
    assert "<script" not in html.lower()
    assert not re.search(r"<link\b", html, re.IGNORECASE)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html, re.IGNORECASE)
    assert "@import" not in html and "url(" not in html
    for sid in (
        "summary",
        "hardware",
        "mapping",
        "timeline",
        "utilisation",
        "energy",
        "area",
        "accuracy",
        "gpu",
    ):
        assert f'<section id="{sid}"' in html
    assert html.count('<svg class="chart') >= 5


HOSTILE = "<script>alert(1)</script>"


def test_report_user_strings_are_escaped(result):
    result["workload"]["name"] = HOSTILE
    result["hardware"]["resolved"]["name"] = '"><img src=x onerror=alert(2)>'
    result["hardware"]["non_default"][HOSTILE] = HOSTILE
    result["mapping"]["layers"][0]["layer"] = HOSTILE
    result["mapping"]["floorplan"][0]["blocks"][0]["layer"] = HOSTILE
    result["timing"]["layers"][0]["layer"] = HOSTILE
    result["timing"]["timeline"][0]["layer"] = HOSTILE
    result["timing"]["utilisation"][HOSTILE] = 0.9
    result["energy"]["by_part_pj"][HOSTILE] = 1e9
    result["gpu"]["layers"][0]["layer"] = HOSTILE
    result["accuracy"]["analog"][HOSTILE] = [0.1, 0.2, 0.3]
    html = render_result(result)
    assert "<script" not in html
    assert "<img" not in html and "onerror=alert(2)>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("&lt;script&gt;") >= 8


def _run_report(argv):
    parser = argparse.ArgumentParser()
    report_cmd.register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


def test_report_command_rerenders_from_result_json(result, tmp_path, capsys):
    path = tmp_path / "run" / "result.json"
    path.parent.mkdir()
    path.write_text(json.dumps(result))
    assert _run_report(["report", str(path)]) == 0
    html = (tmp_path / "run" / "report.html").read_text()
    assert html == render_result(json.loads(path.read_text()))
    assert "report: " in capsys.readouterr().out
    assert _run_report(["report", str(path), "-o", str(tmp_path / "other.html")]) == 0
    assert (tmp_path / "other.html").read_text() == html


def test_report_command_errors(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        write_report(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    with pytest.raises(DataError, match="expected a JSON object"):
        write_report(bad)


def test_report_cli_main(result, tmp_path, capsys):
    from archsim.cli import main

    path = tmp_path / "result.json"
    path.write_text(json.dumps(result))
    assert main(["report", str(path), "-o", str(tmp_path / "r.html")]) == 0
    assert (tmp_path / "r.html").is_file()
    assert main(["report", str(tmp_path / "missing.json")]) == 1
    assert "missing.json: file not found" in capsys.readouterr().err


def test_report_from_a_real_run(tmp_path):
    """api.run with the GPU step writes result.json and report.html; re-rendering gives the same page."""
    from archsim import api

    root = Path(__file__).resolve().parents[2]
    state = api.run(
        api.RunOptions(
            hw_path=root / "hwconfigs" / "rpu-gokmen-vlasov-2016.yaml",
            workload_path=root / "workloads" / "rapa-cnn3.yaml",
            mode="training",
            batch=2,
            replicas="auto",
            gpu=api.GpuOptions(name="a100"),
            accuracy="off",
            out_dir=tmp_path / "run",
        )
    )
    html = state.written["report"].read_text()
    result = json.loads(state.written["result"].read_text())
    assert result["gpu"]["speedup"] > 0 and result["gpu"]["baseline"]["gpu"] == "a100"
    assert html == render_result(result)
    for sid in ("mapping", "timeline", "utilisation", "energy", "area", "gpu", "hardware"):
        assert f'<section id="{sid}" class="present"' in html
    assert html.count('<svg class="chart') >= 8
