"""One-sided unit cell (aihwkit ``OneSidedUnitCell``, ``src/rpucuda/rpu_onesided_device.cpp``, aihwkit 1.1.0):
W = g⁺ − g⁻, both devices only pulsed up, with periodic refresh (reads with ``refresh_forward``, writes with
``refresh_update``).
"""

from __future__ import annotations

import copy

import numpy as np

from archsim.crossbar.algorithms.common import CompoundCounters, record_transfer_write, weight_range_max
from archsim.crossbar.context import TileContext, register_algorithm
from archsim.crossbar.io import new_key
from archsim.crossbar.update import UpdateResult, pulsed_update
from archsim.hwconfig.algorithms import OneSidedUnitCellConfig
from archsim.hwconfig.rpu import PulseType

__all__ = ["OneSidedUnitCell"]

_F32 = np.float32

class OneSidedUnitCell:
    """W = g⁺ − g⁻ with devices only pulsed up, and periodic refresh (aihwkit ``OneSidedUnitCell``).

    Both devices are sampled independently (aihwkit populates its two devices one after the other: g⁻ is device 0,
    g⁺ device 1; with ``copy_inverted`` g⁺ is g⁻'s mirror image instead). An update uses **one** pulse train for
    the whole vector, as aihwkit's ``doSparseUpdate``: every coincidence that lowers W is an up pulse on g⁻, every
    one that raises W an up pulse on g⁺. (Floating-point pulse types split the rank update by sign instead.)
    """

    def __init__(self, ctx: TileContext, config: OneSidedUnitCellConfig) -> None:
        self.ctx = ctx
        self.config = config
        self.g_minus = ctx.device_array()
        if config.copy_inverted:
            self.g_plus = copy.deepcopy(self.g_minus)
            self.g_plus.rng = ctx.rng
            self.g_plus.invert()
        else:
            self.g_plus = ctx.device_array()
        zero = np.zeros((ctx.out_size, ctx.in_size), _F32)
        self.g_plus.set_weights(zero)
        self.g_minus.set_weights(zero)
        dev = ctx.rpu_config.device
        self.w_max_abs = weight_range_max(dev) or 1.0
        self.counters = CompoundCounters()
        self.n_updates = 0
        self.n_vectors = 0
        self._read = None
        self.refresh_update = config.refresh_update if config.refresh_update is not None else ctx.rpu_config.update

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

    def _update_chunk(self, x: np.ndarray, d: np.ndarray, lr: float) -> UpdateResult:
        up = self.ctx.rpu_config.update
        if up.pulse_type in (PulseType.NONE, PulseType.NONE_WITH_DEVICE) or self.g_plus.is_ideal:
            xs, ds = self._split(x, d, True)
            r1 = pulsed_update(self.g_plus, xs, ds, lr, up, self.ctx.rng)
            xs, ds = self._split(x, d, False)
            r2 = pulsed_update(self.g_minus, xs, ds, lr, up, self.ctx.rng)
            return UpdateResult(bl=np.zeros(x.shape[0], np.int64), pulses=r1.pulses + r2.pulses, n_samples=x.shape[0])
        return pulsed_update(self.g_plus, x, d, lr, up, self.ctx.rng, one_sided_minus=self.g_minus)

    def update(self, x: np.ndarray, d: np.ndarray, lr: float) -> None:
        cfg = self.config
        b = x.shape[0]
        per_vector = cfg.refresh_every > 0 and not cfg.units_in_mbatch
        s = 0
        bls = []
        pulses = 0
        while s < b:  # without units_in_mbatch a refresh can fall inside the mini-batch (aihwkit counts vectors)
            e = min(b, s + cfg.refresh_every - self.n_vectors % cfg.refresh_every) if per_vector else b
            res = self._update_chunk(x[s:e], d[s:e], lr)
            bls.append(res.bl)
            pulses += res.pulses
            self.n_vectors += e - s
            s = e
            if per_vector and self.n_vectors % cfg.refresh_every == 0:
                self.refresh()
        self.ctx.stats.record_update(UpdateResult(bl=np.concatenate(bls), pulses=pulses, n_samples=b))
        self.n_updates += 1
        if cfg.refresh_every > 0 and cfg.units_in_mbatch and self.n_updates % cfg.refresh_every == 0:
            self.refresh()

    def refresh(self) -> int:
        """Read both arrays column by column; reset saturated pairs and write their difference back.

        Returns the number of device pairs refreshed.
        """
        ctx = self.ctx
        cfg = self.config
        if self._read is None:
            io = cfg.refresh_forward if cfg.refresh_forward is not None else ctx.rpu_config.forward
            self._read = ctx.pipeline(io, ctx.out_size)
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
        up = self.refresh_update
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
