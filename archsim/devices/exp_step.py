"""ExpStep device (aihwkit ``ExpStepDevice``, ``src/rpucuda/rpu_expstep_device.cpp``, aihwkit 1.1.0).

z = 2a·u/(b_max − b_min) + b; up y = max(1 − A_up·e^(γ_up·z), 0), down y = max(1 − A_down·e^(−γ_down·z), 0);
simple noise: u += y·s_up(1 + σξ) / u −= y·s_down(1 + σξ); "complex" noise (dw_min_std_add or dw_min_std_slope
non-zero): Δ = ±y·s, u += Δ + σ(|Δ| + dw_min_std_add + dw_min_std_slope·|u|)·ξ. No slots; globals
G = (A_up, A_down, γ_up, γ_down, a, b, dw_min_std_add, dw_min_std_slope). Weight granularity: see
:meth:`ExpStepDevice.weight_granularity` (the down step at w = 0, including the up/down asymmetry).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from archsim.devices.base import CommonDraws, ModelDraws, PulsedDeviceBase, PulseLaw, check_finite, register_device

__all__ = ["ExpStepDevice", "exp_step_law"]


def exp_step_law(u, down, P, i, j, sigma, z, G):
    """ExpStep update-once step (float32 state, float64 globals as aihwkit's double exp)."""
    span = P[i, j, 3] - P[i, j, 2]
    zz = np.float32(0.0)
    if span > 0:
        zz = np.float32(2.0 * G[4]) * u / span + np.float32(G[5])
    if down:
        y = np.float32(1.0 - G[1] * math.exp(-G[3] * zz))
        delta = -(y if y > 0 else np.float32(0.0)) * P[i, j, 1]
    else:
        y = np.float32(1.0 - G[0] * math.exp(G[2] * zz))
        delta = (y if y > 0 else np.float32(0.0)) * P[i, j, 0]
    if G[6] != 0.0 or G[7] != 0.0:
        return u + delta + sigma * (abs(delta) + np.float32(G[6]) + np.float32(G[7]) * abs(u)) * z
    return u + delta * (np.float32(1.0) + sigma * z)


@register_device
@dataclass(frozen=True, kw_only=True)
class ExpStepDevice(PulsedDeviceBase):
    """Exponential step: z = 2a·w/(b_max − b_min) + b, up y = max(1 − A_up·e^(γ_up z), 0),
    down y = max(1 − A_down·e^(−γ_down z), 0)."""

    kind: str = "exp_step"
    """Tag selecting this device in YAML."""
    A_up: float = 0.00081
    """Amplitude of the up-step decrease."""
    A_down: float = 0.36833
    """Amplitude of the down-step decrease."""
    gamma_up: float = 12.44625
    """Exponent of the up-step decrease."""
    gamma_down: float = 12.78785
    """Exponent of the down-step decrease."""
    a: float = 0.244
    """Scale of z."""
    b: float = 0.2425
    """Offset of z."""
    dw_min_std_add: float = 0.0
    """Additive part of the 'complex' c2c noise."""
    dw_min_std_slope: float = 0.0
    """Weight-proportional part of the 'complex' c2c noise."""

    def __post_init__(self) -> None:
        super().__post_init__()
        check_finite(self, "A_up", "A_down", "gamma_up", "gamma_down", "a", "b", "dw_min_std_add", "dw_min_std_slope")

    def weight_granularity(self) -> float:
        """aihwkit's ExpStep ``calcWeightGranularity`` in float32: the mean step at w = 0 of the *down* pulse taken
        twice, dw_down = (1 − max(up_down, 0))·dw_min·max(1 − A_down·e^(−γ_down·b), 0) (the up/down asymmetry
        shrinks the down scale; ``(dw_down + dw_down)/2`` looks like a typo for dw_up in aihwkit, kept for
        faithfulness); dw_min if that is not positive."""
        f = np.float32
        up_down = f(self.up_down)
        down_bias = -up_down if up_down > 0 else f(0.0)
        scale_down = f(down_bias + f(1.0)) * f(self.dw_min)
        z = f(f(2.0) * f(0.0) / (f(self.w_max) - f(self.w_min)) * f(self.a) + f(self.b))
        y_down = max(f(1.0) - f(self.A_down) * f(np.exp(f(self.gamma_down) * (-z))), f(0.0))
        dw_down = f(scale_down * y_down)
        eps = max(f((dw_down + dw_down) / f(2.0)), f(0.0))
        return float(eps) if eps > 0 else float(self.dw_min)

    def pulse_law(self) -> PulseLaw:
        return exp_step_law

    def sample_model(self, common: CommonDraws, xi: Callable[[], np.ndarray]) -> ModelDraws:
        return ModelDraws(globals_=(self.A_up, self.A_down, self.gamma_up, self.gamma_down, self.a, self.b,
                                    self.dw_min_std_add, self.dw_min_std_slope))
