"""Pooling kinds: ``maxpool``, ``avgpool``, ``mixedpool`` and ``global_avgpool`` (digital).

Windows follow the convolution's geometry (:mod:`archsim.layers.im2col`; ``padding`` one size, ``[p_h, p_w]`` or
``[top, left, bottom, right]``, at most half the kernel on each side). Max pooling pads with −inf and sends the
gradient to the first maximum of each window. Average pooling divides by ``k_h·k_w`` (padding counts as zeros,
``count_include_pad: true``, PyTorch's default) or by the window's unpadded elements (``false``, ONNX's default).
Mixed pooling (RAPA, Yu et al. 2014) outputs ``α_c·max + (1 − α_c)·avg`` per channel with
``α_c = 1 / (1 + exp(−μ β_c))``, μ = 10 and β_c initialised to 2/μ, so max pooling dominates at the start
(α ≈ 0.88); β is learned by SGD (one parameter per channel). The sign convention of the logistic is our choice:
the seed text lost it, and this one gives the stated "bias toward max pooling". Global average pooling reduces
``(C, H, W)`` to ``(C, 1, 1)`` (ONNX ``GlobalAveragePool``).

Digital work: one ``pooling`` op per input element, forward and backward.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from archsim.layers.base import (
    OP_POOLING,
    Inferred,
    IntPair,
    LayerError,
    LayerSpec,
    LayerView,
    Shape,
    numel,
    pair,
    window_rows,
)
from archsim.layers.conv2d import Padding, padding_attr, resolve_padding, window_output
from archsim.layers.im2col import conv_output_size, pads4
from archsim.layers.module import FLOAT, BuildContext, Module


class Pool2d(Module):
    """Shared window handling of the pooling modules (loops over the k_h·k_w window offsets)."""

    def __init__(self, name: str, kernel_size: tuple[int, int], stride: tuple[int, int],
                 padding: tuple[int, ...]) -> None:
        super().__init__(name)
        self.kernel, self.stride = tuple(kernel_size), tuple(stride)
        self.padding = pads4(tuple(padding))
        self._shape: tuple[int, ...] = ()

    def _out_hw(self, h: int, w: int) -> tuple[int, int]:
        (kh, kw), (sh, sw), p = self.kernel, self.stride, self.padding
        return conv_output_size(h, kh, sh, p[0], p[2]), conv_output_size(w, kw, sw, p[1], p[3])

    def _windows(self, x: np.ndarray, fill: float) -> np.ndarray:
        """Stacked window views: (k_h·k_w, B, C, H_out, W_out)."""
        (kh, kw), (sh, sw), p = self.kernel, self.stride, self.padding
        ho, wo = self._out_hw(*x.shape[2:])
        if any(p):
            x = np.pad(x, ((0, 0), (0, 0), (p[0], p[2]), (p[1], p[3])), constant_values=fill)
        return np.stack([x[:, :, i : i + sh * ho : sh, j : j + sw * wo : sw] for i in range(kh) for j in range(kw)])

    def _scatter(self, per_offset: np.ndarray) -> np.ndarray:
        """Adjoint of :meth:`_windows`: sum (k_h·k_w, B, C, H_out, W_out) back onto the input."""
        (kh, kw), (sh, sw), p = self.kernel, self.stride, self.padding
        b, c, h, w = self._shape
        ho, wo = per_offset.shape[3:]
        out = np.zeros((b, c, h + p[0] + p[2], w + p[1] + p[3]), dtype=per_offset.dtype)
        for idx in range(kh * kw):
            i, j = divmod(idx, kw)
            out[:, :, i : i + sh * ho : sh, j : j + sw * wo : sw] += per_offset[idx]
        return out[:, :, p[0] : p[0] + h, p[1] : p[1] + w] if any(p) else out


class MaxPool2d(Pool2d):
    """Max pooling; the gradient goes to the first maximum of each window."""

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        x = inputs[0]
        self._shape = x.shape
        win = self._windows(x, -np.inf)
        self._arg = win.argmax(axis=0)
        return np.take_along_axis(win, self._arg[None], axis=0)[0]

    def backward(self, grad: np.ndarray) -> list[np.ndarray | None]:
        n = self.kernel[0] * self.kernel[1]
        mask = self._arg[None] == np.arange(n).reshape(n, 1, 1, 1, 1)
        return [self._scatter(mask * grad[None])]


class AvgPool2d(Pool2d):
    """Average pooling (module docstring for the divisor)."""

    def __init__(self, name: str, kernel_size: tuple[int, int], stride: tuple[int, int], padding: tuple[int, ...],
                 count_include_pad: bool = True) -> None:
        super().__init__(name, kernel_size, stride, padding)
        self.count_include_pad = count_include_pad
        self._divisor: np.ndarray | None = None

    def _counts(self, h: int, w: int, dtype: np.dtype) -> np.ndarray:
        """Unpadded elements per window, (H_out, W_out)."""
        ones = np.ones((1, 1, h, w), dtype=dtype)
        return self._windows(ones, 0.0).sum(axis=0)[0, 0]

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        x = inputs[0]
        self._shape = x.shape
        if self.count_include_pad or not any(self.padding):
            self._divisor = None
            return self._windows(x, 0.0).mean(axis=0, dtype=x.dtype)
        self._divisor = self._counts(x.shape[2], x.shape[3], x.dtype)
        return (self._windows(x, 0.0).sum(axis=0, dtype=x.dtype) / self._divisor).astype(x.dtype)

    def backward(self, grad: np.ndarray) -> list[np.ndarray | None]:
        n = self.kernel[0] * self.kernel[1]
        g = (grad / n if self._divisor is None else grad / self._divisor).astype(grad.dtype)
        return [self._scatter(np.broadcast_to(g[None], (n, *g.shape)))]


class MixedPool2d(Pool2d):
    """Learnable per-channel mix of max and average pooling (module docstring); ``channels`` β's."""

    MU = 10.0

    def __init__(self, name: str, kernel_size: tuple[int, int], stride: tuple[int, int], padding: tuple[int, ...],
                 *, channels: int) -> None:
        super().__init__(name, kernel_size, stride, padding)
        self.beta = np.full(channels, 2.0 / self.MU, dtype=FLOAT)
        self.grad_beta = np.zeros_like(self.beta)
        self._max = MaxPool2d(name + ".max", kernel_size, stride, padding)
        self._avg = AvgPool2d(name + ".avg", kernel_size, stride, padding)

    @property
    def alpha(self) -> np.ndarray:
        """Weight of max pooling per channel."""
        return 1.0 / (1.0 + np.exp(-self.MU * self.beta))

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        self._m = self._max.forward(inputs, train)
        self._a = self._avg.forward(inputs, train)
        alpha = self.alpha.reshape(1, -1, 1, 1)
        return (alpha * self._m + (1 - alpha) * self._a).astype(self._m.dtype, copy=False)

    def backward(self, grad: np.ndarray) -> list[np.ndarray | None]:
        alpha = self.alpha
        a4 = alpha.reshape(1, -1, 1, 1)
        dalpha = (grad * (self._m - self._a)).sum(axis=(0, 2, 3))
        self.grad_beta += (dalpha * alpha * (1 - alpha) * self.MU).astype(self.grad_beta.dtype)
        gm = self._max.backward(grad * a4)[0]
        ga = self._avg.backward(grad * (1 - a4))[0]
        assert gm is not None and ga is not None
        return [gm + ga]

    def step(self, lr: float, weight_decay: float = 0.0) -> None:
        self.beta -= lr * self.grad_beta
        self.grad_beta[:] = 0

    def parameters(self) -> dict[str, np.ndarray]:
        return {"beta": self.beta}


