"""Closed-form checks of the event engine (SimPy style: traces of (scope, event, time_ticks))."""

from __future__ import annotations

import networkx as nx
import pytest
import simpy

from archsim.engine.buffer import TileBuffer
from archsim.engine.env import SimEnvironment
from archsim.engine.interconnect import Network
from archsim.engine.peripherals import AdcBank, Crossbar, DacBank
from archsim.engine.schedule import BlockPlan, ChipPlan, GroupPlan, LayerPlan, RunPlan
from archsim.engine.simulate import simulate_plan
from archsim.engine.spec import BufferSpec, ConverterSpec, CrossbarSpec, DigitalSpec, LinkSpec, OffchipSpec, TileSpec
from archsim.errors import SimulationError

PS = 1000  # ticks per ns at the default 1 ps tick


def xbar_spec(**kw):
    base = dict(n_rows=8, n_cols=8, dac=ConverterSpec(n_units=4, conversion_ns=1.0),
                adc=ConverterSpec(n_units=2, conversion_ns=3.0), integrate_ns=10.0)
    base.update(kw)
    return CrossbarSpec(**base)


def make_crossbar(env, spec, name="xb", dac=None, adc=None):
    dac = dac or DacBank(env, f"{name}_dac", None, spec.dac)
    adc = adc or AdcBank(env, f"{name}_adc", None, spec.adc)
    return Crossbar(env, name, None, spec, dac, adc)


def test_one_mvm_is_dac_plus_integration_plus_adc():
    env = SimEnvironment(trace=True)
    spec = xbar_spec()
    xb = make_crossbar(env, spec)
    env.process(xb.execute_vectors(1, rows=8, cols=5))
    env.run()
    # DAC: ceil(8/4) x 1 ns = 2 ns; integrate 10 ns; ADC: ceil(5/2) x 3 ns = 9 ns
    assert env.trace_log == [
        ("xb_dac", "convert_start", 0), ("xb_dac", "convert_end", 2 * PS),
        ("xb", "integrate_start", 2 * PS), ("xb", "integrate_end", 12 * PS),
        ("xb_adc", "convert_start", 12 * PS), ("xb_adc", "convert_end", 21 * PS),
    ]
    assert spec.mvm_ns(8, 5, 1) == 21.0
    assert env.counts[("xb_dac", "convert")] == 8 and env.counts[("xb_adc", "convert")] == 5


def test_backward_drives_columns_and_reads_rows():
    spec = xbar_spec(backward_integrate_ns=20.0)
    # drive 5 cols: ceil(5/4)=2 ns; read 8 rows: ceil(8/2)*3 = 12 ns
    assert spec.stage_ns(8, 5, backward=True) == (2.0, 20.0, 12.0)


@pytest.mark.parametrize("overlap", [False, True])
def test_fine_chunk_equals_closed_form(overlap):
    env = SimEnvironment()
    spec = xbar_spec(overlap=overlap, input_cycles=2)
    xb = make_crossbar(env, spec)
    env.process(xb.execute_vectors(3, rows=8, cols=5))
    env.run()
    n = 6  # 3 vectors x 2 input cycles
    expected = 21 + (n - 1) * 10 if overlap else n * 21
    assert env.now == expected * PS == env.to_ticks(spec.mvm_ns(8, 5, n))


def test_two_crossbars_sharing_an_adc_bank_serialise():
    env = SimEnvironment(trace=True)
    spec = xbar_spec()
    shared = AdcBank(env, "adc", None, spec.adc)
    a = make_crossbar(env, spec, "a", adc=shared)
    b = make_crossbar(env, spec, "b", adc=shared)
    env.process(a.execute_vectors(1, rows=8, cols=5))
    env.process(b.execute_vectors(1, rows=8, cols=5))
    env.run()
    adc_events = [e for e in env.trace_log if e[0] == "adc"]
    assert adc_events == [("adc", "convert_start", 12 * PS), ("adc", "convert_end", 21 * PS),
                          ("adc", "convert_start", 21 * PS), ("adc", "convert_end", 30 * PS)]


def test_two_tiles_sharing_one_link_serialise():
    env = SimEnvironment(trace=True)
    g = nx.Graph()
    g.add_edges_from([(("tile", 0), ("router", 0)), (("tile", 1), ("router", 0)), (("router", 0), ("tile", 2))])
    net = Network(env, "noc", None, g, LinkSpec(bandwidth_bytes_per_ns=4.0, hop_latency_ns=1.0))
    done = []

    def send(src):
        yield from net.send(("tile", src), ("tile", 2), 40)
        done.append((src, env.now))

    env.process(send(0))
    env.process(send(1))
    env.run()
    # one packet: 2 hops x 1 ns + 40 B / 4 B/ns = 12 ns; the second waits for the shared router0->tile2 link
    assert done == [(0, 12 * PS), (1, 24 * PS)]
    assert env.counts[("noc.link_router0_tile2", "bytes")] == 80
    assert env.counts[("noc.router_router0", "bytes")] == 80


