"""One-sided unit cell (aihwkit ``OneSidedUnitCell``, ``src/rpucuda/rpu_onesided_device.cpp``): W = g⁺ − g⁻, both
devices only pulsed up, with periodic refresh.
"""

from __future__ import annotations

import copy

import numpy as np

from archsim.crossbar.algorithms.common import CompoundCounters, record_transfer_write, weight_range_max
from archsim.crossbar.context import TileContext, register_algorithm
from archsim.crossbar.io import new_key
from archsim.crossbar.update import UpdateResult, pulsed_update
from archsim.hwconfig.algorithms import OneSidedUnitCellConfig

__all__ = ["OneSidedUnitCell"]

_F32 = np.float32

class OneSidedUnitCell:
    """W = g⁺ − g⁻ with devices only pulsed up, and periodic refresh (aihwkit ``OneSidedUnitCell``)."""

    def __init__(self, ctx: TileContext, config: OneSidedUnitCellConfig) -> None:
        self.ctx = ctx
        self.config = config
        self.g_plus = ctx.device_array()
        self.g_minus = copy.deepcopy(self.g_plus)  # same d2d parameters (aihwkit: a copy of the first device)
        self.g_minus.rng = ctx.rng
        if config.copy_inverted:
            self.g_minus.invert()
        zero = np.zeros((ctx.out_size, ctx.in_size), _F32)
        self.g_plus.set_weights(zero)
        self.g_minus.set_weights(zero)
        dev = ctx.rpu_config.device
        self.w_max_abs = weight_range_max(dev) or 1.0
        self.counters = CompoundCounters()
        self.n_updates = 0
        self.n_vectors = 0
        self._next_refresh_vectors = config.refresh_every
        self._read = None

    def read_weights(self) -> np.ndarray:
        return (self.g_plus.read() - self.g_minus.read()).astype(_F32)

    def get_weights(self) -> np.ndarray:
        return self.read_weights()

    def set_weights(self, w: np.ndarray) -> None:
        """Positive part on g⁺, negative part on g⁻."""
        w = np.asarray(w, _F32)
        self.g_plus.set_weights(np.maximum(w, 0))
        self.g_minus.set_weights(np.maximum(-w, 0))

    @staticmethod
    def _split(x: np.ndarray, d: np.ndarray, plus: bool) -> tuple[np.ndarray, np.ndarray]:
        xp, xn = np.maximum(x, 0), np.maximum(-x, 0)
        dp, dn = np.maximum(d, 0), np.maximum(-d, 0)
        b = x.shape[0]
        xs = np.empty((2 * b, x.shape[1]), _F32)
        ds = np.empty((2 * b, d.shape[1]), _F32)
        if plus:  # W increases where d·x < 0: g⁺ += lr(d⁺x⁻ᵀ + d⁻x⁺ᵀ)
            xs[0::2], ds[0::2], xs[1::2], ds[1::2] = xn, -dp, xp, -dn
        else:  # W decreases where d·x > 0: g⁻ += lr(d⁺x⁺ᵀ + d⁻x⁻ᵀ)
            xs[0::2], ds[0::2], xs[1::2], ds[1::2] = xp, -dp, xn, -dn
        return xs, ds

    def update(self, x: np.ndarray, d: np.ndarray, lr: float) -> None:
        up = self.ctx.rpu_config.update
        sgn = 1.0 if lr >= 0 else -1.0
        xs, ds = self._split(x, sgn * d, True)
        r1 = pulsed_update(self.g_plus, xs, ds, abs(lr), up, self.ctx.rng)
        xs, ds = self._split(x, sgn * d, False)
        r2 = pulsed_update(self.g_minus, xs, ds, abs(lr), up, self.ctx.rng)
        # one update vector per sample; BL of the sample = the longer of its trains
        bl = np.maximum(np.maximum(r1.bl[0::2], r1.bl[1::2]), np.maximum(r2.bl[0::2], r2.bl[1::2]))
        self.ctx.stats.record_update(UpdateResult(bl=bl, pulses=r1.pulses + r2.pulses, n_samples=x.shape[0]))
        self.n_updates += 1
        self.n_vectors += x.shape[0]
        cfg = self.config
        if cfg.refresh_every > 0:
            if cfg.units_in_mbatch:
                due = self.n_updates % cfg.refresh_every == 0
            else:
                due = self.n_vectors >= self._next_refresh_vectors
                while self._next_refresh_vectors <= self.n_vectors:
                    self._next_refresh_vectors += cfg.refresh_every
            if due:
                self.refresh()

    def refresh(self) -> int:
        """Read both arrays column by column; reset saturated pairs and write their difference back.

        Returns the number of device pairs refreshed.
        """
        ctx = self.ctx
        cfg = self.config
        if self._read is None:
            self._read = ctx.pipeline(ctx.rpu_config.forward, ctx.out_size)
        eye = np.eye(ctx.in_size, dtype=_F32)
        gp = self._read(self.g_plus.read(), eye, new_key(ctx.rng)).y.T  # [out, in]
        gm = self._read(self.g_minus.read(), eye, new_key(ctx.rng)).y.T
        ctx.stats.transfers += 1
        ctx.stats.transfer_reads += 2 * ctx.in_size
        hi = np.maximum(gp, gm) / self.w_max_abs
        lo = np.minimum(gp, gm) / self.w_max_abs
        mask = (hi > cfg.refresh_upper_thres) & (lo > cfg.refresh_lower_thres)
        n_ref = int(mask.sum())
        self.counters.refreshes += 1
        self.counters.refreshed_devices += n_ref
        if n_ref == 0:
            return 0
        diff = gp - gm
        up = ctx.rpu_config.update
        for j in np.flatnonzero(mask.any(axis=0)):
            rows = np.flatnonzero(mask[:, j])
            self.g_plus.reset(rows=rows, cols=[j])
            self.g_minus.reset(rows=rows, cols=[j])
            e = np.zeros((1, ctx.in_size), _F32)
            e[0, j] = 1.0
            for arr, sign in ((self.g_plus, 1.0), (self.g_minus, -1.0)):
                target = np.zeros((1, ctx.out_size), _F32)
                sel = rows[sign * diff[rows, j] > 0]
                if sel.size == 0:
                    continue
                target[0, sel] = sign * diff[sel, j]
                res = pulsed_update(arr, e, target, -1.0, up, ctx.rng)
                record_transfer_write(ctx, res, 1)
        return n_ref

    def post_update_step(self) -> None:
        self.g_plus.post_update_step()
        self.g_minus.post_update_step()


register_algorithm(OneSidedUnitCellConfig, OneSidedUnitCell)
