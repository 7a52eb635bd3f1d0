"""Plain analog SGD: one device array, the pulsed update with the tile's update parameters (aihwkit
``SingleRPUConfig``).
"""

from __future__ import annotations

import numpy as np

from archsim.crossbar.context import TileContext, register_algorithm
from archsim.crossbar.update import pulsed_update
from archsim.hwconfig.algorithms import SGDConfig

__all__ = ["SGDAlgorithm"]

class SGDAlgorithm:
    """Plain analog SGD: one device array, pulsed update with the tile's update parameters."""

    def __init__(self, ctx: TileContext, config: SGDConfig) -> None:
        self.ctx = ctx
        self.config = config
        self.array = ctx.device_array()

    def read_weights(self) -> np.ndarray:
        return self.array.read()

    def get_weights(self) -> np.ndarray:
        return self.array.get_weights()

    def set_weights(self, w: np.ndarray) -> None:
        self.array.set_weights(w)

    def update(self, x: np.ndarray, d: np.ndarray, lr: float) -> None:
        result = pulsed_update(self.array, x, d, lr, self.ctx.rpu_config.update, self.ctx.rng)
        self.ctx.stats.record_update(result)

    def post_update_step(self) -> None:
        self.array.post_update_step()


register_algorithm(SGDConfig, SGDAlgorithm)
