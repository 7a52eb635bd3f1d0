"""Kinds that only rearrange values (digital, no arithmetic): ``flatten``, ``reshape``, ``transpose``,
``concat`` and ``slice``.

All axes are per-sample axes (the batch axis is not counted; negative axes count from the end). ``reshape`` takes
a target shape with at most one ``-1``; ``transpose`` a permutation of the per-sample axes; ``concat`` joins two or
more inputs along ``axis`` (a ``parameter`` input with batch 1 is broadcast to the batch); ``slice`` keeps
``[start, stop)`` of one axis (ONNX ``Split`` imports as one slice per output).

Digital work: none (data movement only: :meth:`~archsim.layers.base.LayerSpec.moved_elements`). On a GPU,
flatten and reshape are views; transpose, concat and slice copy their tensors (one element-wise pass).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from archsim.layers.base import Inferred, LayerError, LayerSpec, LayerView, Shape, numel
from archsim.layers.module import BuildContext, Module


class Reshape(Module):
    """(B, ...) -> (B, *shape)."""

    def __init__(self, name: str, shape: tuple[int, ...]) -> None:
        super().__init__(name)
        self.shape = shape
        self._in: tuple[int, ...] = ()

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        x = inputs[0]
        self._in = x.shape
        return x.reshape(x.shape[0], *self.shape)

    def backward(self, grad: np.ndarray) -> list[np.ndarray | None]:
        return [grad.reshape(self._in)]


class Transpose(Module):
    """Permute the per-sample axes."""

    def __init__(self, name: str, perm: tuple[int, ...]) -> None:
        super().__init__(name)
        self.perm = (0, *(p + 1 for p in perm))
        self.inverse = tuple(int(i) for i in np.argsort(self.perm))

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        return np.ascontiguousarray(inputs[0].transpose(self.perm))

    def backward(self, grad: np.ndarray) -> list[np.ndarray | None]:
        return [np.ascontiguousarray(grad.transpose(self.inverse))]


class Concat(Module):
    """Join the inputs along one per-sample axis (batch-1 inputs are broadcast to the batch)."""

    def __init__(self, name: str, axis: int) -> None:
        super().__init__(name)
        self.axis = axis + 1
        self._sizes: list[int] = []
        self._batches: list[int] = []

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        batch = max(x.shape[0] for x in inputs)
        self._batches = [x.shape[0] for x in inputs]
        self._sizes = [x.shape[self.axis] for x in inputs]
        full = [x if x.shape[0] == batch else np.broadcast_to(x, (batch, *x.shape[1:])) for x in inputs]
        return np.concatenate(full, axis=self.axis)

    def backward(self, grad: np.ndarray) -> list[np.ndarray | None]:
        parts = np.split(grad, np.cumsum(self._sizes)[:-1], axis=self.axis)
        return [p if b == grad.shape[0] else p.sum(axis=0, keepdims=True) for p, b in zip(parts, self._batches)]


class Slice(Module):
    """Keep ``[start, stop)`` of one per-sample axis."""

    def __init__(self, name: str, axis: int, start: int, stop: int) -> None:
        super().__init__(name)
        self.axis, self.start, self.stop = axis + 1, start, stop
        self._shape: tuple[int, ...] = ()

    def _index(self, ndim: int) -> tuple[slice, ...]:
        return tuple(slice(self.start, self.stop) if a == self.axis else slice(None) for a in range(ndim))

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        x = inputs[0]
        self._shape = x.shape
        return np.ascontiguousarray(x[self._index(x.ndim)])

    def backward(self, grad: np.ndarray) -> list[np.ndarray | None]:
        out = np.zeros(self._shape, dtype=grad.dtype)
        out[self._index(out.ndim)] = grad
        return [out]


@dataclass(frozen=True, kw_only=True)
class _MoveSpec(LayerSpec):
    """A kind that copies values (one element-wise pass on a GPU)."""


@LayerSpec.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class FlattenSpec(LayerSpec):
    """Flatten (C, H, W) to (C·H·W,)."""

    GPU_KERNEL = "view"

    kind: str = "flatten"

    def infer(self, in_shapes: tuple[Shape, ...]) -> Inferred:
        return Inferred(out_shape=(math.prod(in_shapes[0]),))

    def build(self, layer: LayerView, ctx: BuildContext) -> Module:
        return Reshape(self.name, layer.out_shape)


@LayerSpec.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class ReshapeSpec(LayerSpec):
    """Reshape to ``shape`` (one entry may be -1)."""

    GPU_KERNEL = "view"

    kind: str = "reshape"
    shape: tuple[int, ...]
    """Target per-sample shape; one entry may be -1 (inferred)."""

    def infer(self, in_shapes: tuple[Shape, ...]) -> Inferred:
        n = numel(in_shapes[0])
        target = list(self.shape)
        if not target or target.count(-1) > 1 or any(s < 1 and s != -1 for s in target):
            raise LayerError(f"shape: expected sizes >= 1 with at most one -1, got {target}", key="shape")
        known = math.prod(s for s in target if s != -1)
        if -1 in target:
            if n % known:
                raise LayerError(f"shape: {target} does not divide the input's {n} elements", key="shape")
            target[target.index(-1)] = n // known
        if math.prod(target) != n:
            raise LayerError(f"shape: {target} has {math.prod(target)} elements, the input {list(in_shapes[0])} has "
                             f"{n}", key="shape")
        return Inferred(out_shape=tuple(target), attrs={"shape": tuple(target)})

    def build(self, layer: LayerView, ctx: BuildContext) -> Module:
        return Reshape(self.name, layer.out_shape)


@LayerSpec.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class TransposeSpec(_MoveSpec):
    """Permute the per-sample axes."""

    kind: str = "transpose"
    perm: tuple[int, ...]
    """New order of the per-sample axes (a permutation of 0..rank-1)."""

    def infer(self, in_shapes: tuple[Shape, ...]) -> Inferred:
        shape = in_shapes[0]
        if sorted(self.perm) != list(range(len(shape))):
            raise LayerError(f"perm: expected a permutation of {list(range(len(shape)))}, got {list(self.perm)}",
                             key="perm")
        return Inferred(out_shape=tuple(shape[p] for p in self.perm), attrs={"perm": tuple(self.perm)})

    def build(self, layer: LayerView, ctx: BuildContext) -> Module:
        return Transpose(self.name, tuple(self.perm))


@LayerSpec.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class ConcatSpec(_MoveSpec):
    """Concatenate two or more inputs along one axis."""

    MIN_INPUTS = 2
    MAX_INPUTS = None

    kind: str = "concat"
    axis: int = 0
    """Per-sample axis to join along (0 = channels of an image)."""

    def infer(self, in_shapes: tuple[Shape, ...]) -> Inferred:
        first = in_shapes[0]
        ax = self._axis(self.axis, len(first))
        for k, s in enumerate(in_shapes[1:], start=1):
            if len(s) != len(first) or any(a != b for i, (a, b) in enumerate(zip(s, first)) if i != ax):
                raise LayerError(f"concat needs inputs equal outside axis {self.axis}; input 0 gives {list(first)}, "
                                 f"input {k} gives {list(s)}", key="inputs")
        out = list(first)
        out[ax] = sum(s[ax] for s in in_shapes)
        return Inferred(out_shape=tuple(out), attrs={"axis": self.axis})

    def build(self, layer: LayerView, ctx: BuildContext) -> Module:
        return Concat(self.name, self._axis(self.axis, len(layer.in_shape)))


@LayerSpec.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class SliceSpec(_MoveSpec):
    """Keep ``[start, stop)`` of one axis."""

    kind: str = "slice"
    axis: int = 0
    """Per-sample axis."""
    start: int = 0
    """First index kept."""
    stop: int
    """One past the last index kept."""

    def infer(self, in_shapes: tuple[Shape, ...]) -> Inferred:
        shape = in_shapes[0]
        ax = self._axis(self.axis, len(shape))
        if not 0 <= self.start < self.stop <= shape[ax]:
            raise LayerError(f"start/stop: expected 0 <= start < stop <= {shape[ax]} (axis {self.axis} of "
                             f"{list(shape)}), got {self.start} and {self.stop}", key="stop")
        out = list(shape)
        out[ax] = self.stop - self.start
        return Inferred(out_shape=tuple(out), attrs={"axis": self.axis, "start": self.start, "stop": self.stop})

    def build(self, layer: LayerView, ctx: BuildContext) -> Module:
        return Slice(self.name, self._axis(self.axis, len(layer.in_shape)), self.start, self.stop)
