"""ConstantStep device (aihwkit ``ConstantStepDevice``, ``src/rpucuda/rpu_constantstep_device.cpp``, aihwkit 1.1.0).

Per pulse: down u −= s_down·(1 + σξ), up u += s_up·(1 + σξ), clipped to [b_min, b_max]; σ = dw_min_std.
Weight granularity ε = dw_min. No model slots.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from archsim.devices.base import PulsedDeviceBase, PulseLaw, register_device

__all__ = ["ConstantStepDevice", "constant_step_law"]


def constant_step_law(u, down, P, i, j, sigma, z, G):
    """u ∓ s·(1 + σz) (float32)."""
    nz = np.float32(1.0) + sigma * z
    if down:
        return u - P[i, j, 1] * nz
    return u + P[i, j, 0] * nz


@register_device
@dataclass(frozen=True, kw_only=True)
class ConstantStepDevice(PulsedDeviceBase):
    """Constant step ±dw_min·(1 + dw_min_std·ξ) per pulse, clipped to the device bounds."""

    kind: str = "constant_step"
    """Tag selecting this device in YAML."""

    def pulse_law(self) -> PulseLaw:
        return constant_step_law
