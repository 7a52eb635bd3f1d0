"""Element-wise activation kinds (digital): ``relu``, ``sigmoid``, ``tanh``, ``leaky_relu``, ``clip`` (ReLU6 is
``clip`` with ``min: 0, max: 6``) and ``gelu``.

``gelu`` is ``x·Φ(x)`` with ``approximate: none`` (Φ the standard normal CDF, via erf) or the tanh form
``0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`` with ``approximate: tanh`` (Hendrycks & Gimpel 2016; ONNX
``Gelu``, opset 20). erf is evaluated in float64 with Abramowitz & Stegun's formula 7.1.26 (absolute error below
1.5·10⁻⁷, under float32 resolution at 1). The gradient of ``clip`` is 1 strictly inside ``(min, max)``.

Digital work: one ``activation`` op per output element, forward (the function) and backward (its derivative).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from archsim.layers.base import OP_ACTIVATION, Inferred, LayerError, LayerSpec, LayerView, Shape, numel
from archsim.layers.module import BuildContext, Module


def erf(x: np.ndarray) -> np.ndarray:
    """Error function, float64, Abramowitz & Stegun 7.1.26 (module docstring)."""
    z = np.abs(x.astype(np.float64))
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    y = 1.0 - poly * np.exp(-z * z)
    return np.sign(x) * y


class _Elementwise(Module):
    """An activation with a cached tensor for its derivative."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self._cache: np.ndarray | None = None


class Relu(_Elementwise):
    """max(x, 0)."""

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        x = inputs[0]
        self._cache = x > 0
        return np.maximum(x, 0)

    def backward(self, grad: np.ndarray) -> list[np.ndarray | None]:
        return [grad * self._cache]


class Sigmoid(_Elementwise):
    """Logistic σ(x), computed as ``0.5·(1 + tanh(x/2))`` (stable)."""

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        x = inputs[0]
        y = (0.5 * (1.0 + np.tanh(0.5 * x))).astype(x.dtype, copy=False)
        self._cache = y
        return y

    def backward(self, grad: np.ndarray) -> list[np.ndarray | None]:
        c = self._cache
        return [grad * c * (1 - c)]


class Tanh(_Elementwise):
    """tanh(x)."""

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        y = np.tanh(inputs[0])
        self._cache = y
        return y

    def backward(self, grad: np.ndarray) -> list[np.ndarray | None]:
        c = self._cache
        return [grad * (1 - c * c)]


class LeakyRelu(_Elementwise):
    """x for x > 0, alpha·x otherwise."""

    def __init__(self, name: str, alpha: float) -> None:
        super().__init__(name)
        self.alpha = alpha

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        x = inputs[0]
        self._cache = x > 0
        return np.where(self._cache, x, x * x.dtype.type(self.alpha))

    def backward(self, grad: np.ndarray) -> list[np.ndarray | None]:
        return [np.where(self._cache, grad, grad * grad.dtype.type(self.alpha))]


class Clip(_Elementwise):
    """min(max(x, lo), hi)."""

    def __init__(self, name: str, lo: float, hi: float) -> None:
        super().__init__(name)
        self.lo, self.hi = lo, hi

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        x = inputs[0]
        self._cache = (x > self.lo) & (x < self.hi)
        return np.clip(x, self.lo, self.hi).astype(x.dtype, copy=False)

    def backward(self, grad: np.ndarray) -> list[np.ndarray | None]:
        return [grad * self._cache]


class Gelu(_Elementwise):
    """x·Φ(x), exact (erf) or tanh-approximated."""

    _C = math.sqrt(2.0 / math.pi)

    def __init__(self, name: str, approximate: str) -> None:
        super().__init__(name)
        self.approximate = approximate

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        x = inputs[0]
        self._cache = x
        x64 = x.astype(np.float64)
        if self.approximate == "tanh":
            y = 0.5 * x64 * (1.0 + np.tanh(self._C * (x64 + 0.044715 * x64**3)))
        else:
            y = 0.5 * x64 * (1.0 + erf(x64 / math.sqrt(2.0)))
        return y.astype(x.dtype)

    def backward(self, grad: np.ndarray) -> list[np.ndarray | None]:
        x = self._cache.astype(np.float64)
        if self.approximate == "tanh":
            u = self._C * (x + 0.044715 * x**3)
            t = np.tanh(u)
            d = 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * self._C * (1.0 + 3 * 0.044715 * x * x)
        else:
            d = 0.5 * (1.0 + erf(x / math.sqrt(2.0))) + x * np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)
        return [(grad * d).astype(grad.dtype)]


@dataclass(frozen=True, kw_only=True)
class ActivationSpec(LayerSpec):
    """Shared shape rule, module and digital work of the element-wise activations."""

    MODULE: ClassVar[type[_Elementwise]]
    """The module of an activation without parameters (built with the layer's name; kinds with fields override
    :meth:`build`)."""

    def build(self, layer: LayerView, ctx: BuildContext) -> Module:
        return self.MODULE(self.name)

    def infer(self, in_shapes: tuple[Shape, ...]) -> Inferred:
        return Inferred(out_shape=in_shapes[0])

    def digital_ops(self, layer: LayerView, cycle: str) -> dict[str, float]:
        return {OP_ACTIVATION: numel(layer.out_shape)}


@LayerSpec.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class ReluSpec(ActivationSpec):
    """ReLU."""

    MODULE = Relu

    kind: str = "relu"


@LayerSpec.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class SigmoidSpec(ActivationSpec):
    """Logistic sigmoid."""

    MODULE = Sigmoid

    kind: str = "sigmoid"


@LayerSpec.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class TanhSpec(ActivationSpec):
    """Hyperbolic tangent."""

    MODULE = Tanh

    kind: str = "tanh"


@LayerSpec.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class LeakyReluSpec(ActivationSpec):
    """Leaky ReLU."""

    kind: str = "leaky_relu"
    alpha: float = 0.01
    """Slope for x < 0 (ONNX and PyTorch default 0.01)."""

    def build(self, layer: LayerView, ctx: BuildContext) -> Module:
        return LeakyRelu(self.name, self.alpha)


@LayerSpec.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class ClipSpec(ActivationSpec):
    """Clip to [min, max] (ReLU6: min 0, max 6)."""

    kind: str = "clip"
    min: float = 0.0
    """Lower bound."""
    max: float = 6.0
    """Upper bound."""

    def infer(self, in_shapes: tuple[Shape, ...]) -> Inferred:
        if not self.min < self.max:
            raise LayerError(f"min: expected min < max, got min {self.min} and max {self.max}", key="min")
        return super().infer(in_shapes)

    def build(self, layer: LayerView, ctx: BuildContext) -> Module:
        return Clip(self.name, self.min, self.max)


@LayerSpec.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class GeluSpec(ActivationSpec):
    """GELU, exact or tanh-approximated."""

    kind: str = "gelu"
    approximate: str = "none"
    """``none`` (erf) or ``tanh``."""

    def infer(self, in_shapes: tuple[Shape, ...]) -> Inferred:
        if self.approximate not in ("none", "tanh"):
            raise LayerError(f"approximate: expected none or tanh, got {self.approximate!r}", key="approximate")
        return Inferred(out_shape=in_shapes[0],
                        attrs={"approximate": self.approximate} if self.approximate != "none" else {})

    def build(self, layer: LayerView, ctx: BuildContext) -> Module:
        return Gelu(self.name, self.approximate)
