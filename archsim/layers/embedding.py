"""Table kinds (digital memory, not crossbars): ``embedding`` lookups and free ``parameter`` tensors.

* ``embedding`` — a table of ``num_embeddings × embedding_dim`` trainable values. ``lookup: input`` reads row
  ``x`` for every integer ``x`` of the input (token ids; output ``shape + (embedding_dim,)``); ``lookup: position``
  reads rows ``0..T−1`` for an input of length T (positional embeddings; the input gives only the length);
  ``lookup: constant`` reads row ``index`` at every position (BERT's token-type embedding of a single segment).
  Initial values N(0, 1) (PyTorch's ``nn.Embedding``). A lookup moves ``embedding_dim`` values per position and
  does no arithmetic; its gradient is scattered into the table (none flows to the indices).
* ``parameter`` — a trainable tensor of fixed ``shape`` with no inputs (ViT's class token and positional
  embedding), initial values N(0, 0.02²); its consumer broadcasts it to the batch. It is read like the network
  input (the mapping counts its values as traffic from off-chip memory).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from archsim.errors import DataError
from archsim.layers.base import Inferred, LayerError, LayerSpec, LayerView, Shape, SourceLayerSpec, numel
from archsim.layers.module import FLOAT, BuildContext, Module

LOOKUPS = ("input", "position", "constant")


class Embedding(Module):
    """Row lookups in a trainable table (module docstring)."""

    def __init__(self, name: str, table: np.ndarray, lookup: str, index: int) -> None:
        super().__init__(name)
        self.table = table
        self.grad = np.zeros_like(table)
        self.lookup, self.index = lookup, index
        self._idx: np.ndarray | None = None
        self._in_shape: tuple[int, ...] = ()

    def _indices(self, x: np.ndarray) -> np.ndarray:
        if self.lookup == "position":
            return np.broadcast_to(np.arange(x.shape[1]), (x.shape[0], x.shape[1]))
        if self.lookup == "constant":
            return np.full((x.shape[0], x.shape[1]), self.index, dtype=np.int64)
        idx = np.rint(x).astype(np.int64)
        if not np.array_equal(idx, x) or idx.min() < 0 or idx.max() >= self.table.shape[0]:
            raise DataError(f"embedding {self.name}: expected integer ids in [0, {self.table.shape[0]}), got values "
                            f"in [{float(x.min()):g}, {float(x.max()):g}]",
                            hint="feed token ids (a dataset of integers), not continuous features")
        return idx

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        x = inputs[0]
        self._in_shape = x.shape
        self._idx = self._indices(x)
        return self.table[self._idx]

    def backward(self, grad: np.ndarray) -> list[np.ndarray | None]:
        assert self._idx is not None
        np.add.at(self.grad, self._idx.reshape(-1), grad.reshape(-1, self.table.shape[1]))
        return [None]

    def step(self, lr: float, weight_decay: float = 0.0) -> None:
        self.table -= FLOAT(lr) * (self.grad + FLOAT(weight_decay) * self.table)
        self.grad[:] = 0

    def parameters(self) -> dict[str, np.ndarray]:
        return {"table": self.table}


class Parameter(Module):
    """A trainable tensor returned with batch 1 (module docstring)."""

    def __init__(self, name: str, value: np.ndarray) -> None:
        super().__init__(name)
        self.value = value
        self.grad = np.zeros_like(value)

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        return self.value[None]

    def backward(self, grad: np.ndarray) -> list[np.ndarray | None]:
        self.grad += grad.sum(axis=0).astype(FLOAT)
        return []

    def step(self, lr: float, weight_decay: float = 0.0) -> None:
        self.value -= FLOAT(lr) * self.grad
        self.grad[:] = 0

    def parameters(self) -> dict[str, np.ndarray]:
        return {"value": self.value}


@LayerSpec.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class EmbeddingSpec(LayerSpec):
    """Row lookups in a trainable table (module docstring)."""

    kind: str = "embedding"
    num_embeddings: int
    """Rows of the table (vocabulary size, positions)."""
    embedding_dim: int
    """Values per row."""
    lookup: str = "input"
    """``input`` (rows named by the input's integers), ``position`` (rows 0..T-1) or ``constant`` (row ``index``)."""
    index: int = 0
    """The row of ``lookup: constant``."""

    def infer(self, in_shapes: tuple[Shape, ...]) -> Inferred:
        shape = in_shapes[0]
        self._positive("num_embeddings", self.num_embeddings)
        self._positive("embedding_dim", self.embedding_dim)
        if self.lookup not in LOOKUPS:
            raise LayerError(f"lookup: expected one of {', '.join(LOOKUPS)}, got {self.lookup!r}", key="lookup")
        if self.lookup == "input":
            out = (*shape, self.embedding_dim)
        else:
            if len(shape) != 1:
                raise LayerError(f"lookup {self.lookup} expects an input of shape [T], got {list(shape)}",
                                 key="inputs")
            if self.lookup == "position" and shape[0] > self.num_embeddings:
                raise LayerError(f"num_embeddings: {self.num_embeddings} positions, but the input has {shape[0]}",
                                 key="num_embeddings")
            if self.lookup == "constant" and not 0 <= self.index < self.num_embeddings:
                raise LayerError(f"index: expected 0 <= index < {self.num_embeddings}, got {self.index}", key="index")
            out = (shape[0], self.embedding_dim)
        attrs: dict[str, object] = {"num_embeddings": self.num_embeddings, "embedding_dim": self.embedding_dim}
        if self.lookup != "input":
            attrs["lookup"] = self.lookup
        return Inferred(out_shape=out, n_weights=self.num_embeddings * self.embedding_dim, attrs=attrs)

    def build(self, layer: LayerView, ctx: BuildContext) -> Module:
        table = ctx.rng.standard_normal((self.num_embeddings, self.embedding_dim)).astype(FLOAT)
        return Embedding(self.name, table, self.lookup, self.index)

    def moved_elements(self, layer: LayerView) -> int:
        return numel(layer.in_shape) + numel(layer.out_shape)


@LayerSpec.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class ParameterSpec(SourceLayerSpec):
    """A trainable tensor with no inputs (module docstring)."""

    kind: str = "parameter"
    shape: tuple[int, ...]
    """Per-sample shape of the tensor."""

    def infer(self, in_shapes: tuple[Shape, ...]) -> Inferred:
        if not self.shape or min(self.shape) < 1:
            raise LayerError(f"shape: expected positive sizes, got {list(self.shape)}", key="shape")
        return Inferred(out_shape=tuple(self.shape), n_weights=numel(tuple(self.shape)),
                        attrs={"shape": tuple(self.shape)})

    def build(self, layer: LayerView, ctx: BuildContext) -> Module:
        return Parameter(self.name, (0.02 * ctx.rng.standard_normal(tuple(self.shape))).astype(FLOAT))

    def moved_elements(self, layer: LayerView) -> int:
        return numel(layer.out_shape)
