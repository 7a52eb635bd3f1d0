"""Compound unit cells and analog training algorithms on :class:`~archsim.crossbar.tile.AnalogTile`.

Each class implements the tile's ``TileAlgorithm`` hook (``read_weights``, ``get_weights``, ``set_weights``,
``update``, ``post_update_step``) and is registered for its config class of ``archsim.hwconfig.algorithms``;
selecting ``rpu.algorithm: {kind: ...}`` in YAML (or the config in Python) is all a user does. Semantics follow
aihwkit's compounds (research/aihwkit-reference.md §4) with the Python defaults:

* :class:`VectorUnitCell` — W = Σ_k γ_k W_k, update policies ALL / SINGLE_FIXED / SINGLE_SEQUENTIAL /
  SINGLE_RANDOM. Each updated device receives its own, statistically identical pulse trains (aihwkit shares one
  train between the devices; the mean update is the same).
* :class:`ReferenceUnitCell` — W = g − g_ref; optional zero-shifting: :func:`find_symmetry_point` drives every
  device to its symmetry point with alternating up/down pulses and the reference is programmed to it.
* :class:`OneSidedUnitCell` — W = g⁺ − g⁻, both devices only pulsed up. Each sample is applied as two
  sign-split half-updates per device (the coincidences of d⁺x⁻ and d⁻x⁺ raise g⁺, those of d⁺x⁺ and d⁻x⁻ raise
  g⁻): same mean as aihwkit's single routed train. Refresh every ``refresh_every`` mini-batches: both arrays are
  read column by column with the tile's forward IO; elements over the thresholds are reset and the difference is
  written back onto the larger side with a pulsed update.
* :class:`TransferCompound` (Tiki-Taka v1), :class:`BufferedTransferCompound` (TTv2),
  :class:`ChoppedTransferCompound` (c-TTv2), :class:`DynamicTransferCompound` (AGAD) — fast array A, slow array
  C, W = γ·A + C. A is updated every sample; after every ``period`` vector updates, columns of A are read with
  one-hot inputs through the *transfer read* pipeline (the tile's forward IO with noise and bound management
  off, converters and output noise on) and written to C with the transfer update parameters.
* :class:`MixedPrecisionCompound` — digital χ accumulation, row-wise transfer with UM/UBLM forced on.

A's reference: A is read as A − r (a differential read against a reference array). r = 0 unless
``fast_zero_shift`` programs it to each device's symmetry point; ``fast_reference_offset`` adds a per-device
programming error r_ij += offset·w_max·ξ_ij (the c-TTv2 paper's offset study).

Counting (read by the event engine through ``LayerStats``): every transfer or refresh event increments
``stats.transfers``; each one-hot read vector (MVM) increments ``stats.transfer_reads``; each pulsed row/column
write that carries at least one non-zero target increments ``stats.transfer_writes``; their pulses are added to
``stats.pulses`` (not to the BL histogram, which describes the gradient updates). Refreshes and programming
pulses are also kept in each algorithm's :class:`CompoundCounters` (``tile.algorithm.counters``).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, replace

import numpy as np

from archsim.crossbar.devices import DeviceArray
from archsim.crossbar.io import new_key
from archsim.crossbar.tile import TileContext, register_algorithm
from archsim.crossbar.update import UpdateResult, pulsed_update
from archsim.errors import ConfigError
from archsim.hwconfig.algorithms import (
    BufferedTransferCompoundConfig,
    ChoppedTransferCompoundConfig,
    DynamicTransferCompoundConfig,
    MixedPrecisionConfig,
    OneSidedUnitCellConfig,
    ReferenceUnitCellConfig,
    TransferCompoundConfig,
    VectorUnitCellConfig,
    VectorUpdatePolicy,
)
from archsim.hwconfig.rpu import BoundManagementType, NoiseManagementType, PulsedDeviceBase, PulseType

__all__ = [
    "BufferedTransferCompound",
    "ChoppedTransferCompound",
    "CompoundCounters",
    "DynamicTransferCompound",
    "MixedPrecisionCompound",
    "OneSidedUnitCell",
    "ReferenceUnitCell",
    "TransferCompound",
    "VectorUnitCell",
    "find_symmetry_point",
    "threshold_buffer",
]

_F32 = np.float32


@dataclass
class CompoundCounters:
    """Extra analog operations of a compound, beyond what ``TileStats`` records."""

    refreshes: int = 0
    """Refresh events (one-sided unit cell)."""
    refreshed_devices: int = 0
    """Device pairs reset and re-written by refreshes."""
    programming_pulses: int = 0
    """Pulses spent programming references (zero-shifting)."""
    chopper_flips: int = 0
    """Input/output chopper sign changes (chopped/dynamic transfer)."""


# ----------------------------------------------------------------------------------------------- helpers


def threshold_buffer(omega: np.ndarray, thres: float, momentum: float, forget: bool,
                     max_n: int) -> tuple[np.ndarray, np.ndarray]:
    """TTv2 buffer thresholding: n = clip(trunc(ω/thres), ±max_n); where n ≠ 0 keep momentum·ω (forget) or
    ω − (1 − momentum)·n·thres, elsewhere ω. Returns (n as float32, new buffer)."""
    n = np.clip(np.trunc(omega / thres), -max_n, max_n)
    nz = n != 0
    if forget:
        h = np.where(nz, momentum * omega, omega)
    else:
        h = np.where(nz, omega - (1.0 - momentum) * n * thres, omega)
    return n.astype(_F32), h


def _one_pulse_params(up) -> object:
    """Update parameters giving exactly one pulse per element per sample for x = 1, |d| = 1, lr = ε."""
    return replace(up, desired_bl=1, update_management=False, update_bl_management=False, fixed_bl=True,
                   pulse_type=PulseType.STOCHASTIC_COMPRESSED, res=0.0)


def find_symmetry_point(arr: DeviceArray, n_pairs: int, up, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """Drive every device to its symmetry point with alternating up/down pulses (zero-shifting, Kim et al. 2019).

    Applies ``n_pairs`` up+down pulse pairs to all devices at once (one pulse per device per step), then
    averages the weights after one more up and one more down pulse. Returns (w* estimate float32[out, in],
    pulses applied per device). The array is left at its symmetry point.
    """
    one = _one_pulse_params(up)
    eps = arr.granularity
    x = np.ones((2 * n_pairs, arr.in_size), _F32)
    d = np.ones((2 * n_pairs, arr.out_size), _F32)
    d[0::2] = -1.0  # d < 0 with lr > 0 raises the weight: up, down, up, down, ...
    if n_pairs:
        pulsed_update(arr, x, d, eps, one, rng, granularity=eps)
    pulsed_update(arr, x[:1], d[:1], eps, one, rng, granularity=eps)
    w_up = arr.get_hidden_weights()
    pulsed_update(arr, x[:1], -d[:1], eps, one, rng, granularity=eps)
    w_dn = arr.get_hidden_weights()
    return (0.5 * (w_up + w_dn)).astype(_F32), 2 * n_pairs + 2


def _auto_pairs(device) -> int:
    if isinstance(device, PulsedDeviceBase):
        return int(5 * math.ceil((device.w_max - device.w_min) / device.dw_min))
    return 0


def _transfer_io(ctx: TileContext):
    """Transfer/refresh read: the tile's forward IO with noise and bound management off."""
    io = replace(ctx.rpu_config.forward, noise_management=NoiseManagementType.NONE,
                 bound_management=BoundManagementType.NONE)
    return ctx.pipeline(io, ctx.out_size, allow_bound_management=False)


