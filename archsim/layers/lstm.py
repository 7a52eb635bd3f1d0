"""``lstm``: one LSTM layer over a ``(T, F)`` sequence with all gate weights in one crossbar matrix.

The combined weight acts on ``[x_t, h_{t−1}]`` (aihwkit's ``AnalogLSTMCellCombinedWeight``): a logical matrix of
``(in_features + hidden_size) × 4·hidden_size`` (gates i, f, g, o), one vector per time step. The gate
non-linearities and products are digital: per hidden unit and step 5 activations (σ of i, f, o; tanh of g and
of c) and 4 element-wise operations (3 products, 1 sum) forward, and 5 derivatives and 8 element-wise operations
backward. The bias is one vector of ``4·hidden_size`` (PyTorch and ONNX keep two, and so count ``4·hidden_size``
more parameters). Initial weights uniform in ``±1/sqrt(hidden_size)`` (PyTorch's default).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from archsim.layers.base import (
    OP_ACTIVATION,
    OP_ELEMENTWISE,
    AnalogLayerSpec,
    GpuWork,
    Inferred,
    LayerError,
    LayerSpec,
    LayerView,
    Shape,
)
from archsim.layers.module import FLOAT, AnalogModule, BuildContext, MatrixUnit, Module


class AnalogLSTM(AnalogModule):
    """One LSTM layer (gates i, f, g, o) whose every time step is one MVM of B vectors; the update replays all
    T·B vectors after backpropagation through time. ``return_sequences`` False returns the last hidden state."""

    def __init__(self, name: str, in_features: int, hidden_size: int, unit: MatrixUnit, *,
                 return_sequences: bool = True) -> None:
        super().__init__(name)
        self.in_features, self.hidden = int(in_features), int(hidden_size)
        self.return_sequences = return_sequences
        self.units = [unit]
        self._cache: list[tuple[np.ndarray, ...]] = []
        self._t_len = 0

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
            dgates = np.hstack([dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g * g), do * o * (1 - o)])
            dv = unit.backward(dgates, need_input_grad=True)
            assert dv is not None
            dx[:, t] = dv[:, : self.in_features]
            dh_next = dv[:, self.in_features :]
            dc_next = dc * f
        self._cache = []
        return [dx if self.need_input_grad else None]


@LayerSpec.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class LSTMSpec(AnalogLayerSpec):
    """One LSTM layer over a (T, F) sequence (module docstring)."""

    kind: str = "lstm"
    hidden_size: int
    """Hidden state size H."""
    in_features: int | None = None
    """Input features; None = the input's (checked when given)."""
    return_sequences: bool = True
    """Output every step ``(T, H)`` (True) or the last one ``(H,)``."""
    bias: bool = True
    """Whether the layer has a bias vector (one of 4·H)."""

    def infer(self, in_shapes: tuple[Shape, ...]) -> Inferred:
        shape = in_shapes[0]
        if len(shape) != 2:
            raise LayerError(f"lstm expects a sequence input [T, F], got {list(shape)}")
        t, f_in = shape
        if self.in_features is not None and self.in_features != f_in:
            raise LayerError(f"in_features is {self.in_features} but the input has {f_in} features",
                             key="in_features")
        self._positive("hidden_size", self.hidden_size)
        hsz = self.hidden_size
        m_in, m_out = f_in + hsz, 4 * hsz
        nb = m_out if self.bias else 0
        out = (t, hsz) if self.return_sequences else (hsz,)
        return Inferred(out_shape=out, bias=self.bias, n_weights=m_in * m_out + nb, n_biases=nb,
                        macs_per_sample=m_in * m_out * t, matrix_in=m_in, matrix_out=m_out, vectors_per_sample=t,
                        attrs={"in_features": f_in, "hidden_size": hsz, "return_sequences": self.return_sequences})

    def build(self, layer: LayerView, ctx: BuildContext) -> Module:
        f_in = layer.in_shape[-1]
        unit = ctx.matrix(4 * self.hidden_size, f_in + self.hidden_size, init_bound=1.0 / np.sqrt(self.hidden_size))
        return AnalogLSTM(self.name, f_in, self.hidden_size, unit, return_sequences=self.return_sequences)

    def digital_ops(self, layer: LayerView, cycle: str) -> dict[str, float]:
        steps_units = layer.vectors_per_sample * self.hidden_size
        if cycle == "forward":
            return {OP_ACTIVATION: 5 * steps_units, OP_ELEMENTWISE: 4 * steps_units}
        return {OP_ACTIVATION: 5 * steps_units, OP_ELEMENTWISE: 8 * steps_units}

    def gpu_work(self, layer: LayerView) -> GpuWork:
        # the time steps run one after another
        return replace(super().gpu_work(layer), sequential_steps=max(1, layer.vectors_per_sample))
