"""The engine's input: a plan of layers, their crossbar groups and row dataflow, and the chip.

:mod:`archsim.engine.build` lowers a Mapping and a HardwareConfig into a :class:`RunPlan`; tests build
plans by hand. Conventions:

- a **group** is one replica of a layer: its blocks (row blocks x column blocks x bit slices) work in
  lockstep on the same vectors; vectors are dealt to the replicas round robin (vector ``v`` of a sample to
  replica ``v mod n``), so each step's vectors spread over the replicas;
- a layer runs ``steps`` steps per sample (conv: output rows; linear: 1). An :class:`EdgePlan` says how
  many rows of a source's tensor must have arrived before the MVMs (``mvm``) and before the digital work
  (``post``) of each step and how many the layer no longer needs after it (``release``); an
  :class:`EmitPlan` how many rows of the tensor sent to each destination are complete after each step.
  Empty tuples mean *whole-sample* handover: everything before the first step, everything after the last.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import networkx as nx

from archsim.engine.spec import LinkSpec, OffchipSpec, TileSpec

INPUT = "<input>"
"""Source name of the network input (read from off-chip memory)."""
OUTPUT = "<output>"
"""Destination name of the network output (written to off-chip memory)."""


@dataclass(frozen=True, kw_only=True)
class BlockPlan:
    """One weight block on one crossbar."""

    tile: int
    """Tile index."""
    crossbar: int = 0
    """Crossbar index within the tile."""
    rows: int
    """Rows used (inputs)."""
    cols: int
    """Physical columns used (outputs)."""
    row_block: int = 0
    """Row split the block belongs to (blocks of one row split need the same input rows)."""
    col_block: int = 0
    """Column split the block belongs to (blocks of one column split are summed into the same outputs)."""
    group: int = 0
    """Group of a grouped convolution (the first one of a crossbar holding several)."""


@dataclass(frozen=True, kw_only=True)
class GroupPlan:
    """One replica of a layer: blocks that process the same vectors in lockstep."""

    replica: int = 0
    """Replica index."""
    blocks: tuple[BlockPlan, ...]
    """The blocks (row blocks x column blocks x slices) of this replica."""
    vectors_per_sample: float
    """Vectors this replica processes per sample."""


@dataclass(frozen=True, kw_only=True)
class EdgePlan:
    """The data a layer receives from one source per sample."""

    source: str
    """Producing layer, or :data:`INPUT`."""
    bytes_per_sample: float
    """Bytes of the tensor per sample."""
    rows: int = 1
    """Rows of the tensor (handed over row by row)."""
    mvm: tuple[int, ...] = ()
    """Rows needed before the MVMs of each step (empty: all rows before the first step; all zero: none)."""
    post: tuple[int, ...] = ()
    """Rows needed before the digital work of each step (the residual operand of an add)."""
    release: tuple[int, ...] = ()
    """Rows no longer needed after each step (empty: all after the last)."""

    def need_mvm(self, steps: int) -> tuple[int, ...]:
        """``mvm`` with the whole-sample default filled in."""
        return self.mvm if self.mvm else ((self.rows,) * steps if not self.post else (0,) * steps)

    def need_post(self, steps: int) -> tuple[int, ...]:
        """``post`` with the default (nothing beyond the MVM needs) filled in."""
        return self.post if self.post else (0,) * steps

    def released(self, steps: int) -> tuple[int, ...]:
        """``release`` with the whole-sample default filled in."""
        return self.release if self.release else (0,) * (steps - 1) + (self.rows,)


@dataclass(frozen=True, kw_only=True)
class EmitPlan:
    """What a layer has sent to one destination after each step."""

    dest: str
    """Consuming layer, or :data:`OUTPUT`."""
    rows: int = 1
    """Rows of the tensor sent."""
    emit: tuple[int, ...] = ()
    """Rows complete after each step (empty: all after the last step)."""

    def emitted(self, steps: int) -> tuple[int, ...]:
        """``emit`` with the whole-sample default filled in."""
        return self.emit if self.emit else (0,) * (steps - 1) + (self.rows,)


@dataclass(frozen=True, kw_only=True)
class LayerPlan:
    """Everything the engine needs about one analog layer."""

    name: str
    """Layer name."""
    groups: tuple[GroupPlan, ...]
    """Replicas."""
    steps: int = 1
    """Steps per sample (row handover; 1 = whole-vector handover)."""
    inputs: tuple[EdgePlan, ...] = ()
    """What it receives; see also ``preds`` / ``post_preds``."""
    preds: tuple[str, ...] = ()
    """Shorthand for hand-built plans: sources whose whole tensor (``bytes_in_per_sample`` split evenly) the
    MVMs need, when ``inputs`` does not list them."""
    post_preds: tuple[str, ...] = ()
    """Shorthand: sources whose whole tensor only the digital stage needs (residual operands)."""
    outputs: tuple[EmitPlan, ...] = ()
    """Row handover to each destination; destinations not listed get the whole tensor after the last step."""
    bytes_in_per_sample: float = 0.0
    """Input activation bytes per sample (the update keeps them in training)."""
    bytes_out_per_sample: float = 0.0
    """Output activation bytes per sample (after the digital layers it owns)."""
    macs_per_sample: float = 0.0
    """Multiply-accumulates of one sample's forward cycle (for the achieved ops)."""
    digital_forward: Mapping[str, float] = field(default_factory=dict)
    """Digital ops per sample in the forward cycle ``{action: ops}``."""
    digital_backward: Mapping[str, float] = field(default_factory=dict)
    """Digital ops per sample in the backward cycle."""
    digital_update: Mapping[str, float] = field(default_factory=dict)
    """Digital ops per sample for the update (pulse probabilities, transfer bookkeeping)."""
    bm_passes_forward: float = 1.0
    """Mean forward passes per vector (bound management re-runs)."""
    bm_passes_backward: float = 1.0
    """Mean backward passes per vector."""
    bl: float = 31.0
    """Mean pulse-train length per update."""
    transfer_reads_per_sample: float = 0.0
    """Extra forward reads per sample (Tiki-Taka transfers)."""
    transfer_writes_per_sample: float = 0.0
    """Extra pulsed row/column updates per sample (Tiki-Taka transfers)."""
    transfer_bl: float = 1.0
    """Pulse-train length of a transfer write."""
    pulses_per_device_per_update: float = 0.0
    """Mean coincidences (pulses applied) per device per vector update (energy only)."""
    backward: bool = True
    """Whether the backward cycle computes an input gradient (False for the first layers)."""
    pass_index: int = 0
    """Pass the layer runs in (reprogramming)."""
    program_bytes: float = 0.0
    """Weight bytes read from off-chip memory to program its crossbars (passes after the first, or every
    pass when the network runs in passes)."""

    def edges(self) -> tuple[EdgePlan, ...]:
        """``inputs`` plus the ``preds`` / ``post_preds`` shorthands; a layer with no sources at all reads the
        network input (``bytes_in_per_sample``)."""
        if not self.inputs and not self.preds:
            return (EdgePlan(source=INPUT, bytes_per_sample=self.bytes_in_per_sample),
                    *(EdgePlan(source=p, bytes_per_sample=0.0, post=(1,) * self.steps) for p in self.post_preds))
        listed = {e.source for e in self.inputs}
        extra = [p for p in self.preds if p not in listed] + [p for p in self.post_preds if p not in listed]
        share = self.bytes_in_per_sample / max(1, len(extra)) if extra else 0.0
        out = list(self.inputs)
        out += [EdgePlan(source=p, bytes_per_sample=share) for p in self.preds if p not in listed]
        out += [EdgePlan(source=p, bytes_per_sample=share, post=(1,) * self.steps) for p in self.post_preds
                if p not in listed]
        return tuple(out)


