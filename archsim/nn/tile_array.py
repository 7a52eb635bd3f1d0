"""A logical weight matrix split over several crossbar tiles, and the floating-point tile.

A layer's logical matrix ``W`` (``out × in``; inputs are the crossbar rows, outputs its columns) is
cut into ``len(row_splits) × len(col_splits)`` blocks, each held by one tile with the
:class:`archsim.crossbar.AnalogTile` interface. As in aihwkit's ``TileModuleArray``
(Rasch et al., AICAS 2021) every tile runs its own periphery (noise/bound management, DAC,
ADC, noise) and the partial outputs of the row blocks are summed digitally in float32.

Weight scaling (aihwkit ``MappingParameter.weight_scaling_omega``): with ω > 0 each block is stored
as ``W_b / α_b`` with ``α_b = max|W_b| / ω`` (one α per block, or per output column when
``weight_scaling_columnwise``), fixed when the weights are set. The forward output of the tile is
multiplied by α_b, the backward input ``d`` is multiplied by α_b before the tile (so ``z = Wᵀ d``),
and the update sends ``d / α_b`` so that the effective weight ``α_b·W'_b`` moves by ``−η d xᵀ``
exactly as in floating point.

:class:`FloatingPointTile` is the same interface in plain float32 (``W ← W − η dᵀx``); it is the floating-point
baseline of every network. Its products go through the BLAS binding of the compiled tile paths
(:func:`archsim.crossbar.fastpath.matmul_nt`), so the fused training loop (:mod:`archsim.nn.fused`) reproduces it bit
for bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from archsim.crossbar.fastpath import matmul_nn, matmul_nt, matmul_tn

FLOAT = np.float32


def near_equal_splits(size: int, max_size: int) -> tuple[int, ...]:
    """Split ``size`` into ``ceil(size / max_size)`` near-equal parts (the first ``size mod n`` get one more)."""
    if size < 1 or max_size < 1:
        raise ValueError(f"near_equal_splits: size {size} and max_size {max_size} must be >= 1")
    n = math.ceil(size / max_size)
    base, extra = divmod(size, n)
    return tuple(base + 1 if i < extra else base for i in range(n))


@dataclass(frozen=True, kw_only=True)
class MappingOptions:
    """Digital periphery around the tiles of a layer (aihwkit ``MappingParameter``); where the bias sits is the
    Mapping's decision (``LayerMapping.analog_bias``), not an option."""

    weight_scaling_omega: float = 0.0
    """ω of the weight scaling α = max|W|/ω (0 = off)."""
    weight_scaling_columnwise: bool = False
    """One α per output column instead of one per block."""
    learn_out_scaling: bool = False
    """Learn a digital output factor (initialised to 1) by SGD."""
    out_scaling_columnwise: bool = False
    """One learned output factor per output instead of one per layer."""

    def __post_init__(self) -> None:
        if not (self.weight_scaling_omega >= 0 and math.isfinite(self.weight_scaling_omega)):
            from archsim.errors import ConfigError

            raise ConfigError(
                f"mapping options: weight_scaling_omega must be >= 0, got {self.weight_scaling_omega}"
            )


def _c32(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=FLOAT)


class FloatingPointTile:
    """Float32 tile with the AnalogTile interface: exact MVMs and the plain SGD update."""

    def __init__(self, out_size: int, in_size: int, rpu_config: Any = None, seed: int = 0) -> None:
        self.out_size, self.in_size = int(out_size), int(in_size)
        self.weights = np.zeros((self.out_size, self.in_size), dtype=FLOAT)
        self.stats = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        return matmul_nt(_c32(x), self.weights)

    def backward(self, d: np.ndarray) -> np.ndarray:
        return matmul_nn(_c32(d), self.weights)

    def update(self, x: np.ndarray, d: np.ndarray, lr: float) -> None:
        self.weights -= FLOAT(lr) * matmul_tn(_c32(d), _c32(x))

    def get_weights(self) -> np.ndarray:
        return self.weights.copy()

    def set_weights(self, w: np.ndarray) -> None:
        self.weights[...] = np.asarray(w, dtype=FLOAT)


@runtime_checkable
class ModalTile(Protocol):
    """A tile with a training and an evaluation mode (:class:`~archsim.crossbar.inference_noise.InferenceTile`:
    hardware-aware-training weight modifiers only in training mode); the network sets the mode of every pass."""

    def train(self, mode: bool = True) -> Any:
        """Training mode (``mode=True``) or evaluation mode."""
        ...


#: A tile constructor: ``make_tile(out_size, in_size, seed) -> tile``.
TileFactory = Callable[[int, int, int], Any]


def _column_blocks(a: np.ndarray, bounds: np.ndarray) -> list[np.ndarray]:
    """The contiguous column blocks ``a[:, bounds[k] : bounds[k + 1]]`` of a batch."""
    return [np.ascontiguousarray(a[:, bounds[k] : bounds[k + 1]]) for k in range(len(bounds) - 1)]


