"""SoftBounds device (aihwkit ``SoftBoundsDevice``: a LinearStep with γ = 1 and the device's own bounds, aihwkit 1.1.0).

Up u += s_up(1 − u/b_max)(1 + σξ), down u −= s_down(1 − u/b_min)(1 + σξ) (multiplicative noise, the default), or
the additive form u ± (s(1 − u/b) + sσξ). Slots: slope_up = −s_up/b_max, slope_down = −s_down/b_min (the laws of
:mod:`archsim.devices.linear_step`). Weight granularity ε = dw_min.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from archsim.devices.base import (
    CommonDraws,
    ModelDraws,
    PulsedDeviceBase,
    check_bool,
    register_device,
    safe_div,
)
from archsim.devices.linear_step import LinearSlopeLaws

__all__ = ["SoftBoundsDevice"]


@register_device
@dataclass(frozen=True, kw_only=True)
class SoftBoundsDevice(LinearSlopeLaws, PulsedDeviceBase):
    """Soft bounds: up w += s_up(1 − w/b_max)(1+σξ), down w −= s_down(1 − w/b_min)(1+σξ)."""

    kind: str = "soft_bounds"
    """Tag selecting this device in YAML."""
    mult_noise: bool = True
    """c2c noise multiplies the whole step (True) or only the constant part (False)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        check_bool(self, "mult_noise")

    def sample_model(self, common: CommonDraws, xi: Callable[[], np.ndarray]) -> ModelDraws:
        return ModelDraws(slots=(-safe_div(common.s_up, common.b_max), -safe_div(common.s_down, common.b_min)))
