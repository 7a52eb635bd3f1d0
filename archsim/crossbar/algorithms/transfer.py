"""The transfer family (fast array A, slow array C, W = γ·A + C): Tiki-Taka v1 (aihwkit ``TransferCompound``), TTv2
(``BufferedTransferCompound``), c-TTv2 (``ChoppedTransferCompound``) and AGAD (``DynamicTransferCompound``), after
aihwkit 1.1.0's C++ cores (``src/rpucuda/rpu_transfer_device.cpp``, ``rpu_buffered_transfer_device.cpp``,
``rpu_chopped_transfer_device.cpp``, ``rpu_dynamic_transfer_device.cpp``) and the papers (Gokmen & Haensch 2020;
Gokmen 2021; Rasch et al. 2023, arXiv 2303.04721).

A is updated every vector with the pulse-count learning rate; after every ``period`` vector updates, columns of A
(rows with ``transfer_columns: false``) are read with one-hot vectors through the *transfer read* pipeline
(``transfer_forward`` or the tile's forward IO, noise and bound management always off as in aihwkit; a backward
pass for rows) and written to C with the transfer update parameters (``transfer_update`` or the tile's update with
the ``transfer_*`` overrides). A is read as A − r (a differential read against a reference array): r = 0 unless
``fast_zero_shift`` programs it to each device's symmetry point; ``fast_reference_offset`` adds a per-device
programming error r_ij += offset·w_max·ξ_ij (the c-TTv2 paper's offset study).

Pulse-count learning rate of A (aihwkit ``getPulseCountLearningRate``): fast_lr·lr with ``scale_fast_lr`` (the
default of ``TransferCompound``/``BufferedTransferCompound`` in aihwkit 1.2.0), fast_lr without (aihwkit 1.1.0,
and the default of the chopped compounds), the SGD lr when fast_lr <= 0. With ``auto_scale`` (chopped compounds) it
is fast_lr·BL·ε_A/(m_x·m_d), m_x and m_d running abs-maxima of x and d updated **per vector** with rate
(1 − auto_momentum)/B (B the mini-batch size) and started from the first non-zero value; each vector then has its
own rate.
"""

from __future__ import annotations

import math

import numpy as np

