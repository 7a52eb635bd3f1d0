"""Whole-plan schedules against closed forms worked out by hand (hand-built RunPlans)."""

from __future__ import annotations

import networkx as nx
import pytest

from archsim.engine.plan import BlockPlan, ChipPlan, EdgePlan, EmitPlan, GroupPlan, LayerPlan, RunPlan
from archsim.engine.simulate import simulate_plan, steady_interval
from archsim.engine.spec import BufferSpec, ConverterSpec, CrossbarSpec, DigitalSpec, LinkSpec, OffchipSpec, TileSpec
from archsim.errors import SimulationError

OPS = ("activation", "pooling", "accumulate", "pulse_prob", "elementwise")


def chip(n_tiles, *, digital_ops_per_ns=1e9, bw=1e9, buffer_bytes=10**9, spill="offchip", n_crossbars=1,
         adc_pools=(), adc_ns=0.0, n_adcs=16, integrate_ns=1.0):
    g = nx.path_graph([("tile", i) for i in range(n_tiles)])
    xbar = CrossbarSpec(n_rows=16, n_cols=16, dac=ConverterSpec(n_units=16, conversion_ns=0.0),
                        adc=ConverterSpec(n_units=n_adcs, conversion_ns=adc_ns), integrate_ns=integrate_ns,
                        pulse_ns=1.0)
    tile = TileSpec(crossbar=xbar, n_crossbars=n_crossbars, digital={"digital": DigitalSpec(ops_per_ns=digital_ops_per_ns)},
                    op_unit={op: "digital" for op in OPS}, adc_pools=adc_pools,
                    buffer=BufferSpec(capacity_bytes=buffer_bytes, bandwidth_bytes_per_ns=bw, spill=spill))
    return ChipPlan(tile=tile, graph=g, link=LinkSpec(bandwidth_bytes_per_ns=bw, flit_bytes=1.0),
                    offchip=OffchipSpec(bandwidth_bytes_per_ns=bw))


def layer(name, tile, vectors, **kw):
    return LayerPlan(name=name, groups=(GroupPlan(blocks=(BlockPlan(tile=tile, rows=16, cols=16),),
                                                  vectors_per_sample=vectors),), **kw)


def chain(vectors, **kw):
    return tuple(layer(f"l{i}", i, v, preds=(f"l{i-1}",) if i else (), **kw) for i, v in enumerate(vectors))


@pytest.mark.parametrize("batch", [1, 5])
def test_pipelined_throughput_is_one_over_slowest_stage(batch):
    stages = [3, 7, 2]  # ns per sample (1 ns per vector)
    timing, counts, _ = simulate_plan(RunPlan(layers=chain(stages), chip=chip(3), batch=batch, pipeline=True))
    assert timing.makespan_ns == sum(stages) + (batch - 1) * max(stages)
    assert counts[("chip.tile1.xbar", "forward_pass")] == 7 * batch
    if batch > 1:
        assert timing.interval_ns_per_sample == max(stages)


def test_sequential_time_is_sum_of_stages():
    stages = [3, 7, 2]
    timing, _, _ = simulate_plan(RunPlan(layers=chain(stages), chip=chip(3), batch=4, pipeline=False))
    assert timing.makespan_ns == 4 * sum(stages)
    assert timing.latency_ns_per_sample == sum(stages)
    assert timing.samples_in_flight == 1


def test_conv_rows_pipeline_between_layers():
    """Row handover: l1's row i starts as soon as l0's row i is done, so one sample takes steps + 1 ns."""
    rows = (1, 2, 3, 4)
    l0 = layer("l0", 0, 4, steps=4, outputs=(EmitPlan(dest="l1", rows=4, emit=rows),))
    l1 = layer("l1", 1, 4, steps=4, inputs=(EdgePlan(source="l0", bytes_per_sample=0.0, rows=4, mvm=rows,
                                                     release=rows),))
    timing, _, _ = simulate_plan(RunPlan(layers=(l0, l1), chip=chip(2), batch=1))
    assert timing.makespan_ns == 4 + 1  # whole-sample handover would take 4 + 4
    assert timing.layer("l1").first_start_ns == 1 and timing.layer("l1").steps_per_sample == 4
    whole = simulate_plan(RunPlan(layers=chain([4, 4]), chip=chip(2), batch=1))[0]
    assert whole.makespan_ns == 8


