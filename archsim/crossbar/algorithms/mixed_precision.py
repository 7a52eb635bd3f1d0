"""Mixed precision (Nandakumar et al. 2018; aihwkit ``MixedPrecisionCompound``, ``src/rpucuda/rpu_mixedprec_device.cpp``):
digital gradient accumulation χ with row-wise pulsed transfer (UM and UBLM forced on).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from archsim.crossbar.algorithms.common import CompoundCounters, SingleArrayAlgorithm, record_transfer_write
from archsim.crossbar.context import TileContext, register_algorithm
from archsim.crossbar.update import UpdateResult, pulsed_update
from archsim.hwconfig.algorithms import MixedPrecisionConfig

__all__ = ["MixedPrecisionCompound"]

_F32 = np.float32

class MixedPrecisionCompound(SingleArrayAlgorithm):
    """Digital gradient accumulation χ with row-wise pulsed transfer (aihwkit ``MixedPrecisionCompound``)."""

    config: MixedPrecisionConfig

    def __init__(self, ctx: TileContext, config: MixedPrecisionConfig) -> None:
        super().__init__(ctx, config)
        self.chi = np.zeros((ctx.out_size, ctx.in_size), np.float64)
        self.eps = config.granularity if config.granularity > 0 else self.array.granularity
        self.write_update = replace(ctx.rpu_config.update, update_management=True, update_bl_management=True)
        self.counters = CompoundCounters()
        self.n_updates = 0
        self.n_vectors = 0
        self.next_row = 0

    def _quantise(self, v: np.ndarray, n_bins: int, sto: bool) -> np.ndarray:
        if n_bins <= 0:
            return v
        levels = max(n_bins // 2, 1)
        amax = np.abs(v).max(axis=1, keepdims=True)
        scale = np.where(amax > 0, amax / levels, 1.0)
        q = v / scale
        if sto:
            q = q + self.ctx.rng.uniform(-0.5, 0.5, size=q.shape)
        return (np.clip(np.rint(q), -levels, levels) * scale).astype(_F32)

    def _accumulate(self, x: np.ndarray, d: np.ndarray, lr: float) -> None:
        cfg = self.config
        xq = self._quantise(x, cfg.n_x_bins, cfg.stoc_round_x)
        dq = self._quantise(d, cfg.n_d_bins, cfg.stoc_round_d)
        self.chi -= lr * (dq.astype(np.float64).T @ xq.astype(np.float64))  # desired weight increment

    def update(self, x: np.ndarray, d: np.ndarray, lr: float) -> None:
        """χ accumulates vector by vector; right after vector n (0-based, counted over all mini-batches) is
        accumulated, a transfer follows if n > 0 and n is a multiple of transfer_every·B (aihwkit ``doTransfer``,
        called in ``doDirectVectorUpdate`` before the counter advances): with B constant that is after the *first*
        vector of every mini-batch but the first one."""
        b = x.shape[0]
        every = self.config.transfer_every * b
        s = 0
        while s < b:
            n0 = self.n_vectors
            t = n0 if (n0 > 0 and n0 % every == 0) else (n0 // every + 1) * every  # next transfer index
            e = min(b, s + (t - n0) + 1)
            self._accumulate(x[s:e], d[s:e], lr)
            self.n_vectors += e - s
            s = e
            if self.n_vectors - 1 == t:
                self.transfer()
        self.ctx.stats.record_update(UpdateResult(bl=np.zeros(b, np.int64), pulses=0, n_samples=b))
        self.n_updates += 1

    def transfer(self) -> None:
        """Write n = trunc(χ_i/ε) pulses onto the selected rows; χ_i −= n·ε."""
        cfg = self.config
        out = self.ctx.out_size
        if cfg.transfer_lr == 0:
            return
        k = out if cfg.n_rows_per_transfer < 0 else min(cfg.n_rows_per_transfer, out)
        if cfg.random_row and k < out:
            self.next_row = int(self.ctx.rng.integers(out))
        rows = [(self.next_row + r) % out for r in range(k)]
        self.next_row = (self.next_row + k) % out
        n = np.trunc(self.chi[rows] / self.eps)
        self.chi[rows] -= n * self.eps
        self.ctx.stats.transfers += 1
        keep = [r for r in range(k) if np.any(n[r] != 0)]
        if not keep:
            return
        xs = np.ascontiguousarray(n[keep], dtype=_F32)
        ds = np.zeros((len(keep), out), _F32)
        ds[np.arange(len(keep)), [rows[r] for r in keep]] = -1.0
        res = pulsed_update(self.array, xs, ds, self.eps * cfg.transfer_lr, self.write_update, self.ctx.rng,
                            granularity=self.array.granularity)
        record_transfer_write(self.ctx, res, len(keep))

    def post_update_step(self) -> None:
        self.array.post_update_step()


register_algorithm(MixedPrecisionConfig, MixedPrecisionCompound)