def test_disjoint_routes_run_in_parallel():
    env = SimEnvironment()
    g = nx.path_graph([("tile", 0), ("tile", 1), ("tile", 2), ("tile", 3)])
    net = Network(env, "noc", None, g, LinkSpec(bandwidth_bytes_per_ns=1.0))
    env.process(net.send(("tile", 0), ("tile", 1), 10))
    env.process(net.send(("tile", 2), ("tile", 3), 10))
    env.run()
    assert env.now == 10 * PS


def test_full_buffer_stalls_its_producer():
    env = SimEnvironment(trace=True)
    buf = TileBuffer(env, "buf", None, BufferSpec(capacity_bytes=100, bandwidth_bytes_per_ns=1e9), entries=1)
    produced = []

    def producer():
        for i in range(3):
            yield from buf.put(i)
            produced.append((i, env.now))

    def consumer():
        for _ in range(3):
            yield env.timeout(10 * PS)
            yield from buf.get()

    env.process(producer())
    env.process(consumer())
    env.run()
    # item 0 enters at once; item 1 waits until the consumer takes item 0 at 10 ns; item 2 until 20 ns
    assert produced == [(0, 0), (1, 10 * PS), (2, 20 * PS)]


# -- whole-plan schedules -------------------------------------------------------------------------
def chip(n_tiles, *, digital_ops_per_ns=1e9, bw=1e9, buffer_bytes=10**9):
    g = nx.path_graph([("tile", i) for i in range(n_tiles)])
    tile = TileSpec(crossbar=CrossbarSpec(n_rows=16, n_cols=16, dac=ConverterSpec(n_units=16, conversion_ns=0.0),
                                          adc=ConverterSpec(n_units=16, conversion_ns=0.0), integrate_ns=1.0,
                                          pulse_ns=1.0),
                    digital=DigitalSpec(ops_per_ns=digital_ops_per_ns),
                    buffer=BufferSpec(capacity_bytes=buffer_bytes, bandwidth_bytes_per_ns=bw))
    return ChipPlan(tile=tile, graph=g, link=LinkSpec(bandwidth_bytes_per_ns=bw),
                    offchip=OffchipSpec(bandwidth_bytes_per_ns=bw))


def chain(vectors, **kw):
    layers = []
    for i, v in enumerate(vectors):
        layers.append(LayerPlan(name=f"l{i}", preds=(f"l{i-1}",) if i else (),
                                groups=(GroupPlan(blocks=(BlockPlan(tile=i, rows=16, cols=16),),
                                                  vectors_per_sample=v),), **kw))
    return tuple(layers)


@pytest.mark.parametrize("batch", [1, 5])
def test_pipelined_throughput_is_one_over_slowest_stage(batch):
    stages = [3, 7, 2]  # ns per sample (1 ns per vector)
    plan = RunPlan(layers=chain(stages), chip=chip(3), batch=batch, pipeline=True)
    timing, counts, _ = simulate_plan(plan)
    assert timing.makespan_ns == sum(stages) + (batch - 1) * max(stages)
    assert counts[("chip.tile1.xbar", "forward_pass")] == 7 * batch


def test_sequential_time_is_sum_of_stages():
    stages = [3, 7, 2]
    plan = RunPlan(layers=chain(stages), chip=chip(3), batch=4, pipeline=False)
    timing, _, _ = simulate_plan(plan)
    assert timing.makespan_ns == 4 * sum(stages)
    assert timing.latency_ns_per_sample == sum(stages)


def test_replicas_split_vectors_and_run_in_parallel():
    groups = tuple(GroupPlan(replica=r, blocks=(BlockPlan(tile=r, rows=16, cols=16),), vectors_per_sample=4)
                   for r in range(4))
    plan = RunPlan(layers=(LayerPlan(name="conv", groups=groups),), chip=chip(4), batch=1)
    timing, _, _ = simulate_plan(plan)
    assert timing.makespan_ns == 4.0
    assert timing.layer("conv").sequential_mvms_per_sample == 4


def test_groups_on_the_same_crossbar_serialise():
    groups = tuple(GroupPlan(replica=r, blocks=(BlockPlan(tile=0, rows=16, cols=16),), vectors_per_sample=4)
                   for r in range(3))
    plan = RunPlan(layers=(LayerPlan(name="conv", groups=groups),), chip=chip(1), batch=1)
    timing, _, _ = simulate_plan(plan)
    assert timing.makespan_ns == 12.0


