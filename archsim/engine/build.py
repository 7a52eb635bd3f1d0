"""Elaboration: lower a Mapping + HardwareConfig (+ optional workload and layer statistics) to a RunPlan.

This is the only engine module that reads the hardware schema; everything downstream sees the small
engine specs of :mod:`archsim.engine.spec`. Conventions:

- **Converters.** DACs per crossbar = ``tile.dacs_per_crossbar`` (``ceil(n_rows / rows_per_dac)``), each
  conversion ``tile.dac.latency_ns``; ADCs likewise with ``columns_per_adc``. Differential pairs read
  ``cols_per_weight`` physical columns per output. Inputs wider than the DAC take
  ``ceil(crossbar.input_bits / dac.bits)`` passes.
- **Blocks -> groups.** All blocks (row blocks, column blocks, bit slices) of one replica form a group
  that works in lockstep on that replica's ``vectors_per_replica`` vectors.
- **Data-dependent figures** come from :class:`~archsim.results.stats.LayerStats` when given
  (``--stats``), else the documented defaults: one bound-management pass, BL = ``rpu.update.desired_bl``,
  transfers from the algorithm (Tiki-Taka family: ``n_reads_per_transfer`` reads and writes every
  ``transfer_every`` updates, in mini-batches when ``units_in_mbatch``; mixed precision: the selected rows
  every ``transfer_every`` mini-batches; plain SGD: none).
- **Digital work** per sample (ops counted per :class:`~archsim.hwconfig.schema.DigitalOp` kind):
  partial-sum accumulation over row blocks (+ digital bias), shift-and-add of bit-serial cycles and
  weight slices, noise/bound-management scaling (when on), and the digital work of the layer kinds
  (:func:`digital_layer_ops`, from the workload when given): the analog layer's own (LSTM gates) and that of
  the digital layers it owns (activation, pooling, normalisation, element-wise, activation products). Backward:
  the same scaling and derivatives; update: pulse probabilities for ``rows + cols`` values per vector.
- **Interconnect.** The graph of ``hw.build_graph()``; edge ``bandwidth_gbps``/``latency_ns`` become the
  link spec; off-chip traffic enters at the ``("offchip", 0)`` node.
"""

from __future__ import annotations

import math
from collections.abc import Mapping as MappingABC
from typing import Any

import networkx as nx

from archsim.engine.schedule import BlockPlan, ChipPlan, GroupPlan, LayerPlan, RunPlan
from archsim.engine.spec import BufferSpec, ConverterSpec, CrossbarSpec, DigitalSpec, LinkSpec, OffchipSpec, TileSpec
from archsim.errors import SimulationError
from archsim.layers import CYCLES
from archsim.results.stats import LayerStats

INPUT = "<input>"

def _prod(shape: Any) -> int:
    return int(math.prod(int(d) for d in shape)) if shape else 0


def input_cycles(hw: Any) -> int:
    """Bit-serial passes per input vector."""
    bits = hw.crossbar.input_bits
    return 1 if bits is None else max(1, math.ceil(bits / hw.tile.dac.bits))


def tile_spec(hw: Any) -> TileSpec:
    """The engine's :class:`TileSpec` of ``hw``."""
    t, x = hw.tile, hw.crossbar
    xbar = CrossbarSpec(
        n_rows=t.n_rows, n_cols=t.n_cols,
        dac=ConverterSpec(n_units=t.dacs_per_crossbar, conversion_ns=t.dac.latency_ns,
                          lines_per_unit=t.dac.rows_per_dac),
        adc=ConverterSpec(n_units=t.adcs_per_crossbar, conversion_ns=t.adc.latency_ns,
                          lines_per_unit=t.adc.columns_per_adc),
        integrate_ns=x.integration_ns, backward_integrate_ns=x.backward_integration_ns,
        input_cycles=input_cycles(hw), overlap=bool(x.overlap_stages), pulse_ns=x.pulse_ns,
        update_setup_ns=x.update_setup_ns,
    )
    units: dict[str, DigitalSpec] = {}
    op_unit: dict[str, str] = {}
    for name, unit in sorted(t.digital.items()):
        units[name] = DigitalSpec(ops_per_ns=unit.throughput_ops_per_ns * unit.count,
                                  job_latency_ns=unit.latency_ns)
        for op in unit.ops:
            op_unit[getattr(op, "value", str(op))] = name
    if not units:
        # no digital unit described: one generic unit doing one op per clock cycle (documented fallback)
        units["digital"] = DigitalSpec(ops_per_ns=hw.chip.clock_freq_mhz / 1000.0)
    buffer = BufferSpec(capacity_bytes=t.buffer.capacity_bytes * t.buffer.count,
                        bandwidth_bytes_per_ns=t.buffer.bandwidth_gbps * t.buffer.count / 8.0)
    return TileSpec(crossbar=xbar, n_crossbars=t.n_crossbars, digital=units, op_unit=op_unit, buffer=buffer)


