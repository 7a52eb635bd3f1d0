"""Plans built from the Mapping alone, statistics defaults, training counts, the bundled configs end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from archsim.engine import build_plan, simulate
from archsim.errors import SimulationError
from archsim.hwconfig import load_hardware
from archsim.mapping import map_workload
from archsim.results.stats import LayerStats
from archsim.workload import load_workload

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def rpu_rapa():
    hw = load_hardware(ROOT / "hwconfigs" / "rpu-gokmen-vlasov-2016.yaml")
    wl = load_workload(ROOT / "workloads" / "rapa-cnn3.yaml")
    return hw, wl, map_workload(hw, wl)


def test_defaults_bl_is_desired_bl_and_stats_override_it(rpu_rapa):
    hw, wl, mapping = rpu_rapa
    plan = build_plan(mapping, hw, mode="training")
    assert all(lp.bl == hw.crossbar.rpu.update.desired_bl and lp.bm_passes_forward == 1.0 for lp in plan.layers)
    stats = {"conv1": LayerStats(layer="conv1", mean_bl=5.0, mean_bm_passes_forward=2.0)}
    t_def, c_def = simulate(mapping, hw, mode="training")
    t_st, c_st = simulate(mapping, hw, mode="training", stats=stats)
    conv1_def, conv1_st = t_def.layer("conv1"), t_st.layer("conv1")
    assert conv1_st.forward_ns_per_sample == pytest.approx(2 * conv1_def.forward_ns_per_sample, rel=1e-3)
    xs = build_plan(mapping, hw).chip.tile.crossbar
    vectors = mapping.layer("conv1").vectors_per_sample
    assert conv1_st.update_ns_per_sample == pytest.approx(xs.update_ns(vectors, 5.0), rel=1e-6)
    tile = mapping.layer("conv1").blocks[0].tile
    assert c_st[(f"chip.tile{tile}.xbar", "forward_pass")] == 2 * c_def[(f"chip.tile{tile}.xbar", "forward_pass")]


def test_stats_for_unknown_layers_are_rejected(rpu_rapa):
    hw, wl, mapping = rpu_rapa
    with pytest.raises(SimulationError, match="not in the mapping"):
        simulate(mapping, hw, stats={"nope": LayerStats(layer="nope")})


def test_training_counts_three_cycles(rpu_rapa):
    hw, wl, mapping = rpu_rapa
    timing, counts = simulate(mapping, hw, mode="training", batch=2)
    first = mapping.layer("conv1")
    assert not first.needs_backward
    assert counts.total("backward_pass") > 0 and counts.total("update") > 0
    t1 = first.blocks[0].tile
    assert counts[(f"chip.tile{t1}.xbar", "update")] == 2 * first.vectors_per_sample
    assert counts[(f"chip.tile{t1}.xbar", "backward_pass")] == 0
    phases = {e.phase for e in timing.timeline}
    assert {"forward", "backward", "update"} <= phases
    assert timing.makespan_ns > 0 and 0 < max(timing.utilisation.values()) <= 1.0 + 1e-9


def test_the_plan_comes_from_the_mapping_alone():
    import inspect

    assert "workload" not in inspect.signature(simulate).parameters
    hw = load_hardware(ROOT / "hwconfigs" / "isaac-2016.yaml")
    mapping = map_workload(hw, load_workload(ROOT / "workloads" / "resnet50.yaml"))
    lm = mapping.layer("layer1.0.conv3")
    assert lm.preds == ("layer1.0.conv2",) and lm.residual_sources == ("layer1.0.downsample",)
    assert lm.owned == ("layer1.0.add", "layer1.0.relu")
    plan = build_plan(mapping, hw)
    lp = next(lp for lp in plan.layers if lp.name == "layer1.0.conv3")
    edges = {e.source: e for e in lp.inputs}
    assert any(edges["layer1.0.conv2"].mvm) and not any(edges["layer1.0.downsample"].mvm)
    assert edges["layer1.0.downsample"].post[:3] == (1, 2, 3)  # the add needs residual row i for row i
    assert lp.steps == 56 and lp.digital_forward["elementwise"] == 256 * 56 * 56


def test_an_op_no_digital_unit_serves_is_an_error():
    """The load-time check (hwconfig.checks) refuses such a file; the engine refuses such an object too."""
    import dataclasses

    hw = load_hardware(ROOT / "hwconfigs" / "isaac-2016.yaml")
    wl = load_workload(ROOT / "workloads" / "mlp-digits.yaml")
    no_adder = dataclasses.replace(hw, tile=dataclasses.replace(
        hw.tile, digital={k: v for k, v in hw.tile.digital.items() if k != "shift_add"}))
    with pytest.raises(SimulationError, match=r"no unit serves op 'shift_add'"):
        simulate(map_workload(no_adder, wl), no_adder)
    bare = dataclasses.replace(hw, tile=dataclasses.replace(hw.tile, digital={}))
    with pytest.raises(SimulationError, match="describes no digital unit"):
        simulate(map_workload(bare, wl), bare)


def test_clock_buffer_latency_and_flit_width_are_live():
    wl = load_workload(ROOT / "workloads" / "rapa-cnn3.yaml")
    base = ["chip.n_tiles=100"]

    def makespan(extra):
        hw = load_hardware(ROOT / "hwconfigs" / "rpu-gokmen-vlasov-2016.yaml", base + extra)
        return simulate(map_workload(hw, wl), hw, batch=2)[0].makespan_ns

    ref = makespan([])
    assert makespan(["chip.clock_freq_mhz=100"]) > ref  # routers forward one flit per clock cycle
    assert makespan(["interconnect.flit_bits=8"]) > ref
    assert makespan(["tile.buffer.latency_ns=200"]) > ref
