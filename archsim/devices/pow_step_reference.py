"""PowStepReference device (aihwkit ``PowStepReferenceDevice``, ``src/rpucuda/rpu_powstep_reference_device.cpp``,
aihwkit 1.1.0): the PowStep law without write noise plus a fixed reference r = reference_mean + reference_std·ξ,
optionally moved to each device's symmetry point (``subtract_symmetry_point``).

aihwkit estimates the symmetry point by iterating the deterministic up+down step ``n_estimation_steps`` times
from 0; archsim solves s_up·f_up(w) = s_down·f_down(w) by bisection (60 halvings in float64). Both converge to the
same point up to one step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from archsim.devices.base import CommonDraws, FixedReference, ModelDraws, check_int, fail, register_device
from archsim.devices.pow_step import PowStepDevice, pow_exponents

__all__ = ["PowStepReferenceDevice", "pow_symmetry_point"]


def pow_symmetry_point(s_up: np.ndarray, s_dn: np.ndarray, lo: np.ndarray, hi: np.ndarray, g_up: np.ndarray,
                       g_dn: np.ndarray) -> np.ndarray:
    """Weight where the PowStep up and down steps are equal (bisection, 60 iterations, float64)."""
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    a = lo.astype(np.float64).copy()
    b = hi.astype(np.float64).copy()
    for _ in range(60):
        m = 0.5 * (a + b)
        up = s_up * np.clip((hi - m) / span, 0, None) ** g_up
        dn = s_dn * np.clip((m - lo) / span, 0, None) ** g_dn
        go_right = up > dn
        a = np.where(go_right, m, a)
        b = np.where(go_right, b, m)
    return np.where(hi - lo > 0, 0.5 * (a + b), lo)


@register_device
@dataclass(frozen=True, kw_only=True)
class PowStepReferenceDevice(FixedReference, PowStepDevice):
    """PowStep law without write noise plus a fixed reference (optionally the symmetry point, found by bisection)."""

    kind: str = "pow_step_reference"
    """Tag selecting this device in YAML."""
    n_estimation_steps: int = -1
    """Up+down iterations to estimate the symmetry point in aihwkit; <= 0 = auto. archsim bisects instead (module
    docstring), so the value is only checked."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.check_reference()
        check_int(self, "n_estimation_steps")
        if self.write_noise_std != 0:
            fail(self, "write_noise_std", "0 (PowStepReference has no write noise)", self.write_noise_std)

    def sample_model(self, common: CommonDraws, xi: Callable[[], np.ndarray]) -> ModelDraws:
        g_up, g_dn = pow_exponents(self, xi)
        ref = self.sample_reference(
            xi, lambda: pow_symmetry_point(common.s_up, common.s_down, common.b_min, common.b_max, g_up, g_dn))
        return ModelDraws(slots=(g_up, g_dn), reference=ref)
