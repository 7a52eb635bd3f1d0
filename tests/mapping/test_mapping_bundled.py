"""The issue's exact checks on the bundled hardware and workload files, and the `archsim map` command."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from archsim.cli import main
from archsim.errors import MappingError
from archsim.hwconfig import load_hardware
from archsim.mapping import map_workload
from archsim.workload import load_workload

ROOT = Path(__file__).resolve().parents[2]
HW = ROOT / "hwconfigs"
WL = ROOT / "workloads"


def conv_layers(m):
    return [lm for lm in m.layers if lm.kind == "conv2d"]


def test_rapa_cnn3_auto_replicas_paper_numbers():
    hw = load_hardware(HW / "aihwkit-default.yaml")
    wl = load_workload(WL / "rapa-cnn3.yaml")
    m = map_workload(hw, wl, replicas="auto")
    convs = conv_layers(m)
    assert tuple(lm.n_replicas for lm in convs) == (16, 4, 1)
    assert sum(lm.n_weights for lm in convs) == 192_704
    assert [lm.sequential_mvms_per_sample for lm in convs] == [64, 64, 64]
    plain = map_workload(hw, wl)
    assert [lm.sequential_mvms_per_sample for lm in conv_layers(plain)] == [1024, 256, 64]
    assert sum(lm.n_weights for lm in conv_layers(plain)) == 79_328


def test_aihwkit_default_784_256_two_tiles_of_392():
    hw = load_hardware(HW / "aihwkit-default.yaml")
    wl = load_workload(WL / "mlp-784-256-128-10.yaml")
    for analog_bias in (True, False):
        m = map_workload(hw, wl, analog_bias=analog_bias)
        first = m.layers[0]
        assert (first.matrix_in, first.matrix_cols) == (784, 256)
        assert first.input_splits == (392, 392) and first.col_splits == (256,)
        assert len(first.tiles) == 2 and first.n_crossbars == 2


def test_resnet50_on_isaac_maps_fast():
    hw = load_hardware(HW / "isaac-2016.yaml")
    wl = load_workload(WL / "resnet50.yaml")
    best = float("inf")
    for _ in range(2):
        t0 = time.perf_counter()
        m = map_workload(hw, wl)
        m.to_dict()
        best = min(best, time.perf_counter() - t0)
    assert best < 5.0
    assert len(m.layers) == 54
    assert m.n_crossbars_used <= m.n_crossbars_chip
    assert all(lm.n_slices == 8 for lm in m.layers)  # 16-bit weights over 2-bit cells


def test_capacity_error_on_bundled_chip():
    with pytest.raises(MappingError, match=r"needs \d+ crossbars but the chip has \d+ .*chip\.n_tiles="):
        map_workload(load_hardware(HW / "isaac-2016.yaml", ["chip.n_tiles=1"]), load_workload(WL / "resnet50.yaml"))


def test_cli_map_table_and_json(capsys, tmp_path):
    hw, wl = str(HW / "aihwkit-default.yaml"), str(WL / "rapa-cnn3.yaml")
    assert main(["map", hw, wl, "--replicas", "auto"]) == 0
    out = capsys.readouterr().out
    assert "rapa-cnn3 on aihwkit-default" in out and "total" in out
    target = tmp_path / "mapping.json"
    assert main(["map", hw, wl, "--json", "--replicas", "conv1=16,conv2=4", "--output", str(target)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [row["n_replicas"] for row in data["layers"][:3]] == [16, 4, 1]
    assert json.loads(target.read_text()) == data
    assert main(["map", hw, wl, "--replicas", "conv1=x"]) == 1
    assert "LAYER=N" in capsys.readouterr().err
