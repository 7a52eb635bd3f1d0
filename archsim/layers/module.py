"""The functional module interface of a layer kind, and the context analog kinds build their matrices from.

Every layer runs as a :class:`Module` with

* ``forward(inputs, train) -> y`` (``inputs`` is a list, one array per graph predecessor; batch first),
* ``backward(grad_y) -> [grad_input, ...]`` (uses what ``forward`` cached; call it once per forward; an entry
  may be None when no gradient flows to that input),
* ``step(lr, weight_decay)`` (applies the accumulated gradient of the layer's own digital parameters, if any).

No autograd framework is involved; tests check every backward against central finite differences. Digital
work is float32 numpy.

Analog kinds (weights on crossbars) never create tiles themselves: :meth:`LayerSpec.build
<archsim.layers.base.LayerSpec.build>` receives a :class:`BuildContext` whose :attr:`~BuildContext.matrix`
factory returns a :class:`MatrixUnit` — one logical weight matrix split over tiles with its digital periphery
(bias, output scale) and the mini-batch cache of its update — laid out as the Mapping says. The network builder
(:mod:`archsim.nn.network`) supplies it, with crossbar tiles or the floating-point baseline, so this package
depends on no tile numerics.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

__all__ = ["FLOAT", "AnalogModule", "BuildContext", "Identity", "MatrixFactory", "MatrixUnit", "Module"]

FLOAT = np.float32


class Module:
    """A node of the network graph. Subclasses override :meth:`forward` and :meth:`backward`."""

    analog = False
    """True for layers whose matrix products run on crossbar tiles."""

    def __init__(self, name: str) -> None:
        self.name = name

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> list[np.ndarray | None]:  # pragma: no cover - abstract
        raise NotImplementedError

    def step(self, lr: float, weight_decay: float = 0.0) -> None:
        """Apply the accumulated gradient of the layer's own parameters (none by default)."""

    def parameters(self) -> dict[str, np.ndarray]:
        """Digital trainable parameters by name (views, not copies)."""
        return {}


class Identity(Module):
    """Passes its single input through (the training-time output ``softmax``; the loss applies it)."""

    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        return inputs[0]

    def backward(self, grad: np.ndarray) -> list[np.ndarray | None]:
        return [grad]


class MatrixUnit(Protocol):
    """One logical ``out × in`` weight matrix on tiles with its digital bias/scale and mini-batch cache."""

    out_scale: np.ndarray | None
    """Learned digital output scale, or None."""

    def forward(self, x: np.ndarray, train: bool) -> np.ndarray:
        """``y[N, out] = W x (+ b)`` for ``x[N, in]``; caches x for the update when training."""
        ...

    def backward(self, d: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """Record ``d[N, out]`` for the update; return ``z[N, in] = Wᵀ d`` when asked."""
        ...

    def step(self, lr: float, weight_decay: float = 0.0) -> None:
        """Apply the mini-batch's update."""
        ...

    def get_weights(self) -> tuple[np.ndarray, np.ndarray | None]:
        """(weights out × in, bias or None) as the network sees them."""
        ...

    def set_weights(self, weights: np.ndarray, bias: np.ndarray | None = None) -> None:
        """Program weights and bias."""
        ...

    def tiles(self) -> list[Any]:
        """The tiles holding the matrix."""
        ...


class MatrixFactory(Protocol):
    """Makes the :class:`MatrixUnit` of one (group of one) layer: ``factory(out_size, in_size, init_bound=...)``.

    Initial weights and biases are drawn uniform in ``±init_bound`` from the network's generator unless given.
    """

    def __call__(self, out_size: int, in_size: int, *, init_bound: float, weights: np.ndarray | None = None,
                 bias_values: np.ndarray | None = None) -> MatrixUnit: ...


@dataclass(frozen=True, kw_only=True)
class BuildContext:
    """What the network builder gives a kind to build one layer's module."""

    rng: np.random.Generator
    """The network's generator (initial weights, RAPA assignments): draw from it in a fixed order."""
    matrix: MatrixFactory
    """Matrix units laid out as the Mapping says for this layer (analog kinds only)."""
    is_output: bool = False
    """True for the network's last layer (whose softmax the loss applies)."""
    n_replicas: int = 1
    """Kernel replicas of this layer (RAPA n_t; replicable kinds only)."""
    replicated: Callable[..., Module] | None = None
    """Builds a replicated layer when ``n_replicas > 1`` (the network's RAPA convolution): called with the
    kind's module arguments and ``n_replicas``."""


class AnalogModule(Module):
    """Base of the analog layers: owns ``units`` (:class:`MatrixUnit` list) and steps them."""

    analog = True

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.units: list[MatrixUnit] = []
        self.need_input_grad = True
        """False when nothing upstream needs this layer's input gradient (set by the network)."""

    def step(self, lr: float, weight_decay: float = 0.0) -> None:
        for unit in self.units:
            unit.step(lr, weight_decay)

    def tiles(self) -> list[Any]:
        """Every tile of the layer (all units, all blocks)."""
        return [t for unit in self.units for t in unit.tiles()]

    def parameters(self) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for k, unit in enumerate(self.units):
            w, b = unit.get_weights()
            out[f"weight{k}" if len(self.units) > 1 else "weight"] = w
            if b is not None:
                out[f"bias{k}" if len(self.units) > 1 else "bias"] = b
        return out