def _record_transfer_write(ctx: TileContext, result: UpdateResult, n_writes: int) -> None:
    ctx.stats.pulses += result.pulses
    ctx.stats.transfer_writes += n_writes


# ----------------------------------------------------------------------------------------------- unit cells


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


class ReferenceUnitCell:
    """A device and a reference device, W = g − g_ref, with optional zero-shifting (aihwkit ``ReferenceUnitCell``)."""

    def __init__(self, ctx: TileContext, config: ReferenceUnitCellConfig) -> None:
        self.ctx = ctx
        self.config = config
        self.device = ctx.device_array()
        self.reference = ctx.device_array()
        self.reference.set_weights(np.zeros((ctx.out_size, ctx.in_size), _F32))
        self.counters = CompoundCounters()
        if config.zero_shift:
            self.zero_shift()
        elif config.reference_offset:
            self._program_reference(np.zeros((ctx.out_size, ctx.in_size), _F32))

    def _program_reference(self, value: np.ndarray) -> None:
        off = self.config.reference_offset
        self.reference.set_weights((value + off).astype(_F32))

    def zero_shift(self) -> np.ndarray:
        """Find each device's symmetry point with alternating pulses and program the reference to it.

        Leaves the device at its symmetry point, so W ≈ 0 (± one step and ``reference_offset``). Returns w*.
        """
        n = self.config.zero_shift_n_pulses or _auto_pairs(self.ctx.rpu_config.device)
        w_star, pulses = find_symmetry_point(self.device, n, self.ctx.rpu_config.update, self.ctx.rng)
        self.counters.programming_pulses += pulses
        self._program_reference(w_star)
        return w_star

    def read_weights(self) -> np.ndarray:
        return (self.device.read() - self.reference.read()).astype(_F32)

    def get_weights(self) -> np.ndarray:
        return self.read_weights()

    def set_weights(self, w: np.ndarray) -> None:
        """Program g = w + g_ref (the reference keeps its value)."""
        self.device.set_weights(np.asarray(w, _F32) + self.reference.read())

    def update(self, x: np.ndarray, d: np.ndarray, lr: float) -> None:
        res = pulsed_update(self.device, x, d, lr, self.ctx.rpu_config.update, self.ctx.rng)
        self.ctx.stats.record_update(res)

    def post_update_step(self) -> None:
        self.device.post_update_step()
        self.reference.post_update_step()


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
        self.w_max_abs = abs(getattr(dev, "w_max", 1.0)) or 1.0
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
                _record_transfer_write(ctx, res, 1)
        return n_ref

    def post_update_step(self) -> None:
        self.g_plus.post_update_step()
        self.g_minus.post_update_step()


