"""The transfer family (fast array A, slow array C, W = γ·A + C): Tiki-Taka v1 (aihwkit ``TransferCompound``), TTv2
(``BufferedTransferCompound``), c-TTv2 (``ChoppedTransferCompound``) and AGAD (``DynamicTransferCompound``).

A is updated every sample; after every ``period`` vector updates, columns of A are read with one-hot inputs through
the *transfer read* pipeline (the tile's forward IO with noise and bound management off, converters and output
noise on) and written to C with the transfer update parameters. A is read as A − r (a differential read against a
reference array): r = 0 unless ``fast_zero_shift`` programs it to each device's symmetry point;
``fast_reference_offset`` adds a per-device programming error r_ij += offset·w_max·ξ_ij (the c-TTv2 paper's
offset study, Rasch et al. 2023).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from archsim.crossbar.algorithms.common import (
    CompoundCounters,
    auto_pairs,
    find_symmetry_point,
    num_states,
    record_transfer_write,
    threshold_buffer,
    transfer_read_pipeline,
    weight_range_max,
)
from archsim.crossbar.context import TileContext, register_algorithm
from archsim.crossbar.io import new_key
from archsim.crossbar.update import UpdateResult, pulsed_update
from archsim.errors import ConfigError
from archsim.hwconfig.algorithms import (
    BufferedTransferCompoundConfig,
    ChoppedTransferCompoundConfig,
    DynamicTransferCompoundConfig,
    TransferCompoundConfig,
)

__all__ = ["BufferedTransferCompound", "ChoppedTransferCompound", "DynamicTransferCompound", "TransferCompound"]

_F32 = np.float32

class TransferCompound:
    """Tiki-Taka v1 (aihwkit ``TransferCompound``): fast A, slow C, W = γ·A + C."""

    def __init__(self, ctx: TileContext, config: TransferCompoundConfig) -> None:
        self.ctx = ctx
        self.config = config
        self._check_config()
        self.fast = ctx.device_array()
        self.slow = ctx.device_array()
        zero = np.zeros((ctx.out_size, ctx.in_size), _F32)
        self.fast.set_weights(zero)
        self.slow.set_weights(zero)
        self.counters = CompoundCounters()
        self.fast_ref = np.zeros((ctx.out_size, ctx.in_size), _F32)
        if config.fast_zero_shift:
            n = auto_pairs(ctx.rpu_config.device)
            w_star, pulses = find_symmetry_point(self.fast, n, ctx.rpu_config.update, ctx.rng)
            self.fast_ref = w_star
            self.counters.programming_pulses += pulses
        if config.fast_reference_offset:
            w_max = weight_range_max(ctx.rpu_config.device)
            self.fast_ref = (self.fast_ref + config.fast_reference_offset * w_max
                             * ctx.rng.standard_normal(self.fast_ref.shape)).astype(_F32)
        up = ctx.rpu_config.update
        self.transfer_update = replace(up, desired_bl=config.transfer_desired_bl,
                                       update_management=config.transfer_update_management,
                                       update_bl_management=config.transfer_update_bl_management)
        self.transfer_read = transfer_read_pipeline(ctx)
        self.n_vectors = 0
        self.n_transfers = 0
        self.next_col = 0
        self.last_lr = 0.0
        self.transferred_columns: list[int] = []
        """Log of transferred column indices (tests; cleared by the caller)."""

    def _check_config(self) -> None:
        cfg = self.config
        if not cfg.transfer_columns:
            raise ConfigError(f"rpu.algorithm ({cfg.kind}).transfer_columns: expected true (row transfer is not "
                              "modelled by archsim), got false")

    # ---- weights
    def fast_weights(self) -> np.ndarray:
        """A as seen by a read: device weights minus A's reference."""
        return (self.fast.read() - self.fast_ref).astype(_F32)

    def read_weights(self) -> np.ndarray:
        if self.config.gamma == 0:
            return self.slow.read()
        return (self.config.gamma * self.fast_weights() + self.slow.read()).astype(_F32)

    def get_weights(self) -> np.ndarray:
        return self.read_weights().copy()

    def set_weights(self, w: np.ndarray) -> None:
        """C = w, A back to its reference (zero)."""
        self.slow.set_weights(w)
        self.fast.set_weights(self.fast_ref)

    # ---- schedule
    def transfer_period(self, m_batch: int) -> int:
        """Vector updates between two transfers."""
        cfg = self.config
        te = cfg.transfer_every
        if te < 0:  # automatic (aihwkit chopped): |te|·num_states_A / in_size
            states = num_states(self.ctx.rpu_config.device, self.fast.granularity)
            return max(1, round(abs(te) * states / self.ctx.in_size))
        if cfg.units_in_mbatch:
            return max(1, math.ceil(te * m_batch))
        return max(1, round(te))

    def fast_lr(self, lr: float, x: np.ndarray, d: np.ndarray) -> float:
        """Pulse-count learning rate of the A update."""
        cfg = self.config
        return cfg.fast_lr * lr if cfg.scale_fast_lr else cfg.fast_lr * (1.0 if lr >= 0 else -1.0)

    def transfer_lr(self, lr: float) -> float:
        cfg = self.config
        return cfg.transfer_lr * abs(lr) if cfg.scale_transfer_lr else cfg.transfer_lr

    def _update_fast(self, x: np.ndarray, d: np.ndarray, lr_fast: float) -> UpdateResult:
        return pulsed_update(self.fast, x, d, lr_fast, self.ctx.rpu_config.update, self.ctx.rng)

    def update(self, x: np.ndarray, d: np.ndarray, lr: float) -> None:
        b = x.shape[0]
        period = self.transfer_period(b)
        self.last_lr = lr
        lr_fast = self.fast_lr(lr, x, d)
        s = 0
        bls = []
        pulses = 0
        while s < b:
            to_next = period - (self.n_vectors % period)
            e = min(b, s + to_next)
            res = self._update_fast(x[s:e], d[s:e], lr_fast)
            bls.append(res.bl)
            pulses += res.pulses
            self.n_vectors += e - s
            s = e
            if self.n_vectors % period == 0:
                self.transfer(lr)
        self.ctx.stats.record_update(UpdateResult(bl=np.concatenate(bls), pulses=pulses, n_samples=b))

    # ---- transfer
    def _columns(self, n: int) -> list[int]:
        cfg = self.config
        if cfg.random_selection:
            self.next_col = int(self.ctx.rng.integers(self.ctx.in_size))
        cols = [(self.next_col + k) % self.ctx.in_size for k in range(n)]
        self.next_col = (self.next_col + n) % self.ctx.in_size
        return cols

    def read_columns(self, cols: list[int]) -> np.ndarray:
        """Read A e_i for the columns through the transfer-read pipeline; returns float32[len(cols), out]."""
        e = np.zeros((len(cols), self.ctx.in_size), _F32)
        e[np.arange(len(cols)), cols] = 1.0
        self.ctx.stats.transfer_reads += len(cols)
        return self.transfer_read(self.fast_weights(), e, new_key(self.ctx.rng)).y

    def _write_columns(self, cols: list[int], values: np.ndarray, lr: float) -> None:
        """Pulsed write C[:, i] += lr·values[k] (x = e_i, d = −values, per column, in order)."""
        keep = [k for k in range(len(cols)) if np.any(values[k] != 0)]
        if not keep:
            return
        e = np.zeros((len(keep), self.ctx.in_size), _F32)
        e[np.arange(len(keep)), [cols[k] for k in keep]] = 1.0
        d = np.ascontiguousarray(-values[keep], dtype=_F32)
        res = pulsed_update(self.slow, e, d, lr, self.transfer_update, self.ctx.rng, granularity=self._write_eps())
        record_transfer_write(self.ctx, res, len(keep))

    def _write_eps(self) -> float | None:
        return None

    def transfer(self, lr: float) -> None:
        """Read ``n_reads_per_transfer`` columns of A and write them onto C."""
        cfg = self.config
        cols = self._columns(cfg.n_reads_per_transfer)
        self.transferred_columns.extend(cols)
        self.ctx.stats.transfers += 1
        self.n_transfers += 1
        v = self.read_columns(cols)
        self._write_columns(cols, v, self.transfer_lr(lr))
        if cfg.with_reset_prob > 0:
            for i in cols:
                if self.ctx.rng.random() < cfg.with_reset_prob:
                    self.fast.reset(cols=[i])

    def post_update_step(self) -> None:
        self.fast.post_update_step()
        self.slow.post_update_step()


