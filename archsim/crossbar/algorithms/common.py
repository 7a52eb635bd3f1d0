"""Helpers shared by the compound algorithms: extra-operation counters, the TTv2 buffer threshold, the zero-shifting
symmetry-point search, the transfer-read pipeline and transfer-write bookkeeping.

Counting (read by the event engine through ``LayerStats``): every transfer or refresh event increments
``stats.transfers``; each one-hot read vector (MVM) increments ``stats.transfer_reads``; each pulsed row/column
write that carries at least one non-zero target increments ``stats.transfer_writes``; their pulses are added to
``stats.pulses`` (not to the BL histogram, which describes the gradient updates). Refreshes and programming pulses
are also kept in each algorithm's :class:`CompoundCounters` (``tile.algorithm.counters``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from archsim.crossbar.context import TileContext
from archsim.crossbar.devices import DeviceArray
from archsim.crossbar.io import IOPipeline
from archsim.crossbar.update import UpdateResult, pulsed_update
from archsim.devices import DeviceConfig
from archsim.hwconfig.algorithms import TransferCompoundConfig
from archsim.hwconfig.rpu import BoundManagementType, IOParameters, NoiseManagementType, PulseType, UpdateParameters

__all__ = ["CompoundCounters", "SingleArrayAlgorithm", "auto_pairs", "find_symmetry_point", "num_states", "one_pulse_params",
           "record_transfer_write", "threshold_buffer", "transfer_read_pipeline", "transfer_update_parameters",
           "weight_range_max"]

_F32 = np.float32


class SingleArrayAlgorithm:
    """Base of the algorithms whose weights are one device array (``self.array``): reading, getting and setting the
    weights go straight to it."""

    def __init__(self, ctx: TileContext, config: object) -> None:
        self.ctx = ctx
        self.config = config
        self.array = ctx.device_array()

    def read_weights(self) -> np.ndarray:
        return self.array.read()

    def get_weights(self) -> np.ndarray:
        return self.array.get_weights()

    def set_weights(self, w: np.ndarray) -> None:
        self.array.set_weights(w)


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


def one_pulse_params(up: UpdateParameters) -> UpdateParameters:
    """Update parameters giving exactly one pulse per element per sample for x = 1, |d| = 1, lr = ε."""
    return replace(up, desired_bl=1, update_management=False, update_bl_management=False, fixed_bl=True,
                   pulse_type=PulseType.STOCHASTIC_COMPRESSED, res=0.0)


def find_symmetry_point(arr: DeviceArray, n_pairs: int, up: UpdateParameters, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """Drive every device to its symmetry point with alternating up/down pulses (zero-shifting, Kim et al. 2019).

    Applies ``n_pairs`` up+down pulse pairs to all devices at once (one pulse per device per step), then
    averages the weights after one more up and one more down pulse. Returns (w* estimate float32[out, in],
    pulses applied per device). The array is left at its symmetry point.
    """
    one = one_pulse_params(up)
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


def auto_pairs(device: DeviceConfig) -> int:
    """Up/down pulse pairs of the automatic symmetry-point search: 5 × the number of states (0 for non-pulsed)."""
    dev = device.effective()
    if not dev.PULSED:
        return 0
    return int(5 * math.ceil((dev.w_max - dev.w_min) / dev.dw_min))


def weight_range_max(device: DeviceConfig) -> float:
    """|w_max| of a pulsed device model (the scale of refresh thresholds and reference offsets); 1.0 for a
    non-pulsed (ideal) device, which has no bounds."""
    dev = device.effective()
    return abs(dev.w_max) if dev.PULSED else 1.0


def num_states(device: DeviceConfig, granularity: float) -> float:
    """(w_max − w_min)/ε of a pulsed device model (aihwkit ``getNumStates``); 1.0 for a non-pulsed device."""
    dev = device.effective()
    return (dev.w_max - dev.w_min) / granularity if dev.PULSED else 1.0


def transfer_read_pipeline(ctx: TileContext, io: IOParameters | None, *, rows: bool = False) -> IOPipeline:
    """Transfer/refresh read: ``io`` (None: the tile's forward IO) with noise and bound management forced off, as
    aihwkit forces them off for ``transfer_forward``; a backward pass over Aᵀ when transferring rows."""
    io = replace(ctx.rpu_config.forward if io is None else io, noise_management=NoiseManagementType.NONE,
                 bound_management=BoundManagementType.NONE)
    if rows:
        return ctx.pipeline(io, ctx.in_size, backward=True)
    return ctx.pipeline(io, ctx.out_size, allow_bound_management=False)


def transfer_update_parameters(ctx: TileContext, config: TransferCompoundConfig) -> UpdateParameters:
    """The update parameters of transfer writes: ``transfer_update`` if given, else the tile's update with the
    config's ``transfer_desired_bl`` / ``transfer_update_management`` / ``transfer_update_bl_management``."""
    if config.transfer_update is not None:
        return config.transfer_update
    return replace(ctx.rpu_config.update, desired_bl=config.transfer_desired_bl,
                   update_management=config.transfer_update_management,
                   update_bl_management=config.transfer_update_bl_management)


def record_transfer_write(ctx: TileContext, result: UpdateResult, n_writes: int) -> None:
    """Count a transfer/refresh write: its pulses and its written row/column vectors."""
    ctx.stats.pulses += result.pulses
    ctx.stats.transfer_writes += n_writes