def engine_graph(hw: Any) -> nx.Graph:
    """``hw.build_graph()`` with edge attributes converted to the engine's units."""
    src = hw.build_graph()
    g = nx.Graph()
    g.add_nodes_from(src.nodes(data=True))
    for u, v, data in src.edges(data=True):
        gbps = float(data.get("bandwidth_gbps", hw.interconnect.link_bandwidth_gbps))
        g.add_edge(u, v, bandwidth_bytes_per_ns=gbps / 8.0,
                   hop_latency_ns=float(data.get("latency_ns", hw.interconnect.hop_latency_ns)),
                   energy_pj_per_bit=float(data.get("energy_pj_per_bit", 0.0)), kind=data.get("kind", "link"))
    return g


def chip_plan(hw: Any) -> ChipPlan:
    """The engine's :class:`ChipPlan` of ``hw``."""
    g = engine_graph(hw)
    ic = hw.interconnect
    node = ("offchip", 0) if ("offchip", 0) in g else None
    return ChipPlan(tile=tile_spec(hw), graph=g,
                    link=LinkSpec(bandwidth_bytes_per_ns=ic.link_bandwidth_gbps / 8.0,
                                  hop_latency_ns=ic.hop_latency_ns),
                    offchip=OffchipSpec(bandwidth_bytes_per_ns=hw.offchip.bandwidth_gbps / 8.0,
                                        latency_ns=hw.offchip.latency_ns),
                    offchip_node=node)


def _transfers(hw: Any, vectors: float, rows: int, batch: int) -> tuple[float, float, float]:
    """Default ``(reads, writes, transfer_bl)`` per sample of the configured algorithm."""
    algo = hw.crossbar.rpu.algorithm
    kind = getattr(algo, "kind", "sgd")
    if hasattr(algo, "n_reads_per_transfer"):
        every = abs(float(algo.transfer_every))
        period = every * (batch if getattr(algo, "units_in_mbatch", False) else 1.0)
        if getattr(algo, "units_in_mbatch", False):
            per_sample = 1.0 / max(period, 1e-12)
        else:
            per_sample = vectors / max(period, 1e-12)
        n = per_sample * algo.n_reads_per_transfer
        return n, n, float(getattr(algo, "transfer_desired_bl", 1))
    if kind == "mixed_precision":
        n_rows = rows if algo.n_rows_per_transfer < 0 else min(rows, algo.n_rows_per_transfer)
        return 0.0, n_rows / (algo.transfer_every * batch), float(hw.crossbar.rpu.update.desired_bl)
    return 0.0, 0.0, 1.0


def _owners(workload: Any, analog: set[str]) -> dict[str, str]:
    """Owner (the analog layer whose tile runs it) of every digital layer, as the mapping defines it."""
    from archsim.mapping.schedule import owners

    order = [layer.name for layer in workload.layers]
    found = owners(workload.graph, analog, order)
    return {n: o for n, o in found.items() if n not in analog and o != INPUT}


