"""Slow, obvious numpy references of the functional core's kernels (one sample, one element at a time).

Written straight from aihwkit 1.1.0 (src/rpucuda/rpu_forward_backward_pass.cpp, rpu_pulsed_meta_parameter.cpp,
rpu_*_device.cpp), independently of archsim.crossbar's code. Random
parts are left out (callers set noise to 0) or passed in explicitly, so results can be compared exactly.
"""

from __future__ import annotations

import math

import naive_devices
import numpy as np

F = np.float32


def res_fraction(res: float) -> float:
    if res <= 0:
        return 0.0
    return 1.0 / res if res > 1 else res


def quantise(v: float, res: float, bound: float) -> np.float32:
    """q(v) = rint(v/step)·step with step = res·2·bound in float32 (no quantisation if res or bound <= 0)."""
    r = res_fraction(res)
    if r <= 0 or bound <= 0:
        return F(v)
    step = F(F(r) * F(2 * bound))
    return F(np.rint(F(v) / step) * step)


def forward_vector(w: np.ndarray, x: np.ndarray, io, *, allow_bm: bool = True) -> tuple[np.ndarray, int]:
    """aihwkit ``forwardVector`` for one input vector with all noise off (out/inp/w noise must be 0).

    Returns (y, number of BM passes).
    """
    w = np.asarray(w, F)
    x = np.asarray(x, F)
    if io.is_perfect:
        return (w.astype(np.float64) @ x.astype(np.float64) * io.out_scale).astype(F), 1
    nm = io.noise_management.value
    amax = float(np.max(np.abs(x)))
    if nm == "none":
        a = 1.0
    elif nm == "abs_max":
        a = amax
    elif nm == "max":
        a = float(np.max(x))
    elif nm == "constant":
        a = io.nm_thres if io.nm_thres > 0 else 1.0
    else:
        raise NotImplementedError(nm)
    if nm in ("abs_max", "max") and io.nm_thres > 0:
        a = min(a, io.nm_thres)
    if nm != "none" and a <= 0:
        return np.zeros(w.shape[0], F), 0
    nm_on = nm != "none"
    bm = io.bound_management.value if allow_bm else "none"
    r_in = res_fraction(io.inp_res)
    in_step = F(F(r_in) * F(2 * io.inp_bound)) if r_in > 0 and io.inp_bound > 0 else 0.0
    rho = 0.5
    passes = 0
    while True:
        rho *= 2
        passes += 1
        s = F(1.0) / F(a) if nm_on else F(1.0)
        s = F(s * F(1.0 / rho)) if bm != "none" else s
        v = np.empty_like(x)
        for j in range(x.size):
            val = F(x[j] * s)
            val = quantise(val, io.inp_res, io.inp_bound)
            if io.inp_bound > 0:
                val = F(min(max(val, -io.inp_bound), io.inp_bound))
            if val < 0:
                val = F(val * F(1 - io.inp_asymmetry))
            v[j] = val
        y = np.empty(w.shape[0], F)
        clipped = False
        for i in range(w.shape[0]):
            acc = float(np.dot(w[i].astype(np.float64), v.astype(np.float64)))
            val = F(acc)
            if val < 0:
                val = F(val * F(1 - io.out_asymmetry))
            val = quantise(val, io.out_res, io.out_bound)
            if io.out_bound > 0:
                if val > io.out_bound or (io.bm_test_negative_bound and val < -io.out_bound):
                    clipped = True
                val = F(min(max(val, -io.out_bound), io.out_bound))
            y[i] = val
        if bm == "none" or not clipped:
            break
        if rho > io.max_bm_factor or (in_step > 0 and rho > io.max_bm_res / float(in_step)):
            break
    scale = (a if nm_on else 1.0) * (rho if bm != "none" else 1.0) * io.out_scale
    return (y * F(scale)).astype(F), passes