def test_analog_and_digital_halves_of_one_sample_overlap():
    # 4 steps of 1 ns analog, each followed by 1 ns of digital work (4 ops at 1 op/ns per sample)
    plan = RunPlan(layers=(layer("l0", 0, 4, steps=4, digital_forward={"activation": 4.0}),),
                   chip=chip(1, digital_ops_per_ns=1.0), batch=1)
    timing, counts, _ = simulate_plan(plan)
    assert timing.makespan_ns == 1 + 4  # not 4 + 4
    assert counts[("chip.tile0.digital", "activation")] == 4


def test_replicas_split_vectors_and_run_in_parallel():
    groups = tuple(GroupPlan(replica=r, blocks=(BlockPlan(tile=r, rows=16, cols=16),), vectors_per_sample=4)
                   for r in range(4))
    timing, _, _ = simulate_plan(RunPlan(layers=(LayerPlan(name="conv", groups=groups),), chip=chip(4), batch=1))
    assert timing.makespan_ns == 4.0
    assert timing.layer("conv").sequential_mvms_per_sample == 4


def test_groups_on_the_same_crossbar_serialise_and_gantt_shows_busy_time_only():
    groups = tuple(GroupPlan(replica=r, blocks=(BlockPlan(tile=0, rows=16, cols=16),), vectors_per_sample=4)
                   for r in range(3))
    timing, _, _ = simulate_plan(RunPlan(layers=(LayerPlan(name="conv", groups=groups),), chip=chip(1)))
    assert timing.makespan_ns == 12.0
    bars = [e for e in timing.timeline if e.phase == "forward"]
    assert sum(e.end_ns - e.start_ns for e in bars) == 12.0  # the lock waits of replicas 1, 2 are not bars


def test_two_crossbars_of_one_group_sharing_an_adc_pool_take_twice_the_conversion_time():
    def run(pools):
        g = GroupPlan(blocks=(BlockPlan(tile=0, crossbar=0, rows=16, cols=16, row_block=0),
                              BlockPlan(tile=0, crossbar=1, rows=16, cols=16, row_block=1)), vectors_per_sample=1)
        c = chip(1, n_crossbars=2, adc_pools=pools, adc_ns=1.0, n_adcs=1, integrate_ns=10.0)
        return simulate_plan(RunPlan(layers=(LayerPlan(name="l", groups=(g,)),), chip=c))[0].makespan_ns

    own = run(())
    shared = run((((0, 1), 1),))
    assert own == 10 + 16  # integrate, then 16 columns on its own ADC
    assert shared - 10 == 2 * (own - 10)


def test_slow_digital_unit_becomes_the_bottleneck_stage():
    # 2 ns analog per sample, then 100 ops at 10 ops/ns = 10 ns digital on the same layer's tile
    timing, counts, _ = simulate_plan(RunPlan(layers=chain([2], digital_forward={"activation": 100}),
                                              chip=chip(1, digital_ops_per_ns=10.0), batch=3))
    assert timing.makespan_ns == 2 + 10 + 2 * 10
    assert counts[("chip.tile0.digital", "activation")] == 300


