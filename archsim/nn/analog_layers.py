"""The matrix unit of every analog layer: one logical weight matrix on tiles with its digital periphery.

:class:`AnalogMatrix` is a :class:`~archsim.nn.tile_array.TileArray` plus its digital periphery (digital bias,
learned output scale) and the cache of the vectors a mini-batch sent through it; :func:`matrix_factory` makes the
:class:`~archsim.layers.module.MatrixFactory` the layer kinds (:mod:`archsim.layers`) build their analog modules
from. The three training cycles follow aihwkit (Rasch et al., "A flexible and fast PyTorch toolkit for simulating
training and inference on analog crossbar arrays", AICAS 2021):

* forward: every input vector is one MVM (a conv patch, a time step of an LSTM, a sample of a linear
  layer), with its own noise/bound management inside the tile;
* backward: ``z = Wᵀ d`` on the tiles (skipped when nobody needs the input gradient, e.g. for the
  first layer of a network);
* update, once per mini-batch in :meth:`AnalogMatrix.step`: all cached input vectors and their errors are
  handed to the tiles in one call (``m_batch`` = batch × patches or batch × time steps), so a pulsed
  tile applies one stochastic rank-one update per vector, sample after sample.

The loss is a mean over the mini-batch, so ``d`` already carries the 1/B factor, as with a PyTorch
loss and ``AnalogSGD``. Weight decay on analog weights multiplies the tile weights by ``1 − η·λ``
once per mini-batch (a digital-assisted re-programming step; not a physical pulse operation).
Initial weights and biases are uniform in ``±init_bound`` (the kinds pass PyTorch's ``1/sqrt(fan_in)``) drawn
from the network's generator, so the analog network and its floating-point baseline start from the same
weights for the same seed. The bias is an extra crossbar row driven by a constant 1 (``analog_bias``, as the
Mapping places it) or a digital vector added after the ADC.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from archsim.layers import FLOAT, MatrixFactory
from archsim.nn.tile_array import MappingOptions, TileArray, TileFactory, near_equal_splits

__all__ = ["AnalogMatrix", "matrix_factory"]


class AnalogMatrix:
    """One logical matrix on tiles with its digital bias / output scale and its mini-batch cache."""

    def __init__(
        self,
        out_size: int,
        in_size: int,
        *,
        bias: bool,
        analog_bias: bool,
        row_splits: tuple[int, ...] | None,
        col_splits: tuple[int, ...] | None,
        max_rows: int,
        max_cols: int,
        make_tile: TileFactory,
        rng: np.random.Generator,
        options: MappingOptions,
        init_bound: float,
        weights: np.ndarray | None = None,
        bias_values: np.ndarray | None = None,
    ) -> None:
        self.out_size, self.in_size = int(out_size), int(in_size)
        self.has_bias = bool(bias)
        self.analog_bias = bool(bias and analog_bias)
        rows = self.in_size + (1 if self.analog_bias else 0)
        if row_splits is None:
            inputs = near_equal_splits(self.in_size, max(max_rows - (1 if self.analog_bias else 0), 1))
            row_splits = inputs[:-1] + (inputs[-1] + (1 if self.analog_bias else 0),)
        col_splits = col_splits or near_equal_splits(self.out_size, max_cols)
        if weights is None:
            weights = rng.uniform(-init_bound, init_bound, (self.out_size, self.in_size)).astype(FLOAT)
        if bias_values is None and self.has_bias:
            bias_values = rng.uniform(-init_bound, init_bound, self.out_size).astype(FLOAT)
        self.array = TileArray(
            self.out_size,
            rows,
            row_splits=tuple(row_splits),
            col_splits=tuple(col_splits),
            make_tile=make_tile,
            rng=rng,
            options=options,
        )
        self.bias: np.ndarray | None = None
        self.set_weights(weights, bias_values)
        self.out_scale: np.ndarray | None = None
        if options.learn_out_scaling:
            self.out_scale = np.ones(self.out_size if options.out_scaling_columnwise else 1, dtype=FLOAT)
            self.grad_out_scale = np.zeros_like(self.out_scale)
        self.grad_bias = np.zeros(self.out_size, dtype=FLOAT) if self.bias is not None else None
        self._xs: list[np.ndarray] = []
        self._ds: list[np.ndarray] = []
        self._pre: list[np.ndarray] = []

    # -- weights ---------------------------------------------------------------------------------
    def set_weights(self, weights: np.ndarray, bias: np.ndarray | None = None) -> None:
        """Program the weights (out × in) and bias (analog row or digital vector)."""
        w = np.asarray(weights, dtype=FLOAT)
        if self.analog_bias:
            self.array.set_weights(np.hstack([w, np.asarray(bias, dtype=FLOAT).reshape(-1, 1)]))
        else:
            self.array.set_weights(w)
            self.bias = None if not self.has_bias else np.array(bias, dtype=FLOAT).reshape(-1)

    def get_weights(self) -> tuple[np.ndarray, np.ndarray | None]:
        """(weights out × in, bias or None) as the network sees them."""
        w = self.array.get_weights()
        if self.analog_bias:
            return w[:, :-1].copy(), w[:, -1].copy()
        return w, None if self.bias is None else self.bias.copy()

    def tiles(self) -> list[Any]:
        """The tiles of this matrix."""
        return self.array.all_tiles()

    # -- cycles ----------------------------------------------------------------------------------
    def forward(self, x: np.ndarray, train: bool) -> np.ndarray:
        """y[N, out] for x[N, in]; caches x for the update when training."""
        x = np.ascontiguousarray(x, dtype=FLOAT)
        if self.analog_bias:
            x = np.hstack([x, np.ones((x.shape[0], 1), dtype=FLOAT)])
        y = self.array.forward(x)
        if train:
            self._xs.append(x)
        if self.out_scale is not None:
            if train:
                self._pre.append(y)
            y = y * self.out_scale
        if self.bias is not None:
            y = y + self.bias
        return y

    def backward(self, d: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """Record the error for the update; return z[N, in] = Wᵀ d when asked. Calls must mirror
        :meth:`forward` calls in reverse order (LSTM time steps)."""
        d = np.ascontiguousarray(d, dtype=FLOAT)
        if self.grad_bias is not None:
            self.grad_bias += d.sum(axis=0)
        if self.out_scale is not None:
            pre = self._pre.pop()
            g = (d * pre).sum(axis=0)
            self.grad_out_scale += g if self.out_scale.size > 1 else g.sum()
            d = d * self.out_scale
        self._ds.append(d)
        if not need_input_grad:
            return None
        z = self.array.backward(d)
        return z[:, :-1] if self.analog_bias else z

    def step(self, lr: float, weight_decay: float = 0.0) -> None:
        """Apply the mini-batch: one update call with all cached vectors, then the digital parameters."""
        if self._xs and self._ds:
            x = self._xs[0] if len(self._xs) == 1 else np.concatenate(self._xs)
            d = self._ds[0] if len(self._ds) == 1 else np.concatenate(self._ds[::-1])
            self.array.update(x, d, lr)
        self._xs.clear()
        self._ds.clear()
        self._pre.clear()
        if weight_decay > 0:
            self.array.decay(1.0 - lr * weight_decay)
        if self.bias is not None:
            self.bias -= FLOAT(lr) * (self.grad_bias + FLOAT(weight_decay) * self.bias)
            self.grad_bias[:] = 0
        if self.out_scale is not None:
            self.out_scale -= FLOAT(lr) * self.grad_out_scale
            self.grad_out_scale[:] = 0

    def clear(self) -> None:
        """Drop cached vectors (after an evaluation pass that ran in training mode)."""
        self._xs.clear()
        self._ds.clear()
        self._pre.clear()


def matrix_factory(*, rng: np.random.Generator, make_tile: TileFactory, bias: bool, analog_bias: bool,
                   max_rows: int = 512, max_cols: int = 512, row_splits: tuple[int, ...] | None = None,
                   col_splits: tuple[int, ...] | None = None, options: MappingOptions | None = None) -> MatrixFactory:
    """A :class:`~archsim.layers.module.MatrixFactory` of :class:`AnalogMatrix` units with one layout.

    Args:
        rng: the network's generator (initial weights, tile seeds).
        make_tile: tile constructor.
        bias: whether the layer has a bias.
        analog_bias: the bias as a crossbar row (True) or digital.
        max_rows, max_cols: crossbar size used to split the matrix when no splits are given.
        row_splits, col_splits: the Mapping's splits (rows incl. an analog bias row), or None.
        options: digital periphery (weight and output scaling).
    """
    opts = options or MappingOptions()

    def make(out_size: int, in_size: int, *, init_bound: float, weights: np.ndarray | None = None,
             bias_values: np.ndarray | None = None) -> AnalogMatrix:
        return AnalogMatrix(out_size, in_size, bias=bias, analog_bias=analog_bias, row_splits=row_splits,
                            col_splits=col_splits, max_rows=max_rows, max_cols=max_cols, make_tile=make_tile,
                            rng=rng, options=opts, init_bound=init_bound, weights=weights, bias_values=bias_values)

    return make
