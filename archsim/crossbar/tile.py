"""The analog tile: forward, backward and pulsed update of one crossbar with aihwkit semantics.

``AnalogTile(out_size, in_size, rpu_config="default", seed=0)`` (docs/architecture.md) holds:

* a forward :class:`~archsim.crossbar.io.IOPipeline` (y = W x) and a backward one (z = Wᵀ d, bound
  management forced off as in aihwkit), sharing the AVERAGE_ABS_MAX noise-management state;
* an **algorithm** object (the "update strategy") chosen by the type of ``rpu_config.algorithm``. It owns the
  device arrays, says which weights the MVMs read and how an update reaches the devices;
* :class:`TileStats` counters (vectors, bound-management passes, BL histogram, pulses, transfers).

Extension hook for compounds (Tiki-Taka family, mixed precision, one-sided, vector cells — engineer E's
``compounds.py``): implement the :class:`TileAlgorithm` protocol and register a factory for the algorithm config
class::

    from archsim.crossbar.tile import register_algorithm, TileContext

    class TransferAlgorithm:
        def __init__(self, ctx: TileContext, config: TransferCompoundConfig): ...
        def read_weights(self) -> np.ndarray: ...          # float32[out, in] used by forward/backward
        def get_weights(self) -> np.ndarray: ...
        def set_weights(self, w: np.ndarray) -> None: ...
        def update(self, x, d, lr) -> None: ...             # record pulses/BL/transfers in ctx.stats
        def post_update_step(self) -> None: ...             # per mini-batch decay/diffusion

    register_algorithm(TransferCompoundConfig, TransferAlgorithm)

``TileContext`` gives the sizes, the config, the tile's Generator, its stats and ``ctx.pipeline(io, out_size)``
to build extra MVM pipelines (e.g. transfer reads with their own IO parameters). If a config class is not
registered when a tile is built, ``archsim.crossbar.compounds`` is imported once (it registers on import).

Statistics: a forward vector is one row of x; its bound-management passes are counted per row (a row that noise
management short-cuts to zero counts as one pass: the hardware still spends the cycle). ``update`` counts one update call, ``x.shape[0]`` update vectors, the BL of
each vector (0 for vectors that carry no pulses) and the coincidences applied.
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from archsim.crossbar.devices import DeviceArray
from archsim.crossbar.io import IOPipeline, NoiseManagementState, as_float32_matrix, new_key
from archsim.crossbar.update import UpdateResult, pulsed_update
from archsim.errors import ConfigError, DataError
from archsim.hwconfig.algorithms import SGDConfig
from archsim.hwconfig.rpu import IOParameters, RPUConfig
from archsim.results.stats import LayerStats

__all__ = ["AnalogTile", "SGDAlgorithm", "TileAlgorithm", "TileContext", "TileStats", "register_algorithm"]

_F32 = np.float32


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
        self.bl_histogram.update(int(v) for v in result.bl)

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

    def pipeline(self, io: IOParameters, out_size: int, *, allow_bound_management: bool = True) -> IOPipeline:
        """A new MVM pipeline with its own IO parameters (e.g. a transfer read); shares nothing with the tile's."""
        return IOPipeline(io, out_size, self.rng, allow_bound_management=allow_bound_management)

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


_ALGORITHMS: dict[type, Callable[[TileContext, Any], TileAlgorithm]] = {}


def register_algorithm(config_cls: type, factory: Callable[[TileContext, Any], TileAlgorithm]) -> None:
    """Make tiles whose ``rpu_config.algorithm`` is a ``config_cls`` use ``factory(ctx, config)``."""
    _ALGORITHMS[config_cls] = factory


class SGDAlgorithm:
    """Plain analog SGD: one device array, pulsed update with the tile's update parameters."""

    def __init__(self, ctx: TileContext, config: SGDConfig) -> None:
        self.ctx = ctx
        self.config = config
        self.array = ctx.device_array()

    def read_weights(self) -> np.ndarray:
        return self.array.read()

    def get_weights(self) -> np.ndarray:
        return self.array.get_weights()

    def set_weights(self, w: np.ndarray) -> None:
        self.array.set_weights(w)

    def update(self, x: np.ndarray, d: np.ndarray, lr: float) -> None:
        result = pulsed_update(self.array, x, d, lr, self.ctx.rpu_config.update, self.ctx.rng)
        self.ctx.stats.record_update(result)

    def post_update_step(self) -> None:
        self.array.post_update_step()


register_algorithm(SGDConfig, SGDAlgorithm)


def _resolve_config(rpu_config: RPUConfig | str) -> RPUConfig:
    if isinstance(rpu_config, RPUConfig):
        return rpu_config
    if isinstance(rpu_config, str):
        return RPUConfig.from_preset(rpu_config)
    raise ConfigError(f"AnalogTile: rpu_config: expected an RPUConfig or a preset name, got {type(rpu_config).__name__}",
                      hint="valid presets: " + ", ".join(RPUConfig.preset_names()))


