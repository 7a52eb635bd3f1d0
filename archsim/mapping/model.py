"""The Mapping: an immutable plan of where every weight of every analog layer lives on the chip.

Both models execute this plan (../shared/DESIGN.md, "Mapping is the seam"): the functional core reads
how each layer's weight matrix is split into crossbar-sized blocks and how many kernel replicas it has;
the event engine reads which blocks sit on which tile, how many vectors each tile processes per sample,
how many bytes move between layers and over how many interconnect hops, and the pipeline stages.

Conventions (documented once here, used everywhere in :mod:`archsim.mapping`):

- **Matrix orientation.** A layer's logical matrix has ``matrix_rows`` inputs (driven by DACs; the
  crossbar's rows) and ``matrix_cols`` outputs (read by ADCs; the crossbar's columns). Conv2d uses
  im2col: ``k_h·k_w·c_in`` rows × ``c_out`` columns, one MVM per output pixel ("patch"). LSTM uses the
  combined ``[x, h]`` input: ``in_features + hidden_size`` rows × ``4·hidden_size`` columns, one MVM
  per time step.
- **Bias.** With an analog bias the bias is one extra input row driven by a constant 1
  (aihwkit's ``digital_bias=False``); ``matrix_rows = matrix_in + 1``. With a digital bias (aihwkit's
  default) the bias is added after the ADC and ``matrix_rows = matrix_in``.
- **Row splits.** The number of row blocks is ``ceil(matrix_rows / n_rows)``. The *inputs* are split
  near-equally over the row blocks (aihwkit's ``TileModuleArray`` rule: ``base + 1`` for the first
  ``size mod n`` blocks) and the analog bias row, if any, is appended to the last row block. Thus a
  784 → 256 layer on 512 × 512 crossbars becomes two blocks of 392 inputs × 256 outputs with a digital
  bias (row splits 392, 392) and also with an analog bias (row splits 392, 393: the second block carries
  392 inputs plus the bias row). Splitting the 785 rows naively would give 393 inputs on the first block.
- **Column splits** are near-equal over ``ceil(matrix_cols / logical_cols_per_crossbar)`` blocks.
- **Multi-cell weights.** A weight of ``weight_bits`` stored in cells of ``bits_per_cell`` bits needs
  ``n_slices = ceil(weight_bits / bits_per_cell)`` cells (ISAAC: 16-bit weights, 2-bit cells → 8 slices).
  Each slice of a block is its own block on its own crossbar (same rows and columns, ``slice`` index
  0 = least significant); shift-and-add combines the slices' outputs digitally. Analog training chips
  (RPU, aihwkit) store one weight per device: ``n_slices = 1``.
- **Differential pairs.** When a weight is the difference of two devices in two columns (G⁺, G⁻), a
  crossbar holds ``n_cols // 2`` logical columns (``cols_per_weight = 2``); block column ranges are
  logical (outputs), so the physical columns used are ``cols_per_weight × (col_stop − col_start)``.
  A single-device weight read against a reference column (the RPU convention) has ``cols_per_weight = 1``.
- **One block per crossbar.** Every block occupies a crossbar of its own (RAPA: "each kernel replica
  occupies a separate crossbar array"); small layers therefore leave crossbars partly empty, which
  ``utilisation`` reports. Crossbars of one tile may hold blocks of different layers.
- **Replicas** (RAPA n_t): replica ``j`` of a layer is a full copy of the layer's blocks; each sample's
  ``vectors_per_sample`` patches are split near-equally over the replicas, so one replica processes
  ``vectors_per_tile_per_sample = ceil(vectors_per_sample / n_replicas)`` vectors per sample in each of
  the forward, backward and update cycles. All blocks of a replica work in parallel, so this is also the
  number of *sequential* MVMs per sample of the layer (``sequential_mvms_per_sample``); input bit-serial
  cycles and bound-management re-runs are the engine's business.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, kw_only=True, slots=True)
class Block:
    """One crossbar-sized piece of one replica (and one bit slice) of a layer's weight matrix.

    Rows ``[row_start, row_stop)`` index the layer's matrix rows (inputs, then the bias row at index
    ``matrix_in`` when the bias is analog); columns ``[col_start, col_stop)`` index its outputs.
    """

    layer: str
    """Name of the layer in the workload."""
    replica: int
    """Replica index, ``0 <= replica < n_replicas``."""
    row_block: int
    """Index of the row split."""
    col_block: int
    """Index of the column split."""
    slice: int
    """Bit-slice index (0 = least significant cell); always 0 when ``n_slices == 1``."""
    row_start: int
    """First matrix row of the block."""
    row_stop: int
    """One past the last matrix row of the block."""
    col_start: int
    """First matrix column (output) of the block."""
    col_stop: int
    """One past the last matrix column of the block."""
    tile: int
    """Tile id (the interconnect node ``("tile", tile)``)."""
    crossbar: int
    """Crossbar index inside the tile, ``0 <= crossbar < n_crossbars``."""
    group: int = 0
    """First group held (grouped convolutions; several packed groups share one crossbar); 0 otherwise."""

    @property
    def n_rows(self) -> int:
        """Rows (inputs, incl. a bias row) used on the crossbar."""
        return self.row_stop - self.row_start

    @property
    def n_cols(self) -> int:
        """Logical columns (outputs) of the block."""
        return self.col_stop - self.col_start

    @property
    def n_weights(self) -> int:
        """Logical weights held by the block."""
        return self.n_rows * self.n_cols


@dataclass(frozen=True, kw_only=True, slots=True)
class TrafficEdge:
    """Activations flowing from one analog layer (or the network input) to another per sample.

    Hops are the traffic-weighted mean shortest-path length (in graph edges) between the crossbars
    of the producer and those of the consumer on the interconnect graph.
    """

    src: str
    """Producing analog layer, or ``"<input>"`` for the network input."""
    dst: str
    """Consuming analog layer."""
    bytes_per_sample: int
    """Activation bytes per sample sent from ``src``'s tile to ``dst``'s (see :mod:`archsim.mapping.schedule`:
    the outputs of src or of digital layers it owns, into dst or into digital layers dst owns)."""
    mean_hops: float
    """Mean hop distance between the producer's and the consumer's crossbars (0 for ``<input>``)."""

    @property
    def hop_bytes_per_sample(self) -> float:
        """Traffic × distance, the quantity greedy placement minimises."""
        return self.bytes_per_sample * self.mean_hops


@dataclass(frozen=True, kw_only=True)
class LayerMapping:
    """How one analog layer is split, replicated and placed."""

    layer: str
    """Layer name."""
    kind: str
    """Layer kind (``linear``, ``conv2d``, ``lstm``)."""
    matrix_in: int
    """Inputs of the logical matrix without the bias row."""
    matrix_rows: int
    """Matrix rows incl. the bias row when the bias is analog."""
    matrix_cols: int
    """Matrix columns (outputs)."""
    analog_bias: bool
    """True when the bias is a crossbar row (in the last row block), False when it is digital or absent."""
    has_bias: bool
    """Whether the layer has a bias at all."""
    n_replicas: int
    """Kernel replicas n_t (RAPA); 1 for non-replicated layers."""
    row_splits: tuple[int, ...]
    """Rows of each row block (incl. the bias row in the last one when analog), near-equal."""
    input_splits: tuple[int, ...]
    """Input features (without bias) of each row block, near-equal."""
    col_splits: tuple[int, ...]
    """Logical columns of each column block, near-equal."""
    n_slices: int
    """Bit slices per weight (cells per weight); 1 on analog training chips."""
    cols_per_weight: int
    """Physical columns per logical column (2 for differential pairs, else 1)."""
    blocks: tuple[Block, ...]
    """Every block of every replica and slice, ordered replica, slice, row block, column block."""
    vectors_per_sample: int
    """MVM input vectors per sample (conv: output pixels/patches; linear: 1; LSTM: time steps)."""
    vectors_per_replica: tuple[int, ...]
    """Near-equal split of ``vectors_per_sample`` over the replicas."""
    vectors_per_tile_per_sample: int
    """``ceil(vectors_per_sample / n_replicas)``: vectors one replica's crossbars process per sample and cycle."""
    sequential_mvms_per_sample: int
    """Sequential MVMs per sample per cycle of the layer (= ``vectors_per_tile_per_sample``)."""
    macs_per_sample: int
    """Multiply-accumulates per sample (forward), without the bias."""
    bytes_in_per_sample: int
    """Bytes of the layer's input tensor per sample."""
    bytes_out_per_sample: int
    """Bytes of the layer's output tensor per sample."""
    tiles: tuple[int, ...]
    """Sorted tile ids holding at least one block of this layer."""
    n_crossbars: int
    """Crossbars used by this layer (= number of blocks)."""
    crossbars_per_replica: int
    """Crossbars of one replica (row blocks × column blocks × slices)."""
    utilisation: float
    """Cells holding weights / cells of the crossbars the layer uses."""
    n_weights: int
    """Trainable parameters incl. biases over all replicas (a digital bias is replicated with its kernel)."""
    stage: int
    """Pipeline stage index (see :attr:`Mapping.stages`)."""
    sources: tuple[str, ...]
    """Analog layers (or ``"<input>"``) that send this layer's tile activations (see
    :mod:`archsim.mapping.schedule`: a residual operand goes to the layer whose tile runs the add)."""
    needs_backward: bool
    """False when the layer's only source is the network input (no input gradient is needed in training)."""
    n_groups: int = 1
    """Independent weight matrices (grouped convolution); ``row_splits``/``input_splits``/``col_splits`` are
    those of one group, ``matrix_in``/``matrix_rows``/``matrix_cols`` the totals over all groups."""
    groups_per_block: int = 1
    """Groups sharing one crossbar (:mod:`archsim.mapping.partition`)."""

    @property
    def n_row_blocks(self) -> int:
        """Number of row splits."""
        return len(self.row_splits)

    @property
    def n_col_blocks(self) -> int:
        """Number of column splits."""
        return len(self.col_splits)

    def blocks_of_replica(self, replica: int) -> tuple[Block, ...]:
        """The blocks of one replica (all slices)."""
        return tuple(b for b in self.blocks if b.replica == replica)

    def summary(self) -> dict[str, Any]:
        """The per-layer table row (JSON-ready), without the block list."""
        return {
            "layer": self.layer,
            "kind": self.kind,
            "matrix_in": self.matrix_in,
            "matrix_rows": self.matrix_rows,
            "matrix_cols": self.matrix_cols,
            "analog_bias": self.analog_bias,
            "has_bias": self.has_bias,
            "n_replicas": self.n_replicas,
            "row_splits": list(self.row_splits),
            "input_splits": list(self.input_splits),
            "col_splits": list(self.col_splits),
            "n_slices": self.n_slices,
            "cols_per_weight": self.cols_per_weight,
            "n_blocks": len(self.blocks),
            "n_crossbars": self.n_crossbars,
            "crossbars_per_replica": self.crossbars_per_replica,
            "vectors_per_sample": self.vectors_per_sample,
            "vectors_per_replica": list(self.vectors_per_replica),
            "vectors_per_tile_per_sample": self.vectors_per_tile_per_sample,
            "sequential_mvms_per_sample": self.sequential_mvms_per_sample,
            "macs_per_sample": self.macs_per_sample,
            "bytes_in_per_sample": self.bytes_in_per_sample,
            "bytes_out_per_sample": self.bytes_out_per_sample,
            "tiles": list(self.tiles),
            "n_tiles": len(self.tiles),
            "utilisation": self.utilisation,
            "n_weights": self.n_weights,
            "stage": self.stage,
            "sources": list(self.sources),
            "needs_backward": self.needs_backward,
            **({"n_groups": self.n_groups, "groups_per_block": self.groups_per_block} if self.n_groups > 1 else {}),
        }


