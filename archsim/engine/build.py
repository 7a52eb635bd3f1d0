"""Elaboration: lower a Mapping + HardwareConfig (+ optional layer statistics) to a RunPlan.

This is the only engine module that reads the hardware schema; everything downstream sees the small
engine specs of :mod:`archsim.engine.spec`. The engine is built from the Mapping alone: layer sources,
residual operands, row dataflow, digital work and passes come from :class:`~archsim.mapping.Mapping`.
Conventions:

- **Converters.** DACs per crossbar = ``tile.dacs_per_crossbar`` (``ceil(n_rows / rows_per_dac)``), each
  conversion ``tile.dac.latency_ns``; ADC pools from ``tile.adc_pools`` (default: ``adcs_per_crossbar`` ADCs
  of each crossbar, multiplexing ``columns_per_adc`` columns). Differential pairs read ``cols_per_weight``
  physical columns per output. Inputs wider than the DAC take ``ceil(crossbar.input_bits / dac.bits)``
  passes; ``crossbar.rows_per_read`` splits each pass into reads.
- **Blocks -> groups.** All blocks (row blocks, column blocks, bit slices) of one replica form a group
  that works in lockstep on that replica's vectors.
- **Data-dependent figures** come from :class:`~archsim.results.stats.LayerStats` when given
  (``--stats``), else the documented defaults: one bound-management pass, BL = ``rpu.update.desired_bl``,
  transfers from the algorithm (Tiki-Taka family: ``n_reads_per_transfer`` reads and writes every
  ``transfer_every`` updates, in mini-batches when ``units_in_mbatch``; mixed precision: the selected rows
  every ``transfer_every`` mini-batches; plain SGD: none).
- **Digital work** per sample and cycle is the Mapping's (:mod:`archsim.mapping.work`); ``nm_scale`` is
  multiplied by the mean bound-management passes; an op no digital unit of the tile serves is an error.
- **Clock.** Routers forward one flit per ``chip.clock_freq_mhz`` cycle per port, so a link's
  serialisation rate is ``min(link bandwidth, flit_bits x clock)``.
- **Interconnect.** The graph of ``hw.build_graph()``; edge ``bandwidth_gbps``/``latency_ns`` become the
  link spec; off-chip traffic enters at the ``("offchip", 0)`` node.
"""

from __future__ import annotations

from collections.abc import Mapping as MappingABC

import networkx as nx

from archsim.engine.plan import BlockPlan, ChipPlan, EdgePlan, EmitPlan, GroupPlan, LayerPlan, RunPlan
from archsim.engine.spec import (
    BufferSpec,
    ConverterSpec,
    CrossbarSpec,
    DigitalSpec,
    LinkSpec,
    OffchipSpec,
    TileSpec,
)
from archsim.errors import SimulationError
from archsim.hwconfig.algorithms import MixedPrecisionConfig, TransferCompoundConfig
from archsim.hwconfig.schema import HardwareConfig, adc_pool_layout
from archsim.mapping import LayerMapping, Mapping
from archsim.mapping.rows import OUTPUT
from archsim.results.stats import LayerStats

INPUT = "<input>"


def tile_spec(hw: HardwareConfig) -> TileSpec:
    """The engine's :class:`TileSpec` of ``hw``."""
    t, x = hw.tile, hw.crossbar
    xbar = CrossbarSpec(
        n_rows=t.n_rows, n_cols=t.n_cols,
        dac=ConverterSpec(n_units=t.dacs_per_crossbar, conversion_ns=t.dac.latency_ns,
                          lines_per_unit=t.dac.rows_per_dac),
        adc=ConverterSpec(n_units=t.adcs_per_crossbar, conversion_ns=t.adc.latency_ns,
                          lines_per_unit=t.adc.columns_per_adc),
        integrate_ns=x.integration_ns, backward_integrate_ns=x.backward_integration_ns,
        input_cycles=hw.input_cycles, overlap=x.overlap_stages, rows_per_read=x.rows_per_read,
        # inference chips state no update timing (the load-time resolution requires it where the chip trains)
        pulse_ns=0.0 if x.pulse_ns is None else x.pulse_ns,
        update_setup_ns=0.0 if x.update_setup_ns is None else x.update_setup_ns,
        rows_per_write=1 if x.rows_per_write is None else x.rows_per_write,
    )
    units: dict[str, DigitalSpec] = {}
    op_unit: dict[str, str] = {}
    for name, unit in sorted(t.digital.items()):
        units[name] = DigitalSpec(ops_per_ns=unit.throughput_ops_per_ns * unit.count,
                                  job_latency_ns=unit.latency_ns)
        for op in unit.ops:
            op_unit[op.value] = name
    buffer = BufferSpec(capacity_bytes=t.buffer.capacity_bytes * t.buffer.count,
                        bandwidth_bytes_per_ns=t.buffer.bandwidth_gbps * t.buffer.count / 8.0,
                        latency_ns=t.buffer.latency_ns, spill=t.buffer.spill.value)
    pools = tuple((members, n) for members, n in adc_pool_layout(t) if len(members) > 1 or members not in
                  {(i,) for i in range(t.n_crossbars)} or n != t.adcs_per_crossbar)
    return TileSpec(crossbar=xbar, n_crossbars=t.n_crossbars, digital=units, op_unit=op_unit, buffer=buffer,
                    adc_pools=pools)


