"""Closed-form checks of the event engine's components (SimPy style: traces of (scope, event, time_ticks))."""

from __future__ import annotations

import random

import networkx as nx
import pytest
import simpy

from archsim.engine.buffer import LineBuffer, RowCounter
from archsim.engine.env import SimEnvironment
from archsim.engine.interconnect import Network
from archsim.engine.memory import OffChipMemory
from archsim.engine.peripherals import AdcPool, Crossbar, DacBank
from archsim.engine.server import Calendar, Server
from archsim.engine.spec import ConverterSpec, CrossbarSpec, LinkSpec, OffchipSpec
from archsim.errors import SimulationError

PS = 1000  # ticks per ns at the default 1 ps tick


def xbar_spec(**kw):
    base = dict(n_rows=8, n_cols=8, dac=ConverterSpec(n_units=4, conversion_ns=1.0),
                adc=ConverterSpec(n_units=2, conversion_ns=3.0), integrate_ns=10.0)
    base.update(kw)
    return CrossbarSpec(**base)


def make_crossbar(env, spec, name="xb", dac=None, adc=None):
    dac = dac or DacBank(env, f"{name}_dac", None, spec.dac)
    adc = adc or AdcPool(env, f"{name}_adc", None, spec.adc)
    return Crossbar(env, name, None, spec, dac, adc)


# -- crossbars and converters -------------------------------------------------------------------------
def test_one_mvm_is_dac_plus_integration_plus_adc():
    env = SimEnvironment(trace=True)
    spec = xbar_spec()
    xb = make_crossbar(env, spec)
    env.process(xb.execute(1, rows=8, cols=5))
    env.run()
    # DAC: ceil(8/4) x 1 ns = 2 ns; integrate 10 ns; ADC: ceil(5/2) x 3 ns = 9 ns
    assert env.trace_log == [
        ("xb_dac", "convert_start", 0), ("xb_dac", "convert_end", 2 * PS),
        ("xb", "integrate_start", 2 * PS), ("xb", "integrate_end", 12 * PS),
        ("xb_adc", "convert_start", 12 * PS), ("xb_adc", "convert_end", 21 * PS),
    ]
    assert spec.mvm_ns(8, 5, 1) == 21.0


def test_backward_drives_columns_and_reads_rows():
    spec = xbar_spec(backward_integrate_ns=20.0)
    # drive 5 cols: ceil(5/4)=2 ns; read 8 rows: ceil(8/2)*3 = 12 ns
    assert spec.stage_ns(8, 5, backward=True) == (2.0, 20.0, 12.0)


@pytest.mark.parametrize("rows_per_read", [None, 3])
@pytest.mark.parametrize("overlap", [False, True])
def test_read_by_read_simulation_equals_closed_form(overlap, rows_per_read):
    env = SimEnvironment()
    spec = xbar_spec(overlap=overlap, input_cycles=2, rows_per_read=rows_per_read)
    xb = make_crossbar(env, spec)
    env.process(xb.execute(6, rows=8, cols=5))  # 3 vectors x 2 input cycles
    env.run()
    reads = 6 * (1 if rows_per_read is None else 3)  # ceil(8 / 3) = 3 reads per pass
    dac = 2.0 if rows_per_read is None else 1.0  # ceil(8/3) = 3 rows per read: ceil(3/4) = 1 conversion
    stage = (dac, 10.0, 9.0)
    expected = sum(stage) + (reads - 1) * max(stage) if overlap else reads * sum(stage)
    assert env.now == env.to_ticks(expected) == env.to_ticks(spec.mvm_ns(8, 5, 6))


def test_rows_per_read_takes_ceil_n_over_r_reads():
    for n, r, reads in ((128, 32, 4), (100, 32, 4), (128, 128, 1), (7, 2, 4)):
        spec = xbar_spec(n_rows=128, rows_per_read=r)
        assert spec.reads(n) == reads
        assert spec.mvm_ns(n, 8, 1) == pytest.approx(reads * sum(spec.stage_ns(n, 8)))
    assert xbar_spec(rows_per_read=None).reads(128) == 1


def test_two_crossbars_sharing_one_adc_take_twice_the_conversion_time():
    """Integration and DAC take no time: what is left is conversion, which a shared pool serialises."""

    def run(shared: bool) -> int:
        env = SimEnvironment()
        spec = xbar_spec(dac=ConverterSpec(n_units=8, conversion_ns=0.0), integrate_ns=0.0,
                         adc=ConverterSpec(n_units=1, conversion_ns=2.0))
        pool = AdcPool(env, "pool", None, spec.adc)
        a = make_crossbar(env, spec, "a", adc=pool)
        b = make_crossbar(env, spec, "b", adc=pool if shared else None)
        env.process(a.execute(1, rows=8, cols=8))
        env.process(b.execute(1, rows=8, cols=8))
        env.run()
        return env.now

    own, shared = run(False), run(True)
    assert own == 8 * 2 * PS  # 8 columns on one ADC, each crossbar its own
    assert shared == 2 * own


