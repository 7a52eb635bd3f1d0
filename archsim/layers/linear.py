"""``linear``: a fully connected layer ``y = W x + b`` on the last axis, on crossbars.

Logical matrix ``in_features × out_features``; one vector per sample for an ``(F,)`` input, ``T`` for a
``(T, F)`` input (the layer is applied at every step). Initial weights uniform in ``±1/sqrt(in_features)``
(PyTorch's default).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from archsim.layers.base import AnalogLayerSpec, Inferred, LayerError, LayerSpec, LayerView, Shape
from archsim.layers.module import AnalogModule, BuildContext, MatrixUnit, Module


class AnalogLinear(AnalogModule):
    """y = W x (+ b) on the last axis of any input (B, F) or (B, T, F)."""

    def __init__(self, name: str, in_features: int, out_features: int, unit: MatrixUnit) -> None:
        super().__init__(name)
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.units = [unit]
        self._lead: tuple[int, ...] = ()

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        x = inputs[0]
        self._lead = x.shape[:-1]
        y = self.units[0].forward(x.reshape(-1, self.in_features), train)
        return y.reshape(*self._lead, self.out_features)

    def backward(self, grad: np.ndarray) -> list[np.ndarray | None]:
        z = self.units[0].backward(grad.reshape(-1, self.out_features), self.need_input_grad)
        return [None if z is None else z.reshape(*self._lead, self.in_features)]


@LayerSpec.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class LinearSpec(AnalogLayerSpec):
    """Fully connected layer y = W x + b (module docstring)."""

    kind: str = "linear"
    out_features: int
    """Outputs."""
    in_features: int | None = None
    """Inputs; None = the input's last size (checked when given)."""
    bias: bool = True
    """Whether the layer has a bias vector."""

    def infer(self, in_shapes: tuple[Shape, ...]) -> Inferred:
        shape = in_shapes[0]
        if len(shape) not in (1, 2):
            raise LayerError(f"linear expects an input of shape [F] or [T, F], got {list(shape)}",
                             hint="add a flatten layer before it")
        f_in = shape[-1]
        if self.in_features is not None and self.in_features != f_in:
            raise LayerError(f"in_features is {self.in_features} but the input has {f_in} features",
                             key="in_features")
        self._positive("out_features", self.out_features)
        vectors = shape[0] if len(shape) == 2 else 1
        nb = self.out_features if self.bias else 0
        return Inferred(out_shape=shape[:-1] + (self.out_features,), bias=self.bias,
                        n_weights=f_in * self.out_features + nb, n_biases=nb,
                        macs_per_sample=f_in * self.out_features * vectors, matrix_in=f_in,
                        matrix_out=self.out_features, vectors_per_sample=vectors,
                        attrs={"in_features": f_in, "out_features": self.out_features})

    def build(self, layer: LayerView, ctx: BuildContext) -> Module:
        f_in = layer.matrix_in
        unit = ctx.matrix(self.out_features, f_in, init_bound=1.0 / np.sqrt(f_in))
        return AnalogLinear(self.name, f_in, self.out_features, unit)
