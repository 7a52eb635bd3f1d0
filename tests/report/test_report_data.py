"""Report view model (result dict → cards, tables, chart series): no HTML involved."""

from __future__ import annotations

import pytest

from archsim.report.data import (
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
    assert list(cards) == ["Accuracy", "Latency", "Time per sample", "Throughput", "Energy", "Area",
                           "Speedup vs GPU"]
    assert cards["Accuracy"].value == "92.0 %"
    assert cards["Latency"].value == "573 ns"
    assert cards["Latency"].detail == "one sample: first forward MVM to last output"
    assert cards["Time per sample"].value == "573 ns"  # makespan 1.72 µs / batch 3
    assert cards["Time per sample"].detail == "makespan 1.72 µs / batch 3, as the GPU comparison"
    assert cards["Throughput"].detail.startswith("training samples per second (batch / makespan)")
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
    assert plan.tiles[0].shares == ((0, 1.0),)
    assert "unused" in plan.tiles[3].title
    assert plan.tiles[0].title == "tile 0: 1 fc1 (4 crossbars)"


def test_report_floorplan_of_many_layers_tells_them_apart(result):
    from archsim.report.charts.floorplan import floorplan_layout, layer_colours

    layers = [f"layer{i}" for i in range(54)]
    result["mapping"]["layers"] = [{"layer": n, "kind": "conv2d"} for n in layers]
    result["mapping"]["floorplan"] = [
        {"tile": i, "blocks": [{"layer": layers[i % 54], "n_crossbars": 3},
                               {"layer": layers[(i + 1) % 54], "n_crossbars": 1}]} for i in range(168)]
    plan = _section(build_report_data(result), "mapping").charts[0]
    assert len(plan.legend) == 54 and len(set(layer_colours(54))) == 54
    assert plan.tiles[5].shares == ((5, 0.75), (6, 0.25))
    g = floorplan_layout(plan)
    assert g["cells"][5]["label"] == "6" and [s["colour"] for s in g["cells"][5]["stripes"]] == [
        layer_colours(54)[5], layer_colours(54)[6]]
    assert len({(item["x"], item["y"]) for item in g["legend"]}) == 54  # every layer has its own legend entry


def test_report_timeline(result):
    timing = _section(build_report_data(result), "timeline")
    per_layer, gantt = timing.charts
    assert per_layer.series == ("forward", "backward", "update", "digital")
    assert per_layer.bars[0].values[0] == pytest.approx(240e-9)
    assert gantt.lanes == ("fc1", "fc2", "fc3")
    assert len(gantt.bars) == 27 and "27 entries (3 lanes, one per layer)" in gantt.note
    assert gantt.t_end_ns == pytest.approx(result["timing"]["makespan_ns"])
    assert any(line.startswith("latency 573 ns: one sample") for line in timing.lines)
    assert any(line.startswith("time per sample 573 ns = makespan / batch") for line in timing.lines)
    result["timing"]["timeline"] = result["timing"]["timeline"] * 30  # overlapping copies merge, nothing is cut
    gantt = _section(build_report_data(result), "timeline").charts[1]
    assert len(gantt.bars) == 27 and "810 entries" in gantt.note and "(30 entries)" in gantt.bars[0].label


def test_report_timeline_of_a_deep_network_shows_every_layer_over_the_whole_run(result):
    layers = [f"layer{i}" for i in range(54)]
    timeline, t = [], 0.0
    for sample in range(16):  # ResNet-50 batch 16: 54 layers x (forward, digital) x 16 = 1,728 entries
        for name in layers:
            for phase in ("forward", "digital"):
                timeline.append({"layer": name, "phase": phase, "sample": sample, "start_ns": t, "end_ns": t + 50.0})
                t += 60.0
    result["timing"].update(timeline=timeline, makespan_ns=t, layers=[
        {"layer": n, "forward_ns_per_sample": 50.0, "digital_ns_per_sample": 50.0} for n in reversed(layers)])
    gantt = _section(build_report_data(result), "timeline").charts[1]
    assert gantt.lanes == tuple(reversed(layers))  # network order of timing.layers
    assert {b.lane for b in gantt.bars} == set(range(54))
    assert max(b.end_ns for b in gantt.bars) == pytest.approx(t - 10.0) and gantt.t_end_ns == t
    assert "1,728 entries" in gantt.note and "kept only" not in gantt.note
    result["timing"]["timeline_truncated"] = True
    note = _section(build_report_data(result), "timeline").charts[1].note
    assert "the engine kept only the first 1,728 entries (timeline_limit)" in note


def test_log_bars_of_ratios_start_at_one(result):
    from archsim.report.charts.bar import bar_layout
    from archsim.report.model import Bar

    chart = BarChart(id="r", title="r", series=("ratio",), log=True, baseline=1.0, bars=(
        Bar(label="slower", values=(0.5,), texts=("0.5×",)), Bar(label="faster", values=(2.0,), texts=("2×",)),
        Bar(label="much slower", values=(0.001,), texts=("0.001×",))))
    g = bar_layout(chart)
    slower, faster, much = (row["rects"][0] for row in g["rows"])
    assert slower["x"] + slower["w"] == pytest.approx(g["base_x"])  # grows left from 1x
    assert faster["x"] == pytest.approx(g["base_x"])  # grows right from 1x
    assert slower["w"] == pytest.approx(faster["w"])  # 0.5x and 2x: equal lengths
    assert much["w"] > 4 * slower["w"] and much["tx"] > g["base_x"]
    assert [t["text"] for t in g["ticks"]] == ["0.001×", "0.01×", "0.1×", "1×", "10×"]
    gpu = _section(build_report_data(result), "gpu").charts
    assert gpu[0].baseline == 1.0 and gpu[1].baseline is None and gpu[1].unit == "s"


def test_report_breakdowns(result):
    data = build_report_data(result)
    energy = _section(data, "energy").charts[0]
    assert [b.label for b in energy.bars][:2] == ["adc", "crossbar"]
    assert energy.bars[0].texts[0] == "1.50 µJ (50.0 %)"
    assert next(b.label for b in _section(data, "energy").charts[1].bars) == "adc convert"
    area = _section(data, "area").charts[0]
    assert (
        area.bars[0].label == "adc (tile)" and area.bars[0].texts[0] == "5.00 mm² (40.0 %)"
    )  # 4 tiles x 1.25
    util = _section(data, "utilisation")
    assert [b.label for b in util.charts[0].bars] == ["crossbar (1)", "adc (2)", "noc (1)"]
    assert util.charts[0].bars[1].texts == ("40.0 %", "50.0 %")  # mean and busiest of the two ADCs
    assert util.tables[0].rows[0] == ("chip.tile0.crossbar", "crossbar", "62.0 %")


def test_report_utilisation_groups_many_components_by_type(result):
    util = {f"chip.tile{i}.shift_add": 0.25 for i in range(133)}
    util.update({f"chip.noc.link_router{i}_tile{i}": 0.001 * i for i in range(400)})
    result["timing"]["utilisation"] = util
    section = _section(build_report_data(result), "utilisation")
    assert [b.label for b in section.charts[0].bars] == ["link (400)", "shift_add (133)"]
    assert section.lines[0].startswith("533 components of 2 types")
    assert len(section.tables[0].rows) == 10


def test_report_energy_by_layer_when_the_cost_model_gives_it(result):
    assert "energy-layer-chart" not in [c.id for c in _section(build_report_data(result), "energy").charts]
    result["energy"]["by_layer_pj"] = {"fc3": 3.0e5, "fc1": {"adc": 1.5e6, "crossbar": 0.3e6}, "fc2": 0.9e6}
    chart = _section(build_report_data(result), "energy").charts[1]
    assert chart.id == "energy-layer-chart" and [b.label for b in chart.bars] == ["fc1", "fc2", "fc3"]
    assert chart.bars[0].texts[0] == "600 nJ (60.0 %)"  # 1.8 µJ over a batch of 3


def test_report_drift_is_plotted_against_time(result):
    result["accuracy"]["settings"] = {"kind": "inference", "drift": [
        {"t_s": 1.0, "test_accuracy_mean": 0.92, "test_accuracy_std": 0.004, "test_loss_mean": 0.4},
        {"t_s": 86400.0, "test_accuracy_mean": 0.91, "test_accuracy_std": 0.01, "test_loss_mean": 0.42},
        {"t_s": 31536000.0, "test_accuracy_mean": 0.88, "test_accuracy_std": 0.02, "test_loss_mean": 0.48}]}
    acc = _section(build_report_data(result), "accuracy")
    chart = next(c for c in acc.charts if c.id == "drift-chart")
    assert chart.x_log and chart.series[0].points == ((1.0, 0.92), (86400.0, 0.91), (31536000.0, 0.88))
    assert chart.series[0].errors == (0.004, 0.01, 0.02)
    assert [text for _, text in chart.x_ticks] == ["1 s", "1 day", "1 year"]
    assert acc.tables[0].columns[0] == "t after programming (s)"  # the table stays


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
    assert len(data.cards) == 7


def test_report_empty_result_does_not_fail():
    data = build_report_data({})
    assert not any(s.present for s in data.sections)
    assert {c.value for c in data.cards} == {"not run"}
    assert data.title == "workload on hardware"
