"""What a sweep writes: point folders, the table (Parquet, CSV), the report; failed points; the metrics registry."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys

import pytest
from sweepfiles import write_sweep

from archsim.cli import main
from archsim.sweep import METRICS, SerialExecutor, expand, load_sweep, run_sweep
from archsim.sweep.metrics import Metric, metric_values, register_metric
from archsim.sweep.pareto import pareto_mask
from archsim.sweep.point import POINTS_DIR, RECORD_FILE

FOUR = """\
version: 1
name: four
hardware: [isaac-2016]
workloads: [rapa-cnn3]
options: {accuracy: off}
axes:
  - path: chip.n_tiles
    values: [168, 1]          # one tile cannot hold the network: a failed point, not a failed sweep
  - path: tile.adc.columns_per_adc
    values: [64, 128]
objectives: [latency, energy_per_sample]
"""


@pytest.fixture
def four(tmp_path):
    return write_sweep(tmp_path, FOUR)


def test_serial_sweep_writes_folders_table_and_report(four, tmp_path):
    sweep = load_sweep(four)
    out = tmp_path / "out"
    with SerialExecutor() as executor:
        outcome = run_sweep(sweep, executor, out_dir=out)
    ok = [p for p in outcome.points if outcome.records[p.key].status == "ok"]
    failed = outcome.failed
    assert len(ok) == 2 and len(failed) == 2
    for point, record in failed:
        assert record.status == "failed" and "\n" not in record.error
        assert re.match(r"mapping isaac-2016: the workload needs \d+ crossbars but the chip has 96", record.error)
        assert json.loads((out / POINTS_DIR / point.key / RECORD_FILE).read_text())["error"] == record.error
    for point in ok:
        folder = out / POINTS_DIR / point.key
        assert {"result.json", "report.html", "hwconfig.resolved.yaml", "workload.yaml", RECORD_FILE} <= {
            f.name for f in folder.iterdir()}
        result = json.loads((folder / "result.json").read_text())
        assert result["meta"]["inputs"]["hwconfig"]["overrides"] == list(point.overrides)
        assert outcome.records[point.key].metrics == metric_values(result)
    assert (out / "sweep.yaml").read_text() == four.read_text()

    import pyarrow.parquet as pq

    table = pq.read_table(out / "sweep.parquet").to_pylist()
    assert [r["index"] for r in table] == [0, 1, 2, 3]
    assert [r["status"] for r in table] == ["ok", "ok", "failed", "failed"]
    assert table[0]["chip.n_tiles"] == 168 and table[1]["tile.adc.columns_per_adc"] == 128
    assert set(METRICS.names()) <= set(table[0])
    assert table[0]["latency"] == outcome.records[outcome.points[0].key].metrics["latency"]
    assert table[2]["latency"] is None and table[2]["error"].startswith("mapping isaac-2016")
    assert isinstance(table[0]["wall_s"], float) and table[0]["folder"] == f"{POINTS_DIR}/{outcome.points[0].key}"
    with open(out / "sweep.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["label"] for r in rows] == [r["label"] for r in table]
    assert float(rows[0]["energy_per_sample"]) == table[0]["energy_per_sample"]  # full precision in the CSV
    html = (out / "sweep.html").read_text()
    assert "<script" not in html.lower() and not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    for point in ok:
        assert f'href="{POINTS_DIR}/{point.key}/report.html"' in html
    assert "Failed points" in html and "the workload needs" in html
    assert 'data-chart="pareto-0"' in html and 'data-chart="effect-0-0"' in html


def test_failed_points_are_kept_unless_retried(four, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["sweep", str(four), "-o", str(out), "--workers", "1", "--no-progress"]) == 0
    first = capsys.readouterr()
    assert "4 points (0 reused, 4 computed, 2 failed)" in first.out
    assert first.err.count("failed: mapping isaac-2016") == 2
    assert main(["sweep", str(four), "-o", str(out), "--workers", "1", "--no-progress"]) == 0
    assert "4 points (4 reused, 0 computed, 2 failed)" in capsys.readouterr().out
    assert main(["sweep", str(four), "-o", str(out), "--workers", "1", "--no-progress", "--retry-failed"]) == 0
    assert "4 points (2 reused, 2 computed, 2 failed)" in capsys.readouterr().out


def test_dry_run_lists_points_and_runs_nothing(four, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["sweep", str(four), "-o", str(out), "--dry-run"]) == 0
    text = capsys.readouterr().out
    assert "sweep four: 4 points, 0 already in" in text and text.count("to run") == 5
    assert "chip.n_tiles=168, tile.adc.columns_per_adc=64" in text
    assert not out.exists()


def test_a_folder_held_by_another_sweep_is_refused(four, tmp_path):
    from archsim.errors import ConfigError
    from archsim.sweep.run import folder_lock

    out = tmp_path / "out"
    with folder_lock(out, "x"), pytest.raises(ConfigError, match=r"is being written by another archsim sweep"):
        with SerialExecutor() as executor:
            run_sweep(load_sweep(four), executor, out_dir=out)


def test_what_a_killed_point_left_is_removed_and_the_point_recomputed(four, tmp_path):
    sweep = load_sweep(four)
    point = expand(sweep)[0]
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # a process id that no longer runs
    partial = tmp_path / "out" / POINTS_DIR / f".{point.key}.archsim-{dead.pid}-deadbeef0000.new"
    partial.mkdir(parents=True)
    (partial / "result.json").write_text("{")  # a worker died while writing
    with SerialExecutor() as executor:
        outcome = run_sweep(sweep, executor, out_dir=tmp_path / "out")
    assert not partial.exists() and outcome.records[point.key].status == "ok" and outcome.n_computed == 4
    folder = tmp_path / "out" / POINTS_DIR / point.key
    assert (folder / "archsim-run.json").is_file()  # committed whole by the run folder, record included
    assert "point.json" in json.loads((folder / "archsim-run.json").read_text())["files"]


def test_metrics_read_their_keys():
    result = {
        "timing": {"latency_ns_per_sample": 10.0, "throughput_samples_per_s": 2e7, "interval_ns_per_sample": 40.0,
                   "makespan_ns": 100.0, "batch": 2},
        "energy": {"total_pj": 8.0, "per_sample_pj": 4.0},
        "area": {"chip_area_mm2": 3.0, "chip_power_w": 1.5},
        "mapping": {"totals": {"n_tiles_used": 7, "utilisation": 0.5}},
        "accuracy": {"analog": {"test_accuracy": [0.5, 0.75]}, "fp": {"test_accuracy": [0.6, 0.8]},
                     "settings": {"drift": [{"t_s": 1.0, "test_accuracy_mean": 0.7},
                                            {"t_s": 3600.0, "test_accuracy_mean": 0.65}]}},
        "gpu": {"speedup": 0.5, "energy_ratio": 4.0, "analog": {"tops_per_w": 12.0}},
    }
    m = metric_values(result)
    assert m["latency"] == 10.0 and m["time_per_sample"] == 50.0 and m["throughput"] == 2e7
    assert m["steady_state_throughput"] == 2.5e7 and m["makespan"] == 100.0
    assert m["energy_per_sample"] == 4.0 and m["energy"] == 8.0 and m["edp"] == 200.0
    assert m["area"] == 3.0 and m["peak_power"] == 1.5 and m["tiles_used"] == 7 and m["crossbar_utilisation"] == 0.5
    assert m["accuracy"] == 0.75 and m["fp_accuracy"] == 0.8 and m["accuracy_after_drift"] == 0.65
    assert m["speedup"] == 0.5 and m["energy_ratio"] == 4.0 and m["tops_per_w"] == 12.0
    assert metric_values({"accuracy": {"skipped": "too slow"}})["accuracy"] is None
    assert all(v is None for v in metric_values({}).values())
    assert {METRICS[n].goal for n in METRICS.names()} == {"min", "max"}


def test_a_new_metric_is_one_registration(tmp_path, four):
    metric = Metric(name="adc_energy", label="ADC energy", unit="pJ", goal="min", description="test",
                    extract=lambda r: (r.get("energy") or {}).get("by_part_pj", {}).get("adc"))
    register_metric(metric)
    try:
        sweep = load_sweep(write_sweep(tmp_path, FOUR.replace("[latency, energy_per_sample]", "[adc_energy]"),
                                       "m.yaml"))
        with SerialExecutor() as executor:
            outcome = run_sweep(sweep, executor, out_dir=tmp_path / "m")
        assert outcome.records[outcome.points[0].key].metrics["adc_energy"] > 0
    finally:
        METRICS.unregister("adc_energy")


@pytest.mark.parametrize(("values", "goals", "front"), [
    ([[1, 5], [2, 2], [3, 3], [5, 1]], ["min", "min"], [True, True, False, True]),
    ([[1, 5], [2, 2], [3, 3], [5, 1]], ["max", "max"], [True, False, True, True]),
    ([[1, 5], [2, 2], [3, 3], [5, 1]], ["min", "max"], [True, False, False, False]),
    ([[1, 1], [1, 1], [2, 2]], ["min", "min"], [True, True, False]),
    ([[1, None], [2, 2]], ["min", "min"], [False, True]),
    ([[3], [1], [2]], ["min"], [False, True, False]),
])
def test_pareto_mask(values, goals, front):
    assert pareto_mask(values, goals) == front
