"""``map_workload``: split, replicate and place every analog layer of a workload on a chip.

Steps: (1) partition each analog layer's matrix for the crossbar size (:mod:`.partition`); (2) choose
replicas — none, explicit, or ``auto`` (:mod:`.replicas`, balanced on stage time); (3) check capacity: a
network larger than the chip is a :class:`~archsim.errors.MappingError` naming the layer, its crossbars and
the chip's, or, with ``mapping.overflow: reprogram`` in the hardware file, runs in *passes* (consecutive
layers in topological order, each pass as many as fit; the crossbars are rewritten between passes);
(4) place blocks on tiles (:mod:`.placement`, per pass); (5) derive stages, owners, the MVM and residual
sources of every layer, traffic with hop distances, home tiles (:mod:`.schedule`), the row dataflow
(:mod:`.rows`) and the digital work (:mod:`.work`). The engine is built from the resulting Mapping alone.
Conventions are documented in :mod:`archsim.mapping.model`.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass

import networkx as nx

from archsim.errors import MappingError
from archsim.hwconfig.rpu import IOParameters, NoiseManagementType
from archsim.hwconfig.schema import HardwareConfig, Overflow
from archsim.mapping.model import Block, LayerMapping, Mapping, TrafficEdge
from archsim.mapping.partition import Partition, n_slices_for, partition_matrix, split_into
from archsim.mapping.placement import STRATEGIES, Demand, HopDistances, mean_hops, tile_weights
from archsim.mapping.replicas import (
    ReplicaCandidate,
    StageTime,
    auto_replicas,
    check_explicit_replicas,
    crossbars_needed,
)
from archsim.mapping.rows import OUTPUT, LayerRows, layer_rows
from archsim.mapping.schedule import (
    INPUT,
    analog_sources,
    dataflow,
    home_tile,
    home_tiles,
    owners,
    pipeline_stages,
)
from archsim.mapping.work import digital_ops
from archsim.workload.model import Layer, Workload

MODES = ("inference", "training")
"""Run modes the stage-time estimate of ``replicas="auto"`` knows."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ChipGeometry:
    """The few hardware facts the mapping needs, lowered from a ``HardwareConfig``."""

    name: str
    """Hardware name."""
    n_rows: int
    """Crossbar rows."""
    n_cols: int
    """Crossbar physical columns."""
    n_crossbars: int
    """Crossbars per tile."""
    n_tiles: int
    """Tiles on the chip."""
    n_slices: int = 1
    """Cells per weight (bit slices)."""
    cols_per_weight: int = 1
    """Physical columns per logical weight column (2 for differential pairs)."""
    activation_bytes: int = 1
    """Bytes per activation moved between layers."""
    graph: nx.Graph | None = None
    """Interconnect graph with ``("tile", i)`` nodes; None places without distances."""
    io_node: Hashable | None = None
    """Graph node through which the network input enters (off-chip interface), if any."""
    input_cycles: int = 1
    """Bit-serial input passes per MVM (``HardwareConfig.input_cycles``)."""
    nm_forward: bool = False
    """Noise management on in the forward cycle (digital ``nm_scale`` work)."""
    nm_backward: bool = False
    """Noise management on in the backward cycle."""
    overflow: Overflow = Overflow.ERROR
    """What to do with a network larger than the chip (``mapping.overflow``)."""


def _nm_on(io: IOParameters) -> bool:
    """Whether noise management scales the inputs and outputs of this cycle (digital ``nm_scale`` work)."""
    return io.noise_management is not NoiseManagementType.NONE and not io.is_perfect


