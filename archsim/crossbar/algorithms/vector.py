"""Vector unit cell (aihwkit ``VectorUnitCell``, ``src/rpucuda/rpu_vector_device.cpp``, aihwkit 1.1.0): several
device arrays per weight, W = Σ_k γ_k W_k (γ_k = 1/n unless ``gamma_vec``), ε = the mean of the devices' ε.

Update policies: ALL pulses every device with **one shared** pulse train per vector (noise-free devices stay
bit-equal), each device with its own cycle-to-cycle noise; SINGLE_FIXED, SINGLE_SEQUENTIAL and SINGLE_RANDOM pick
one device **per vector** (aihwkit's CPU core calls ``initUpdateCycle`` once per vector).
"""

from __future__ import annotations

import numpy as np

from archsim.crossbar.algorithms.common import CompoundCounters
from archsim.crossbar.context import TileContext, register_algorithm
from archsim.crossbar.update import UpdateResult, pulsed_update
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
        self.n_vectors = 0
        self.last_updated: list[int] = []
        """Device updated by each vector of the last update (ALL: every device)."""
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

    def _devices_per_vector(self, b: int) -> np.ndarray:
        """Device index of each of the b vectors (single-device policies; aihwkit's per-vector ``initUpdateCycle``)."""
        cfg = self.config
        pol = cfg.update_policy
        if pol is VectorUpdatePolicy.SINGLE_FIXED:
            return np.full(b, cfg.first_update_idx, np.int64)
        if pol is VectorUpdatePolicy.SINGLE_SEQUENTIAL:
            return (cfg.first_update_idx + 1 + self.n_vectors + np.arange(b)) % cfg.n_devices
        return np.minimum((self.ctx.rng.random(b) * cfg.n_devices).astype(np.int64), cfg.n_devices - 1)

    def update(self, x: np.ndarray, d: np.ndarray, lr: float) -> None:
        up = self.ctx.rpu_config.update
        b = x.shape[0]
        if self.config.update_policy is VectorUpdatePolicy.ALL:
            self.last_updated = list(range(self.config.n_devices))
            res = pulsed_update(self.arrays[0], x, d, lr, up, self.ctx.rng, granularity=self.granularity,
                                shared=self.arrays[1:])
            self.ctx.stats.record_update(res)
        else:
            which = self._devices_per_vector(b)
            self.last_updated = [int(k) for k in which]
            bl = np.zeros(b, np.int64)
            pulses = 0
            for k in np.unique(which):  # the devices are independent: each takes its vectors in order
                sel = np.flatnonzero(which == k)
                res = pulsed_update(self.arrays[k], np.ascontiguousarray(x[sel]), np.ascontiguousarray(d[sel]), lr,
                                    up, self.ctx.rng, granularity=self.granularity)
                bl[sel] = res.bl
                pulses += res.pulses
            self.ctx.stats.record_update(UpdateResult(bl=bl, pulses=pulses, n_samples=b))
        self.n_updates += 1
        self.n_vectors += b

    def post_update_step(self) -> None:
        for a in self.arrays:
            a.post_update_step()


register_algorithm(VectorUnitCellConfig, VectorUnitCell)