def engine_graph(hw: HardwareConfig) -> nx.Graph:
    """``hw.build_graph()`` with edge attributes converted to the engine's units."""
    src = hw.build_graph()
    g = nx.Graph()
    g.add_nodes_from(src.nodes(data=True))
    for u, v, data in src.edges(data=True):
        g.add_edge(u, v, bandwidth_bytes_per_ns=float(data["bandwidth_gbps"]) / 8.0,
                   hop_latency_ns=float(data["latency_ns"]), kind=data["kind"])
    return g


def chip_plan(hw: HardwareConfig) -> ChipPlan:
    """The engine's :class:`ChipPlan` of ``hw``."""
    g = engine_graph(hw)
    ic = hw.interconnect
    node = ("offchip", 0) if ("offchip", 0) in g else None
    return ChipPlan(tile=tile_spec(hw), graph=g,
                    link=LinkSpec(bandwidth_bytes_per_ns=ic.link_bandwidth_gbps / 8.0,
                                  hop_latency_ns=ic.hop_latency_ns, flit_bytes=ic.flit_bits / 8.0,
                                  flits_per_ns=hw.chip.clock_freq_mhz / 1000.0),
                    offchip=OffchipSpec(bandwidth_bytes_per_ns=hw.offchip.bandwidth_gbps / 8.0,
                                        latency_ns=hw.offchip.latency_ns,
                                        max_outstanding=hw.offchip.max_outstanding),
                    offchip_node=node, weight_bits_per_cell=hw.tile.bits_per_cell)


def _transfers(hw: HardwareConfig, vectors: float, rows: int, batch: int) -> tuple[float, float, float]:
    """Default ``(reads, writes, transfer_bl)`` per sample of the configured algorithm."""
    algo = hw.crossbar.rpu.algorithm
    if isinstance(algo, TransferCompoundConfig):
        every = abs(float(algo.transfer_every))
        if algo.units_in_mbatch:
            per_sample = 1.0 / max(every * batch, 1e-12)
        else:
            per_sample = vectors / max(every, 1e-12)
        n = per_sample * algo.n_reads_per_transfer
        return n, n, float(algo.transfer_desired_bl)
    if isinstance(algo, MixedPrecisionConfig):
        n_rows = rows if algo.n_rows_per_transfer < 0 else min(rows, algo.n_rows_per_transfer)
        return 0.0, n_rows / (algo.transfer_every * batch), float(hw.crossbar.rpu.update.desired_bl)
    return 0.0, 0.0, 1.0


def _layer_plan(lm: LayerMapping, hw: HardwareConfig, mapping: Mapping, st: LayerStats, batch: int) -> LayerPlan:
    groups = []
    for r in range(lm.n_replicas):
        blocks = tuple(BlockPlan(tile=b.tile, crossbar=b.crossbar, rows=b.n_rows, cols=b.n_cols * lm.cols_per_weight,
                                 row_block=b.row_block, col_block=b.col_block, group=b.group)
                       for b in lm.blocks if b.replica == r)
        groups.append(GroupPlan(replica=r, blocks=blocks, vectors_per_sample=float(lm.vectors_per_replica[r])))
    edge_bytes = {e.src: float(e.bytes_per_sample) for e in mapping.edges if e.dst == lm.layer}
    inputs = tuple(EdgePlan(source=need.source, bytes_per_sample=edge_bytes[need.source], rows=need.rows,
                            mvm=need.mvm, post=need.post, release=need.release) for need in lm.rows.needs)
    outputs = tuple(EmitPlan(dest=e.dest, rows=e.rows, emit=e.emit) for e in lm.rows.emits)
    ops = lm.digital_ops
    fwd = dict(ops["forward"])
    bwd = dict(ops["backward"])
    if "nm_scale" in fwd:
        fwd["nm_scale"] *= st.mean_bm_passes_forward
    if "nm_scale" in bwd:
        bwd["nm_scale"] *= st.mean_bm_passes_backward
    v = float(lm.vectors_per_sample)
    reads, writes, tbl = _transfers(hw, v, lm.matrix_rows, batch)
    if st.transfer_reads_per_sample is not None:
        reads = float(st.transfer_reads_per_sample)
    if st.transfer_writes_per_sample is not None:
        writes = float(st.transfer_writes_per_sample)
    upd = dict(ops["update"])
    if writes:
        upd["transfer"] = writes * max(lm.matrix_rows, lm.matrix_cols)
    return LayerPlan(
        name=lm.layer, groups=tuple(groups), steps=lm.rows.steps, inputs=inputs, outputs=outputs,
        bytes_in_per_sample=float(lm.bytes_in_per_sample), bytes_out_per_sample=float(lm.bytes_out_per_sample),
        macs_per_sample=float(lm.macs_per_sample),
        digital_forward=fwd, digital_backward=bwd, digital_update=upd,
        bm_passes_forward=st.mean_bm_passes_forward, bm_passes_backward=st.mean_bm_passes_backward,
        bl=float(hw.crossbar.rpu.update.desired_bl) if st.mean_bl is None else float(st.mean_bl),
        transfer_reads_per_sample=reads, transfer_writes_per_sample=writes, transfer_bl=tbl,
        pulses_per_device_per_update=float(st.mean_pulses_per_device_per_update),
        backward=lm.needs_backward, pass_index=lm.pass_index,
    )