class BufferedTransferCompound(TransferCompound):
    """TTv2 (aihwkit ``BufferedTransferCompound``): reads of A accumulate in a digital buffer H (weight units)."""

    def __init__(self, ctx: TileContext, config: BufferedTransferCompoundConfig) -> None:
        super().__init__(ctx, config)
        self.H = np.zeros((ctx.out_size, ctx.in_size), np.float64)
        self.eps_slow = self.slow.granularity

    def _write_eps(self) -> float | None:
        return self.eps_slow

    def transfer(self, lr: float) -> None:
        cfg = self.config
        cols = self._columns(cfg.n_reads_per_transfer)
        self.transferred_columns.extend(cols)
        self.ctx.stats.transfers += 1
        self.n_transfers += 1
        v = self.read_columns(cols)
        lr_t = self.transfer_lr(lr)
        if cfg.gamma > 0:
            lr_t *= cfg.gamma
        thres = cfg.thres_scale * self.eps_slow
        n_all = np.zeros((len(cols), self.ctx.out_size), _F32)
        for k, i in enumerate(cols):
            omega = self.H[:, i] + lr_t * v[k]
            n, self.H[:, i] = threshold_buffer(omega, thres, cfg.momentum, cfg.forget_buffer, cfg.transfer_desired_bl)
            n_all[k] = n
        self._write_columns(cols, n_all, cfg.step * self.eps_slow)


