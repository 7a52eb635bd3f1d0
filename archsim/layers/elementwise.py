"""Element-wise kinds of several inputs or a constant (digital): ``add``, ``mul`` and ``scale``.

* ``add`` — the sum of two or more inputs of equal shape (residual joins; a ``parameter`` input with batch 1, such
  as a positional embedding, is broadcast to the batch). Work: ``(k − 1)`` element-wise ops per output element
  forward, the same backward.
* ``mul`` — the product of two or more inputs with NumPy broadcasting over the per-sample shapes (gates,
  squeeze-and-excitation). Work: ``(k − 1)`` ops per output element forward; backward ``k − 1`` products per
  input.
* ``scale`` — multiply by a constant ``factor`` (attention's ``1/sqrt(d)``). Work: one op per element each way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from archsim.layers.base import OP_ELEMENTWISE, Inferred, LayerError, LayerSpec, LayerView, Shape, numel
from archsim.layers.module import BuildContext, Module


def _reduce_to(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes broadcasting added to an array of ``shape`` (same rank)."""
    axes = tuple(i for i, (g, s) in enumerate(zip(grad.shape, shape)) if s == 1 and g != 1)
    return grad.sum(axis=axes, keepdims=True) if axes else grad


class Add(Module):
    """Element-wise sum of all inputs."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self._shapes: list[tuple[int, ...]] = []

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        self._shapes = [x.shape for x in inputs]
        out = inputs[0] + inputs[1]
        for x in inputs[2:]:
            out += x
        return out

    def backward(self, grad: np.ndarray) -> list[np.ndarray | None]:
        return [grad if s == grad.shape else _reduce_to(grad, s) for s in self._shapes]


class Mul(Module):
    """Element-wise product of all inputs, broadcasting per-sample shapes (module docstring)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self._xs: list[np.ndarray] = []

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        rank = max(x.ndim for x in inputs)
        self._xs = [x.reshape(x.shape[0], *(1,) * (rank - x.ndim), *x.shape[1:]) for x in inputs]
        self._orig = [x.shape for x in inputs]
        out = self._xs[0]
        for x in self._xs[1:]:
            out = out * x
        return out

    def backward(self, grad: np.ndarray) -> list[np.ndarray | None]:
        grads: list[np.ndarray | None] = []
        for i, (x, orig) in enumerate(zip(self._xs, self._orig)):
            g = grad
            for j, other in enumerate(self._xs):
                if j != i:
                    g = g * other
            grads.append(_reduce_to(g, x.shape).reshape(orig))
        return grads


class Scale(Module):
    """y = factor · x."""

    def __init__(self, name: str, factor: float) -> None:
        super().__init__(name)
        self.factor = factor

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        x = inputs[0]
        return x * x.dtype.type(self.factor)

    def backward(self, grad: np.ndarray) -> list[np.ndarray | None]:
        return [grad * grad.dtype.type(self.factor)]


@LayerSpec.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class AddSpec(LayerSpec):
    """Element-wise sum of two or more inputs of equal shape (residual joins)."""

    MIN_INPUTS = 2
    MAX_INPUTS = None

    kind: str = "add"

    def infer(self, in_shapes: tuple[Shape, ...]) -> Inferred:
        shape = in_shapes[0]
        for k, other in enumerate(in_shapes[1:], start=1):
            if other != shape:
                raise LayerError(f"add needs inputs of equal shape; input 0 gives {list(shape)}, input {k} gives "
                                 f"{list(other)}", key="inputs")
        return Inferred(out_shape=shape)

    def build(self, layer: LayerView, ctx: BuildContext) -> Module:
        return Add(self.name)

    def digital_ops(self, layer: LayerView, cycle: str) -> dict[str, float]:
        return {OP_ELEMENTWISE: numel(layer.out_shape) * max(1, len(layer.inputs) - 1)}


@LayerSpec.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class MulSpec(LayerSpec):
    """Element-wise product of two or more inputs (NumPy broadcasting)."""

    MIN_INPUTS = 2
    MAX_INPUTS = None

    kind: str = "mul"

    def infer(self, in_shapes: tuple[Shape, ...]) -> Inferred:
        try:
            out = tuple(int(s) for s in np.broadcast_shapes(*in_shapes))
        except ValueError:
            raise LayerError("mul needs inputs that broadcast; got " + ", ".join(str(list(s)) for s in in_shapes),
                             key="inputs") from None
        return Inferred(out_shape=out)

    def build(self, layer: LayerView, ctx: BuildContext) -> Module:
        return Mul(self.name)

    def digital_ops(self, layer: LayerView, cycle: str) -> dict[str, float]:
        k = len(layer.inputs)
        per = (k - 1) if cycle == "forward" else k * (k - 1)
        return {OP_ELEMENTWISE: numel(layer.out_shape) * per}


@LayerSpec.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class ScaleSpec(LayerSpec):
    """Multiply by a constant factor."""

    kind: str = "scale"
    factor: float
    """The constant."""

    def infer(self, in_shapes: tuple[Shape, ...]) -> Inferred:
        return Inferred(out_shape=in_shapes[0], attrs={"factor": self.factor})

    def build(self, layer: LayerView, ctx: BuildContext) -> Module:
        return Scale(self.name, self.factor)

    def digital_ops(self, layer: LayerView, cycle: str) -> dict[str, float]:
        return {OP_ELEMENTWISE: numel(layer.out_shape)}
