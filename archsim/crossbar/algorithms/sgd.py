"""Plain analog SGD: one device array, the pulsed update with the tile's update parameters (aihwkit
``SingleRPUConfig``).
"""

from __future__ import annotations

import numpy as np

from archsim.crossbar.algorithms.common import SingleArrayAlgorithm
from archsim.crossbar.context import register_algorithm
from archsim.crossbar.update import pulsed_update
from archsim.hwconfig.algorithms import SGDConfig

__all__ = ["SGDAlgorithm"]

class SGDAlgorithm(SingleArrayAlgorithm):
    """Plain analog SGD: one device array, pulsed update with the tile's update parameters."""

    config: SGDConfig

    def update(self, x: np.ndarray, d: np.ndarray, lr: float) -> None:
        result = pulsed_update(self.array, x, d, lr, self.ctx.rpu_config.update, self.ctx.rng)
        self.ctx.stats.record_update(result)

    def post_update_step(self) -> None:
        self.array.post_update_step()


register_algorithm(SGDConfig, SGDAlgorithm)