def test_training_sample_is_forward_backward_update():
    layers = chain([2, 2], bl=3.0)
    layers = (LayerPlan(**{**layers[0].__dict__, "backward": False}), layers[1])
    timing, counts, _ = simulate_plan(RunPlan(layers=layers, chip=chip(2), mode="training", batch=1, pipeline=False))
    # fwd l0 2 + fwd l1 2 ; l1: backward 2 then update 6 ; l0: update 6 (after l1's gradient at t=6)
    assert timing.makespan_ns == 2 + 2 + 2 + 6
    assert counts[("chip.tile1.xbar", "backward_pass")] == 2
    assert ("chip.tile0.xbar", "backward_pass") not in counts.counts
    assert counts[("chip.tile0.xbar", "update")] == 2
    assert counts[("chip.tile0.xbar", "update_line_pulse")] == 2 * 3 * (16 + 16)


def test_training_bounds_samples_in_flight_by_the_space_their_inputs_take():
    layers = tuple(LayerPlan(**{**lp.__dict__, "bytes_in_per_sample": 100.0}) for lp in chain([1, 1]))
    timing, _, _ = simulate_plan(RunPlan(layers=layers, chip=chip(2, buffer_bytes=300), mode="training", batch=8))
    assert timing.samples_in_flight == 3  # each layer keeps 100 B per sample for its update
    roomy = simulate_plan(RunPlan(layers=layers, chip=chip(2, buffer_bytes=10**6), mode="training", batch=8))[0]
    assert roomy.samples_in_flight == 8


def test_same_seed_same_result_and_timeline():
    plan = RunPlan(layers=chain([3, 5]), chip=chip(2), batch=3, mode="training")
    a = simulate_plan(plan, seed=1)
    b = simulate_plan(plan, seed=1)
    assert a[0].to_dict() == b[0].to_dict() and a[1].to_dict() == b[1].to_dict()


def test_invalid_plans_are_simulation_errors():
    with pytest.raises(SimulationError, match="mode"):
        simulate_plan(RunPlan(layers=chain([1]), chip=chip(1), mode="bogus"))
    with pytest.raises(SimulationError, match="batch"):
        simulate_plan(RunPlan(layers=chain([1]), chip=chip(1), batch=0))
    with pytest.raises(SimulationError, match="not a layer"):
        simulate_plan(RunPlan(layers=(layer("l0", 0, 1, preds=("nope",)),), chip=chip(1)))
    with pytest.raises(SimulationError, match="no blocks"):
        simulate_plan(RunPlan(layers=(LayerPlan(name="l", groups=(GroupPlan(blocks=(), vectors_per_sample=1),)),),
                              chip=chip(1)))


def test_full_line_buffer_stalls_the_producer_layer():
    # l0: 1 ns per sample, l1: 10 ns per sample; l1's share of its tile holds exactly one sample (100 B)
    layers = chain([1, 10], bytes_in_per_sample=100.0)
    timing, _, _ = simulate_plan(RunPlan(layers=layers, chip=chip(2, buffer_bytes=100), batch=5))
    starts = [e.start_ns for e in timing.timeline if e.layer == "l0" and e.phase == "forward"]
    # l0's output of sample k waits for l1 to finish sample k-1 (it frees the space at its end)
    assert starts[:2] == [0, 1] and timing.makespan_ns == 1 + 5 * 10
    assert timing.layer("l0").stall_ns > 0


def test_stall_policy_rejects_a_working_set_larger_than_the_buffer():
    layers = chain([1, 1], bytes_in_per_sample=100.0)
    with pytest.raises(SimulationError, match=r"tile.buffer.capacity_bytes: .*'stall' \(no spill path\)"):
        simulate_plan(RunPlan(layers=layers, chip=chip(2, buffer_bytes=50, spill="stall")))


def test_spill_to_offchip_counts_traffic_and_time():
    layers = chain([1, 1], bytes_in_per_sample=100.0)
    timing, counts, _ = simulate_plan(RunPlan(layers=layers, chip=chip(2, buffer_bytes=40, bw=10.0)))
    l1 = timing.layer("l1")
    assert l1.bytes_spilled == pytest.approx(60.0)  # 40 of the 100 B fit
    assert counts[("chip.offchip", "write_bytes")] >= 60 and counts[("chip.offchip", "read_bytes")] >= 60
    fits = simulate_plan(RunPlan(layers=layers, chip=chip(2, buffer_bytes=1000, bw=10.0)))[0]
    assert fits.layer("l1").bytes_spilled == 0 and timing.makespan_ns > fits.makespan_ns


