"""Naive per-pulse laws of the device models, one function per model (written from aihwkit's C++ update-once rules,
``src/rpucuda/rpu_*_device.cpp``, aihwkit 1.1.0), independently of archsim.devices.

Each law takes the current weight w (float), the direction (down lowers w), the device's scalar parameters p
(s_up, s_down, b_min, b_max, sigma and the model's own) and the pulse's normal draw z, and returns the new weight
clipped to [b_min, b_max]. A new device model adds its function here and to :data:`NAIVE_LAWS`.
"""

from __future__ import annotations

import math
from collections.abc import Callable


def constant_step(w: float, down: bool, p: dict, nz: float) -> float:
    return w - p["s_down"] * nz if down else w + p["s_up"] * nz


def soft_bounds(w: float, down: bool, p: dict, nz: float) -> float:
    return w - p["s_down"] * (1 - w / p["b_min"]) * nz if down else w + p["s_up"] * (1 - w / p["b_max"]) * nz


def linear_step(w: float, down: bool, p: dict, nz: float) -> float:
    if down:
        return w - p["s_down"] * (1 + p["gamma_down"] * w / abs(p["w_min"])) * nz
    return w + p["s_up"] * (1 - p["gamma_up"] * w / p["w_max"]) * nz


def pow_step(w: float, down: bool, p: dict, nz: float) -> float:
    span = p["b_max"] - p["b_min"]
    if down:
        return w - p["s_down"] * ((w - p["b_min"]) / span) ** p["gamma_down"] * nz
    return w + p["s_up"] * ((p["b_max"] - w) / span) ** p["gamma_up"] * nz


def exp_step(w: float, down: bool, p: dict, nz: float) -> float:
    z = 2 * p["a"] * w / (p["b_max"] - p["b_min"]) + p["b"]
    if down:
        return w - max(1 - p["A_down"] * math.exp(-p["gamma_down"] * z), 0.0) * p["s_down"] * nz
    return w + max(1 - p["A_up"] * math.exp(p["gamma_up"] * z), 0.0) * p["s_up"] * nz


def piecewise_step(w: float, down: bool, p: dict, nz: float) -> float:
    nodes = p["piecewise_down"] if down else p["piecewise_up"]
    m = len(nodes)
    if m == 1:
        f = nodes[0]
    else:
        pos = (w - p["b_min"]) / (p["b_max"] - p["b_min"]) * (m - 1)
        k = min(max(math.floor(pos), 0), m - 2)
        t = min(max(pos - k, 0.0), 1.0)
        f = (1 - t) * nodes[k] + t * nodes[k + 1]
    return w - p["s_down"] * f * nz if down else w + p["s_up"] * f * nz


#: kind -> naive law ``f(w, down, p, 1 + sigma·z) -> w_new`` before clipping.
NAIVE_LAWS: dict[str, Callable[[float, bool, dict, float], float]] = {
    "constant_step": constant_step,
    "soft_bounds": soft_bounds,
    "linear_step": linear_step,
    "pow_step": pow_step,
    "exp_step": exp_step,
    "piecewise_step": piecewise_step,
}


def device_pulse(kind: str, w: float, down: bool, p: dict, z: float = 0.0) -> float:
    """One update-once step of model ``kind`` with scalar parameters p, clipped to [b_min, b_max]."""
    nz = 1 + p.get("sigma", 0.0) * z
    w = NAIVE_LAWS[kind](w, down, p, nz)
    return min(max(w, p["b_min"]), p["b_max"])