def geometry_from_hw(hw: HardwareConfig) -> ChipGeometry:
    """Lower a ``HardwareConfig`` to a :class:`ChipGeometry`.

    Reads ``tile.n_rows``, ``tile.n_cols``, ``tile.n_crossbars``, ``chip.n_tiles``; bit slices
    ``ceil(crossbar.weight_bits / tile.bits_per_cell)`` when ``crossbar.weight_bits`` is set (1 for analog
    weights); the activation width from ``crossbar.input_bits`` (bit-streamed digital inputs) or else the
    DAC resolution ``tile.dac.bits``, rounded up to whole bytes; one device (pair) per weight column
    (``cols_per_weight`` 1); the interconnect from ``build_graph()``, whose ``("offchip", 0)`` node is where
    the network input enters; noise management from ``crossbar.rpu.forward/backward``.
    """
    tile, xbar = hw.tile, hw.crossbar
    weight_bits = xbar.weight_bits
    n_slices = n_slices_for(weight_bits, tile.bits_per_cell) if weight_bits is not None else 1
    act_bits = xbar.input_bits if xbar.input_bits is not None else tile.dac.bits
    graph = hw.build_graph()
    io_node = ("offchip", 0) if ("offchip", 0) in graph else None
    return ChipGeometry(
        name=hw.name,
        n_rows=tile.n_rows,
        n_cols=tile.n_cols,
        n_crossbars=tile.n_crossbars,
        n_tiles=hw.chip.n_tiles,
        n_slices=n_slices,
        cols_per_weight=1,
        activation_bytes=max(1, math.ceil(act_bits / 8)),
        graph=graph,
        io_node=io_node,
        input_cycles=hw.input_cycles,
        nm_forward=_nm_on(xbar.rpu.forward),
        nm_backward=_nm_on(xbar.rpu.backward),
        overflow=hw.mapping.overflow,
    )


def _kind(layer: Layer) -> str:
    return str(layer.kind)


def _numel(shape: Sequence[int]) -> int:
    return math.prod(int(s) for s in shape) if shape else 0


def _stage_time(hw: HardwareConfig, layer: Layer, part: Partition, ops: MappingABC[str, MappingABC[str, float]],
                in_bytes: int, out_bytes: int, mode: str, *, backward: bool) -> StageTime:
    """The stage-time estimate of :mod:`archsim.mapping.replicas` for one layer (a full block per crossbar)."""
    t, x = hw.tile, hw.crossbar
    rows = max(part.row_splits)
    cols = min(t.n_cols, max(part.col_splits))
    reads = 1 if x.rows_per_read is None else math.ceil(rows / x.rows_per_read)
    per_read_rows = rows if x.rows_per_read is None else min(rows, x.rows_per_read)

    def cycle(drive: int, read: int, integrate: float) -> float:
        stages = (math.ceil(drive / t.dacs_per_crossbar) * t.dac.latency_ns, integrate,
                  math.ceil(read / t.adcs_per_crossbar) * t.adc.latency_ns)
        passes = hw.input_cycles * reads
        return sum(stages) + (passes - 1) * max(stages) if x.overlap_stages else passes * sum(stages)

    analog = cycle(per_read_rows, cols, x.integration_ns)
    cycles = ("forward",)
    if mode == "training":
        analog += x.update_setup_ns + x.rpu.update.desired_bl * x.pulse_ns
        cycles = ("forward", "update")
        if backward:  # the first layers compute no input gradient
            analog += cycle(cols, per_read_rows, x.backward_ns)
            cycles = ("forward", "backward", "update")
    per_unit: dict[str, float] = {}
    for cyc in cycles:
        for op, n in ops[cyc].items():
            found = t.unit_for(op)
            if found is not None:
                name, unit = found
                per_unit[name] = per_unit.get(name, 0.0) + n / (unit.count * unit.throughput_ops_per_ns)
    move = (in_bytes + out_bytes) / (hw.interconnect.link_bandwidth_gbps / 8.0)
    return StageTime(analog_ns_per_vector=analog, digital_ns_per_sample=max(per_unit.values(), default=0.0),
                     movement_ns_per_sample=move, crossbars_per_tile=t.n_crossbars)


