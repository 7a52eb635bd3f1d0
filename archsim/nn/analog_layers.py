"""Analog layers: Linear, Conv2d (im2col) and LSTM whose matrix products run on crossbar tiles.

Each layer owns one or more :class:`AnalogMatrix` units: a :class:`~archsim.nn.tile_array.TileArray`
plus its digital periphery (digital bias, learned output scale) and the cache of the vectors a
mini-batch sent through it. The three training cycles follow aihwkit (research/aihwkit-reference.md
§2.4, §7):

* forward: every input vector is one MVM (a conv patch, a time step of an LSTM, a sample of a linear
  layer), with its own noise/bound management inside the tile;
* backward: ``z = Wᵀ d`` on the tiles (skipped when nobody needs the input gradient, e.g. for the
  first layer of a network);
* update, once per mini-batch in :meth:`Module.step`: all cached input vectors and their errors are
  handed to the tiles in one call (``m_batch`` = batch × patches or batch × time steps), so a pulsed
  tile applies one stochastic rank-one update per vector, sample after sample.

The loss is a mean over the mini-batch, so ``d`` already carries the 1/B factor, as with a PyTorch
loss and ``AnalogSGD``. Weight decay on analog weights multiplies the tile weights by ``1 − η·λ``
once per mini-batch (a digital-assisted re-programming step; not a physical pulse operation).
Initial weights and biases are uniform in ``±1/sqrt(fan_in)`` (PyTorch's default) drawn from the
network's generator, so the analog network and its floating-point baseline start from the same
weights for the same seed.
"""

from __future__ import annotations

import numpy as np

from archsim.nn.layers import FLOAT, Module, col2im, conv_output_size, im2col
from archsim.nn.tile_array import MappingOptions, TileArray, TileFactory, near_equal_splits


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

    def tiles(self) -> list:
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


class AnalogModule(Module):
    """Base of the analog layers: owns ``units`` (AnalogMatrix list) and steps them."""

    analog = True

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.units: list[AnalogMatrix] = []
        self.need_input_grad = True

    def step(self, lr: float, weight_decay: float = 0.0) -> None:
        for unit in self.units:
            unit.step(lr, weight_decay)

    def tiles(self) -> list:
        """Every tile of the layer (all units, all blocks)."""
        return [t for unit in self.units for t in unit.tiles()]

    def parameters(self) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for k, unit in enumerate(self.units):
            w, b = unit.get_weights()
            out[f"weight{k}" if len(self.units) > 1 else "weight"] = w
            if b is not None:
                out[f"bias{k}" if len(self.units) > 1 else "bias"] = b
        return out


def _matrix(
    out_size: int, in_size: int, layout: dict, rng: np.random.Generator, init_bound: float, **kwargs
) -> AnalogMatrix:
    return AnalogMatrix(out_size, in_size, rng=rng, init_bound=init_bound, **layout, **kwargs)


class AnalogLinear(AnalogModule):
    """y = W x (+ b) on the last axis of any input (B, F) or (B, T, F)."""

    def __init__(
        self, name: str, in_features: int, out_features: int, *, layout: dict, rng: np.random.Generator
    ) -> None:
        super().__init__(name)
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.units = [
            _matrix(self.out_features, self.in_features, layout, rng, 1.0 / np.sqrt(self.in_features))
        ]
        self._lead: tuple[int, ...] = ()

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        x = inputs[0]
        self._lead = x.shape[:-1]
        y = self.units[0].forward(x.reshape(-1, self.in_features), train)
        return y.reshape(*self._lead, self.out_features)

    def backward(self, grad: np.ndarray) -> list[np.ndarray | None]:
        z = self.units[0].backward(grad.reshape(-1, self.out_features), self.need_input_grad)
        return [None if z is None else z.reshape(*self._lead, self.in_features)]


