"""What a tile gives its training algorithm, and the algorithm registry.

* :class:`TileStats` — the tile's counters (vectors, bound-management passes, BL histogram, pulses, transfers);
* :class:`TileContext` — sizes, config, the tile's Generator and stats, factories for extra device arrays and MVM
  pipelines;
* :class:`TileAlgorithm` — the protocol of an algorithm object ("update strategy"): which weights the MVMs read,
  how a gradient reaches the devices;
* :data:`ALGORITHMS` — the registry of implementations by the ``kind`` tag of their config class;
  :func:`register_algorithm` adds one (the built-ins register themselves in ``archsim.crossbar.algorithms``, one
  module per family), :func:`build_algorithm` builds the one a tile's ``rpu_config.algorithm`` selects.

Neither this module nor the algorithms import ``archsim.crossbar.tile``: the tile imports them.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from archsim.crossbar.devices import DeviceArray
from archsim.crossbar.io import IOPipeline, NoiseManagementState
from archsim.crossbar.update import UpdateResult
from archsim.errors import ConfigError
from archsim.hwconfig.rpu import IOParameters, RPUConfig
from archsim.registry import Registry
from archsim.results.stats import LayerStats

__all__ = ["ALGORITHMS", "AlgorithmEntry", "TileAlgorithm", "TileContext", "TileStats", "build_algorithm",
           "register_algorithm"]


@dataclass
class TileStats:
    """Mutable counters of one tile (reset with :meth:`reset`)."""

    n_devices: int = 0
    """Cross-points of the tile (out·in), for per-device means."""
    forward_vectors: int = 0
    """Forward input vectors processed."""
    backward_vectors: int = 0
    """Backward input vectors processed."""
    forward_bm_passes: int = 0
    """Sum over forward vectors of bound-management passes."""
    backward_bm_passes: int = 0
    """Sum over backward vectors of passes (always 1 per vector: BM is off in backward)."""
    updates: int = 0
    """update() calls (mini-batches)."""
    update_vectors: int = 0
    """Update vectors (rows of x) applied."""
    bl_histogram: Counter = field(default_factory=Counter)
    """Update vectors per pulse-train length BL (0: vector carried no pulses or FP update)."""
    pulses: int = 0
    """Coincidences (device pulses) applied by updates, transfers included."""
    transfers: int = 0
    """Transfer events of compound algorithms."""
    transfer_reads: int = 0
    """Transfer read vectors (MVMs) of compound algorithms."""
    transfer_writes: int = 0
    """Transfer write vectors (pulsed row/column updates) of compound algorithms."""

    def reset(self) -> None:
        """Zero every counter (keeps n_devices)."""
        n = self.n_devices
        self.__init__()  # type: ignore[misc]
        self.n_devices = n

    def record_update(self, result: UpdateResult) -> None:
        """Add one pulsed-update result (BL per vector, pulses)."""
        self.update_vectors += result.n_samples
        self.pulses += result.pulses
        hist = self.bl_histogram
        for v in result.bl.tolist():
            hist[v] += 1

    @property
    def mean_bm_passes_forward(self) -> float:
        """Mean BM passes per forward vector (1.0 before any forward)."""
        return self.forward_bm_passes / self.forward_vectors if self.forward_vectors else 1.0

    @property
    def mean_bm_passes_backward(self) -> float:
        """Mean passes per backward vector (1.0 before any backward)."""
        return self.backward_bm_passes / self.backward_vectors if self.backward_vectors else 1.0

    @property
    def mean_bl(self) -> float | None:
        """Mean BL per update vector (zeros included); None before any update."""
        total = sum(self.bl_histogram.values())
        if not total:
            return None
        return sum(k * v for k, v in self.bl_histogram.items()) / total

    @property
    def mean_pulses_per_device_per_update(self) -> float:
        """Mean coincidences per device per update vector."""
        if not self.update_vectors or not self.n_devices:
            return 0.0
        return self.pulses / (self.n_devices * self.update_vectors)

    def to_layer_stats(self, layer: str, *, samples: int) -> LayerStats:
        """The functional → engine record (archsim.results.stats.LayerStats) of these counters.

        ``samples`` is the number of input samples of the network these counters cover: "per sample" means per
        network sample (one image), the engine's meaning, so a conv layer's transfers per sample cover all its
        patches (as :func:`archsim.nn.train.layer_statistics`).
        """
        mean_bl = self.mean_bl
        per_sample = samples if samples > 0 else None
        return LayerStats(
            layer=layer,
            mean_bm_passes_forward=max(1.0, self.mean_bm_passes_forward),
            mean_bm_passes_backward=max(1.0, self.mean_bm_passes_backward),
            mean_bl=mean_bl,
            bl_histogram={int(k): int(v) for k, v in sorted(self.bl_histogram.items())},
            mean_pulses_per_device_per_update=self.mean_pulses_per_device_per_update,
            transfer_reads_per_sample=(self.transfer_reads / per_sample) if per_sample and self.transfers else None,
            transfer_writes_per_sample=(self.transfer_writes / per_sample) if per_sample and self.transfers else None,
        )


@dataclass
class TileContext:
    """What a :class:`TileAlgorithm` gets from its tile."""

    out_size: int
    in_size: int
    rpu_config: RPUConfig
    rng: np.random.Generator
    """The tile's Generator (the only source of randomness)."""
    stats: TileStats
    nm_state: NoiseManagementState

    def pipeline(self, io: IOParameters, out_size: int, *, allow_bound_management: bool = True,
                 backward: bool = False) -> IOPipeline:
        """A new MVM pipeline with its own IO parameters (e.g. a transfer read); shares nothing with the tile's."""
        return IOPipeline(io, out_size, self.rng, allow_bound_management=allow_bound_management, backward=backward)

    def device_array(self, device: Any = None, out_size: int | None = None, in_size: int | None = None) -> DeviceArray:
        """A new device array (default: the tile's device model and shape)."""
        return DeviceArray(out_size or self.out_size, in_size or self.in_size,
                           device if device is not None else self.rpu_config.device, self.rng)


