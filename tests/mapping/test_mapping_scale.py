"""Scale and text output: ResNet-50 (stand-in shapes) on an ISAAC-like chip, the CLI table."""

from __future__ import annotations

import time

from mapping_standins import fake_hw, resnet50

from archsim.commands.map_cmd import format_table
from archsim.mapping import map_workload


def isaac_like():
    return fake_hw(n_rows=128, n_cols=128, n_tiles=168, n_crossbars=96, weight_bits=16, bits_per_cell=2)


def test_resnet50_on_isaac_like_chip_fast_and_counted():
    wl = resnet50()
    best = float("inf")
    for _ in range(2):
        t0 = time.perf_counter()
        m = map_workload(isaac_like(), wl, replicas="auto")
        m.to_dict()
        best = min(best, time.perf_counter() - t0)
    assert best < 5.0
    t = m.totals()
    assert t["n_layers"] == 54
    assert t["n_crossbars_used"] <= t["n_crossbars_chip"] == 168 * 96
    plain = map_workload(isaac_like(), wl)
    # 54 MVM layers and 61,398 sliding windows per image
    assert plain.total_sequential_mvms_per_sample == 61_398
    assert plain.n_crossbars_used == 12_672  # 8 slices; FC 2049 rows (analog bias) x 1000
    # auto replication shortens the bottleneck (conv1: 12,544 patches) and the sum
    assert m.bottleneck_mvms_per_sample < plain.bottleneck_mvms_per_sample == 12_544
    assert m.total_sequential_mvms_per_sample < plain.total_sequential_mvms_per_sample


def test_format_table_lists_layers_and_totals():
    m = map_workload(isaac_like(), resnet50())
    text = format_table(m.to_dict())
    lines = text.splitlines()
    assert lines[0].startswith("resnet50 on fake-hw: crossbars 128x128, 96 per tile, 168 tiles")
    assert any(line.startswith("conv1 ") and "147x64" in line and "2×1×8" in line for line in lines)
    total = next(line for line in lines if line.startswith("total"))
    assert "12672/16128" in total and "61398 (max 12544)" in total
    assert "weights incl. biases over replicas: 25,503,912" in text


def test_resnet_skip_traffic_goes_to_the_add():
    m = map_workload(isaac_like(), resnet50())
    assert m.layer("l0.2.c1").sources == ("l0.1.c3",)
    assert m.layer("l0.1.c3").sources == ("l0.0.c3", "l0.1.c2")  # skip operand from the previous block's add
    assert m.layer("l0.0.c3").sources == ("l0.0.c2", "l0.0.sc")  # projection shortcut
    assert m.layer("fc").sources == ("l3.2.c3",)
    assert m.tile_of_node["l0.1.add"] == m.tile_of_node["l0.1.c3"]
    assert len(m.stages) == 50
