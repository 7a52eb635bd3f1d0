"""Normalisation kinds (digital): ``lrn``, ``softmax``, ``batchnorm`` and ``layernorm``.

* ``lrn`` — AlexNet's across-channel local response normalisation
  ``b_c = a_c / (k + α/n · Σ_{c' ∈ window(c)} a_{c'}²)^β`` with a window of ``n`` channels centred on c.
* ``softmax`` over one axis (default the last). When it is the network's output it is the identity during
  execution: the loss (softmax cross-entropy) applies it.
* ``batchnorm`` — ``γ·(x − μ)/sqrt(σ² + ε) + β`` per channel (the first per-sample axis), Ioffe & Szegedy 2015:
  in training μ, σ² are the mini-batch's statistics over the batch and every other axis, and running estimates
  are kept with ``momentum`` (PyTorch's convention, unbiased variance); in evaluation the running estimates are
  used. γ and β are trainable (2 per channel); the running statistics are buffers, not parameters. An inference
  import folds batch norm into the preceding convolution or linear layer instead (:mod:`archsim.workload`).
* ``layernorm`` — ``γ·(x − μ)/sqrt(σ² + ε) + β`` with μ, σ² over the axes from ``axis`` to the last (Ba et al.
  2016; ONNX ``LayerNormalization``); γ and β have the normalised shape.

Digital work: one ``normalization`` op per output element, forward and backward.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from archsim.layers.base import OP_NORMALIZATION, Inferred, LayerError, LayerSpec, LayerView, Shape, numel
from archsim.layers.module import FLOAT, BuildContext, Identity, Module


class LocalResponseNorm(Module):
    """Across-channel local response normalisation (module docstring)."""

    def __init__(self, name: str, size: int = 5, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__(name)
        self.size, self.alpha, self.beta, self.k = int(size), float(alpha), float(beta), float(k)

    def _window_sum(self, v: np.ndarray) -> np.ndarray:
        """Sum over a window of ``size`` channels centred on each channel (zero beyond the edges)."""
        lo = (self.size - 1) // 2
        hi = self.size - 1 - lo
        c = v.shape[1]
        padded = np.concatenate([np.zeros_like(v[:, :1]), v], axis=1).cumsum(axis=1)
        idx = np.arange(c)
        top = np.minimum(idx + hi + 1, c)
        bottom = np.maximum(idx - lo, 0)
        return padded[:, top] - padded[:, bottom]

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        x = inputs[0]
        s = self.k + (self.alpha / self.size) * self._window_sum(x.astype(np.float64) ** 2)
        self._x, self._s = x, s
        return (x * s**-self.beta).astype(x.dtype)

    def backward(self, grad: np.ndarray) -> list[np.ndarray | None]:
        x, s = self._x.astype(np.float64), self._s
        g = grad.astype(np.float64)
        inner = self._window_sum(g * x * s ** (-self.beta - 1))  # windows are symmetric
        gx = g * s**-self.beta - (2.0 * self.alpha * self.beta / self.size) * x * inner
        return [gx.astype(grad.dtype)]


class Softmax(Module):
    """Softmax over one axis of the per-sample tensor (array axis ``axis + 1``)."""

    def __init__(self, name: str, axis: int) -> None:
        super().__init__(name)
        self.axis = axis + 1
        self._y: np.ndarray | None = None

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        x = inputs[0].astype(np.float64)
        z = np.exp(x - x.max(axis=self.axis, keepdims=True))
        y = z / z.sum(axis=self.axis, keepdims=True)
        self._y = y
        return y.astype(inputs[0].dtype)

    def backward(self, grad: np.ndarray) -> list[np.ndarray | None]:
        y = self._y
        g = grad.astype(np.float64)
        return [(y * (g - (g * y).sum(axis=self.axis, keepdims=True))).astype(grad.dtype)]


class _Affine(Module):
    """γ, β and their gradients (shared by the batch and layer norms)."""

    def __init__(self, name: str, shape: tuple[int, ...], eps: float) -> None:
        super().__init__(name)
        self.gamma = np.ones(shape, dtype=FLOAT)
        self.beta = np.zeros(shape, dtype=FLOAT)
        self.grad_gamma = np.zeros_like(self.gamma)
        self.grad_beta = np.zeros_like(self.beta)
        self.eps = float(eps)

    def step(self, lr: float, weight_decay: float = 0.0) -> None:
        self.gamma -= FLOAT(lr) * (self.grad_gamma + FLOAT(weight_decay) * self.gamma)
        self.beta -= FLOAT(lr) * self.grad_beta
        self.grad_gamma[:] = 0
        self.grad_beta[:] = 0

    def parameters(self) -> dict[str, np.ndarray]:
        return {"gamma": self.gamma, "beta": self.beta}


class BatchNorm(_Affine):
    """Batch normalisation over the channel axis (module docstring)."""

    def __init__(self, name: str, channels: int, rank: int, eps: float, momentum: float) -> None:
        super().__init__(name, (channels,), eps)
        self.momentum = float(momentum)
        self.running_mean = np.zeros(channels, dtype=np.float64)
        self.running_var = np.ones(channels, dtype=np.float64)
        self._axes = (0, *range(2, rank + 1))
        self._bshape = (1, channels) + (1,) * (rank - 1)
        self._cache: tuple[np.ndarray, np.ndarray] | None = None

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        x = inputs[0].astype(np.float64)
        if train:
            mean = x.mean(axis=self._axes)
            var = x.var(axis=self._axes)
            n = x.size // x.shape[1]
            self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * mean
            self.running_var = (1 - self.momentum) * self.running_var + self.momentum * var * n / max(n - 1, 1)
        else:
            mean, var = self.running_mean, self.running_var
        inv = 1.0 / np.sqrt(var + self.eps)
        xhat = (x - mean.reshape(self._bshape)) * inv.reshape(self._bshape)
        self._cache = (xhat, inv) if train else None
        y = xhat * self.gamma.reshape(self._bshape) + self.beta.reshape(self._bshape)
        return y.astype(inputs[0].dtype)

    def backward(self, grad: np.ndarray) -> list[np.ndarray | None]:
        if self._cache is None:
            raise RuntimeError(f"batchnorm {self.name}: backward without a training forward")
        xhat, inv = self._cache
        g = grad.astype(np.float64)
        self.grad_gamma += (g * xhat).sum(axis=self._axes).astype(FLOAT)
        self.grad_beta += g.sum(axis=self._axes).astype(FLOAT)
        gx = g * self.gamma.reshape(self._bshape)
        mean_g = gx.mean(axis=self._axes, keepdims=True)
        mean_gx = (gx * xhat).mean(axis=self._axes, keepdims=True)
        dx = (gx - mean_g - xhat * mean_gx) * inv.reshape(self._bshape)
        return [dx.astype(grad.dtype)]


class LayerNorm(_Affine):
    """Layer normalisation over the trailing per-sample axes (module docstring)."""

    def __init__(self, name: str, shape: tuple[int, ...], eps: float) -> None:
        super().__init__(name, shape, eps)
        self._axes = tuple(range(-len(shape), 0))
        self._cache: tuple[np.ndarray, np.ndarray] | None = None

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        x = inputs[0].astype(np.float64)
        mean = x.mean(axis=self._axes, keepdims=True)
        var = x.var(axis=self._axes, keepdims=True)
        inv = 1.0 / np.sqrt(var + self.eps)
        xhat = (x - mean) * inv
        self._cache = (xhat, inv)
        return (xhat * self.gamma + self.beta).astype(inputs[0].dtype)

    def backward(self, grad: np.ndarray) -> list[np.ndarray | None]:
        assert self._cache is not None
        xhat, inv = self._cache
        g = grad.astype(np.float64)
        lead = tuple(range(g.ndim - len(self._axes)))
        self.grad_gamma += (g * xhat).sum(axis=lead).astype(FLOAT)
        self.grad_beta += g.sum(axis=lead).astype(FLOAT)
        gx = g * self.gamma
        dx = (gx - gx.mean(axis=self._axes, keepdims=True)
              - xhat * (gx * xhat).mean(axis=self._axes, keepdims=True)) * inv
        return [dx.astype(grad.dtype)]


@dataclass(frozen=True, kw_only=True)
class _NormSpec(LayerSpec):
    def digital_ops(self, layer: LayerView, cycle: str) -> dict[str, float]:
        return {OP_NORMALIZATION: numel(layer.out_shape)}


@LayerSpec.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class LRNSpec(_NormSpec):
    """Local response normalisation across channels (AlexNet / Caffe)."""

    kind: str = "lrn"
    size: int = 5
    """Neighbouring channels n."""
    alpha: float = 1e-4
    """Scale α."""
    beta: float = 0.75
    """Exponent β."""
    k: float = 1.0
    """Additive constant k."""

    def infer(self, in_shapes: tuple[Shape, ...]) -> Inferred:
        shape = in_shapes[0]
        self._image(shape)
        self._positive("size", self.size)
        return Inferred(out_shape=shape, attrs={"in_channels": shape[0], "lrn_size": self.size,
                                                "lrn_alpha": self.alpha, "lrn_beta": self.beta, "lrn_k": self.k})

    def build(self, layer: LayerView, ctx: BuildContext) -> Module:
        return LocalResponseNorm(self.name, size=self.size, alpha=self.alpha, beta=self.beta, k=self.k)


@LayerSpec.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class SoftmaxSpec(_NormSpec):
    """Softmax over one axis."""

    kind: str = "softmax"
    axis: int = -1
    """Per-sample axis (negative counts from the end)."""

    def infer(self, in_shapes: tuple[Shape, ...]) -> Inferred:
        self._axis(self.axis, len(in_shapes[0]))
        return Inferred(out_shape=in_shapes[0], attrs={"axis": self.axis} if self.axis != -1 else {})

    def build(self, layer: LayerView, ctx: BuildContext) -> Module:
        if ctx.is_output:
            return Identity(self.name)
        return Softmax(self.name, self._axis(self.axis, len(layer.in_shape)))


@LayerSpec.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class BatchNormSpec(_NormSpec):
    """Batch normalisation over the channel axis (the first per-sample axis)."""

    kind: str = "batchnorm"
    eps: float = 1e-5
    """ε added to the variance."""
    momentum: float = 0.1
    """Weight of the newest batch in the running statistics."""

    def infer(self, in_shapes: tuple[Shape, ...]) -> Inferred:
        shape = in_shapes[0]
        if not self.eps > 0:
            raise LayerError(f"eps: expected a number > 0, got {self.eps}", key="eps")
        if not 0 <= self.momentum <= 1:
            raise LayerError(f"momentum: expected a number in [0, 1], got {self.momentum}", key="momentum")
        c = shape[0]
        return Inferred(out_shape=shape, n_weights=2 * c, attrs={"channels": c})

    def build(self, layer: LayerView, ctx: BuildContext) -> Module:
        return BatchNorm(self.name, layer.in_shape[0], len(layer.in_shape), self.eps, self.momentum)


@LayerSpec.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class LayerNormSpec(_NormSpec):
    """Layer normalisation over the trailing axes from ``axis``."""

    kind: str = "layernorm"
    axis: int = -1
    """First normalised per-sample axis (negative counts from the end)."""
    eps: float = 1e-5
    """ε added to the variance."""

    def _normalized(self, shape: Shape) -> Shape:
        return shape[self._axis(self.axis, len(shape)):]

    def infer(self, in_shapes: tuple[Shape, ...]) -> Inferred:
        shape = in_shapes[0]
        if not self.eps > 0:
            raise LayerError(f"eps: expected a number > 0, got {self.eps}", key="eps")
        norm = self._normalized(shape)
        return Inferred(out_shape=shape, n_weights=2 * numel(norm), attrs={"normalized_shape": norm})

    def build(self, layer: LayerView, ctx: BuildContext) -> Module:
        return LayerNorm(self.name, self._normalized(layer.in_shape), self.eps)
