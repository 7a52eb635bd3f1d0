"""PowStep device (aihwkit ``PowStepDevice``, ``src/rpucuda/rpu_powstep_device.cpp``, aihwkit 1.1.0).

ρ = b_max − b_min; up u += s_up·((b_max − u)/ρ)^γ_up·(1 + σξ), down u −= s_down·((u − b_min)/ρ)^γ_down·(1 + σξ).
The exponents are drawn like the steps: gain 1 + pow_gamma_dtod·ξ, r = pow_up_down_dtod·ξ,
γ_up = (min(pow_up_down, 0) + gain + r)·pow_gamma, γ_down = (−max(pow_up_down, 0) + gain − r)·pow_gamma.
Slots: P[..., 4] = γ_up, P[..., 5] = γ_down (swapped in a mirrored copy). Weight granularity
ε = dw_min·0.5^pow_gamma (the step at w = 0 of a symmetric device).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from archsim.devices.base import (
    CommonDraws,
    ModelDraws,
    PulsedDeviceBase,
    PulseLaw,
    check_finite,
    check_nonneg,
    fail,
    register_device,
)

__all__ = ["PowStepDevice", "pow_exponents", "pow_step_law", "swap_exponents"]


def pow_step_law(u, down, P, i, j, sigma, z, G):
    """PowStep update-once step (float32)."""
    lo = P[i, j, 2]
    hi = P[i, j, 3]
    span = hi - lo
    if span > 0:
        nz = np.float32(1.0) + sigma * z
        if down:
            frac = max((u - lo) / span, np.float32(0.0))
            return u - P[i, j, 1] * np.float32(frac ** P[i, j, 5]) * nz
        frac = max((hi - u) / span, np.float32(0.0))
        return u + P[i, j, 0] * np.float32(frac ** P[i, j, 4]) * nz
    return u


def pow_exponents(dev: PowStepDevice, xi: Callable[[], np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(γ_up, γ_down) per device (module docstring); shared with PowStepReference."""
    gain = 1.0 + dev.pow_gamma_dtod * xi()
    r = dev.pow_up_down_dtod * xi()
    g_up = (min(dev.pow_up_down, 0.0) + gain + r) * dev.pow_gamma
    g_dn = (-max(dev.pow_up_down, 0.0) + gain - r) * dev.pow_gamma
    return g_up, g_dn


def swap_exponents(slots: np.ndarray) -> None:
    """Mirrored copy: γ_up' = γ_down, γ_down' = γ_up (aihwkit ``copyInvertDeviceParameter``)."""
    slots[..., [0, 1]] = slots[..., [1, 0]]


@register_device
@dataclass(frozen=True, kw_only=True)
class PowStepDevice(PulsedDeviceBase):
    """Power-law step: up s_up((b_max − w)/ρ)^γ_up, down s_down((w − b_min)/ρ)^γ_down, ρ = b_max − b_min."""

    kind: str = "pow_step"
    """Tag selecting this device in YAML."""
    pow_gamma: float = 1.0
    """Mean exponent γ."""
    pow_gamma_dtod: float = 0.1
    """Relative d2d spread of γ."""
    pow_up_down: float = 0.0
    """Systematic asymmetry of the up/down exponents."""
    pow_up_down_dtod: float = 0.0
    """d2d spread of the exponent asymmetry."""

    def __post_init__(self) -> None:
        super().__post_init__()
        check_finite(self, "pow_gamma", "pow_up_down")
        check_nonneg(self, "pow_gamma_dtod", "pow_up_down_dtod")
        if self.pow_gamma <= 0:
            fail(self, "pow_gamma", "> 0", self.pow_gamma)

    def weight_granularity(self) -> float:
        return self.dw_min * 0.5 ** self.pow_gamma

    def pulse_law(self) -> PulseLaw:
        return pow_step_law

    def sample_model(self, common: CommonDraws, xi: Callable[[], np.ndarray]) -> ModelDraws:
        return ModelDraws(slots=pow_exponents(self, xi))

    def invert_slots(self, slots: np.ndarray) -> None:
        swap_exponents(slots)