def test_slow_digital_unit_becomes_the_bottleneck_stage():
    # 2 ns analog per sample, then 100 ops at 10 ops/ns = 10 ns digital on the same layer's tile
    layers = chain([2], digital_forward={"activation": 100})
    plan = RunPlan(layers=layers, chip=chip(1, digital_ops_per_ns=10.0), batch=3, pipeline=True)
    timing, counts, _ = simulate_plan(plan)
    assert timing.makespan_ns == 2 + 10 + 2 * 10
    assert counts[("chip.tile0.digital", "activation")] == 300


def test_training_sample_is_forward_backward_update():
    # two layers, 2 vectors each, 1 ns per pass; update: BL 3 pulses of 1 ns per vector
    layers = chain([2, 2], bl=3.0)
    layers = (LayerPlan(**{**layers[0].__dict__, "backward": False}), layers[1])
    plan = RunPlan(layers=layers, chip=chip(2), mode="training", batch=1, pipeline=False)
    timing, counts, _ = simulate_plan(plan)
    # fwd l0 2 + fwd l1 2 ; l1: backward 2 then update 6 ; l0: update 6 (after l1's gradient at t=6)
    assert timing.makespan_ns == 2 + 2 + 2 + 6
    assert counts[("chip.tile1.xbar", "backward_pass")] == 2
    assert ("chip.tile0.xbar", "backward_pass") not in counts.counts
    assert counts[("chip.tile0.xbar", "update")] == 2
    assert counts[("chip.tile0.xbar", "update_line_pulse")] == 2 * 3 * (16 + 16)


def test_same_seed_same_result_and_timeline():
    plan = RunPlan(layers=chain([3, 5]), chip=chip(2), batch=3, mode="training")
    a = simulate_plan(plan, seed=1)
    b = simulate_plan(plan, seed=1)
    assert a[0].to_dict() == b[0].to_dict() and a[1].to_dict() == b[1].to_dict()


def test_invalid_mode_is_a_simulation_error():
    with pytest.raises(SimulationError):
        simulate_plan(RunPlan(layers=chain([1]), chip=chip(1), mode="bogus"))


def test_ticks_are_integers():
    env = SimEnvironment(tick_ps=10)
    assert env.to_ticks(1.234) == 123 and env.to_ns(123) == pytest.approx(1.23)
    with pytest.raises(SimulationError):
        env.to_ticks(-1)
    assert isinstance(simpy.Environment, type)


def test_full_layer_buffer_stalls_the_producer_layer():
    # l0: 1 ns per sample, l1: 10 ns per sample; l1's inbox holds exactly one sample (100 B of 100 B)
    layers = chain([1, 10], bytes_in_per_sample=100.0)
    plan = RunPlan(layers=layers, chip=chip(2, buffer_bytes=100), batch=7, pipeline=True)
    timing, _, env = simulate_plan(plan)
    starts = [e.start_ns for e in timing.timeline if e.layer == "l0" and e.phase == "forward"]
    # s0..s4 fill l0's stage queue, its digital half and l1's inbox; then l0 runs at l1's pace (10 ns)
    assert starts == [0, 1, 2, 3, 4, 11, 21]
    assert timing.makespan_ns == 1 + 7 * 10


def _residual():
    def layer(name, i, v, **kw):
        return LayerPlan(name=name, groups=(GroupPlan(blocks=(BlockPlan(tile=i, rows=16, cols=16),),
                                                       vectors_per_sample=v),), **kw)
    # l0 -> l1 (MVM input) ; l0 -> l2 ; l2 -> l1 as the residual operand of the add l1 owns
    return (layer("l0", 0, 2), layer("l1", 1, 3, preds=("l0",), post_preds=("l2",)),
            layer("l2", 2, 4, preds=("l0",)))


def test_residual_operand_gates_the_digital_stage_only():
    timing, _, _ = simulate_plan(RunPlan(layers=_residual(), chip=chip(3), batch=1))
    # l1's MVMs run [2, 5] in parallel with l2's [2, 6]; the add at l1 waits for l2 -> done at 6
    assert timing.layer("l1").last_end_ns == 5 and timing.makespan_ns == 6


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
    updates = [e for e in timing.timeline if e.phase == "update"]
    assert [(e.layer, e.sample, e.end_ns - e.start_ns) for e in updates] == [("l1", 3, 24.0), ("l0", 3, 24.0)]


def test_multiplexed_adc_groups_serialise_a_partial_block():
    """ADCs that each multiplex k adjacent columns: a block on columns 0..L-1 needs min(k, L) conversions."""
    from archsim.engine.spec import ConverterSpec

    spread = ConverterSpec(n_units=128, conversion_ns=2.0)
    muxed = ConverterSpec(n_units=128, conversion_ns=2.0, lines_per_unit=4)  # 512 columns, 4 per ADC
    assert [spread.time_ns(n) for n in (1, 100, 512)] == [2.0, 2.0, 8.0]
    assert [muxed.time_ns(n) for n in (1, 3, 100, 512)] == [2.0, 6.0, 8.0, 8.0]