class TileAlgorithm(Protocol):
    """The update strategy of a tile (plain SGD here; compounds in compounds.py)."""

    def read_weights(self) -> np.ndarray:
        """float32[out, in] weights used by forward and backward (a view is fine; not modified by the caller)."""

    def get_weights(self) -> np.ndarray:
        """A copy of the effective weights."""

    def set_weights(self, w: np.ndarray) -> None:
        """Program the effective weights."""

    def update(self, x: np.ndarray, d: np.ndarray, lr: float) -> None:
        """Apply one mini-batch update (x: float32[B, in], d: float32[B, out], validated); record stats."""

    def post_update_step(self) -> None:
        """Per mini-batch slow processes (diffusion, decay)."""


#: ``factory(ctx, config) -> TileAlgorithm``: builds a tile's algorithm object from its config.
AlgorithmFactory = Callable[[TileContext, Any], TileAlgorithm]


@dataclass(frozen=True)
class AlgorithmEntry:
    """A registered training algorithm: its config class and the factory of its implementation."""

    config_cls: type
    """The config dataclass (``rpu.algorithm``) this implementation serves."""
    factory: AlgorithmFactory
    """Builds the implementation for a tile."""


#: Training algorithms by the ``kind`` tag of their config class (built-ins: ``archsim.crossbar.algorithms``).
ALGORITHMS: Registry[AlgorithmEntry] = Registry("training algorithm")


def register_algorithm(config_cls: type, factory: AlgorithmFactory) -> None:
    """Make tiles whose ``rpu_config.algorithm`` is a ``config_cls`` (selected by its ``kind`` tag) use
    ``factory(ctx, config)``."""
    tags = [f.default for f in dataclasses.fields(config_cls) if f.name == "kind" and isinstance(f.default, str)]
    if not tags:
        raise ValueError(f"register_algorithm: {config_cls.__name__} has no 'kind' field with a string default")
    ALGORITHMS.register(tags[0], AlgorithmEntry(config_cls, factory), replace=True)


def build_algorithm(ctx: TileContext, config: Any) -> TileAlgorithm:
    """The registered implementation of ``config`` (looked up by its ``kind``) built for the tile ``ctx``.

    Raises:
        ConfigError: if no implementation is registered for the kind, or it serves another config class.
    """
    entry = ALGORITHMS[config.kind]
    if not isinstance(config, entry.config_cls):
        raise ConfigError(f"rpu.algorithm: kind {config.kind!r} is implemented for {entry.config_cls.__name__}, "
                          f"got a {type(config).__name__}")
    return entry.factory(ctx, config)
