"""PiecewiseStep device (aihwkit ``PiecewiseStepDevice``, ``src/rpucuda/rpu_piecewisestep_device.cpp``,
aihwkit 1.1.0).

The step is scaled by a piecewise-linear function of the device value with m nodes spaced uniformly over
[b_min, b_max]: pos = (u − b_min)/(b_max − b_min)·(m − 1), k = clip(⌊pos⌋, 0, m − 2), t = clip(pos − k, 0, 1),
f = (1 − t)·v[k] + t·v[k + 1]; u ∓= s·f·(1 + σξ). No slots; globals G = (m, up nodes..., down nodes...), the nodes
rounded to float32. Weight granularity ε = dw_min·piecewise_up[m // 2].
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from archsim.devices.base import CommonDraws, ModelDraws, PulsedDeviceBase, PulseLaw, fail, register_device

__all__ = ["PiecewiseStepDevice", "piecewise_step_law"]


def piecewise_step_law(u, down, P, i, j, sigma, z, G):
    """PiecewiseStep update-once step (float32)."""
    m = int(G[0])
    off = 1 + m if down else 1
    if m == 1:
        f = np.float32(G[off])
    else:
        lo = P[i, j, 2]
        span = P[i, j, 3] - lo
        pos = np.float32(0.0)
        if span > 0:
            pos = (u - lo) / span * np.float32(m - 1)
        k = min(max(int(math.floor(pos)), 0), m - 2)  # noqa: RUF046 - numba typing
        t = min(max(pos - np.float32(k), np.float32(0.0)), np.float32(1.0))
        f = (np.float32(1.0) - t) * np.float32(G[off + k]) + t * np.float32(G[off + k + 1])
    nz = np.float32(1.0) + sigma * z
    if down:
        return u - P[i, j, 1] * f * nz
    return u + P[i, j, 0] * f * nz


@register_device
@dataclass(frozen=True, kw_only=True)
class PiecewiseStepDevice(PulsedDeviceBase):
    """Step scaled by a piecewise-linear function of the weight, nodes spaced uniformly over [b_min, b_max]."""

    kind: str = "piecewise_step"
    """Tag selecting this device in YAML."""
    piecewise_up: tuple[float, ...] = (1.0,)
    """Relative up-step at equally spaced nodes."""
    piecewise_down: tuple[float, ...] = (1.0,)
    """Relative down-step at equally spaced nodes (same length as piecewise_up)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("piecewise_up", "piecewise_down"):
            value = getattr(self, name)
            if isinstance(value, list):
                value = tuple(value)
            if not isinstance(value, tuple) or not value or not all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value):
                fail(self, name, "a non-empty sequence of finite numbers", value)
            object.__setattr__(self, name, tuple(float(v) for v in value))
        if len(self.piecewise_up) != len(self.piecewise_down):
            fail(self, "piecewise_down", f"{len(self.piecewise_up)} nodes like piecewise_up",
                 len(self.piecewise_down))

    def weight_granularity(self) -> float:
        return self.dw_min * self.piecewise_up[len(self.piecewise_up) // 2]

    def pulse_law(self) -> PulseLaw:
        return piecewise_step_law

    def sample_model(self, common: CommonDraws, xi: Callable[[], np.ndarray]) -> ModelDraws:
        nodes = np.concatenate([np.asarray(self.piecewise_up, np.float32), np.asarray(self.piecewise_down, np.float32)])
        return ModelDraws(globals_=(float(len(self.piecewise_up)), *(float(v) for v in nodes)))