def map_workload(
    hw: HardwareConfig | ChipGeometry,
    workload: Workload,
    *,
    replicas: None | str | MappingABC[str, int] = None,
    placement: str = "greedy",
    analog_bias: bool = True,
    tile_budget: int | None = None,
    mode: str = "inference",
) -> Mapping:
    """Map ``workload`` onto ``hw``.

    Args:
        hw: a ``HardwareConfig`` (or a :class:`ChipGeometry`: replicas then balance on vectors alone).
        workload: a ``Workload`` (``layers`` in topological order, ``graph``).
        replicas: ``None`` (one copy each), ``"auto"`` (balanced on stage time under the chip's budget) or
            ``{layer: n_t}`` (unnamed analog layers get 1).
        placement: ``"greedy"`` (by traffic) or ``"in-order"``.
        analog_bias: True puts a layer's bias on an extra crossbar row (in its last row block); False keeps
            it digital (aihwkit's default ``digital_bias=True``).
        tile_budget: with ``replicas="auto"``, replicate only as far as this many tiles' crossbars
            allow (default: the whole chip).
        mode: ``inference`` or ``training``: which cycles the ``auto`` stage times count.

    Raises:
        MappingError: unknown placement, mode or replica settings, or a workload that does not fit.
    """
    if placement not in STRATEGIES:
        raise MappingError(
            f"placement: unknown strategy {placement!r}", hint=f"valid strategies: {', '.join(STRATEGIES)}"
        )
    if mode not in MODES:
        raise MappingError(f"mode: expected one of {', '.join(MODES)}, got {mode!r}")
    full_hw = hw if isinstance(hw, HardwareConfig) else None
    geo = geometry_from_hw(hw) if isinstance(hw, HardwareConfig) else hw
    bias_analog = bool(analog_bias)
    layers = [layer for layer in workload.layers if layer.is_analog]
    all_names = [layer.name for layer in workload.layers]
    by_name = {layer.name: layer for layer in workload.layers}
    graph: nx.DiGraph = workload.graph
    analog_names = {layer.name for layer in layers}
    own = owners(graph, analog_names, all_names)
    owned = {a: [by_name[n] for n in all_names if own[n] == a and n != a] for a in analog_names}
    in_bytes = {layer.name: _numel(layer.in_shape) * geo.activation_bytes for layer in layers}
    out_numel = {layer.name: _numel(layer.out_shape) for layer in workload.layers}
    flows = dataflow(graph, analog_names, out_numel, all_names)

    sources = analog_sources(graph, analog_names, all_names, flows)
    _check_size_first(geo, layers)
    parts: dict[str, Partition] = {}
    ops: dict[str, dict[str, dict[str, float]]] = {}
    cands: list[ReplicaCandidate] = []
    for layer in layers:
        has_bias = bool(layer.bias)
        part = partition_matrix(
            n_inputs=int(layer.matrix_in),
            n_outputs=int(layer.matrix_out),
            bias_row=bias_analog and has_bias,
            n_rows=geo.n_rows,
            n_cols=geo.n_cols,
            n_slices=geo.n_slices,
            cols_per_weight=geo.cols_per_weight,
            layer=layer.name,
            n_groups=int(layer.n_groups),
        )
        parts[layer.name] = part
        ops[layer.name] = digital_ops(
            layer, owned[layer.name], row_blocks=len(part.row_splits), col_blocks=len(part.col_splits),
            n_slices=part.n_slices, matrix_rows=_rows_total(part), digital_bias=has_bias and not bias_analog,
            input_cycles=geo.input_cycles, nm_forward=geo.nm_forward, nm_backward=geo.nm_backward)
        out_bytes = sum(n for (s, _), n in flows.items() if s == layer.name) * geo.activation_bytes
        stage = (None if full_hw is None else
                 _stage_time(full_hw, layer, part, ops[layer.name], in_bytes[layer.name], out_bytes, mode,
                             backward=sources[layer.name] != (INPUT,)))
        cands.append(
            ReplicaCandidate(
                name=layer.name,
                vectors_per_sample=int(layer.vectors_per_sample),
                crossbars_per_replica=part.blocks_per_replica,
                replicable=layer.replicable,
                stage=stage,
            )
        )

    budget = geo.n_tiles * geo.n_crossbars
    if tile_budget is not None:
        if isinstance(tile_budget, bool) or not isinstance(tile_budget, int) or not 1 <= tile_budget <= geo.n_tiles:
            raise MappingError(
                f"tile_budget: expected an integer between 1 and the chip's {geo.n_tiles} tiles, got {tile_budget!r}"
            )
        budget = tile_budget * geo.n_crossbars
    if replicas is None:
        n_t = {c.name: 1 for c in cands}
        rep_mode = "none"
    elif isinstance(replicas, str):
        if replicas != "auto":
            raise MappingError(f"replicas: expected 'auto', a {{layer: n}} dict or None, got {replicas!r}")
        n_t = auto_replicas(cands, budget)
        rep_mode = "auto"
    else:
        n_t = check_explicit_replicas(cands, replicas, all_names)
        rep_mode = "explicit"
    passes = _passes(geo, cands, parts, n_t, rep_mode)

    rows = layer_rows(graph, by_name, analog_names, own, all_names)
    pass_of = {name: k for k, group in enumerate(passes) for name in group}
    dist = HopDistances(geo.graph, geo.n_tiles) if geo.graph is not None else None
    slots: dict[str, list[tuple[int, int]]] = {}
    for group in passes:
        members = set(group)
        demands = [
            Demand(
                name=c.name,
                n_crossbars=c.crossbars_per_replica * n_t[c.name],
                sources=tuple((s, flows[(s, c.name)] * geo.activation_bytes) for s in sources[c.name]
                              if s != INPUT and s in members),
            )
            for c in cands if c.name in members
        ]
        slots.update(STRATEGIES[placement](demands, geo.n_tiles, geo.n_crossbars, dist, geo.io_node))

    stages = pipeline_stages(graph, analog_names, all_names)
    stage_of = {name: k for k, stage in enumerate(stages) for name in stage}
    weights_of = {name: tile_weights(s) for name, s in slots.items() if s}

    out_layers = []
    cells_per_xbar = geo.n_rows * geo.n_cols
    for layer, c in zip(layers, cands):
        part = parts[layer.name]
        n = n_t[layer.name]
        layer_slots = slots[layer.name]
        if len(layer_slots) != c.crossbars_per_replica * n:  # internal invariant after the capacity check
            raise AssertionError(f"placement of {layer.name} returned {len(layer_slots)} crossbars")
        blocks = []
        k = 0
        ranges = part.group_ranges()
        for rep in range(n):
            for sl, i, j, r0, r1, c0, c1, grp in ranges:
                tile, xbar = layer_slots[k]
                k += 1
                blocks.append(
                    Block(
                        layer=layer.name, replica=rep, row_block=i, col_block=j, slice=sl,
                        row_start=r0, row_stop=r1, col_start=c0, col_stop=c1, tile=tile, crossbar=xbar, group=grp,
                    )
                )
        groups = part.n_groups
        if groups == 1:
            used_cells = sum(b.n_rows * b.n_cols * geo.cols_per_weight for b in blocks)
        else:  # packed blocks span zeros between their groups: count the groups' own cells
            used_cells = (n * part.n_slices * groups * sum(part.row_splits) * sum(part.col_splits)
                          * geo.cols_per_weight)
        vps = int(layer.vectors_per_sample)
        has_bias = bool(layer.bias)
        srcs = sources[layer.name]
        lrows: LayerRows = rows[layer.name]
        out_layers.append(
            LayerMapping(
                layer=layer.name,
                kind=_kind(layer),
                matrix_in=int(layer.matrix_in) * groups,
                matrix_rows=_rows_total(part),
                matrix_cols=int(layer.matrix_out) * groups,
                analog_bias=bias_analog and has_bias,
                has_bias=has_bias,
                n_replicas=n,
                row_splits=part.row_splits,
                input_splits=part.input_splits,
                col_splits=part.col_splits,
                n_slices=part.n_slices,
                cols_per_weight=geo.cols_per_weight,
                blocks=tuple(blocks),
                vectors_per_sample=vps,
                vectors_per_replica=split_into(vps, n),
                vectors_per_tile_per_sample=math.ceil(vps / n),
                sequential_mvms_per_sample=math.ceil(vps / n),
                macs_per_sample=int(layer.macs_per_sample),
                bytes_in_per_sample=in_bytes[layer.name],
                bytes_out_per_sample=_numel(layer.out_shape) * geo.activation_bytes,
                tiles=tuple(sorted({b.tile for b in blocks})),
                n_crossbars=len(blocks),
                crossbars_per_replica=part.blocks_per_replica,
                utilisation=used_cells / (len(blocks) * cells_per_xbar),
                n_weights=(int(layer.matrix_in) + (1 if has_bias else 0)) * int(layer.matrix_out) * groups * n,
                stage=stage_of[layer.name],
                sources=srcs,
                needs_backward=srcs != (INPUT,),
                preds=tuple(need.source for need in lrows.needs if any(need.mvm)),
                residual_sources=tuple(need.source for need in lrows.needs if not any(need.mvm)),
                owned=tuple(node.name for node in owned[layer.name]),
                rows=lrows,
                digital_ops=ops[layer.name],
                pass_index=pass_of[layer.name],
                n_groups=groups,
                groups_per_block=part.groups_per_block,
            )
        )

    edges = []
    for lm in out_layers:
        for src in lm.sources:
            if src == INPUT:
                hops = 0.0
                if dist is not None and geo.io_node is not None:
                    vec = dist.from_node(geo.io_node)
                    hops = float(sum(w * vec[t] for t, w in weights_of[lm.layer].items()))
            else:
                hops = mean_hops(dist, weights_of[src], weights_of[lm.layer]) if dist is not None else 0.0
            nbytes = flows[(src, lm.layer)] * geo.activation_bytes
            edges.append(TrafficEdge(src=src, dst=lm.layer, bytes_per_sample=nbytes, mean_hops=hops))

    homes = {name: home_tile(sl) for name, sl in slots.items()}
    tile_of_node = home_tiles(graph, homes, order=all_names) if homes else {nd: 0 for nd in graph.nodes}
    sink = workload.layers[-1]
    first_in = [lm for lm in out_layers if INPUT in lm.sources]
    return Mapping(
        hw_name=geo.name,
        workload_name=workload.name,
        n_rows=geo.n_rows,
        n_cols=geo.n_cols,
        n_crossbars_per_tile=geo.n_crossbars,
        n_tiles_chip=geo.n_tiles,
        placement=placement,
        replicas_mode=rep_mode,
        activation_bytes=geo.activation_bytes,
        layers=tuple(out_layers),
        tile_of_node=tile_of_node,
        n_tiles_used=len({b.tile for lm in out_layers for b in lm.blocks}),
        stages=stages,
        edges=tuple(edges),
        n_passes=len(passes),
        input_bytes_per_sample=max((flows[(INPUT, lm.layer)] for lm in first_in), default=0)
        * geo.activation_bytes,
        output_bytes_per_sample=_numel(sink.out_shape) * geo.activation_bytes,
        output_layers=tuple(lm.layer for lm in out_layers if any(e.dest == OUTPUT for e in lm.rows.emits)),
    )