@dataclass(frozen=True, kw_only=True)
class ChipPlan:
    """The hardware the plan runs on."""

    tile: TileSpec
    """Every tile's spec (tiles are identical)."""
    graph: nx.Graph
    """Interconnect topology, nodes include ``("tile", i)``."""
    link: LinkSpec
    """Default link spec (also the flit size and router rate)."""
    offchip: OffchipSpec
    """Off-chip memory interface."""
    offchip_node: tuple[str, int] | None = None
    """Graph node where off-chip traffic enters (None: straight into the tiles, no network)."""
    weight_bits_per_cell: int = 1
    """Bits stored per cell (weight bytes to program = cells x bits / 8)."""


@dataclass(frozen=True, kw_only=True)
class RunPlan:
    """A complete engine input: layers, chip, mode."""

    layers: tuple[LayerPlan, ...]
    """Analog layers in topological order."""
    chip: ChipPlan
    """Hardware."""
    mode: str = "inference"
    """``inference`` or ``training``."""
    batch: int = 1
    """Samples."""
    pipeline: bool = True
    """Pipeline samples across layers (and rows)."""
    update_every: int = 1
    """Training: samples per weight update. 1 = every sample's rank-one pulse trains right after its
    backward cycle; N = one update step per mini-batch of N samples (all their vectors, applied after the
    last sample's backward cycle; samples count as finished when their gradients are through)."""
    input_bytes_per_sample: float = 0.0
    """Network input read from off-chip per sample."""
    input_rows: int = 1
    """Rows of the network input (read row by row)."""
    output_bytes_per_sample: float = 0.0
    """Network output written off-chip per sample."""
    output_layers: tuple[str, ...] = ()
    """Layers that write the network output (default: those no other layer reads)."""
    activation_bytes: int = 1
    """Bytes per value of partial sums sent between the tiles of one layer."""
    n_passes: int = 1
    """Passes (reprogramming when above 1)."""
    hw_name: str = "hand-built plan"
    """Name of the hardware (for messages)."""