def classify_sources(mapping: Any,
                     workload: Any = None) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Split every layer's ``sources`` into MVM inputs and post-MVM operands (``(preds, post_preds)``).

    A source whose data reaches the layer's own input is an MVM input; one whose data only reaches a
    digital layer the layer owns (a residual add) is needed by the digital stage only. With the workload
    graph this follows the graph edges; without it, a source earlier in topological order is an MVM input
    and a later one a post-MVM operand.
    """
    order = {lm.layer: i for i, lm in enumerate(mapping.layers)}
    mvm_edges: set[tuple[str, str]] = set()
    post_edges: set[tuple[str, str]] = set()
    if workload is not None and getattr(workload, "graph", None) is not None:
        analog = set(order)
        own = _owners(workload, analog)
        own.update({n: n for n in analog})
        for p, v in workload.graph.edges:
            op = own.get(p)
            ov = v if v in analog else own.get(v)
            if op is None or ov is None or op == ov:
                continue
            (mvm_edges if v in analog else post_edges).add((op, ov))
    out: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for lm in mapping.layers:
        srcs = [s for s in lm.sources if s != INPUT]
        pre, post = [], []
        for src in srcs:
            if (src, lm.layer) in mvm_edges:
                pre.append(src)
            elif (src, lm.layer) in post_edges:
                post.append(src)
            elif order.get(src, -1) < order[lm.layer]:
                pre.append(src)
            else:
                post.append(src)
        out[lm.layer] = (tuple(pre), tuple(post))
    return out


def digital_layer_ops(workload: Any, analog: set[str]) -> dict[str, dict[str, dict[str, float]]]:
    """Per analog layer: ``{"forward": {op: n}, "backward": {op: n}}`` of the digital work that runs on its tile.

    A thin loop over the layer kinds (:mod:`archsim.layers`): every layer's kind says its digital ops per sample
    and cycle (``Layer.digital_ops``); an analog layer's own (the LSTM gates) and those of the digital layers it
    owns (activation, pooling, normalisation, element-wise, activation products) are summed on its tile.
    """
    out: dict[str, dict[str, dict[str, float]]] = {}
    if workload is None:
        return out
    owners = _owners(workload, analog)
    owners.update({n: n for n in analog})
    for layer in workload.layers:
        owner = owners.get(layer.name)
        if owner is None:
            continue
        slot = out.setdefault(owner, {cycle: {} for cycle in CYCLES})
        for cycle in CYCLES:
            for op, n in layer.digital_ops(cycle).items():
                slot[cycle][op] = slot[cycle].get(op, 0.0) + n
    return out


def _nm_on(io: Any) -> bool:
    nm = getattr(io, "noise_management", "none")
    return getattr(nm, "value", str(nm)).lower() != "none" and not getattr(io, "is_perfect", False)


def build_plan(mapping: Any, hw: Any, *, mode: str = "inference", batch: int = 1, pipeline: bool = True,
               stats: MappingABC[str, LayerStats] | None = None, workload: Any = None,
               fine: bool = False, update_every: int = 1) -> RunPlan:
    """Lower ``mapping`` on ``hw`` to a :class:`RunPlan`.

    Args:
        mapping: an :class:`archsim.mapping.Mapping` made for ``hw``.
        hw: the :class:`archsim.hwconfig.HardwareConfig`.
        mode: ``inference`` (forward cycle) or ``training`` (forward, backward, update).
        batch: samples to simulate (also the mini-batch size for transfer periods).
        pipeline: pipeline samples across layers.
        stats: per-layer statistics of a training run (``load_layer_stats``); missing layers use defaults.
        workload: the :class:`archsim.workload.Workload` (for the digital layers' work); optional.
        fine: one crossbar event per vector instead of per sample (small networks).
        update_every: training: samples per weight update (1 = per sample, N = per mini-batch of N).
    """
    if mapping.n_rows != hw.tile.n_rows or mapping.n_cols != hw.tile.n_cols:
        raise SimulationError(
            f"engine: mapping {mapping.workload_name!r} was made for {mapping.n_rows}x{mapping.n_cols} "
            f"crossbars, the hardware {hw.name!r} has {hw.tile.n_rows}x{hw.tile.n_cols}",
            hint="re-map for this hardware")
    stats = dict(stats or {})
    unknown = sorted(set(stats) - {lm.layer for lm in mapping.layers})
    if unknown:
        raise SimulationError(f"engine: --stats names layers not in the mapping: {unknown[:5]}",
                              hint="use the result.json of a training run of the same workload")
    chip = chip_plan(hw)
    cycles = chip.tile.crossbar.input_cycles
    analog = {lm.layer for lm in mapping.layers}
    dig_layers = digital_layer_ops(workload, analog)
    rpu = hw.crossbar.rpu
    desired_bl = float(rpu.update.desired_bl)
    nm_fwd, nm_bwd = _nm_on(rpu.forward), _nm_on(rpu.backward)
    edges: dict[str, dict[str, float]] = {}
    input_bytes = 0.0
    for e in getattr(mapping, "edges", ()):
        if e.src == INPUT:
            input_bytes = max(input_bytes, float(e.bytes_per_sample))
        else:
            edges.setdefault(e.dst, {})[e.src] = float(e.bytes_per_sample)
    layers: list[LayerPlan] = []
    has_succ: set[str] = set()
    kinds = classify_sources(mapping, workload)
    for lm in mapping.layers:
        st = stats.get(lm.layer) or LayerStats.default(lm.layer)
        cpw = getattr(lm, "cols_per_weight", 1)
        groups = []
        for r in range(lm.n_replicas):
            blocks = tuple(BlockPlan(tile=b.tile, crossbar=b.crossbar, rows=b.n_rows, cols=b.n_cols * cpw)
                           for b in lm.blocks if b.replica == r)
            groups.append(GroupPlan(replica=r, blocks=blocks,
                                    vectors_per_sample=float(lm.vectors_per_replica[r])))
        preds, post_preds = kinds[lm.layer]
        has_succ.update(preds)
        has_succ.update(post_preds)
        v = float(lm.vectors_per_sample)
        rows, cols = lm.matrix_rows, lm.matrix_cols
        n_rb, n_cb, n_sl = len(lm.row_splits), len(lm.col_splits), lm.n_slices
        fwd: dict[str, float] = {}
        if n_rb > 1 or (lm.has_bias and not lm.analog_bias):
            fwd["accumulate"] = v * cols * ((n_rb - 1) + (1 if lm.has_bias and not lm.analog_bias else 0))
        if cycles * n_sl > 1:
            fwd["shift_add"] = v * cols * n_rb * n_sl * cycles
        if nm_fwd:
            fwd["nm_scale"] = v * (lm.matrix_in + cols) * st.mean_bm_passes_forward
        bwd: dict[str, float] = {}
        if n_cb > 1:
            bwd["accumulate"] = v * lm.matrix_in * (n_cb - 1)
        if nm_bwd:
            bwd["nm_scale"] = v * (lm.matrix_in + cols) * st.mean_bm_passes_backward
        extra = dig_layers.get(lm.layer, {"forward": {}, "backward": {}})
        for op, n in extra["forward"].items():
            fwd[op] = fwd.get(op, 0.0) + n
        for op, n in extra["backward"].items():
            bwd[op] = bwd.get(op, 0.0) + n
        reads, writes, tbl = _transfers(hw, v, rows, batch)
        if st.transfer_reads_per_sample is not None:
            reads = float(st.transfer_reads_per_sample)
        if st.transfer_writes_per_sample is not None:
            writes = float(st.transfer_writes_per_sample)
        upd = {"pulse_prob": v * (rows + cols)}
        if writes:
            upd["transfer"] = writes * max(rows, cols)
        layers.append(LayerPlan(
            name=lm.layer, groups=tuple(groups), preds=preds, post_preds=post_preds,
            bytes_in_per_sample=float(lm.bytes_in_per_sample),
            bytes_out_per_sample=float(lm.bytes_out_per_sample),
            edge_bytes=edges.get(lm.layer, {}),
            digital_forward=fwd, digital_backward=bwd, digital_update=upd,
            bm_passes_forward=st.mean_bm_passes_forward, bm_passes_backward=st.mean_bm_passes_backward,
            bl=desired_bl if st.mean_bl is None else float(st.mean_bl),
            transfer_reads_per_sample=reads, transfer_writes_per_sample=writes, transfer_bl=tbl,
            pulses_per_device_per_update=float(st.mean_pulses_per_device_per_update),
            backward=bool(getattr(lm, "needs_backward", True)),
        ))
    sinks = [lp for lp in layers if lp.name not in has_succ]
    out_bytes = float(sum(lp.bytes_out_per_sample for lp in sinks))
    if workload is not None and getattr(workload, "layers", None):
        act = float(getattr(mapping, "activation_bytes", 1))
        out_bytes = _prod(workload.layers[-1].out_shape) * act
    return RunPlan(layers=tuple(layers), chip=chip, mode=mode, batch=batch, pipeline=pipeline, fine=fine,
                   update_every=update_every,
                   input_bytes_per_sample=input_bytes, output_bytes_per_sample=out_bytes)