class ChoppedTransferCompound(TransferCompound):
    """c-TTv2 (aihwkit ``ChoppedTransferCompound``): TTv2 with input/output choppers; H in units of g_b."""

    def __init__(self, ctx: TileContext, config: ChoppedTransferCompoundConfig) -> None:
        super().__init__(ctx, config)
        self.H = np.zeros((ctx.out_size, ctx.in_size), np.float64)
        self.c_in = np.ones(ctx.in_size, _F32)
        self.c_out = np.ones(ctx.out_size, _F32)
        self.eps_fast = self.fast.granularity
        self.eps_slow = self.slow.granularity
        self.m_x: float | None = None
        self.m_d: float | None = None
        self.reads_per_col = np.zeros(ctx.in_size, np.int64)
        self.flip_log: list[tuple[int, int]] = []
        """(transfer index, column) of every input-chopper flip (tests)."""

    def _check_config(self) -> None:
        super()._check_config()
        cfg = self.config
        if cfg.gamma != 0:
            raise ConfigError(f"rpu.algorithm ({cfg.kind}).gamma: expected 0 (aihwkit v1.1.0 restriction), "
                              f"got {cfg.gamma}")
        for name in ("correct_gradient_magnitudes", "random_selection"):
            if getattr(cfg, name):
                raise ConfigError(f"rpu.algorithm ({cfg.kind}).{name}: expected false (not modelled), got true")
        if cfg.with_reset_prob:
            raise ConfigError(f"rpu.algorithm ({cfg.kind}).with_reset_prob: expected 0 for chopped compounds, "
                              f"got {cfg.with_reset_prob}")

    def _write_eps(self) -> float | None:
        return self.eps_slow

    def buffer_granularity(self) -> float:
        """g_b = buffer_granularity·ε_A (× auto_granularity/(in_size·period) if auto_granularity > 0)."""
        cfg = self.config
        g = cfg.buffer_granularity * self.eps_fast
        if cfg.auto_granularity > 0:
            g *= cfg.auto_granularity / (self.ctx.in_size * self.transfer_period(1))
        return g

    def fast_lr(self, lr: float, x: np.ndarray, d: np.ndarray) -> float:
        cfg = self.config
        base = cfg.fast_lr * lr if cfg.scale_fast_lr else cfg.fast_lr * (1.0 if lr >= 0 else -1.0)
        if not cfg.auto_scale:
            return base
        xm = float(np.abs(x).max(axis=1).mean())
        dm = float(np.abs(d).max(axis=1).mean())
        beta = cfg.auto_momentum
        self.m_x = xm if self.m_x is None else beta * self.m_x + (1 - beta) * xm
        self.m_d = dm if self.m_d is None else beta * self.m_d + (1 - beta) * dm
        if self.m_x <= 0 or self.m_d <= 0:
            return 0.0
        bl = self.ctx.rpu_config.update.desired_bl
        return base * bl * self.eps_fast / (self.m_x * self.m_d)

    def _update_fast(self, x: np.ndarray, d: np.ndarray, lr_fast: float) -> UpdateResult:
        # A stores the chopped gradient: pulse signs flipped where c_in[j]·c_out[i] = −1
        xc = np.ascontiguousarray(x * self.c_in[None, :], dtype=_F32)
        dc = np.ascontiguousarray(d * self.c_out[None, :], dtype=_F32)
        return pulsed_update(self.fast, xc, dc, lr_fast, self.ctx.rpu_config.update, self.ctx.rng)

    def _buffer_increment(self, i: int, v: np.ndarray, lr_scale: float) -> np.ndarray | None:
        """Value added to H[:, i] for the read v of column i (None: no buffer update this time)."""
        return self.c_in[i] * self.c_out * v * lr_scale

    def _chop_period(self) -> float:
        p = self.config.in_chop_prob
        return max(math.ceil(1.0 / p), 2) if p > 0 else math.inf

    def _after_read(self, i: int) -> None:
        cfg = self.config
        self.reads_per_col[i] += 1
        flip = False
        if cfg.in_chop_random:
            flip = cfg.in_chop_prob > 0 and self.ctx.rng.random() < cfg.in_chop_prob
        else:
            per = self._chop_period()
            flip = per != math.inf and self.reads_per_col[i] % per == 0
        if flip:
            self._on_flip(i)
            self.c_in[i] = -self.c_in[i]
            self.counters.chopper_flips += 1
            self.flip_log.append((self.n_transfers, i))
        if i == self.ctx.in_size - 1 and cfg.out_chop_prob > 0:
            flips = self.ctx.rng.random(self.ctx.out_size) < cfg.out_chop_prob
            self.c_out[flips] = -self.c_out[flips]
            self.counters.chopper_flips += int(flips.sum())

    def _on_flip(self, i: int) -> None:
        """Hook called just before c_in[i] flips."""

    def transfer(self, lr: float) -> None:
        cfg = self.config
        (i,) = self._columns(1)
        self.transferred_columns.append(i)
        self.ctx.stats.transfers += 1
        self.n_transfers += 1
        v = self.read_columns([i])[0].astype(np.float64)
        lr_scale = abs(self.transfer_lr(lr)) / self.buffer_granularity()
        inc = self._buffer_increment(i, v, lr_scale)
        if inc is not None:
            omega = (0.0 if cfg.no_buffer else self.H[:, i]) + inc
            n, h = threshold_buffer(omega, 1.0, cfg.momentum, cfg.forget_buffer, cfg.transfer_desired_bl)
            self.H[:, i] = self._cap(h)
            self._write_columns([i], n[None, :], cfg.step * self.eps_slow)
        self._after_read(i)

    def _cap(self, h: np.ndarray) -> np.ndarray:
        return h