class AnalogConv2d(AnalogModule):
    """2-D convolution by im2col: every output pixel's patch is one MVM (one update vector)."""

    def __init__(
        self,
        name: str,
        in_channels: int,
        out_channels: int,
        kernel_size: tuple[int, int],
        stride: tuple[int, int],
        padding: tuple[int, int],
        *,
        layout: dict,
        rng: np.random.Generator,
        n_units: int = 1,
        identical_units: bool = False,
    ) -> None:
        super().__init__(name)
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel, self.stride, self.padding = tuple(kernel_size), tuple(stride), tuple(padding)
        fan_in = self.in_channels * self.kernel[0] * self.kernel[1]
        bound = 1.0 / np.sqrt(fan_in)
        first = _matrix(self.out_channels, fan_in, layout, rng, bound)
        self.units = [first]
        for _ in range(n_units - 1):
            if identical_units:
                w, b = first.get_weights()
                self.units.append(
                    _matrix(self.out_channels, fan_in, layout, rng, bound, weights=w, bias_values=b)
                )
            else:
                self.units.append(_matrix(self.out_channels, fan_in, layout, rng, bound))
        self._x_shape: tuple[int, ...] = ()

    def output_hw(self, h: int, w: int) -> tuple[int, int]:
        """Output height and width for an input of h × w."""
        return (
            conv_output_size(h, self.kernel[0], self.stride[0], self.padding[0]),
            conv_output_size(w, self.kernel[1], self.stride[1], self.padding[1]),
        )

    def _patches(self, x: np.ndarray) -> np.ndarray:
        self._x_shape = x.shape
        return im2col(x.astype(FLOAT, copy=False), self.kernel, self.stride, self.padding)

    def _to_image(self, y: np.ndarray) -> np.ndarray:
        b, _, h, w = self._x_shape
        ho, wo = self.output_hw(h, w)
        return np.ascontiguousarray(y.reshape(b, ho, wo, self.out_channels).transpose(0, 3, 1, 2))

    def _from_image(self, grad: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(grad.transpose(0, 2, 3, 1)).reshape(-1, self.out_channels)

    def _to_input(self, zc: np.ndarray | None) -> list[np.ndarray | None]:
        if zc is None:
            return [None]
        return [col2im(zc, self._x_shape, self.kernel, self.stride, self.padding)]

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        return self._to_image(self.units[0].forward(self._patches(inputs[0]), train))

    def backward(self, grad: np.ndarray) -> list[np.ndarray | None]:
        return self._to_input(self.units[0].backward(self._from_image(grad), self.need_input_grad))


class AnalogLSTM(AnalogModule):
    """One LSTM layer with all gate weights in one array on ``[x_t, h_{t−1}]`` (gates i, f, g, o).

    Every time step is one MVM of B vectors; the update replays all T·B vectors after backpropagation
    through time. ``return_sequences`` False returns only the last hidden state.
    """

    def __init__(
        self,
        name: str,
        in_features: int,
        hidden_size: int,
        *,
        layout: dict,
        rng: np.random.Generator,
        return_sequences: bool = True,
    ) -> None:
        super().__init__(name)
        self.in_features, self.hidden = int(in_features), int(hidden_size)
        self.return_sequences = return_sequences
        self.units = [
            _matrix(4 * self.hidden, self.in_features + self.hidden, layout, rng, 1.0 / np.sqrt(self.hidden))
        ]
        self._cache: list[tuple[np.ndarray, ...]] = []

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        x = inputs[0].astype(FLOAT, copy=False)
        b, t_len, _ = x.shape
        hsz = self.hidden
        h = np.zeros((b, hsz), dtype=FLOAT)
        c = np.zeros((b, hsz), dtype=FLOAT)
        outs = np.zeros((b, t_len, hsz), dtype=FLOAT)
        self._cache = []
        unit = self.units[0]
        for t in range(t_len):
            gates = unit.forward(np.hstack([x[:, t], h]), train)
            i = 0.5 * (1.0 + np.tanh(0.5 * gates[:, :hsz]))
            f = 0.5 * (1.0 + np.tanh(0.5 * gates[:, hsz : 2 * hsz]))
            g = np.tanh(gates[:, 2 * hsz : 3 * hsz])
            o = 0.5 * (1.0 + np.tanh(0.5 * gates[:, 3 * hsz :]))
            c_prev = c
            c = f * c_prev + i * g
            tc = np.tanh(c)
            h = o * tc
            outs[:, t] = h
            if train:
                self._cache.append((i, f, g, o, c_prev, tc))
        self._t_len = t_len
        return outs if self.return_sequences else outs[:, -1]

    def backward(self, grad: np.ndarray) -> list[np.ndarray | None]:
        hsz, t_len = self.hidden, self._t_len
        b = grad.shape[0]
        if not self.return_sequences:
            full = np.zeros((b, t_len, hsz), dtype=FLOAT)
            full[:, -1] = grad
            grad = full
        dx = np.zeros((b, t_len, self.in_features), dtype=FLOAT)
        dh_next = np.zeros((b, hsz), dtype=FLOAT)
        dc_next = np.zeros((b, hsz), dtype=FLOAT)
        unit = self.units[0]
        for t in range(t_len - 1, -1, -1):
            i, f, g, o, c_prev, tc = self._cache[t]
            dh = grad[:, t] + dh_next
            do = dh * tc
            dc = dh * o * (1 - tc * tc) + dc_next
            dgates = np.hstack(
                [dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g * g), do * o * (1 - o)]
            )
            dv = unit.backward(dgates, need_input_grad=True)
            dx[:, t] = dv[:, : self.in_features]
            dh_next = dv[:, self.in_features :]
            dc_next = dc * f
        self._cache = []
        return [dx if self.need_input_grad else None]