from archsim.crossbar.algorithms.common import (
    CompoundCounters,
    auto_pairs,
    find_symmetry_point,
    num_states,
    record_transfer_write,
    threshold_buffer,
    transfer_read_pipeline,
    transfer_update_parameters,
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
        self.columns = config.transfer_columns
        """Transfer columns of A (one-hot over the inputs) or rows (one-hot over the outputs)."""
        self.n_units = ctx.in_size if self.columns else ctx.out_size
        """Columns (or rows) one sweep of transfers reads."""
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
        self.transfer_update = transfer_update_parameters(ctx, config)
        self.transfer_read = transfer_read_pipeline(ctx, config.transfer_forward, rows=not self.columns)
        self.n_vectors = 0
        self.n_transfers = 0
        self.next_col = 0
        self.last_lr = 0.0
        self.transferred_columns: list[int] = []
        """Log of transferred column (or row) indices (tests; cleared by the caller)."""

    def _check_config(self) -> None:
        cfg = self.config
        if not cfg.transfer_columns and cfg.with_reset_prob > 0:
            raise ConfigError(f"rpu.algorithm ({cfg.kind}).with_reset_prob: expected 0 with transfer_columns false "
                              f"(aihwkit resets columns only), got {cfg.with_reset_prob}")

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
        """Vector updates between two transfers (aihwkit ``getTransferEvery``)."""
        cfg = self.config
        te = cfg.transfer_every
        if te < 0:  # automatic (aihwkit chopped): |te|·num_states_A / in_size
            states = num_states(self.ctx.rpu_config.device, self.fast.granularity)
            return max(1, round(abs(te) * states / self.n_units))
        if cfg.units_in_mbatch:
            return max(1, math.ceil(te * m_batch))
        return max(1, round(te))

    def fast_lr(self, lr: float, x: np.ndarray, d: np.ndarray) -> float:
        """Pulse-count learning rate of the A update (module docstring)."""
        cfg = self.config
        if cfg.fast_lr <= 0:
            return lr
        return cfg.fast_lr * lr if cfg.scale_fast_lr else cfg.fast_lr

    def transfer_lr(self, lr: float) -> float:
        cfg = self.config
        return cfg.transfer_lr * abs(lr) if cfg.scale_transfer_lr else cfg.transfer_lr

    def _per_vector_lr(self) -> bool:
        """Whether every vector has its own pulse-count rate (auto-scaled compounds)."""
        return False

    def _update_fast(self, x: np.ndarray, d: np.ndarray, lr_fast: float) -> UpdateResult:
        return pulsed_update(self.fast, x, d, lr_fast, self.ctx.rpu_config.update, self.ctx.rng)

    def update(self, x: np.ndarray, d: np.ndarray, lr: float) -> None:
        b = x.shape[0]
        period = self.transfer_period(b)
        self.last_lr = lr
        per_vector = self._per_vector_lr()
        lr_fast = 0.0 if per_vector else self.fast_lr(lr, x, d)
        s = 0
        bls = []
        pulses = 0
        while s < b:
            to_next = period - (self.n_vectors % period)
            e = s + 1 if per_vector else min(b, s + to_next)
            if per_vector:
                lr_fast = self.fast_lr(lr, x[s:e], d[s:e])
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
            self.next_col = int(self.ctx.rng.integers(self.n_units))
        cols = [(self.next_col + k) % self.n_units for k in range(n)]
        self.next_col = (self.next_col + n) % self.n_units
        return cols

    def read_columns(self, cols: list[int]) -> np.ndarray:
        """Read A e_i (columns) or Aᵀ e_i (rows) through the transfer-read pipeline; float32[len(cols), size]."""
        e = np.zeros((len(cols), self.n_units), _F32)
        e[np.arange(len(cols)), cols] = 1.0
        self.ctx.stats.transfer_reads += len(cols)
        a = self.fast_weights()
        return self.transfer_read(a if self.columns else a.T, e, new_key(self.ctx.rng)).y

    def _write_columns(self, cols: list[int], values: np.ndarray, lr: float) -> None:
        """Pulsed write C[:, i] += lr·values[k] (x = e_i, d = −values) or, for rows, C[i, :] += lr·values[k]
        (x = values, d = −e_i), per vector in order."""
        keep = [k for k in range(len(cols)) if np.any(values[k] != 0)]
        if not keep:
            return
        e = np.zeros((len(keep), self.n_units), _F32)
        e[np.arange(len(keep)), [cols[k] for k in keep]] = 1.0
        v = np.ascontiguousarray(values[keep], dtype=_F32)
        x, d = (e, -v) if self.columns else (v, -e)
        res = pulsed_update(self.slow, np.ascontiguousarray(x), np.ascontiguousarray(d), lr, self.transfer_update,
                            self.ctx.rng, granularity=self._write_eps())
        record_transfer_write(self.ctx, res, len(keep))

    def _write_eps(self) -> float | None:
        return None

    def _buffer(self, H: np.ndarray, i: int) -> np.ndarray:
        """The buffer entries of column (row) i: a writable view of H[:, i] (H[i, :])."""
        return H[:, i] if self.columns else H[i, :]

    def _read_next_columns(self, n: int) -> tuple[list[int], np.ndarray]:
        """Count one transfer and read the next ``n`` columns of A: (their indices, the reads)."""
        cols = self._columns(n)
        self.transferred_columns.extend(cols)
        self.ctx.stats.transfers += 1
        self.n_transfers += 1
        return cols, self.read_columns(cols)

    def transfer(self, lr: float) -> None:
        """Read ``n_reads_per_transfer`` columns of A and write them onto C."""
        cfg = self.config
        cols, v = self._read_next_columns(cfg.n_reads_per_transfer)
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
        cols, v = self._read_next_columns(cfg.n_reads_per_transfer)
        lr_t = self.transfer_lr(lr)
        if cfg.gamma > 0:
            lr_t *= cfg.gamma
        thres = cfg.thres_scale * self.eps_slow
        n_all = np.zeros((len(cols), v.shape[1]), _F32)
        max_n = self.transfer_update.desired_bl
        for k, i in enumerate(cols):
            buf = self._buffer(self.H, i)
            omega = buf + lr_t * v[k]
            n, buf[...] = threshold_buffer(omega, thres, cfg.momentum, cfg.forget_buffer, max_n)
            n_all[k] = n
        self._write_columns(cols, n_all, cfg.step * self.eps_slow)


class ChoppedTransferCompound(TransferCompound):
    """c-TTv2 (aihwkit ``ChoppedTransferCompound``): TTv2 with input/output choppers; H in units of g_b."""

    def __init__(self, ctx: TileContext, config: ChoppedTransferCompoundConfig) -> None:
        super().__init__(ctx, config)
        self.H = np.zeros((ctx.out_size, ctx.in_size), np.float64)
        self.c_in = np.ones(self.n_units, _F32)
        """Input choppers, one per transferred column (row)."""
        self.c_out = np.ones(ctx.out_size if self.columns else ctx.in_size, _F32)
        """Output choppers, one per element of a read vector."""
        self.eps_fast = self.fast.granularity
        self.eps_slow = self.slow.granularity
        self.m_x = 0.0
        """Running abs-max of x (auto_scale; 0 until the first non-zero vector)."""
        self.m_d = 0.0
        """Running abs-max of d (auto_scale)."""
        self.reads_per_col = np.zeros(self.n_units, np.int64)
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
        """g_b = buffer_granularity·ε_A, × auto_granularity/(n_units·|transfer_every|) if auto_granularity > 0
        (aihwkit ``getBufferGranularity``; a buffer_granularity <= 0 counts as 1)."""
        cfg = self.config
        g = (cfg.buffer_granularity if cfg.buffer_granularity > 0 else 1.0) * self.eps_fast
        if cfg.auto_granularity > 0:
            g *= cfg.auto_granularity / (self.n_units * abs(cfg.transfer_every))
        return g

    def _per_vector_lr(self) -> bool:
        return self.config.auto_scale and self.config.fast_lr > 0

    def _auto_scale(self, m: float, value: float, m_batch: int) -> float:
        """aihwkit ``updateAutoScale``: start from the first non-zero value, then EMA with rate (1 − β)/B."""
        if m <= 0:
            return value
        if value <= 0:
            return m
        tau = (1.0 - self.config.auto_momentum) / m_batch
        return (1.0 - tau) * m + tau * value

    def fast_lr(self, lr: float, x: np.ndarray, d: np.ndarray, m_batch: int | None = None) -> float:
        """Pulse-count rate; with ``auto_scale`` (x, d: one vector) this also advances the running maxima."""
        cfg = self.config
        if not self._per_vector_lr():
            return super().fast_lr(lr, x, d)
        b = m_batch if m_batch is not None else self._m_batch
        self.m_x = self._auto_scale(self.m_x, float(np.abs(x).max()), b)
        self.m_d = self._auto_scale(self.m_d, float(np.abs(d).max()), b)
        count_lr = cfg.fast_lr * self.ctx.rpu_config.update.desired_bl * self.eps_fast
        if self.m_x > 0 and self.m_d > 0:
            count_lr /= self.m_x * self.m_d
        return count_lr * lr if cfg.scale_fast_lr else count_lr

    def update(self, x: np.ndarray, d: np.ndarray, lr: float) -> None:
        self._m_batch = x.shape[0]
        super().update(x, d, lr)

    def _update_fast(self, x: np.ndarray, d: np.ndarray, lr_fast: float) -> UpdateResult:
        # A stores the chopped gradient: pulse signs flipped where c_in·c_out = −1 (aihwkit doSparseUpdate)
        x_chop, d_chop = (self.c_in, self.c_out) if self.columns else (self.c_out, self.c_in)
        xc = np.ascontiguousarray(x * x_chop[None, :], dtype=_F32)
        dc = np.ascontiguousarray(d * d_chop[None, :], dtype=_F32)
        return pulsed_update(self.fast, xc, dc, lr_fast, self.ctx.rpu_config.update, self.ctx.rng)

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
            self.c_in[i] = -self.c_in[i]
            self.counters.chopper_flips += 1
            self.flip_log.append((self.n_transfers, i))
        if i == self.n_units - 1 and cfg.out_chop_prob > 0:
            flips = self.ctx.rng.random(self.c_out.size) < cfg.out_chop_prob
            self.c_out[flips] = -self.c_out[flips]
            self.counters.chopper_flips += int(flips.sum())

    def transfer(self, lr: float) -> None:
        cfg = self.config
        (i,), reads = self._read_next_columns(1)
        v = reads[0].astype(np.float64)
        lr_scale = abs(self.transfer_lr(lr)) / self.buffer_granularity()
        buf = self._buffer(self.H, i)
        omega = (0.0 if cfg.no_buffer else buf) + self.c_in[i] * self.c_out * v * lr_scale
        n, buf[...] = threshold_buffer(omega, 1.0, cfg.momentum, cfg.forget_buffer, self.transfer_update.desired_bl)
        self._write_columns([i], n[None, :], cfg.step * self.eps_slow)
        self._after_read(i)


class DynamicTransferCompound(ChoppedTransferCompound):
    """AGAD (aihwkit ``DynamicTransferCompound``, ``readAndUpdate`` of ``rpu_dynamic_transfer_device.cpp``).

    Per element, the running mean μ of the raw reads of A starts at 0 and follows every read with rate
    min(tail_weightening/n_s, 1), n_s = max(ceil(1/in_chop_prob), 2); at the first read after a chopper switch of
    its column, μ_past ← μ. Every read adds c_in·(read − μ_past)·lr_scale to the buffer H, which is thresholded
    from the very first read (against μ_past = 0 until the first switch); C is written only once more than n_s
    full sweeps over the columns are done. Choppers switch regularly after every n_s-th sweep (and, with
    ``in_chop_random``, also at random with in_chop_prob), all columns in the same sweep.
    """

    def __init__(self, ctx: TileContext, config: DynamicTransferCompoundConfig) -> None:
        super().__init__(ctx, config)
        self.mu = np.zeros((ctx.out_size, ctx.in_size), np.float64)
        self.mu_past = np.zeros((ctx.out_size, ctx.in_size), np.float64)
        self.var = np.zeros((ctx.out_size, ctx.in_size), np.float64)
        """Running variance of the reads (only with ``std_significance`` > 0)."""
        self.switched = np.zeros(self.n_units, bool)
        self.sweeps = 0
        """Completed sweeps over all columns (aihwkit ``transfer_counter_``)."""

    def _check_config(self) -> None:
        super()._check_config()
        cfg = self.config
        if cfg.out_chop_prob > 0:
            raise ConfigError(f"rpu.algorithm ({cfg.kind}).out_chop_prob: expected 0 (aihwkit's dynamic transfer "
                              f"never switches output choppers), got {cfg.out_chop_prob}")
        if cfg.in_chop_prob <= 0:
            raise ConfigError(f"rpu.algorithm ({cfg.kind}).in_chop_prob: expected > 0 (it sets the averaging "
                              f"period), got {cfg.in_chop_prob}")
        if not 0.0 < cfg.auto_momentum < 1.0:
            raise ConfigError(f"rpu.algorithm ({cfg.kind}).auto_momentum: expected a value in (0, 1) (aihwkit "
                              f"requirement), got {cfg.auto_momentum}")
        if cfg.experimental_correct_accumulation:
            raise ConfigError(f"rpu.algorithm ({cfg.kind}).experimental_correct_accumulation: expected false "
                              "(not modelled), got true")

    def transfer(self, lr: float) -> None:
        cfg = self.config
        (i,), reads = self._read_next_columns(1)
        v = reads[0].astype(np.float64)
        n_s = int(self._chop_period())
        current_sample = self.sweeps % n_s + 1
        rate = min(cfg.tail_weightening / n_s, 1.0)
        mu = self._buffer(self.mu, i)
        mu_past = self._buffer(self.mu_past, i)
        if self.switched[i]:
            mu_past[...] = mu  # a new chopper phase: the last phase's mean becomes the reference
        self.switched[i] = False
        dw = (v - mu_past) * self.c_in[i] * self.c_out
        if cfg.std_significance > 0:
            var = self._buffer(self.var, i)
            sem = np.sqrt(var / n_s)  # no evidence yet (s = 0 before the second read): not significant
            dw = np.where((sem > 0) & (np.abs(v - mu_past) > cfg.std_significance * sem), dw, 0.0)
            var[...] = (1.0 - rate) * var + rate * (v - mu) ** 2
        lr_scale = abs(self.transfer_lr(lr)) / self.buffer_granularity()
        buf = self._buffer(self.H, i)
        omega = buf + dw * lr_scale
        n, h = threshold_buffer(omega, 1.0, cfg.momentum, cfg.forget_buffer, self.transfer_update.desired_bl)
        if cfg.buffer_cap > 0 and not cfg.forget_buffer:
            cap = cfg.buffer_cap * self.transfer_update.desired_bl
            h = np.where(n != 0, np.clip(h, -cap, cap), h)
        buf[...] = h
        mu[...] = mu * (1.0 - rate) + v * rate
        if self.sweeps > n_s:
            self._write_columns([i], n[None, :], cfg.step * self.eps_slow)
        switch = current_sample == n_s or (cfg.in_chop_random and self.ctx.rng.random() < cfg.in_chop_prob)
        if switch:
            self.c_in[i] = -self.c_in[i]
            self.switched[i] = True
            self.counters.chopper_flips += 1
            self.flip_log.append((self.n_transfers, i))
        if i == self.n_units - 1:
            self.sweeps += 1


register_algorithm(TransferCompoundConfig, TransferCompound)
register_algorithm(BufferedTransferCompoundConfig, BufferedTransferCompound)
register_algorithm(ChoppedTransferCompoundConfig, ChoppedTransferCompound)
register_algorithm(DynamicTransferCompoundConfig, DynamicTransferCompound)