class DynamicTransferCompound(ChoppedTransferCompound):
    """AGAD (aihwkit ``DynamicTransferCompound``): chopped TTv2 with an on-the-fly reference per element."""

    def __init__(self, ctx: TileContext, config: DynamicTransferCompoundConfig) -> None:
        super().__init__(ctx, config)
        self.mu = np.zeros((ctx.out_size, ctx.in_size), np.float64)
        self.mu_past = np.zeros((ctx.out_size, ctx.in_size), np.float64)
        self.mu_valid = np.zeros(ctx.in_size, bool)

    def _check_config(self) -> None:
        super()._check_config()
        cfg = self.config
        if cfg.out_chop_prob > 0:
            raise ConfigError(f"rpu.algorithm ({cfg.kind}).out_chop_prob: expected 0 (output choppers are not "
                              f"modelled with the dynamic reference), got {cfg.out_chop_prob}")
        if cfg.in_chop_prob <= 0:
            raise ConfigError(f"rpu.algorithm ({cfg.kind}).in_chop_prob: expected > 0 (it sets the averaging "
                              f"period), got {cfg.in_chop_prob}")
        if cfg.experimental_correct_accumulation:
            raise ConfigError(f"rpu.algorithm ({cfg.kind}).experimental_correct_accumulation: expected false "
                              "(not modelled), got true")

    def _buffer_increment(self, i: int, v: np.ndarray, lr_scale: float) -> np.ndarray | None:
        n_s = self._chop_period()
        rate = min(self.config.tail_weightening / n_s, 1.0)
        if self.reads_per_col[i] == 0:
            self.mu[:, i] = v
        else:
            self.mu[:, i] += rate * (v - self.mu[:, i])
        if not self.mu_valid[i]:
            return None  # no reference yet: writes start after the first chopper period
        return self.c_in[i] * (v - self.mu_past[:, i]) * lr_scale

    def _on_flip(self, i: int) -> None:
        self.mu_past[:, i] = self.mu[:, i]
        self.mu_valid[i] = True

    def _cap(self, h: np.ndarray) -> np.ndarray:
        cfg = self.config
        if cfg.buffer_cap > 0 and not cfg.forget_buffer:
            cap = cfg.buffer_cap * cfg.transfer_desired_bl
            return np.clip(h, -cap, cap)
        return h


register_algorithm(TransferCompoundConfig, TransferCompound)
register_algorithm(BufferedTransferCompoundConfig, BufferedTransferCompound)
register_algorithm(ChoppedTransferCompoundConfig, ChoppedTransferCompound)
register_algorithm(DynamicTransferCompoundConfig, DynamicTransferCompound)
