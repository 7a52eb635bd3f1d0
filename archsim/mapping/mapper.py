"""``map_workload``: split, replicate and place every analog layer of a workload on a chip.

Steps: (1) partition each analog layer's matrix for the crossbar size (:mod:`.partition`); (2) choose
replicas — none, explicit, or ``auto`` (:mod:`.replicas`); (3) check capacity, failing with a
:class:`~archsim.errors.MappingError` that names the layer, its crossbars and the chip's; (4) place
blocks on tiles (:mod:`.placement`); (5) derive stages, traffic with hop distances and home tiles
(:mod:`.schedule`). Conventions are documented in :mod:`archsim.mapping.model`.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass
from typing import Any

import networkx as nx

from archsim.errors import MappingError
from archsim.mapping.model import Block, LayerMapping, Mapping, TrafficEdge
from archsim.mapping.partition import Partition, n_slices_for, partition_matrix, split_into
from archsim.mapping.placement import STRATEGIES, Demand, HopDistances, mean_hops, tile_weights
from archsim.mapping.replicas import (
    ReplicaCandidate,
    auto_replicas,
    check_explicit_replicas,
    crossbars_needed,
)
from archsim.mapping.schedule import INPUT, analog_sources, dataflow, home_tile, home_tiles, pipeline_stages


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


def geometry_from_hw(hw: Any) -> ChipGeometry:
    """Lower a ``HardwareConfig`` (archsim/hwconfig/schema.py) to a :class:`ChipGeometry`.

    Reads ``tile.n_rows``, ``tile.n_cols``, ``tile.n_crossbars``, ``chip.n_tiles``; bit slices
    ``ceil(crossbar.weight_bits / tile.bits_per_cell)`` when ``crossbar.weight_bits`` is set (1 for analog
    weights); the activation width from ``crossbar.input_bits`` (bit-streamed digital inputs) or else the
    DAC resolution ``tile.dac.bits``, rounded up to whole bytes; differential pairs from an optional
    ``tile.cells_per_weight == 2`` (the bundled schema stores one device (pair) per weight column, so 1);
    the interconnect from ``interconnect.build_graph()``, whose ``("offchip", 0)`` node is where the
    network input enters.
    """
    tile, chip, xbar = hw.tile, hw.chip, getattr(hw, "crossbar", None)
    weight_bits = getattr(xbar, "weight_bits", None)
    n_slices = n_slices_for(weight_bits, tile.bits_per_cell) if weight_bits is not None else 1
    act_bits = getattr(xbar, "input_bits", None) or tile.dac.bits
    cols_per_weight = int(getattr(tile, "cells_per_weight", 1) or 1)
    graph = hw.build_graph() if hasattr(hw, "build_graph") else hw.interconnect.build_graph()
    io_node = ("offchip", 0) if ("offchip", 0) in graph else None
    return ChipGeometry(
        name=str(hw.name),
        n_rows=int(tile.n_rows),
        n_cols=int(tile.n_cols),
        n_crossbars=int(tile.n_crossbars),
        n_tiles=int(chip.n_tiles),
        n_slices=n_slices,
        cols_per_weight=cols_per_weight,
        activation_bytes=max(1, math.ceil(int(act_bits) / 8)),
        graph=graph,
        io_node=io_node,
    )


def _kind(layer: Any) -> str:
    k = layer.kind
    return str(getattr(k, "value", k))


def _numel(shape: Any) -> int:
    return math.prod(int(s) for s in shape) if shape else 0


def map_workload(
    hw: Any,
    workload: Any,
    *,
    replicas: None | str | MappingABC[str, int] = None,
    placement: str = "greedy",
    analog_bias: bool = True,
    tile_budget: int | None = None,
) -> Mapping:
    """Map ``workload`` onto ``hw``.

    Args:
        hw: a ``HardwareConfig`` (or a :class:`ChipGeometry`).
        workload: a ``Workload`` (``layers`` in topological order, ``graph``).
        replicas: ``None`` (one copy each), ``"auto"`` (RAPA balancing under the chip's budget) or
            ``{layer: n_t}`` (unnamed analog layers get 1).
        placement: ``"greedy"`` (by traffic) or ``"in-order"``.
        analog_bias: True puts a layer's bias on an extra crossbar row (in its last row block); False keeps
            it digital (aihwkit's default ``digital_bias=True``).
        tile_budget: with ``replicas="auto"``, replicate only as far as this many tiles' crossbars
            allow (default: the whole chip).

    Raises:
        MappingError: unknown placement or replica settings, or a workload that does not fit.
    """
    if placement not in STRATEGIES:
        raise MappingError(
            f"placement: unknown strategy {placement!r}", hint=f"valid strategies: {', '.join(STRATEGIES)}"
        )
    geo = hw if isinstance(hw, ChipGeometry) else geometry_from_hw(hw)
    bias_analog = bool(analog_bias)
    layers = [layer for layer in workload.layers if layer.is_analog]
    all_names = [layer.name for layer in workload.layers]
    graph: nx.DiGraph = workload.graph
    analog_names = {layer.name for layer in layers}

    _check_size_first(geo, layers)
    parts: dict[str, Partition] = {}
    cands: list[ReplicaCandidate] = []
    for layer in layers:
        part = partition_matrix(
            n_inputs=int(layer.matrix_in),
            n_outputs=int(layer.matrix_out),
            bias_row=bias_analog and bool(layer.bias),
            n_rows=geo.n_rows,
            n_cols=geo.n_cols,
            n_slices=geo.n_slices,
            cols_per_weight=geo.cols_per_weight,
            layer=layer.name,
            n_groups=int(layer.n_groups),
        )
        parts[layer.name] = part
        cands.append(
            ReplicaCandidate(
                name=layer.name,
                vectors_per_sample=int(layer.vectors_per_sample),
                crossbars_per_replica=part.blocks_per_replica,
                replicable=layer.replicable,
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
        mode = "none"
    elif isinstance(replicas, str):
        if replicas != "auto":
            raise MappingError(f"replicas: expected 'auto', a {{layer: n}} dict or None, got {replicas!r}")
        n_t = auto_replicas(cands, budget)
        mode = "auto"
    else:
        n_t = check_explicit_replicas(cands, replicas, all_names)
        mode = "explicit"
    _check_capacity(geo, cands, parts, n_t, mode)

    out_numel = {layer.name: _numel(layer.out_shape) for layer in workload.layers}
    flows = dataflow(graph, analog_names, out_numel, all_names)
    sources = analog_sources(graph, analog_names, all_names, flows)
    in_bytes = {layer.name: _numel(layer.in_shape) * geo.activation_bytes for layer in layers}
    demands = [
        Demand(
            name=c.name,
            n_crossbars=c.crossbars_per_replica * n_t[c.name],
            sources=tuple((s, flows[(s, c.name)] * geo.activation_bytes) for s in sources[c.name] if s != INPUT),
        )
        for c in cands
    ]
    dist = HopDistances(geo.graph, geo.n_tiles) if geo.graph is not None else None
    slots = STRATEGIES[placement](demands, geo.n_tiles, geo.n_crossbars, dist, geo.io_node)

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
            for s, i, j, r0, r1, c0, c1, g in ranges:
                tile, xbar = layer_slots[k]
                k += 1
                blocks.append(
                    Block(
                        layer=layer.name, replica=rep, row_block=i, col_block=j, slice=s,
                        row_start=r0, row_stop=r1, col_start=c0, col_stop=c1, tile=tile, crossbar=xbar, group=g,
                    )
                )
        groups = part.n_groups
        if groups == 1:
            used_cells = sum(b.n_rows * b.n_cols * geo.cols_per_weight for b in blocks)
        else:  # packed blocks span zeros between their groups: count the groups' own cells
            used_cells = (n * part.n_slices * groups * sum(part.row_splits) * sum(part.col_splits)
                          * geo.cols_per_weight)
        rows_total = sum(b.n_rows for b in blocks if b.replica == 0 and b.slice == 0 and b.col_block == 0)
        vps = int(layer.vectors_per_sample)
        has_bias = bool(layer.bias)
        srcs = sources[layer.name]
        out_layers.append(
            LayerMapping(
                layer=layer.name,
                kind=_kind(layer),
                matrix_in=int(layer.matrix_in) * groups,
                matrix_rows=rows_total,
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
                n_groups=groups,
                groups_per_block=part.groups_per_block,
            )
        )

    edges = []
    for lm in out_layers:
        for s in lm.sources:
            if s == INPUT:
                hops = 0.0
                if dist is not None and geo.io_node is not None:
                    vec = dist.from_node(geo.io_node)
                    hops = float(sum(w * vec[t] for t, w in weights_of[lm.layer].items()))
            else:
                hops = mean_hops(dist, weights_of[s], weights_of[lm.layer]) if dist is not None else 0.0
            nbytes = flows[(s, lm.layer)] * geo.activation_bytes
            edges.append(TrafficEdge(src=s, dst=lm.layer, bytes_per_sample=nbytes, mean_hops=hops))

    homes = {name: home_tile(s) for name, s in slots.items()}
    tile_of_node = home_tiles(graph, homes, order=all_names) if homes else {n: 0 for n in graph.nodes}
    return Mapping(
        hw_name=geo.name,
        workload_name=str(getattr(workload, "name", "workload")),
        n_rows=geo.n_rows,
        n_cols=geo.n_cols,
        n_crossbars_per_tile=geo.n_crossbars,
        n_tiles_chip=geo.n_tiles,
        placement=placement,
        replicas_mode=mode,
        activation_bytes=geo.activation_bytes,
        layers=tuple(out_layers),
        tile_of_node=tile_of_node,
        n_tiles_used=len({b.tile for lm in out_layers for b in lm.blocks}),
        stages=stages,
        edges=tuple(edges),
    )


#: Most crossbar blocks of one layer that are listed before the capacity check (``_check_size_first``).
_MAX_LISTED_BLOCKS = 1 << 20


def _check_size_first(geo: ChipGeometry, layers: list[Any]) -> None:
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


def _check_capacity(
    geo: ChipGeometry, cands: list[ReplicaCandidate], parts: dict[str, Partition], n_t: dict[str, int], mode: str
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
    xbars = "crossbar" if geo.n_crossbars == 1 else "crossbars"
    raise MappingError(
        f"mapping {geo.name}: the workload needs {need} crossbars but the chip has {have} "
        f"({geo.n_tiles} tiles x {geo.n_crossbars} {xbars} of {geo.n_rows}x{geo.n_cols}); "
        f"the largest layer {worst.name!r} alone needs {worst.crossbars_per_replica * n} ({desc})",
        hint=", ".join(hints),
    )