def pulse_schedule(x: np.ndarray, d: np.ndarray, lr: float, eps: float, up) -> tuple[int, float, float]:
    """(BL, A, B) of one sample (aihwkit calculateBlAB + update management), float32 scalars."""
    eta = F(abs(lr))
    eps = F(eps)
    desired = up.desired_bl
    if up.fixed_bl or up.update_bl_management or eps * F(desired) >= eta:
        bl = desired
        a = b = F(math.sqrt(eta / (eps * F(bl))))
    else:
        bl = max(math.ceil(eta / eps), 1)
        a = b = F(1)
    if up.update_management or up.update_bl_management:
        xm = F(np.max(np.abs(x)))
        dm = F(F(up.um_grad_scale) * F(np.max(np.abs(d))))
        if xm == 0 or dm == 0:
            return 0, 0.0, 0.0
        k = F(eta * xm * dm / eps)
        if up.update_bl_management:
            bl = max(min(math.ceil(k), desired), 1)
            a = b = F(math.sqrt(eta / (eps * F(bl))))
        if k > desired:
            dm = F(dm * (F(desired) / k))
        a = F(a * F(math.sqrt(xm / dm)))
        b = F(b * F(math.sqrt(dm / xm)))
    return bl, float(a), float(b)


def device_pulse(kind: str, w: float, down: bool, p: dict, z: float = 0.0) -> float:
    """One update-once step of a device with scalar parameters p (s_up, s_down, b_min, b_max, sigma, ...); the laws
    are in naive_devices.py, one function per device model."""
    return naive_devices.device_pulse(kind, w, down, p, z)


def dense_counts(x: np.ndarray, d: np.ndarray, lr: float, eps: float, up, mode: str) -> np.ndarray:
    """Signed coincidence counts n_ij (pulses; > 0 lowers w_ij for lr > 0) of MEAN_COUNT / DETERMINISTIC_IMPLICIT."""
    bl, a, b = pulse_schedule(x, d, lr, eps, up)
    n = np.zeros((d.size, x.size), np.int64)
    if bl == 0:
        return n
    for i in range(d.size):
        pd = F(F(a) * F(abs(d[i])))
        for j in range(x.size):
            px = F(F(b) * F(abs(x[j])))
            if mode == "mean_count":
                ci = min(max(np.rint(F(bl) * pd), 0), bl)
                cj = min(max(np.rint(F(bl) * px), 0), bl)
                cnt = np.rint(F(ci * cj) / F(bl))
            else:
                qi = min(max(pd, 0), 1)
                qj = min(max(px, 0), 1)
                cnt = np.rint(F(F(bl) * F(qi)) * F(qj))
            n[i, j] = int(cnt) * int(np.sign(d[i]) * np.sign(x[j]))
    return n


def analog_nonidealities(w: np.ndarray, v: np.ndarray, io, v_offset: np.ndarray, nl: np.ndarray,
                         nl_f: float) -> np.ndarray:
    """One vector: y = W v, then IR drop, offsets/series resistance, output non-linearity (§1.3 step 3–4)."""
    w = w.astype(np.float64)
    v = v.astype(np.float64)
    n = v.size
    y = w @ v
    if io.ir_drop > 0:
        for i in range(w.shape[0]):
            a = n / io.ir_drop_g_ratio * sum(abs(w[i, j]) * abs(v[j]) for j in range(n))
            c = a * (a * (0.05 * a - 0.2) + 0.5)
            y[i] -= c * io.ir_drop * sum(w[i, j] * v[j] * (1 - (1 - j / n) ** 2) for j in range(n))
    if io.v_offset_std > 0 or io.r_series > 0:
        def den(val):
            return 1 + min(io.r_series * abs(val), io.r_series_max_total)
        for i in range(w.shape[0]):
            o = v_offset[i]
            if io.v_offset_w_min == 0:
                y[i] = (1 - o) * y[i] / den(y[i])
            else:
                y_ref = -io.v_offset_w_min * v.sum()
                y[i] = (1 - o) * (y[i] + y_ref) / den(y[i] + y_ref) - (1 + o) * y_ref / den(y_ref)
    if nl.size:
        y = nl_f * y / (1 + np.abs(nl * y))
    return y
