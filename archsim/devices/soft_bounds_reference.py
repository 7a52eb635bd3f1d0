"""SoftBoundsReference device (aihwkit ``SoftBoundsReferenceDevice``,
``src/rpucuda/rpu_softbounds_reference_device.cpp``, aihwkit 1.1.0).

Soft bounds acting on the device value u = w + r with a fixed per-device reference r = reference_mean +
reference_std·ξ (plus the device's symmetry point w* = (s_up − s_down)/(s_up/b_max − s_down/b_min) with
``subtract_symmetry_point``). Optional extra slope spreads rescale the bounds the slopes refer to:
b'_max = b_max/(1 + slope_up_dtod·ξ). Slots and laws are those of the linear family
(:mod:`archsim.devices.linear_step`): slope_up = −s_up/b'_max, slope_down = −s_down/b'_min; the default additive
noise gives u ∓= s(1 − u/b + σξ). Weight granularity ε = dw_min.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from archsim.devices.base import (
    CommonDraws,
    FixedReference,
    ModelDraws,
    PulsedDeviceBase,
    check_bool,
    check_nonneg,
    register_device,
    safe_div,
)
from archsim.devices.linear_step import LinearSlopeLaws

__all__ = ["SoftBoundsReferenceDevice"]


@register_device
@dataclass(frozen=True, kw_only=True)
class SoftBoundsReferenceDevice(FixedReference, LinearSlopeLaws, PulsedDeviceBase):
    """Soft bounds acting on u = w + r with a fixed per-device reference r."""

    kind: str = "soft_bounds_reference"
    """Tag selecting this device in YAML."""
    slope_up_dtod: float = 0.0
    """Extra d2d spread of the up slope (implemented by rescaling b_max)."""
    slope_down_dtod: float = 0.0
    """Extra d2d spread of the down slope (implemented by rescaling b_min)."""
    mult_noise: bool = False
    """c2c noise multiplies the step (True) or is additive in units of s (False, aihwkit default)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        check_nonneg(self, "slope_up_dtod", "slope_down_dtod")
        self.check_reference()
        check_bool(self, "mult_noise")

    def sample_model(self, common: CommonDraws, xi: Callable[[], np.ndarray]) -> ModelDraws:
        sb_max, sb_min = common.b_max, common.b_min
        if self.slope_up_dtod > 0:
            sb_max = safe_div(common.b_max, 1.0 + self.slope_up_dtod * xi())
        if self.slope_down_dtod > 0:
            sb_min = safe_div(common.b_min, 1.0 + self.slope_down_dtod * xi())
        s_up, s_down = common.s_up, common.s_down

        def symmetry_point() -> np.ndarray:
            # zero net drift of u under alternating up/down pulses: s_up(1 − u/b⁺) = s_down(1 − u/b⁻)
            denom = s_up / np.where(sb_max == 0, np.inf, sb_max) - s_down / np.where(sb_min == 0, -np.inf, sb_min)
            return safe_div(s_up - s_down, denom)

        return ModelDraws(slots=(-safe_div(s_up, sb_max), -safe_div(s_down, sb_min)),
                          reference=self.sample_reference(xi, symmetry_point))