def _rows_total(part: Partition) -> int:
    """Crossbar rows of one replica's first column block and slice over all groups (the matrix rows)."""
    return sum(r1 - r0 for s, _, j, r0, r1, _, _, _ in part.group_ranges() if s == 0 and j == 0)


#: Most crossbar blocks of one layer that are listed before the capacity check (``_check_size_first``).
_MAX_LISTED_BLOCKS = 1 << 20


def _check_size_first(geo: ChipGeometry, layers: list[Layer]) -> None:
    """Refuse, before its blocks are listed, a layer that alone needs over a million crossbars more than the chip
    has (counted arithmetically; a lower bound without bias row and bit slices): ``out_features: 1e18`` would
    otherwise build a split list of 10^16 entries first. Smaller excesses get :func:`_check_capacity`'s message."""
    have = geo.n_tiles * geo.n_crossbars
    logical_cols = geo.n_cols // geo.cols_per_weight
    if logical_cols < 1:
        return  # partition_matrix explains this one
    for layer in layers:
        rows, cols = int(layer.matrix_in), int(layer.matrix_out)
        need = math.ceil(rows / geo.n_rows) * math.ceil(cols / logical_cols)
        if need > max(have, _MAX_LISTED_BLOCKS):
            tiles = math.ceil(need / geo.n_crossbars)
            raise MappingError(
                f"mapping {geo.name}: layer {layer.name!r} alone needs at least {need:,} crossbars ({rows:,}x{cols:,} "
                f"matrix on {geo.n_rows}x{geo.n_cols} crossbars) but the chip has {have:,}",
                hint=f"use a chip with at least {tiles:,} tiles (--set chip.n_tiles={tiles}), or a smaller layer")


