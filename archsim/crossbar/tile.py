"""The analog tile: forward, backward and pulsed update of one crossbar with aihwkit semantics.

``AnalogTile(out_size, in_size, rpu_config="default", seed=0)`` (docs/architecture.md) holds:

* a forward :class:`~archsim.crossbar.io.IOPipeline` (y = W x) and a backward one (z = Wᵀ d, bound
  management forced off as in aihwkit), sharing the AVERAGE_ABS_MAX noise-management state;
* an **algorithm** object (the "update strategy") built by the implementation registered for the ``kind`` of
  ``rpu_config.algorithm`` (:data:`archsim.crossbar.context.ALGORITHMS`; the built-ins are the modules of
  ``archsim.crossbar.algorithms``). It owns the device arrays, says which weights the MVMs read and how an update
  reaches the devices;
* :class:`TileStats` counters (vectors, bound-management passes, BL histogram, pulses, transfers).

A new algorithm implements :class:`~archsim.crossbar.context.TileAlgorithm` and registers a factory for its config
class::

    from archsim.crossbar import TileContext, register_algorithm

    class TransferAlgorithm:
        def __init__(self, ctx: TileContext, config: TransferCompoundConfig): ...
        def read_weights(self) -> np.ndarray: ...          # float32[out, in] used by forward/backward
        def get_weights(self) -> np.ndarray: ...
        def set_weights(self, w: np.ndarray) -> None: ...
        def update(self, x, d, lr) -> None: ...             # record pulses/BL/transfers in ctx.stats
        def post_update_step(self) -> None: ...             # per mini-batch decay/diffusion

    register_algorithm(TransferCompoundConfig, TransferAlgorithm)

``TileContext`` gives the sizes, the config, the tile's Generator, its stats and ``ctx.pipeline(io, out_size)``
to build extra MVM pipelines (e.g. transfer reads with their own IO parameters).

Statistics: a forward vector is one row of x; its bound-management passes are counted per row (a row that noise
management short-cuts to zero counts as one pass: the hardware still spends the cycle). ``update`` counts one
update call, ``x.shape[0]`` update vectors, the BL of each vector (0 for vectors that carry no pulses) and the coincidences applied.
"""

from __future__ import annotations

import numpy as np

from archsim.crossbar import algorithms  # noqa: F401 - registers the built-in training algorithms
from archsim.crossbar.context import TileAlgorithm, TileContext, TileStats, build_algorithm
from archsim.crossbar.io import IOPipeline, NoiseManagementState, as_float32_matrix, new_key
from archsim.errors import ConfigError, DataError
from archsim.hwconfig.rpu import RPUConfig

__all__ = ["AnalogTile"]

_F32 = np.float32


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
        self.backward_pipeline = IOPipeline(self.rpu_config.backward, self.in_size, self.rng, backward=True,
                                            nm_state=self.nm_state)
        self.context = TileContext(self.out_size, self.in_size, self.rpu_config, self.rng, self.stats, self.nm_state)
        self.algorithm: TileAlgorithm = build_algorithm(self.context, self.rpu_config.algorithm)

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
        if not np.isfinite(lr_f) or lr_f < 0:
            raise DataError(f"AnalogTile.update: lr: expected a finite number >= 0, got {lr!r}",
                            hint="aihwkit's AnalogSGD (a torch SGD) refuses negative learning rates; flip the sign "
                                 "of d to reverse the update")
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
        return (f"AnalogTile({self.out_size}x{self.in_size}, device={self.rpu_config.device.kind}, "
                f"algorithm={self.rpu_config.algorithm.kind}, seed={self.seed})")
