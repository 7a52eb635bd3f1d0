"""Fine vs coarse events, chunk traces, statistics defaults, and the bundled configs end to end."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from archsim.engine import build_plan, simulate
from archsim.engine.schedule import BlockPlan, ChipPlan, GroupPlan, LayerPlan, RunPlan
from archsim.engine.simulate import simulate_plan
from archsim.engine.spec import BufferSpec, ConverterSpec, CrossbarSpec, DigitalSpec, LinkSpec, OffchipSpec, TileSpec
from archsim.errors import SimulationError
from archsim.hwconfig import load_hardware
from archsim.mapping import map_workload
from archsim.results.stats import LayerStats
from archsim.workload import load_workload

ROOT = Path(__file__).resolve().parents[2]
PS = 1000


def _chip(overlap):
    xs = CrossbarSpec(n_rows=8, n_cols=8, dac=ConverterSpec(n_units=4, conversion_ns=1.0),
                      adc=ConverterSpec(n_units=2, conversion_ns=3.0), integrate_ns=10.0, input_cycles=2,
                      overlap=overlap)
    tile = TileSpec(crossbar=xs, digital=DigitalSpec(ops_per_ns=1e9),
                    buffer=BufferSpec(capacity_bytes=10**9, bandwidth_bytes_per_ns=1e9))
    return ChipPlan(tile=tile, graph=nx.path_graph([("tile", 0), ("tile", 1)]),
                    link=LinkSpec(bandwidth_bytes_per_ns=1e9), offchip=OffchipSpec(bandwidth_bytes_per_ns=1e9))


@pytest.mark.parametrize("overlap", [False, True])
def test_fine_mode_equals_coarse_without_contention(overlap):
    layer = LayerPlan(name="l", groups=(GroupPlan(blocks=(BlockPlan(tile=0, rows=8, cols=5),), vectors_per_sample=3),))
    coarse = simulate_plan(RunPlan(layers=(layer,), chip=_chip(overlap), batch=2))[0]
    fine, _, env = simulate_plan(RunPlan(layers=(layer,), chip=_chip(overlap), batch=2, fine=True), trace=True)
    # one vector = 2 passes of (2 + 10 + 9) ns; overlapped: 21 + 10 per extra pass
    per_sample = (21 + 5 * 10) if overlap else 6 * 21
    assert coarse.makespan_ns == fine.makespan_ns == 2 * per_sample
    starts = [t for scope, ev, t in env.trace_log if scope == "l.r0" and ev == "forward_start"]
    assert len(starts) == 6  # 3 vectors x 2 samples, one event each


def test_chunk_trace_of_two_replicas_on_one_crossbar():
    groups = tuple(GroupPlan(replica=r, blocks=(BlockPlan(tile=0, rows=8, cols=5),), vectors_per_sample=1)
                   for r in range(2))
    _, _, env = simulate_plan(RunPlan(layers=(LayerPlan(name="l", groups=groups),), chip=_chip(False)), trace=True)
    chunks = [e for e in env.trace_log if e[0].startswith("l.")]
    assert chunks == [("l.r0", "forward_start", 0), ("l.r0", "forward_end", 42 * PS),
                      ("l.r1", "forward_start", 42 * PS), ("l.r1", "forward_end", 84 * PS)]


@pytest.fixture(scope="module")
def rpu_rapa():
    hw = load_hardware(ROOT / "hwconfigs" / "rpu-gokmen-vlasov-2016.yaml")
    wl = load_workload(ROOT / "workloads" / "rapa-cnn3.yaml")
    return hw, wl, map_workload(hw, wl)


def test_defaults_bl_is_desired_bl_and_stats_override_it(rpu_rapa):
    hw, wl, mapping = rpu_rapa
    plan = build_plan(mapping, hw, mode="training", workload=wl)
    assert all(lp.bl == hw.crossbar.rpu.update.desired_bl and lp.bm_passes_forward == 1.0 for lp in plan.layers)
    stats = {"conv1": LayerStats(layer="conv1", mean_bl=5.0, mean_bm_passes_forward=2.0)}
    t_def, c_def = simulate(mapping, hw, mode="training", workload=wl)
    t_st, c_st = simulate(mapping, hw, mode="training", workload=wl, stats=stats)
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
    timing, counts = simulate(mapping, hw, mode="training", batch=2, workload=wl)
    first = mapping.layer("conv1")
    assert not first.needs_backward
    assert counts.total("backward_pass") > 0 and counts.total("update") > 0
    t1 = first.blocks[0].tile
    assert counts[(f"chip.tile{t1}.xbar", "update")] == 2 * first.vectors_per_sample
    assert counts[(f"chip.tile{t1}.xbar", "backward_pass")] == 0
    phases = {e.phase for e in timing.timeline}
    assert {"forward", "backward", "update"} <= phases
    assert timing.makespan_ns > 0 and 0 < max(timing.utilisation.values()) <= 1.0 + 1e-9
