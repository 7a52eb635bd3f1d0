"""Reference unit cell (aihwkit ``ReferenceUnitCell``): a device and a reference device, W = g − g_ref, with optional
zero-shifting (:func:`~archsim.crossbar.algorithms.common.find_symmetry_point` drives every device to its symmetry
point with alternating up/down pulses and the reference is programmed to it, Kim et al. 2019).
"""

from __future__ import annotations

import numpy as np

from archsim.crossbar.algorithms.common import CompoundCounters, auto_pairs, find_symmetry_point
from archsim.crossbar.context import TileContext, register_algorithm
from archsim.crossbar.update import pulsed_update
from archsim.hwconfig.algorithms import ReferenceUnitCellConfig

__all__ = ["ReferenceUnitCell"]

_F32 = np.float32

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
        n = self.config.zero_shift_n_pulses or auto_pairs(self.ctx.rpu_config.device)
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


register_algorithm(ReferenceUnitCellConfig, ReferenceUnitCell)
