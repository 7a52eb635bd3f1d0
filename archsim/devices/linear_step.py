"""LinearStep device (aihwkit ``LinearStepDevice``, ``src/rpucuda/rpu_linearstep_device.cpp``, aihwkit 1.1.0).

Slopes drawn once per device: γ± = gamma_{up,down} + gamma_{up,down}_dtod·ξ (|·| unless ``allow_increasing``),
slope_up = −γ⁺·s_up/w_ref_up, slope_down = −γ⁻·s_down/w_ref_down with the mean bounds as references
(``mean_bound_reference``) or each device's own. Slots: P[..., 4] = slope_up, P[..., 5] = slope_down.

Per pulse, with multiplicative noise (``mult_noise``): up u += (slope_up·u + s_up)(1 + σξ), down
u −= (slope_down·u + s_down)(1 + σξ); additive: u ± (slope·u + s(1 + σξ)). So the up step is s_up(1 − γ⁺u/w_max)
and the down step s_down(1 + γ⁻u/|w_min|). The two laws are shared by SoftBounds and SoftBoundsReference, which
are LinearStep devices with γ = 1 in aihwkit. A mirrored copy (aihwkit ``copyInvertDeviceParameter``) takes
slope_down' = −slope_up, slope_up' = −slope_down. Weight granularity ε = dw_min.
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
    check_bool,
    check_finite,
    check_nonneg,
    fail,
    register_device,
    safe_div,
)

__all__ = ["LinearSlopeLaws", "LinearStepDevice", "invert_linear_slopes", "linear_add_law", "linear_mult_law"]


def linear_mult_law(u, down, P, i, j, sigma, z, G):
    """u ∓ (slope·u + s)(1 + σz) (float32)."""
    nz = np.float32(1.0) + sigma * z
    if down:
        return u - (P[i, j, 5] * u + P[i, j, 1]) * nz
    return u + (P[i, j, 4] * u + P[i, j, 0]) * nz


def linear_add_law(u, down, P, i, j, sigma, z, G):
    """u ∓ (slope·u + s(1 + σz)) (float32)."""
    nz = np.float32(1.0) + sigma * z
    if down:
        return u - (P[i, j, 5] * u + P[i, j, 1] * nz)
    return u + (P[i, j, 4] * u + P[i, j, 0] * nz)


def invert_linear_slopes(slots: np.ndarray) -> None:
    """Mirrored copy of a linear-family device: slope_up' = −slope_down, slope_down' = −slope_up."""
    up = slots[..., 0].copy()
    slots[..., 0] = -slots[..., 1]
    slots[..., 1] = -up


class LinearSlopeLaws:
    """Pulse law and mirroring of the linear family (LinearStep, SoftBounds, SoftBoundsReference): slots
    P[..., 4] = slope_up, P[..., 5] = slope_down; the multiplicative or the additive law by the device's
    ``mult_noise`` field."""

    mult_noise: bool

    def pulse_law(self) -> PulseLaw:
        return linear_mult_law if self.mult_noise else linear_add_law

    def invert_slots(self, slots: np.ndarray) -> None:
        invert_linear_slopes(slots)


@register_device
@dataclass(frozen=True, kw_only=True)
class LinearStepDevice(LinearSlopeLaws, PulsedDeviceBase):
    """Step that changes linearly with the weight: up s_up(1 − γ⁺w/w_max), down s_down(1 + γ⁻w/|w_min|)."""

    kind: str = "linear_step"
    """Tag selecting this device in YAML."""
    gamma_up: float = 0.0
    """Relative decrease of the up step at w_max."""
    gamma_down: float = 0.0
    """Relative decrease of the down step at w_min."""
    gamma_up_dtod: float = 0.05
    """d2d spread (absolute) of gamma_up."""
    gamma_down_dtod: float = 0.05
    """d2d spread (absolute) of gamma_down."""
    allow_increasing: bool = False
    """Allow negative slopes (steps that grow towards the bound)."""
    mean_bound_reference: bool = True
    """Slopes refer to the mean bounds w_max/w_min (True) or to each device's own bounds."""
    mult_noise: bool = True
    """c2c noise multiplies the whole step (True) or only the constant part (False)."""
    reverse_up: bool = False
    """aihwkit's reverse_up option (not modelled: must be False)."""
    reverse_down: bool = False
    """aihwkit's reverse_down option (not modelled: must be False)."""
    reverse_offset: float = 0.01
    """Offset of the reversed slope (unused while reverse_up/down are False)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        check_finite(self, "gamma_up", "gamma_down", "reverse_offset")
        check_nonneg(self, "gamma_up_dtod", "gamma_down_dtod")
        check_bool(self, "allow_increasing", "mean_bound_reference", "mult_noise", "reverse_up", "reverse_down")
        if self.reverse_up or self.reverse_down:
            fail(self, "reverse_up/reverse_down", "False (not modelled)", (self.reverse_up, self.reverse_down))

    def sample_model(self, common: CommonDraws, xi: Callable[[], np.ndarray]) -> ModelDraws:
        g_up = self.gamma_up + self.gamma_up_dtod * xi()
        g_dn = self.gamma_down + self.gamma_down_dtod * xi()
        if not self.allow_increasing:
            g_up, g_dn = np.abs(g_up), np.abs(g_dn)
        ref_up = self.w_max if self.mean_bound_reference else common.b_max
        ref_dn = self.w_min if self.mean_bound_reference else common.b_min
        return ModelDraws(slots=(-safe_div(g_up * common.s_up, ref_up), -safe_div(g_dn * common.s_down, ref_dn)))