@dataclass(frozen=True, kw_only=True)
class Mapping:
    """The immutable plan: analog layers split into blocks, replicated and placed on tiles.

    ``tile_of_node`` gives, for every node of the workload graph (layer names, digital layers and the
    input included), the *home tile* where its output is produced: for an analog layer the tile that
    holds most of its crossbars (lowest id on ties), for a digital layer the home tile of the analog
    layer it follows (of its first analog consumer when it precedes every analog layer). The engine
    runs digital work there; the interconnect node of tile ``i`` is ``("tile", i)``.
    """

    hw_name: str
    """Name of the hardware description."""
    workload_name: str
    """Name of the workload."""
    n_rows: int
    """Crossbar rows (inputs)."""
    n_cols: int
    """Crossbar columns (outputs)."""
    n_crossbars_per_tile: int
    """Crossbars per tile."""
    n_tiles_chip: int
    """Tiles on the chip."""
    placement: str
    """Placement strategy used (``in-order`` or ``greedy``)."""
    replicas_mode: str
    """How replicas were chosen: ``none``, ``auto`` or ``explicit``."""
    activation_bytes: int
    """Bytes per activation value moved between layers."""
    layers: tuple[LayerMapping, ...]
    """Analog layers in topological order."""
    tile_of_node: dict[str, int]
    """Home tile of every workload node (see the class docstring)."""
    n_tiles_used: int
    """Tiles holding at least one block."""
    stages: tuple[tuple[str, ...], ...]
    """Pipeline stages: layer names (analog and digital) grouped by analog depth, in topological order."""
    edges: tuple[TrafficEdge, ...]
    """Per-sample activation traffic between analog layers, with hop distances."""
    _by_name: dict[str, LayerMapping] = field(default_factory=dict, repr=False, compare=False)
    _by_tile: dict[int, tuple[Block, ...]] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_tile: dict[int, list[Block]] = {}
        for lm in self.layers:
            self._by_name[lm.layer] = lm
            for b in lm.blocks:
                by_tile.setdefault(b.tile, []).append(b)
        for tile in sorted(by_tile):
            self._by_tile[tile] = tuple(sorted(by_tile[tile], key=lambda b: b.crossbar))

    def layer(self, name: str) -> LayerMapping:
        """The mapping of analog layer ``name`` (KeyError if it is not an analog layer)."""
        return self._by_name[name]

    def blocks_on_tile(self, tile: int) -> tuple[Block, ...]:
        """Blocks placed on ``tile``, ordered by crossbar index (empty for an unused tile)."""
        return self._by_tile.get(tile, ())

    @property
    def tiles_used(self) -> tuple[int, ...]:
        """Sorted ids of the tiles holding blocks."""
        return tuple(self._by_tile)

    @property
    def n_crossbars_used(self) -> int:
        """Crossbars holding a block."""
        return sum(lm.n_crossbars for lm in self.layers)

    @property
    def n_crossbars_chip(self) -> int:
        """Crossbars on the chip."""
        return self.n_tiles_chip * self.n_crossbars_per_tile

    @property
    def utilisation(self) -> float:
        """Cells holding weights / cells of the used crossbars."""
        used = sum(lm.utilisation * lm.n_crossbars for lm in self.layers)
        return used / self.n_crossbars_used if self.n_crossbars_used else 0.0

    @property
    def total_sequential_mvms_per_sample(self) -> int:
        """Sequential MVMs per sample when the layers run one after the other (no pipelining)."""
        return sum(lm.sequential_mvms_per_sample for lm in self.layers)

    @property
    def bottleneck_mvms_per_sample(self) -> int:
        """Sequential MVMs per sample of the slowest layer (the pipelined rate)."""
        return max((lm.sequential_mvms_per_sample for lm in self.layers), default=0)

    @property
    def total_hop_bytes_per_sample(self) -> float:
        """Sum over traffic edges of bytes × mean hops."""
        return sum(e.hop_bytes_per_sample for e in self.edges)

    def totals(self) -> dict[str, Any]:
        """Totals row of the per-layer table (JSON-ready)."""
        return {
            "n_layers": len(self.layers),
            "n_blocks": sum(len(lm.blocks) for lm in self.layers),
            "n_crossbars_used": self.n_crossbars_used,
            "n_crossbars_chip": self.n_crossbars_chip,
            "n_tiles_used": self.n_tiles_used,
            "n_tiles_chip": self.n_tiles_chip,
            "n_weights": sum(lm.n_weights for lm in self.layers),
            "utilisation": self.utilisation,
            "total_sequential_mvms_per_sample": self.total_sequential_mvms_per_sample,
            "bottleneck_mvms_per_sample": self.bottleneck_mvms_per_sample,
            "total_bytes_between_layers_per_sample": sum(e.bytes_per_sample for e in self.edges),
            "total_hop_bytes_per_sample": self.total_hop_bytes_per_sample,
            "n_stages": len(self.stages),
        }

    def floorplan(self) -> list[dict[str, Any]]:
        """One entry per chip tile: crossbars used and, per (layer, replica), how many crossbars it holds."""
        plan = []
        for tile in range(self.n_tiles_chip):
            blocks = self.blocks_on_tile(tile)
            groups: dict[tuple[str, int], int] = {}
            for b in blocks:
                groups[(b.layer, b.replica)] = groups.get((b.layer, b.replica), 0) + 1
            plan.append(
                {
                    "tile": tile,
                    "n_crossbars_used": len(blocks),
                    "layers": sorted({b.layer for b in blocks}),
                    "blocks": [
                        {"layer": layer, "replica": replica, "n_crossbars": n}
                        for (layer, replica), n in groups.items()
                    ],
                }
            )
        return plan

    def to_dict(self, *, include_blocks: bool = False) -> dict[str, Any]:
        """JSON-ready dict: settings, per-layer table, totals, stages, traffic edges, tile floorplan.

        Args:
            include_blocks: also list every block (large: ResNet-50 on ISAAC has ~10⁴ blocks).
        """
        layers = []
        for lm in self.layers:
            row = lm.summary()
            if include_blocks:
                row["blocks"] = [
                    {s: getattr(b, s) for s in Block.__slots__}  # type: ignore[attr-defined]
                    for b in lm.blocks
                ]
            layers.append(row)
        return {
            "hw_name": self.hw_name,
            "workload_name": self.workload_name,
            "n_rows": self.n_rows,
            "n_cols": self.n_cols,
            "n_crossbars_per_tile": self.n_crossbars_per_tile,
            "n_tiles_chip": self.n_tiles_chip,
            "placement": self.placement,
            "replicas_mode": self.replicas_mode,
            "activation_bytes": self.activation_bytes,
            "layers": layers,
            "totals": self.totals(),
            "stages": [list(s) for s in self.stages],
            "tile_of_node": dict(sorted(self.tile_of_node.items())),
            "edges": [
                {
                    "src": e.src,
                    "dst": e.dst,
                    "bytes_per_sample": e.bytes_per_sample,
                    "mean_hops": e.mean_hops,
                    "hop_bytes_per_sample": e.hop_bytes_per_sample,
                }
                for e in self.edges
            ],
            "floorplan": self.floorplan(),
        }