# -- servers ------------------------------------------------------------------------------------------
def test_server_equals_a_fifo_simpy_resource():
    rng = random.Random(3)
    jobs = [(rng.randrange(0, 50), rng.randrange(1, 20)) for _ in range(40)]
    jobs.sort()
    for capacity in (1, 3):
        env = simpy.Environment()
        res = simpy.Resource(env, capacity=capacity)
        seen = []

        def job(at, hold, res=res, env=env, seen=seen):
            yield env.timeout(at)
            with res.request() as req:
                yield req
                start = env.now
                yield env.timeout(hold)
                seen.append((start, env.now))

        for at, hold in jobs:
            env.process(job(at, hold))
        env.run()
        server = Server(capacity)
        mine = [server.reserve(at, hold) for at, hold in jobs]
        assert sorted(mine) == sorted(seen)
        assert server.busy == sum(h for _, h in jobs)


def test_calendar_books_the_earliest_gap():
    cal = Calendar()
    assert cal.reserve(100, 10, now=0) == (100, 110)  # booked ahead
    assert cal.reserve(0, 10, now=0) == (0, 10)  # fits before it
    assert cal.reserve(95, 10, now=0) == (110, 120)  # 95..105 overlaps the booking: after it
    assert cal.reserve(10, 85, now=0) == (10, 95)
    assert cal.total_wait == 15


# -- network ------------------------------------------------------------------------------------------
def path(n, hop_ns=1.0, bw=4.0, flit=4.0, rate=None):
    g = nx.path_graph([("tile", i) for i in range(n)])
    return g, LinkSpec(bandwidth_bytes_per_ns=bw, hop_latency_ns=hop_ns, flit_bytes=flit, flits_per_ns=rate)


@pytest.mark.parametrize("hops", [1, 2, 5])
def test_one_packet_takes_hops_times_latency_plus_one_serialisation(hops):
    env = SimEnvironment()
    g, spec = path(hops + 1, hop_ns=5.0)
    net = Network(env, "noc", None, g, spec)
    [arrive] = net.send(("tile", 0), (("tile", hops),), 40, "l")
    assert arrive == (hops * 5 + 40 / 4) * PS  # not hops x (5 + 10)


def test_back_to_back_packets_finish_one_serialisation_apart():
    env = SimEnvironment()
    g, spec = path(4, hop_ns=5.0)
    net = Network(env, "noc", None, g, spec)
    first = net.send(("tile", 0), (("tile", 3),), 40, "l")[0]
    second = net.send(("tile", 0), (("tile", 3),), 40, "l")[0]
    assert first == (3 * 5 + 10) * PS and second - first == 10 * PS
    net.flush()
    first_link, link = net.links[(("tile", 0), ("tile", 1))], net.links[(("tile", 1), ("tile", 2))]
    assert link.busy == 2 * 10 * PS  # each link busy only for the bytes
    assert first_link.max_wait == 10 * PS and link.max_wait == 0  # the second waits at the source only
    assert env.counts[(link.scope, "bytes")] == 80 and env.counts[(link.scope, "flits")] == 20


def test_two_tiles_sharing_one_link_wait_for_it():
    env = SimEnvironment()
    g = nx.Graph()
    g.add_edges_from([(("tile", 0), ("router", 0)), (("tile", 1), ("router", 0)), (("router", 0), ("tile", 2))])
    net = Network(env, "noc", None, g, LinkSpec(bandwidth_bytes_per_ns=4.0, hop_latency_ns=1.0))
    a = net.send(("tile", 0), (("tile", 2),), 40, "l")[0]
    b = net.send(("tile", 1), (("tile", 2),), 40, "l")[0]
    # each: 2 hops x 1 ns + 40 B / 4 B/ns; the second's last hop waits for the first's 10 ns there
    assert (a, b) == (12 * PS, 22 * PS)
    net.flush()
    report = net.router_report()
    assert env.counts[("noc.router_router0", "bytes")] == 80
    assert report["noc.router_router0"]["max_wait_ns"] == 10


def test_disjoint_routes_run_in_parallel():
    env = SimEnvironment()
    g, spec = path(4, hop_ns=0.0, bw=1.0, flit=1.0)
    net = Network(env, "noc", None, g, spec)
    a = net.send(("tile", 0), (("tile", 1),), 10, "l")[0]
    b = net.send(("tile", 2), (("tile", 3),), 10, "l")[0]
    assert a == b == 10 * PS