class AnalogTile:
    """One analog crossbar tile with aihwkit numerics (float32, rows of a batch = samples).

    Args:
        out_size: number of outputs (rows of W).
        in_size: number of inputs (columns of W).
        rpu_config: an :class:`RPUConfig` or a preset name (``"default"``, ``"ReRamSBPreset"``, ...).
        seed: seed of the tile's Generator: same seed and calls → bit-identical results.
    """

    def __init__(self, out_size: int, in_size: int, rpu_config: RPUConfig | str = "default", seed: int = 0) -> None:
        for name, v in (("out_size", out_size), ("in_size", in_size)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ConfigError(f"AnalogTile.{name}: expected a positive integer, got {v!r}")
        self.out_size = int(out_size)
        self.in_size = int(in_size)
        self.rpu_config = _resolve_config(rpu_config)
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.stats = TileStats(n_devices=self.out_size * self.in_size)
        self.nm_state = NoiseManagementState()
        self.forward_pipeline = IOPipeline(self.rpu_config.forward, self.out_size, self.rng, nm_state=self.nm_state)
        self.backward_pipeline = IOPipeline(self.rpu_config.backward, self.in_size, self.rng,
                                            allow_bound_management=False, nm_state=self.nm_state)
        self.context = TileContext(self.out_size, self.in_size, self.rpu_config, self.rng, self.stats, self.nm_state)
        algo_cfg = self.rpu_config.algorithm
        factory = _ALGORITHMS.get(type(algo_cfg))
        if factory is None:
            try:
                importlib.import_module("archsim.crossbar.compounds")
            except ImportError:
                pass
            factory = _ALGORITHMS.get(type(algo_cfg))
        if factory is None:
            raise ConfigError(f"AnalogTile: algorithm {type(algo_cfg).__name__} (kind "
                              f"{getattr(algo_cfg, 'kind', '?')!r}) has no registered implementation")
        self.algorithm: TileAlgorithm = factory(self.context, algo_cfg)

    # ------------------------------------------------------------------------------------------ MVMs
    def forward(self, x: np.ndarray) -> np.ndarray:
        """y[B, out] = managed, noisy, quantised W x for every row of x[B, in]."""
        xs = as_float32_matrix(x, self.in_size, "AnalogTile.forward: x")
        res = self.forward_pipeline(self.algorithm.read_weights(), xs, new_key(self.rng), where="AnalogTile.forward: x")
        self.stats.forward_vectors += xs.shape[0]
        self.stats.forward_bm_passes += int(np.maximum(res.passes, 1).sum())
        return res.y

    def backward(self, d: np.ndarray) -> np.ndarray:
        """z[B, in] = Wᵀ d with the backward IO parameters for every row of d[B, out]."""
        ds = as_float32_matrix(d, self.out_size, "AnalogTile.backward: d")
        res = self.backward_pipeline(self.algorithm.read_weights().T, ds, new_key(self.rng),
                                     where="AnalogTile.backward: d")
        self.stats.backward_vectors += ds.shape[0]
        self.stats.backward_bm_passes += int(np.maximum(res.passes, 1).sum())
        return res.y

    # ------------------------------------------------------------------------------------------ update
    def update(self, x: np.ndarray, d: np.ndarray, lr: float) -> None:
        """Pulsed SGD step W ← W − lr·Σ_b d_b x_bᵀ (samples in row order), then the per-mini-batch
        diffusion/decay step."""
        xs = as_float32_matrix(x, self.in_size, "AnalogTile.update: x")
        ds = as_float32_matrix(d, self.out_size, "AnalogTile.update: d")
        if xs.shape[0] != ds.shape[0]:
            raise DataError(f"AnalogTile.update: x has {xs.shape[0]} rows but d has {ds.shape[0]}")
        if not (np.isfinite(xs).all() and np.isfinite(ds).all()):
            raise DataError("AnalogTile.update: x or d contains NaN or infinite values",
                            hint="check the loss for divergence (learning rate too high?)")
        lr_f = float(lr)
        if not np.isfinite(lr_f):
            raise DataError(f"AnalogTile.update: lr: expected a finite number, got {lr!r}")
        self.algorithm.update(xs, ds, lr_f)
        self.stats.updates += 1
        self.algorithm.post_update_step()

    # ------------------------------------------------------------------------------------------ weights
    def get_weights(self) -> np.ndarray:
        """float32[out, in] copy of the weights the MVMs read."""
        return self.algorithm.get_weights()

    def set_weights(self, w: np.ndarray) -> None:
        """Program float32[out, in] weights (clipped to the device bounds)."""
        self.algorithm.set_weights(np.asarray(w))

    def __repr__(self) -> str:
        return (f"AnalogTile({self.out_size}x{self.in_size}, device={getattr(self.rpu_config.device, 'kind', '?')}, "
                f"algorithm={getattr(self.rpu_config.algorithm, 'kind', '?')}, seed={self.seed})")