# ----------------------------------------------------------------------------------------------- transfer family


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
            n = _auto_pairs(ctx.rpu_config.device)
            w_star, pulses = find_symmetry_point(self.fast, n, ctx.rpu_config.update, ctx.rng)
            self.fast_ref = w_star
            self.counters.programming_pulses += pulses
        if config.fast_reference_offset:
            w_max = abs(getattr(ctx.rpu_config.device, "w_max", 1.0))
            self.fast_ref = (self.fast_ref + config.fast_reference_offset * w_max
                             * ctx.rng.standard_normal(self.fast_ref.shape)).astype(_F32)
        up = ctx.rpu_config.update
        self.transfer_update = replace(up, desired_bl=config.transfer_desired_bl,
                                       update_management=config.transfer_update_management,
                                       update_bl_management=config.transfer_update_bl_management)
        self.transfer_read = _transfer_io(ctx)
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
            dev = self.ctx.rpu_config.device
            states = (dev.w_max - dev.w_min) / self.fast.granularity if isinstance(dev, PulsedDeviceBase) else 1.0
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
        _record_transfer_write(self.ctx, res, len(keep))

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


# ----------------------------------------------------------------------------------------------- mixed precision


class MixedPrecisionCompound:
    """Digital gradient accumulation χ with row-wise pulsed transfer (aihwkit ``MixedPrecisionCompound``)."""

    def __init__(self, ctx: TileContext, config: MixedPrecisionConfig) -> None:
        self.ctx = ctx
        self.config = config
        self.array = ctx.device_array()
        self.chi = np.zeros((ctx.out_size, ctx.in_size), np.float64)
        self.eps = config.granularity if config.granularity > 0 else self.array.granularity
        self.write_update = replace(ctx.rpu_config.update, update_management=True, update_bl_management=True)
        self.counters = CompoundCounters()
        self.n_updates = 0
        self.next_row = 0

    def read_weights(self) -> np.ndarray:
        return self.array.read()

    def get_weights(self) -> np.ndarray:
        return self.array.get_weights()

    def set_weights(self, w: np.ndarray) -> None:
        self.array.set_weights(w)

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

    def update(self, x: np.ndarray, d: np.ndarray, lr: float) -> None:
        cfg = self.config
        xq = self._quantise(x, cfg.n_x_bins, cfg.stoc_round_x)
        dq = self._quantise(d, cfg.n_d_bins, cfg.stoc_round_d)
        self.chi -= lr * (dq.astype(np.float64).T @ xq.astype(np.float64))  # desired weight increment
        b = x.shape[0]
        self.ctx.stats.record_update(UpdateResult(bl=np.zeros(b, np.int64), pulses=0, n_samples=b))
        self.n_updates += 1
        if self.n_updates % cfg.transfer_every == 0:
            self.transfer()

    def transfer(self) -> None:
        """Write n = trunc(χ_i/ε) pulses onto the selected rows; χ_i −= n·ε."""
        cfg = self.config
        out = self.ctx.out_size
        k = out if cfg.n_rows_per_transfer < 0 else min(cfg.n_rows_per_transfer, out)
        if cfg.random_row:
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
        _record_transfer_write(self.ctx, res, len(keep))

    def post_update_step(self) -> None:
        self.array.post_update_step()


register_algorithm(VectorUnitCellConfig, VectorUnitCell)
register_algorithm(ReferenceUnitCellConfig, ReferenceUnitCell)
register_algorithm(OneSidedUnitCellConfig, OneSidedUnitCell)
register_algorithm(TransferCompoundConfig, TransferCompound)
register_algorithm(BufferedTransferCompoundConfig, BufferedTransferCompound)
register_algorithm(ChoppedTransferCompoundConfig, ChoppedTransferCompound)
register_algorithm(DynamicTransferCompoundConfig, DynamicTransferCompound)
register_algorithm(MixedPrecisionConfig, MixedPrecisionCompound)