def test_multicast_crosses_each_link_once():
    env = SimEnvironment()
    g = nx.star_graph(3)
    g = nx.relabel_nodes(g, {0: ("router", 0), 1: ("tile", 0), 2: ("tile", 1), 3: ("tile", 2)})
    net = Network(env, "noc", None, g, LinkSpec(bandwidth_bytes_per_ns=4.0, hop_latency_ns=1.0))
    arrivals = net.send(("tile", 0), (("tile", 1), ("tile", 2)), 40, "l")
    assert arrivals == [12 * PS, 12 * PS]
    net.flush()
    first = net.links[(("tile", 0), ("router", 0))]
    assert env.counts[(first.scope, "bytes")] == 40  # once, not once per destination


def test_flit_width_and_router_clock_are_live():
    # 5 bytes in 4-byte flits: 2 flits = 8 bytes on the wire; at 4 B/ns that is 2 ns
    spec = LinkSpec(bandwidth_bytes_per_ns=4.0, flit_bytes=4.0)
    assert spec.flits(5) == 2 and spec.serialise_ns(5) == 2.0
    # a router forwarding one 4-byte flit per 1 ns cycle caps a 16 B/ns link at 4 B/ns
    slow = LinkSpec(bandwidth_bytes_per_ns=16.0, flit_bytes=4.0, flits_per_ns=1.0)
    wide = LinkSpec(bandwidth_bytes_per_ns=16.0, flit_bytes=16.0, flits_per_ns=1.0)
    assert slow.serialise_ns(64) == 16.0 and wide.serialise_ns(64) == 4.0


# -- off-chip memory ----------------------------------------------------------------------------------
@pytest.mark.parametrize("k", [1, 4])
def test_outstanding_offchip_reads_overlap_their_latency(k):
    env = SimEnvironment()
    mem = OffChipMemory(env, "offchip", None, OffchipSpec(bandwidth_bytes_per_ns=10.0, latency_ns=100.0,
                                                          max_outstanding=k))
    ends = [mem.access(50, "read_bytes", "l") for _ in range(4)]
    if k == 4:  # all latencies overlap: 100 + i x 5 ns
        assert ends == [(100 + 5 * (i + 1)) * PS for i in range(4)]
    else:  # one at a time: i x (100 + 5) ns
        assert ends == [105 * (i + 1) * PS for i in range(4)]
    mem.flush()
    assert env.counts[("offchip", "read_bytes")] == 200


# -- buffers ------------------------------------------------------------------------------------------
def test_full_line_buffer_stalls_its_producer_until_freed():
    env = SimEnvironment()
    line = LineBuffer(env, "l", quota=100.0, working_set=60.0)
    assert line.reserve(60) is None
    ev = line.reserve(60)
    assert ev is not None and not ev.triggered
    line.free(60)
    assert ev.triggered and line.used == 60 and line.peak == 60


def test_row_counter_wakes_waiters_in_order():
    env = SimEnvironment()
    rows = RowCounter(env)
    a, b = rows.wait(0, 2), rows.wait(0, 5)
    rows.add(0, 3)
    assert a.triggered and not b.triggered
    rows.add(0, 5)
    assert b.triggered and rows.wait(0, 4) is None and rows.rows(1) == 0


def test_ticks_are_integers():
    env = SimEnvironment(tick_ps=10)
    assert env.to_ticks(1.234) == 123 and env.to_ns(123) == pytest.approx(1.23)
    with pytest.raises(SimulationError):
        env.to_ticks(-1)
    with pytest.raises(SimulationError):
        SimEnvironment(tick_ps=0)


@pytest.mark.parametrize("overlap", [False, True])
def test_pooled_closed_form_equals_the_read_by_read_simulation(overlap):
    """Crossbars of one group sharing a pool: the closed form the engine uses (CrossbarSpec.pooled_ns) is exact."""
    rng = random.Random(7)
    for _ in range(40):
        m, passes, integrate = rng.randint(1, 4), rng.randint(1, 6), float(rng.randint(1, 12))
        rows = rng.randint(1, 8)
        cols = [rng.randint(1, 12) for _ in range(m)]
        spec = CrossbarSpec(n_rows=8, n_cols=12, dac=ConverterSpec(n_units=1, conversion_ns=1.0),
                            adc=ConverterSpec(n_units=1, conversion_ns=1.0), integrate_ns=integrate, overlap=overlap)
        env = SimEnvironment()
        pool = AdcPool(env, "pool", None, spec.adc)
        for k, c in enumerate(cols):
            xb = Crossbar(env, f"x{k}", None, spec, DacBank(env, f"d{k}", None, spec.dac), pool)
            env.process(xb.execute(passes, rows, c))
        env.run()
        assert env.to_ticks(spec.pooled_ns([(rows, c) for c in cols], passes)) == env.now
