"""What a measured-mode timing backend provides (:mod:`archsim.gpu.measure`): per-layer batch times."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from archsim.layers.base import ConvShape


@dataclass(frozen=True, kw_only=True)
class PhaseTimes:
    """Measured time of one layer for one batch, ns."""

    forward_ns: float
    """Forward pass."""
    backward_ns: float = 0.0
    """Backward pass (gradients of inputs and weights); 0 in inference."""


class TimingBackend(Protocol):
    """Runs and times single layers on one device."""

    def device_name(self) -> str:
        """Name of the device the times come from."""
        ...

    def time_conv(self, geometry: ConvShape, *, batch: int, precision: str, training: bool) -> PhaseTimes:
        """Time one convolution."""
        ...

    def time_matmul(self, *, batches: int, m: int, k: int, n: int, precision: str, training: bool,
                    weight_grad: bool) -> PhaseTimes:
        """Time ``batches`` independent ``(m×k)·(k×n)`` products (``weight_grad``: the second operand is
        a weight, else an activation; both get gradients in training)."""
        ...

    def time_elementwise(self, *, elems: int, precision: str, training: bool) -> PhaseTimes:
        """Time one element-wise kernel over ``elems`` elements."""
        ...
