"""Vector unit cell (aihwkit ``VectorUnitCell``, ``src/rpucuda/rpu_vector_device.cpp``): several device arrays per
weight, W = Σ_k γ_k W_k, update policies ALL / SINGLE_FIXED / SINGLE_SEQUENTIAL / SINGLE_RANDOM.
"""

from __future__ import annotations

import numpy as np

from archsim.crossbar.algorithms.common import CompoundCounters
from archsim.crossbar.context import TileContext, register_algorithm
from archsim.crossbar.update import pulsed_update
from archsim.hwconfig.algorithms import VectorUnitCellConfig, VectorUpdatePolicy

__all__ = ["VectorUnitCell"]

_F32 = np.float32

class VectorUnitCell:
    """Several device arrays per weight, W = Σ_k γ_k W_k (aihwkit ``VectorUnitCell``)."""

    def __init__(self, ctx: TileContext, config: VectorUnitCellConfig) -> None:
        self.ctx = ctx
        self.config = config
        self.arrays = [ctx.device_array() for _ in range(config.n_devices)]
        n = config.n_devices
        self.gamma = np.asarray(config.gamma_vec if config.gamma_vec else [1.0 / n] * n, dtype=_F32)
        self.counters = CompoundCounters()
        self.n_updates = 0
        self.last_updated: list[int] = []
        self.granularity = float(np.mean([a.granularity for a in self.arrays]))

    def read_weights(self) -> np.ndarray:
        w = np.zeros((self.ctx.out_size, self.ctx.in_size), _F32)
        for g, a in zip(self.gamma, self.arrays):
            w += g * a.read()
        return w

    def get_weights(self) -> np.ndarray:
        return self.read_weights()

    def set_weights(self, w: np.ndarray) -> None:
        """Write the same value to every device (aihwkit)."""
        for a in self.arrays:
            a.set_weights(w)

    def _which(self) -> list[int]:
        cfg = self.config
        pol = cfg.update_policy
        if pol is VectorUpdatePolicy.ALL:
            return list(range(cfg.n_devices))
        if pol is VectorUpdatePolicy.SINGLE_FIXED:
            return [cfg.first_update_idx]
        if pol is VectorUpdatePolicy.SINGLE_SEQUENTIAL:
            return [(cfg.first_update_idx + self.n_updates) % cfg.n_devices]
        return [int(self.ctx.rng.integers(cfg.n_devices))]

    def update(self, x: np.ndarray, d: np.ndarray, lr: float) -> None:
        which = self._which()
        self.last_updated = which
        for k in which:
            res = pulsed_update(self.arrays[k], x, d, lr, self.ctx.rpu_config.update, self.ctx.rng,
                                granularity=self.granularity)
            if k == which[0]:
                self.ctx.stats.record_update(res)
            else:
                self.ctx.stats.pulses += res.pulses
        self.n_updates += 1

    def post_update_step(self) -> None:
        for a in self.arrays:
            a.post_update_step()


register_algorithm(VectorUnitCellConfig, VectorUnitCell)