class GlobalAvgPool2d(Module):
    """Mean over H and W: (B, C, H, W) -> (B, C, 1, 1)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self._shape: tuple[int, ...] = ()

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        x = inputs[0]
        self._shape = x.shape
        return x.mean(axis=(2, 3), keepdims=True, dtype=x.dtype)

    def backward(self, grad: np.ndarray) -> list[np.ndarray | None]:
        h, w = self._shape[2:]
        return [np.broadcast_to((grad / (h * w)).astype(grad.dtype), self._shape).copy()]


@dataclass(frozen=True, kw_only=True)
class PoolSpec(LayerSpec):
    """Fields shared by the windowed pooling kinds."""

    kernel_size: IntPair
    """(k_h, k_w) or one size."""
    stride: IntPair | None = None
    """(s_h, s_w) or one size; None = kernel_size."""
    padding: Padding = 0
    """Padding: one size, [p_h, p_w] on both sides, or [top, left, bottom, right] (at most half the kernel)."""

    def _geometry(self) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int, int, int]]:
        k = pair(self.kernel_size)
        return k, pair(self.stride, k), resolve_padding(self.padding)

    def _weights(self, channels: int) -> int:
        return 0

    def infer(self, in_shapes: tuple[Shape, ...]) -> Inferred:
        c, h, w = self._image(in_shapes[0])
        k, st, p = self._geometry()
        if max(p[0], p[2]) * 2 > k[0] or max(p[1], p[3]) * 2 > k[1]:
            raise LayerError(f"padding {list(padding_attr(p))} is more than half the kernel {list(k)}", key="padding")
        oh, ow = window_output("kernel", (h, w), k, st, p)
        return Inferred(out_shape=(c, oh, ow), n_weights=self._weights(c),
                        attrs={"in_channels": c, "kernel_size": k, "stride": st, "padding": padding_attr(p)})

    def digital_ops(self, layer: LayerView, cycle: str) -> dict[str, float]:
        return {OP_POOLING: numel(layer.in_shape)}

    def input_rows(self, layer: LayerView, in_rows: int, out_row: int) -> tuple[int, int]:
        """The input rows the pooling window of output row ``out_row`` covers."""
        k, st, p = self._geometry()
        return window_rows(in_rows, out_row, kernel=k[0], stride=st[0], pad_top=p[0])


@LayerSpec.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class MaxPoolSpec(PoolSpec):
    """Max pooling."""

    kind: str = "maxpool"

    def build(self, layer: LayerView, ctx: BuildContext) -> Module:
        return MaxPool2d(self.name, *self._geometry())


@LayerSpec.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class AvgPoolSpec(PoolSpec):
    """Average pooling."""

    kind: str = "avgpool"
    count_include_pad: bool = True
    """Divide by k_h·k_w (padding counts as zeros) or by the window's unpadded elements."""

    def infer(self, in_shapes: tuple[Shape, ...]) -> Inferred:
        out = super().infer(in_shapes)
        if self.count_include_pad:
            return out
        return Inferred(out_shape=out.out_shape, attrs={**out.attrs, "count_include_pad": False})

    def build(self, layer: LayerView, ctx: BuildContext) -> Module:
        return AvgPool2d(self.name, *self._geometry(), count_include_pad=self.count_include_pad)


@LayerSpec.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class MixedPoolSpec(PoolSpec):
    """Learnable per-channel mix of max and average pooling (RAPA-ConvNets)."""

    kind: str = "mixedpool"

    def _weights(self, channels: int) -> int:
        return channels

    def build(self, layer: LayerView, ctx: BuildContext) -> Module:
        return MixedPool2d(self.name, *self._geometry(), channels=layer.in_shape[0])


@LayerSpec.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class GlobalAvgPoolSpec(LayerSpec):
    """Global average pooling: (C, H, W) -> (C, 1, 1)."""

    kind: str = "global_avgpool"

    def infer(self, in_shapes: tuple[Shape, ...]) -> Inferred:
        c, _, _ = self._image(in_shapes[0])
        return Inferred(out_shape=(c, 1, 1), attrs={"in_channels": c})

    def build(self, layer: LayerView, ctx: BuildContext) -> Module:
        return GlobalAvgPool2d(self.name)

    def digital_ops(self, layer: LayerView, cycle: str) -> dict[str, float]:
        return {OP_POOLING: numel(layer.in_shape)}
