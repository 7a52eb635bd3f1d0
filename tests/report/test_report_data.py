"""Report view model (result dict → cards, tables, chart series): no HTML involved."""

from __future__ import annotations

import pytest

from archsim.report.data import (
    MAX_GANTT_BARS,
    BarChart,
    Floorplan,
    Gantt,
    LineChart,
    accuracy_series,
    build_report_data,
    fmt_num,
    fmt_si,
)


def _section(data, sid):
    return next(s for s in data.sections if s.id == sid)


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (1.5e-6, "s", "1.50 µs"),
        (573e-9, "s", "573 ns"),
        (0, "J", "0 J"),
        (2.5e3, "/s", "2.50 k/s"),
        (None, "s", "—"),
        (float("nan"), "s", "—"),
        (999.96e-9, "s", "1.00 µs"),
        (-3e-3, "J", "-3.00 mJ"),
    ],
)
def test_report_fmt_si(value, unit, text):
    assert fmt_si(value, unit) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(12345, "12,345"), (0.0625, "0.0625"), (1234.5, "1,234"), (2.5e7, "2.50e+07"), (None, "—"), (0.0, "0")],
)
def test_report_fmt_num(value, text):
    assert fmt_num(value) == text


def test_report_cards(result):
    data = build_report_data(result)
    cards = {c.label: c for c in data.cards}
    assert list(cards) == ["Accuracy", "Latency", "Throughput", "Energy", "Area", "Speedup vs GPU"]
    assert cards["Accuracy"].value == "92.0 %"
    assert cards["Latency"].value == "573 ns"
    assert cards["Energy"].value == "1.00 µJ"  # 3 µJ over 3 samples
    assert cards["Area"].value == "12.5 mm²"
    assert cards["Speedup vs GPU"].value.endswith("×")
    assert data.title == "mlp-784-256-128-10 on rpu-baseline"


def test_report_sections_and_charts(result):
    data = build_report_data(result)
    assert [s.id for s in data.sections] == [
        "mapping",
        "accuracy",
        "timeline",
        "utilisation",
        "energy",
        "area",
        "gpu",
        "hardware",
    ]
    assert all(s.present for s in data.sections)
    assert data.n_charts >= 5
    kinds = {type(c) for s in data.sections for c in s.charts}
    assert kinds == {BarChart, LineChart, Gantt, Floorplan}


def test_report_mapping_table_and_floorplan(result):
    mapping = _section(build_report_data(result), "mapping")
    table = mapping.tables[0]
    assert table.columns[0] == "layer"
    assert table.rows[0][:4] == ("fc1", "linear", "785×256", "1")
    assert table.rows[0][4] == "4×1"  # row × column splits
    plan = mapping.charts[0]
    assert [t.layer for t in plan.tiles] == ["fc1", "fc2", "fc3", ""]
    assert [t.colour for t in plan.tiles] == [0, 1, 2, -1]
    assert plan.legend == ("fc1", "fc2", "fc3")
    assert "unused" in plan.tiles[3].title


def test_report_timeline(result):
    timing = _section(build_report_data(result), "timeline")
    per_layer, gantt = timing.charts
    assert per_layer.series == ("forward", "backward", "update", "digital")
    assert per_layer.bars[0].values[0] == pytest.approx(240e-9)
    assert gantt.lanes == ("fc1", "fc2", "fc3")
    assert len(gantt.bars) == 27 and gantt.note == ""
    assert gantt.t_end_ns == pytest.approx(result["timing"]["makespan_ns"])
    result["timing"]["timeline"] = result["timing"]["timeline"] * 30
    gantt = _section(build_report_data(result), "timeline").charts[1]
    assert len(gantt.bars) == MAX_GANTT_BARS and "first 600 of 810" in gantt.note


def test_report_breakdowns(result):
    data = build_report_data(result)
    energy = _section(data, "energy").charts[0]
    assert [b.label for b in energy.bars][:2] == ["adc", "crossbar"]
    assert energy.bars[0].texts[0] == "1.50 µJ (50.0 %)"
    assert next(b.label for b in _section(data, "energy").charts[1].bars) == "adc convert"
    assert any("priced at 0" in line for line in _section(data, "energy").lines)
    area = _section(data, "area").charts[0]
    assert (
        area.bars[0].label == "adc (tile)" and area.bars[0].texts[0] == "5.00 mm² (40.0 %)"
    )  # 4 tiles x 1.25
    util = _section(data, "utilisation").charts[0]
    assert util.bars[0].label == "chip.tile0.crossbar" and util.bars[0].texts[0] == "62.0 %"


def test_report_breakdown_folds_many_components(result):
    result["energy"]["by_part_pj"] = {f"c{i:02d}": float(i + 1) for i in range(40)}
    chart = _section(build_report_data(result), "energy").charts[0]
    assert len(chart.bars) == 16 and chart.bars[-1].label == "other (25)"


def test_report_accuracy_curves(result):
    acc = _section(build_report_data(result), "accuracy")
    acc_chart, loss_chart = acc.charts
    names = [s.name for s in acc_chart.series]
    assert names == ["analog test_accuracy", "analog train_accuracy", "fp test_accuracy", "fp train_accuracy"]
    assert acc_chart.series[0].points == ((1.0, 0.84), (2.0, 0.88), (3.0, 0.92))
    assert {s.name for s in loss_chart.series} == {
        "analog train_loss",
        "analog test_loss",
        "fp train_loss",
        "fp test_loss",
    }
    assert acc.tables[0].rows[0] == ("fc1", "1.00", "1.20", "9.50", "0.250")


def test_report_accuracy_series_accepts_epoch_rows():
    series = accuracy_series(
        {"epochs": [{"epoch": 1, "analog_test_accuracy": 0.5}, {"epoch": 2, "analog_test_accuracy": 0.7}]}
    )
    assert series == {"analog_test_accuracy": [(1.0, 0.5), (2.0, 0.7)]}


def test_report_gpu_section(result):
    gpu = _section(build_report_data(result), "gpu")
    summary, per_layer = gpu.tables
    assert [r[0] for r in summary.rows] == ["time per sample", "energy per sample", "TOPS", "TOPS/W"]
    assert [r[0] for r in per_layer.rows] == ["fc1", "fc2", "fc3"]
    assert any("rpu-gokmen-vlasov-2016, GOPS/W" in line for line in gpu.lines)
    assert [c.id for c in gpu.charts] == ["speedup-chart", "gpu-layer-chart"]
    assert gpu.charts[1].series == ("analog", "GPU")


@pytest.mark.parametrize("missing", ["hardware", "mapping", "timing", "energy", "area", "accuracy", "gpu"])
def test_report_absent_sections_say_not_run(result, missing):
    del result[missing]
    data = build_report_data(result)
    absent = [s for s in data.sections if not s.present]
    assert absent and all(s.note.startswith("not run") for s in absent)
    assert len(data.cards) == 6


def test_report_empty_result_does_not_fail():
    data = build_report_data({})
    assert not any(s.present for s in data.sections)
    assert {c.value for c in data.cards} == {"not run"}
    assert data.title == "workload on hardware"