def _check_units(plan_layers: list[LayerPlan], tile: TileSpec, mode: str, hw: HardwareConfig) -> None:
    """Every op the layers need must be served by a digital unit (no silent fallback)."""
    cycles = ("forward",) if mode == "inference" else ("forward", "backward", "update")
    for lp in plan_layers:
        for cycle in cycles:
            ops = {"forward": lp.digital_forward, "backward": lp.digital_backward,
                   "update": lp.digital_update}[cycle]
            for op, n in sorted(ops.items()):
                if n > 0 and op not in tile.op_unit:
                    served = ", ".join(f"{name}: [{', '.join(o.value for o in u.ops)}]"
                                       for name, u in sorted(hw.tile.digital.items())) or "none"
                    raise SimulationError(
                        f"engine: hardware {hw.name!r}: tile.digital: no unit serves op {op!r}, which layer "
                        f"{lp.name!r} needs in the {cycle} cycle (units: {served})",
                        hint=f"add {op!r} to the ops of a unit in tile.digital"
                             + (", or turn noise management off (crossbar.rpu.forward.noise_management: none)"
                                if op == "nm_scale" else ""))


def build_plan(mapping: Mapping, hw: HardwareConfig, *, mode: str = "inference", batch: int = 1,
               pipeline: bool = True, stats: MappingABC[str, LayerStats] | None = None,
               update_every: int = 1) -> RunPlan:
    """Lower ``mapping`` on ``hw`` to a :class:`RunPlan`.

    Args:
        mapping: an :class:`archsim.mapping.Mapping` made for ``hw``.
        hw: the :class:`archsim.hwconfig.HardwareConfig`.
        mode: ``inference`` (forward cycle) or ``training`` (forward, backward, update).
        batch: samples to simulate (also the mini-batch size for transfer periods).
        pipeline: pipeline samples across layers and rows.
        stats: per-layer statistics of a training run (``load_layer_stats``); missing layers use defaults.
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
    if mapping.n_passes > 1 and hw.crossbar.pulse_ns is None:
        raise SimulationError(
            f"engine: hardware {hw.name!r}: crossbar.pulse_ns: expected the duration of one write step to "
            f"reprogram the crossbars ({mapping.n_passes} passes, mapping.overflow: reprogram)",
            hint="give crossbar.pulse_ns (and crossbar.rows_per_write) with their source")
    chip = chip_plan(hw)
    layers = [_layer_plan(lm, hw, mapping, stats.get(lm.layer) or LayerStats.default(lm.layer), batch)
              for lm in mapping.layers]
    if not hw.tile.digital and any(lp.digital_forward for lp in layers):
        raise SimulationError(f"engine: hardware {hw.name!r}: tile.digital describes no digital unit, but the "
                              "layers need digital work", hint="describe the tile's digital units in tile.digital")
    _check_units(layers, chip.tile, mode, hw)
    rows_in = max((need.rows for lm in mapping.layers for need in lm.rows.needs if need.source == INPUT), default=1)
    return RunPlan(layers=tuple(layers), chip=chip, mode=mode, batch=batch, pipeline=pipeline,
                   update_every=update_every, input_bytes_per_sample=float(mapping.input_bytes_per_sample),
                   input_rows=rows_in, output_bytes_per_sample=float(mapping.output_bytes_per_sample),
                   output_layers=mapping.output_layers, activation_bytes=mapping.activation_bytes,
                   n_passes=mapping.n_passes, hw_name=hw.name)


__all__ = ["OUTPUT", "build_plan", "chip_plan", "engine_graph", "tile_spec"]
