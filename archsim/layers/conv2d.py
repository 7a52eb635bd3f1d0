"""``conv2d``: 2-D convolution by im2col on crossbars, with groups (depthwise included), dilation and
asymmetric padding.

Each of the ``groups`` groups maps ``C/groups`` input channels to ``C_out/groups`` output channels with its own
logical matrix of ``k_h·k_w·C/groups`` inputs × ``C_out/groups`` outputs (``matrix_in`` × ``matrix_out``); every
output pixel's patch is one input vector (MVM) per group, so ``vectors_per_sample = H_out·W_out`` and
``macs_per_sample = groups · matrix_in · matrix_out · vectors_per_sample``. A depthwise convolution
(``groups = C = C_out``) is ``C`` matrices of ``k_h·k_w × 1``. The mapper places each group's matrix as its own
block (several small groups share a crossbar on disjoint rows and columns, see :mod:`archsim.mapping.partition`);
the functional model runs each group on its own tiles with its own periphery and updates groups separately
(a packed crossbar is updated one group at a time, so no pulse lands outside a group's block).

``padding`` is one size, ``[p_h, p_w]`` (both sides) or ``[top, left, bottom, right]``. Initial weights uniform in
``±1/sqrt(k_h·k_w·C/groups)`` (PyTorch's default).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Union

import numpy as np

from archsim.layers.base import (
    AnalogLayerSpec,
    ConvShape,
    GpuWork,
    Inferred,
    IntPair,
    LayerError,
    LayerSpec,
    LayerView,
    Shape,
    pair,
    window_rows,
)
from archsim.layers.im2col import col2im, conv_output_size, im2col, pads4
from archsim.layers.module import FLOAT, AnalogModule, BuildContext, MatrixUnit, Module

Padding = Union[int, tuple[int, int], tuple[int, int, int, int]]


def resolve_padding(value: Padding) -> tuple[int, int, int, int]:
    """``(top, left, bottom, right)`` of a ``padding`` field."""
    if isinstance(value, int):
        return (value, value, value, value)
    return pads4(tuple(int(v) for v in value))


def padding_attr(p: tuple[int, int, int, int]) -> tuple[int, ...]:
    """The table form of a padding: ``(p_h, p_w)`` when symmetric, else ``(top, left, bottom, right)``."""
    return (p[0], p[1]) if (p[0], p[1]) == (p[2], p[3]) else p


def window_output(kind_key: str, hw: tuple[int, int], k: tuple[int, int], st: tuple[int, int],
                  p: tuple[int, int, int, int], d: tuple[int, int] = (1, 1)) -> tuple[int, int]:
    """Output (H, W) of a sliding window, with the checks of every windowed kind.

    Raises:
        LayerError: kernel/stride/dilation < 1, negative padding, or a kernel larger than the padded input.
    """
    for name, value in (("kernel_size", k), ("stride", st), ("dilation", d)):
        if min(value) < 1:
            raise LayerError(f"{name}: expected sizes >= 1, got {list(value)}", key=name)
    if min(p) < 0:
        raise LayerError(f"padding: expected sizes >= 0, got {list(padding_attr(p))}", key="padding")
    out = []
    for dim, size in enumerate(hw):
        lo, hi = p[dim], p[dim + 2]
        span = size + lo + hi - d[dim] * (k[dim] - 1) - 1
        if span < 0:
            raise LayerError(f"{kind_key} [{k[0]}, {k[1]}] is larger than the padded input {size + lo + hi} "
                             f"(input {list(hw)}, padding {list(padding_attr(p))})", key="kernel_size")
        out.append(conv_output_size(size, k[dim], st[dim], lo, hi, d[dim]))
    return out[0], out[1]


class Conv2dModule(AnalogModule):
    """2-D convolution by im2col: every output pixel's patch is one MVM (one update vector) per group.

    ``units`` holds one matrix unit per group (``groups`` > 1) or, for replicated layers, one per kernel replica.
    """

    def __init__(self, name: str, in_channels: int, out_channels: int, kernel_size: tuple[int, int],
                 stride: tuple[int, int], padding: tuple[int, ...], *, units: list[MatrixUnit],
                 dilation: tuple[int, int] = (1, 1), groups: int = 1) -> None:
        super().__init__(name)
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel, self.stride = tuple(kernel_size), tuple(stride)
        self.padding = pads4(tuple(padding))
        self.dilation, self.groups = tuple(dilation), int(groups)
        self.units = list(units)
        self._x_shape: tuple[int, ...] = ()

    def output_hw(self, h: int, w: int) -> tuple[int, int]:
        """Output height and width for an input of h × w."""
        p = self.padding
        return (conv_output_size(h, self.kernel[0], self.stride[0], p[0], p[2], self.dilation[0]),
                conv_output_size(w, self.kernel[1], self.stride[1], p[1], p[3], self.dilation[1]))

    def _patches(self, x: np.ndarray) -> np.ndarray:
        self._x_shape = x.shape
        return im2col(x.astype(FLOAT, copy=False), self.kernel, self.stride, self.padding, self.dilation)

    def _to_image(self, y: np.ndarray) -> np.ndarray:
        b, _, h, w = self._x_shape
        ho, wo = self.output_hw(h, w)
        return np.ascontiguousarray(y.reshape(b, ho, wo, self.out_channels).transpose(0, 3, 1, 2))

    def _from_image(self, grad: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(grad.transpose(0, 2, 3, 1)).reshape(-1, self.out_channels)

    def _to_input(self, zc: np.ndarray | None) -> list[np.ndarray | None]:
        if zc is None:
            return [None]
        return [col2im(zc, self._x_shape, self.kernel, self.stride, self.padding, self.dilation)]

    def _group_slices(self) -> tuple[int, int]:
        """(patch columns, output channels) of one group."""
        return (self.in_channels // self.groups) * self.kernel[0] * self.kernel[1], self.out_channels // self.groups

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        cols = self._patches(inputs[0])
        if self.groups == 1:
            return self._to_image(self.units[0].forward(cols, train))
        kc, mc = self._group_slices()
        y = np.empty((cols.shape[0], self.out_channels), dtype=FLOAT)
        for g, unit in enumerate(self.units):
            y[:, g * mc : (g + 1) * mc] = unit.forward(np.ascontiguousarray(cols[:, g * kc : (g + 1) * kc]), train)
        return self._to_image(y)

    def backward(self, grad: np.ndarray) -> list[np.ndarray | None]:
        d = self._from_image(grad)
        if self.groups == 1:
            return self._to_input(self.units[0].backward(d, self.need_input_grad))
        kc, mc = self._group_slices()
        zc = np.empty((d.shape[0], kc * self.groups), dtype=FLOAT) if self.need_input_grad else None
        for g, unit in enumerate(self.units):
            z = unit.backward(np.ascontiguousarray(d[:, g * mc : (g + 1) * mc]), self.need_input_grad)
            if zc is not None and z is not None:
                zc[:, g * kc : (g + 1) * kc] = z
        return self._to_input(zc)


@LayerSpec.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class Conv2dSpec(AnalogLayerSpec):
    """2-D convolution (module docstring)."""

    kind: str = "conv2d"
    out_channels: int
    """Output channels (filters)."""
    kernel_size: IntPair
    """(k_h, k_w) or one size."""
    stride: IntPair = 1
    """(s_h, s_w) or one size."""
    padding: Padding = 0
    """Zero padding: one size, [p_h, p_w] on both sides, or [top, left, bottom, right]."""
    dilation: IntPair = 1
    """Spacing of the kernel taps."""
    groups: int = 1
    """Groups of channels convolved separately (in_channels for a depthwise convolution)."""
    in_channels: int | None = None
    """Input channels; None = the input's (checked when given)."""
    bias: bool = True
    """Whether the layer has a bias vector."""

    def _geometry(self) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int, int, int], tuple[int, int]]:
        return pair(self.kernel_size), pair(self.stride), resolve_padding(self.padding), pair(self.dilation)

    def infer(self, in_shapes: tuple[Shape, ...]) -> Inferred:
        c, h, w = self._image(in_shapes[0])
        if self.in_channels is not None and self.in_channels != c:
            raise LayerError(f"in_channels is {self.in_channels} but the input has {c} channels", key="in_channels")
        self._positive("out_channels", self.out_channels)
        self._positive("groups", self.groups)
        g = self.groups
        if c % g or self.out_channels % g:
            raise LayerError(f"groups: {g} groups must divide the {c} input and {self.out_channels} output "
                             f"channels", key="groups")
        k, st, p, d = self._geometry()
        oh, ow = window_output("kernel", (h, w), k, st, p, d)
        m_in = k[0] * k[1] * (c // g)
        m_out = self.out_channels // g
        nb = self.out_channels if self.bias else 0
        vectors = oh * ow
        attrs: dict[str, object] = {"in_channels": c, "out_channels": self.out_channels, "kernel_size": k,
                                    "stride": st, "padding": padding_attr(p)}
        if d != (1, 1):
            attrs["dilation"] = d
        if g != 1:
            attrs["groups"] = g
        return Inferred(out_shape=(self.out_channels, oh, ow), bias=self.bias,
                        n_weights=g * m_in * m_out + nb, n_biases=nb,
                        macs_per_sample=g * m_in * m_out * vectors, matrix_in=m_in, matrix_out=m_out,
                        n_groups=g, vectors_per_sample=vectors, attrs=attrs)

    def replicable(self) -> bool:
        return self.groups == 1 and pair(self.dilation) == (1, 1)

    def build(self, layer: LayerView, ctx: BuildContext) -> Module:
        c = layer.in_shape[0]
        k, st, p, d = self._geometry()
        args = (self.name, c, self.out_channels, k, st, p)
        if ctx.n_replicas > 1:
            if ctx.replicated is None:
                raise LayerError(f"layer {self.name}: {ctx.n_replicas} replicas but the network builder "
                                 "offers no replicated convolution")
            return ctx.replicated(*args, n_replicas=ctx.n_replicas)
        bound = 1.0 / np.sqrt(layer.matrix_in)
        units = [ctx.matrix(layer.matrix_out, layer.matrix_in, init_bound=bound) for _ in range(self.groups)]
        return Conv2dModule(*args, units=units, dilation=d, groups=self.groups)

    def input_rows(self, layer: LayerView, in_rows: int, out_row: int) -> tuple[int, int]:
        """The input rows the kernel window of output row ``out_row`` covers (dilation included)."""
        k, st, p, d = self._geometry()
        return window_rows(in_rows, out_row, kernel=k[0], stride=st[0], pad_top=p[0], dilation=d[0])

    def gpu_work(self, layer: LayerView) -> GpuWork:
        k, st, p, _ = self._geometry()
        conv = ConvShape(in_channels=layer.in_shape[0], out_channels=self.out_channels, kernel=k, stride=st,
                         padding=(p[0], p[1]), in_hw=(layer.in_shape[1], layer.in_shape[2]), groups=self.groups)
        return replace(super().gpu_work(layer), conv=conv)