class TileArray:
    """A logical ``out × in`` matrix on ``len(row_splits) × len(col_splits)`` tiles (module docstring)."""

    def __init__(
        self,
        out_size: int,
        in_size: int,
        *,
        row_splits: tuple[int, ...],
        col_splits: tuple[int, ...],
        make_tile: TileFactory,
        rng: np.random.Generator,
        options: MappingOptions | None = None,
    ) -> None:
        if sum(row_splits) != in_size or sum(col_splits) != out_size:
            raise ValueError(f"splits {row_splits} x {col_splits} do not cover a {out_size}x{in_size} matrix")
        self.out_size, self.in_size = int(out_size), int(in_size)
        self.options = options or MappingOptions()
        self.row_bounds = np.concatenate([[0], np.cumsum(row_splits)]).astype(int)
        self.col_bounds = np.concatenate([[0], np.cumsum(col_splits)]).astype(int)
        tile_rng = np.random.default_rng(int(rng.integers(2**63 - 1)))  # one draw, whatever the tile count
        self.tiles = [
            [make_tile(int(c), int(r), int(tile_rng.integers(2**31 - 1))) for c in col_splits]
            for r in row_splits
        ]
        self.scales: list[list[np.ndarray | None]] = [[None for _ in col_splits] for _ in row_splits]
        self._single = len(row_splits) == 1 and len(col_splits) == 1

    # -- weights ---------------------------------------------------------------------------------
    def blocks(self):
        """Yield (row index, col index, row slice, col slice, tile)."""
        for i, row in enumerate(self.tiles):
            rs = slice(self.row_bounds[i], self.row_bounds[i + 1])
            for j, tile in enumerate(row):
                yield i, j, rs, slice(self.col_bounds[j], self.col_bounds[j + 1]), tile

    def all_tiles(self) -> list[Any]:
        """Every tile of the array."""
        return [tile for row in self.tiles for tile in row]

    def set_weights(self, w: np.ndarray) -> None:
        """Program the logical matrix (``out × in``), computing the weight scales when ω > 0."""
        w = np.asarray(w, dtype=FLOAT)
        omega = self.options.weight_scaling_omega
        for i, j, rs, cs, tile in self.blocks():
            block = w[cs, rs]
            if omega > 0:
                amax = (
                    np.abs(block).max(axis=1)
                    if self.options.weight_scaling_columnwise
                    else np.full(block.shape[0], np.abs(block).max(), dtype=FLOAT)
                )
                alpha = np.where(amax > 0, amax / FLOAT(omega), FLOAT(1.0)).astype(FLOAT)
                self.scales[i][j] = alpha
                tile.set_weights(np.ascontiguousarray(block / alpha[:, None]))
            else:
                self.scales[i][j] = None
                tile.set_weights(np.ascontiguousarray(block))

    def get_weights(self) -> np.ndarray:
        """The effective logical matrix (tile weights times their scales)."""
        w = np.zeros((self.out_size, self.in_size), dtype=FLOAT)
        for i, j, rs, cs, tile in self.blocks():
            block = np.asarray(tile.get_weights(), dtype=FLOAT)
            alpha = self.scales[i][j]
            w[cs, rs] = block if alpha is None else block * alpha[:, None]
        return w

    def decay(self, factor: float) -> None:
        """Multiply all weights by ``factor`` (weight decay; re-programs the tiles, a digital-assisted step)."""
        for i, j, rs, cs, tile in self.blocks():
            if hasattr(tile, "decay_weights"):
                tile.decay_weights(factor)
            else:
                tile.set_weights(np.asarray(tile.get_weights(), dtype=FLOAT) * FLOAT(factor))

    # -- cycles ----------------------------------------------------------------------------------
    @property
    def _direct(self) -> bool:
        """One tile without a digital scale: every cycle goes to it unchanged."""
        return self._single and self.scales[0][0] is None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """y[N, out] = W x for x[N, in], summing row blocks digitally."""
        if self._direct:
            return self.tiles[0][0].forward(x)
        y = np.zeros((x.shape[0], self.out_size), dtype=FLOAT)
        split_x = _column_blocks(x, self.row_bounds)
        for i, j, rs, cs, tile in self.blocks():
            part = tile.forward(split_x[i])
            alpha = self.scales[i][j]
            y[:, cs] += part if alpha is None else part * alpha
        return y

    def backward(self, d: np.ndarray) -> np.ndarray:
        """z[N, in] = Wᵀ d for d[N, out], summing column blocks digitally."""
        if self._direct:
            return self.tiles[0][0].backward(d)
        z = np.zeros((d.shape[0], self.in_size), dtype=FLOAT)
        split_d = _column_blocks(d, self.col_bounds)
        for i, j, rs, cs, tile in self.blocks():
            alpha = self.scales[i][j]
            z[:, rs] += tile.backward(
                split_d[j] if alpha is None else np.ascontiguousarray(split_d[j] * alpha)
            )
        return z

    def update(self, x: np.ndarray, d: np.ndarray, lr: float) -> None:
        """Rank-update every tile with its slices of x[N, in] and d[N, out] (W ← W − lr·dᵀx)."""
        if self._direct:
            self.tiles[0][0].update(x, d, lr)
            return
        for i, j, rs, cs, tile in self.blocks():
            alpha = self.scales[i][j]
            dj = d[:, cs] if alpha is None else d[:, cs] / alpha
            tile.update(np.ascontiguousarray(x[:, rs]), np.ascontiguousarray(dj, dtype=FLOAT), lr)