def _residual():
    # l0 -> l1 (MVM input) ; l0 -> l2 ; l2 -> l1 as the residual operand of the add l1 owns
    return (layer("l0", 0, 2), layer("l1", 1, 3, preds=("l0",), post_preds=("l2",)), layer("l2", 2, 4, preds=("l0",)))


def test_residual_operand_gates_the_digital_stage_only():
    timing, _, _ = simulate_plan(RunPlan(layers=_residual(), chip=chip(3), batch=1))
    # l1's MVMs run [2, 5] in parallel with l2's [2, 6]; the add at l1 waits for l2 -> done at 6
    fwd = [e for e in timing.timeline if e.layer == "l1" and e.phase == "forward"]
    assert max(e.end_ns for e in fwd) == 5 and timing.makespan_ns == 6


def test_residual_training_sends_gradients_both_ways():
    timing, counts, _ = simulate_plan(RunPlan(layers=_residual(), chip=chip(3), batch=2, mode="training"))
    assert counts[("chip.tile2.xbar", "backward_pass")] == 2 * 4  # l2 receives l1's residual gradient
    assert counts[("chip.tile1.xbar", "backward_pass")] == 2 * 3
    assert timing.makespan_ns > 0


def test_minibatch_update_applies_all_vectors_once_per_batch():
    layers = chain([2, 2], bl=3.0)
    layers = (LayerPlan(**{**layers[0].__dict__, "backward": False}), layers[1])
    per_sample = simulate_plan(RunPlan(layers=layers, chip=chip(2), mode="training", batch=4))[1]
    timing, per_batch, _ = simulate_plan(RunPlan(layers=layers, chip=chip(2), mode="training", batch=4,
                                                 update_every=4))
    assert per_batch.to_dict() == per_sample.to_dict()  # same work, other order
    updates = {(e.layer, e.sample, e.end_ns - e.start_ns) for e in timing.timeline if e.phase == "update"}
    assert updates == {("l1", 3, 24.0), ("l0", 3, 24.0)}


def test_counts_are_attributed_to_layers_and_sum_to_the_totals():
    timing, counts, _ = simulate_plan(RunPlan(layers=chain([2, 3], bytes_in_per_sample=50.0), chip=chip(2), batch=2))
    assert set(counts.by_layer) == {"l0", "l1"}
    total: dict = {}
    for per in counts.by_layer.values():
        for key, n in per.items():
            total[key] = total.get(key, 0) + n
    assert total == dict(counts.counts)
    assert counts.layer("l1")[("chip.tile1.xbar", "forward_pass")] == 6


def test_steady_interval_uses_the_window_where_the_pipeline_is_full():
    # completions at 10, 20, 30 (steady), then a fast drain at 31, 32 after the last start at 30
    assert steady_interval([10, 20, 30, 31, 32], window_end=30) == 10
    assert steady_interval([10, 20, 30, 31, 32]) == pytest.approx(22 / 4)
    assert steady_interval([7.0]) == 7.0 and steady_interval([]) == 0.0


def test_achieved_ops_follow_the_macs():
    layers = tuple(LayerPlan(**{**lp.__dict__, "macs_per_sample": 1000.0}) for lp in chain([4, 4]))
    timing, _, _ = simulate_plan(RunPlan(layers=layers, chip=chip(2), batch=3))
    assert timing.ops == 2 * 1000 * 2 * 3
    assert timing.achieved_tops == pytest.approx(timing.ops / timing.makespan_ns / 1000)
    assert timing.achieved_tops_steady == pytest.approx(4000 / timing.interval_ns_per_sample / 1000)


