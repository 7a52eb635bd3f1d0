"""``matmul``: the matrix product of two activations (attention's ``Q·Kᵀ`` and ``softmax(·)·V``), digital.

Inputs ``A (..., M, K)`` and ``B (..., K, N)`` with broadcast leading axes give ``(..., M, N)``;
``macs_per_sample = prod(leading) · M · K · N``. Neither operand is a weight, so nothing can sit on a crossbar
(a crossbar would have to be reprogrammed for every sample): the products run on the tile's digital units. A
multiply-accumulate is one multiply and one add, so the engine counts two ``elementwise`` ops per MAC forward and,
for the two operand gradients ``dA = dY·Bᵀ`` and ``dB = Aᵀ·dY``, four per MAC backward. On a GPU it is a matrix
product without weights (forward, and two gradient products in training).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from archsim.layers.base import OP_ELEMENTWISE, GpuWork, Inferred, LayerError, LayerSpec, LayerView, Shape, numel
from archsim.layers.module import BuildContext, Module


class MatMul(Module):
    """Batched product of two activations over the last two axes."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self._a: np.ndarray | None = None
        self._b: np.ndarray | None = None

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        a, b = inputs
        self._a, self._b = a, b
        return np.matmul(a, b)

    def backward(self, grad: np.ndarray) -> list[np.ndarray | None]:
        a, b = self._a, self._b
        assert a is not None and b is not None
        ga = np.matmul(grad, np.swapaxes(b, -1, -2))
        gb = np.matmul(np.swapaxes(a, -1, -2), grad)
        return [_sum_to(ga, a.shape), _sum_to(gb, b.shape)]


def _sum_to(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    axes = tuple(i for i, (x, s) in enumerate(zip(g.shape, shape)) if s == 1 and x != 1)
    return g.sum(axis=axes, keepdims=True) if axes else g


@LayerSpec.KINDS.register_class
@dataclass(frozen=True, kw_only=True)
class MatMulSpec(LayerSpec):
    """Matrix product of two activations (module docstring)."""

    MIN_INPUTS = 2
    MAX_INPUTS = 2
    GPU_KERNEL = "matmul"

    kind: str = "matmul"

    def infer(self, in_shapes: tuple[Shape, ...]) -> Inferred:
        a, b = in_shapes
        if len(a) < 2 or len(b) < 2 or a[-1] != b[-2]:
            raise LayerError(f"matmul needs inputs [..., M, K] and [..., K, N]; got {list(a)} and {list(b)}",
                             key="inputs")
        try:
            lead = tuple(int(s) for s in np.broadcast_shapes(a[:-2], b[:-2]))
        except ValueError:
            raise LayerError(f"matmul: leading axes of {list(a)} and {list(b)} do not broadcast", key="inputs") from None
        m, k, n = a[-2], a[-1], b[-1]
        return Inferred(out_shape=(*lead, m, n), macs_per_sample=numel(lead) * m * k * n,
                        attrs={"m": m, "k": k, "n": n})

    def build(self, layer: LayerView, ctx: BuildContext) -> Module:
        return MatMul(self.name)

    def digital_ops(self, layer: LayerView, cycle: str) -> dict[str, float]:
        return {OP_ELEMENTWISE: (2 if cycle == "forward" else 4) * layer.macs_per_sample}

    def gpu_work(self, layer: LayerView) -> GpuWork:
        a, b = layer.in_shapes
        return GpuWork(kernel=self.GPU_KERNEL, macs_per_sample=layer.macs_per_sample, gemm_m_per_sample=a[-2],
                       gemm_k=a[-1], gemm_n=b[-1], matmul_batch_per_sample=numel(layer.out_shape[:-2]))