def _passes(geo: ChipGeometry, cands: list[ReplicaCandidate], parts: dict[str, Partition], n_t: dict[str, int],
            mode: str) -> list[list[str]]:
    """Layers per pass: one pass when the network fits; else (``overflow: reprogram``) consecutive layers
    in topological order, as many per pass as the chip's crossbars hold."""
    have = geo.n_tiles * geo.n_crossbars
    if crossbars_needed(cands, n_t) <= have or geo.overflow is not Overflow.REPROGRAM:
        _check_capacity(geo, cands, parts, n_t, mode)
        return [[c.name for c in cands]]
    passes: list[list[str]] = [[]]
    used = 0
    for c in cands:
        need = c.crossbars_per_replica * n_t[c.name]
        if need > have:
            _check_capacity(geo, [c], parts, n_t, mode, reprogram=True)
        if used + need > have:
            passes.append([])
            used = 0
        passes[-1].append(c.name)
        used += need
    return passes


def _check_capacity(
    geo: ChipGeometry, cands: list[ReplicaCandidate], parts: dict[str, Partition], n_t: dict[str, int], mode: str,
    *, reprogram: bool = False
) -> None:
    """Raise a MappingError naming the largest layer when the crossbars needed exceed the chip's."""
    need = crossbars_needed(cands, n_t)
    have = geo.n_tiles * geo.n_crossbars
    if need <= have:
        return
    worst = max(cands, key=lambda c: c.crossbars_per_replica * n_t[c.name])
    n = n_t[worst.name]
    part = parts[worst.name]
    rows, cols = sum(part.row_splits), sum(part.col_splits)
    desc = f"{rows}x{cols} matrix = {len(part.row_splits)} row x {len(part.col_splits)} column blocks"
    if part.n_slices > 1:
        desc += f" x {part.n_slices} bit slices"
    if n > 1:
        desc += f" x {n} replicas"
    tiles_needed = math.ceil(need / geo.n_crossbars)
    hints = [f"use a chip with at least {tiles_needed} tiles (--set chip.n_tiles={tiles_needed})"]
    if mode != "none" and any(v > 1 for v in n_t.values()):
        hints.append("or fewer replicas")
    if geo.n_slices > 1:
        hints.append(f"or fewer cells per weight (now {geo.n_slices} slices)")
    hints.append(f"or larger crossbars (now {geo.n_rows}x{geo.n_cols})")
    if not reprogram:
        hints.append("or run it in passes that rewrite the crossbars (--set mapping.overflow=reprogram)")
    else:
        hints.insert(0, "reprogramming runs whole layers per pass, and this layer alone exceeds the chip")
    xbars = "crossbar" if geo.n_crossbars == 1 else "crossbars"
    raise MappingError(
        f"mapping {geo.name}: the workload needs {need} crossbars but the chip has {have} "
        f"({geo.n_tiles} tiles x {geo.n_crossbars} {xbars} of {geo.n_rows}x{geo.n_cols}); "
        f"the largest layer {worst.name!r} alone needs {worst.crossbars_per_replica * n} ({desc})",
        hint=", ".join(hints),
    )