def test_layers_sharing_an_adc_pool_are_simulated_read_by_read():
    # two layers on crossbars 0 and 1 of one tile, one pool of one ADC: 16 conversions each of 1 ns after 10 ns
    # of integration; with their own ADCs they finish together at 26 ns, sharing one the second waits 16 ns
    def run(pools):
        a = LayerPlan(name="a", groups=(GroupPlan(blocks=(BlockPlan(tile=0, crossbar=0, rows=16, cols=16),),
                                                  vectors_per_sample=1),))
        b = LayerPlan(name="b", groups=(GroupPlan(blocks=(BlockPlan(tile=0, crossbar=1, rows=16, cols=16),),
                                                  vectors_per_sample=1),))
        c = chip(1, n_crossbars=2, adc_pools=pools, adc_ns=1.0, n_adcs=1, integrate_ns=10.0)
        return simulate_plan(RunPlan(layers=(a, b), chip=c))[0].makespan_ns

    assert run(()) == 26.0
    assert run((((0, 1), 1),)) == 26.0 + 16.0


def test_partial_row_activation_multiplies_reads_and_conversions():
    """R of N rows per read: ceil(N / R) reads per pass, each converting every column."""
    def run(rows_per_read):
        c = chip(1, adc_ns=1.0, n_adcs=16)
        xbar = CrossbarSpec(**{**c.tile.crossbar.__dict__, "rows_per_read": rows_per_read})
        c = ChipPlan(**{**c.__dict__, "tile": TileSpec(**{**c.tile.__dict__, "crossbar": xbar})})
        return simulate_plan(RunPlan(layers=(layer("l", 0, 2),), chip=c))

    full, _, _ = run(None)
    part, counts, _ = run(5)  # 16 rows, 5 per read: 4 reads
    assert full.makespan_ns == 2 * (1 + 1)  # per vector: integrate 1 ns + one conversion round of 1 ns
    assert part.makespan_ns == 4 * full.makespan_ns
    assert counts[("chip.tile0.adc", "convert")] == 2 * 4 * 16 and counts[("chip.tile0.dac", "convert")] == 2 * 16


def test_a_bar_starts_when_the_crossbar_is_obtained_not_when_it_is_requested():
    a = LayerPlan(name="a", groups=(GroupPlan(blocks=(BlockPlan(tile=0, crossbar=0, rows=16, cols=16),),
                                              vectors_per_sample=4),))
    b = LayerPlan(name="b", groups=(GroupPlan(blocks=(BlockPlan(tile=0, crossbar=0, rows=16, cols=16),),
                                              vectors_per_sample=4),))
    timing, _, _ = simulate_plan(RunPlan(layers=(a, b), chip=chip(1)))
    bars = {e.layer: e for e in timing.timeline if e.phase == "forward"}
    assert (bars["a"].start_ns, bars["a"].end_ns) == (0, 4) and (bars["b"].start_ns, bars["b"].end_ns) == (4, 8)
    assert bars["b"].busy_ns == 4  # b asked at 0; it waited for a's lock, which is not its bar


def test_a_bar_records_the_busy_time_inside_it():
    # l1 (3 ns per sample) waits between its rows for l0's (3 ns per row): busy 3 of a 7 ns bar
    rows = (1, 2, 3)
    l0 = layer("l0", 0, 9, steps=3, outputs=(EmitPlan(dest="l1", rows=3, emit=rows),))
    l1 = layer("l1", 1, 3, steps=3, inputs=(EdgePlan(source="l0", bytes_per_sample=0.0, rows=3, mvm=rows,
                                                     release=rows),))
    timing, _, _ = simulate_plan(RunPlan(layers=(l0, l1), chip=chip(2)))
    bar = next(e for e in timing.timeline if e.layer == "l1" and e.phase == "forward")
    assert (bar.start_ns, bar.end_ns, bar.busy_ns) == (3, 10, 3)
