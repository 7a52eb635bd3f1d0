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


def nm_factor(x: np.ndarray, io, nm: str | None = None, aux: list | None = None) -> float:
    """aihwkit ``computeNoiseManagement`` (float32) for one vector; ``aux`` holds the AVERAGE_ABS_MAX state."""
    nm = io.noise_management.value if nm is None else nm
    x = np.asarray(x, F)
    amax = F(np.max(np.abs(x)))
    thres = F(io.nm_thres)
    if nm == "none":
        return 1.0
    if nm == "abs_max":
        return float(min(amax, thres) if thres > 0 else amax)
    if nm == "max":
        mx = F(np.max(x))
        return float(min(mx, thres) if thres > 0 else mx)
    if nm == "constant":
        return float(thres) if thres > 0 else 1.0
    if nm == "average_abs_max":
        if aux[0] < 0:
            aux[0] = amax
        else:
            aux[0] = F(F(aux[0]) * (F(1) - F(io.nm_decay)) + F(io.nm_decay) * amax)
        return float(aux[0])
    if nm == "abs_max_np_sum":
        bound = F(io.out_bound) if io.out_bound > 0 else F(1.0)  # aihwkit: an infinite bound divides by 1
        psum = F(np.sum(np.where(x > 0, x, 0), dtype=F))
        nsum = F(np.sum(np.where(x < 0, x, 0), dtype=F))
        total = max(psum, -nsum)
        amax = min(amax, thres) if thres > 0 else amax
        npsum = F(total * F(io.nm_assumed_wmax) / bound)
        r_in = res_fraction(io.inp_res)
        if r_in > 0 and io.inp_bound > 0:
            scaled = F(F(r_in) * F(2 * io.inp_bound))
            npsum = min(F(amax / scaled * F(io.max_bm_res)), npsum)
        return float(max(amax, npsum))
    raise NotImplementedError(nm)


def _analog_pass(w: np.ndarray, x: np.ndarray, scale: float, io, bm_on: bool) -> tuple[np.ndarray, bool]:
    """prepareInput, y = W v, finalizeOutput without noise; returns (y, bound test passed)."""
    v = np.empty_like(x)
    for j in range(x.size):
        val = F(x[j] * F(scale))
        val = quantise(val, io.inp_res, io.inp_bound)
        if io.inp_bound > 0:
            val = F(min(max(val, -io.inp_bound), io.inp_bound))
        if val < 0:
            val = F(val * F(1 - io.inp_asymmetry))
        v[j] = val
    y = np.empty(w.shape[0], F)
    passed = True
    for i in range(w.shape[0]):
        val = F(float(np.dot(w[i].astype(np.float64), v.astype(np.float64))))
        if val < 0:
            val = F(val * F(1 - io.out_asymmetry))
        val = quantise(val, io.out_res, io.out_bound)
        if io.out_bound > 0:
            if bm_on:  # aihwkit finalizeOutput: the flag is overwritten element by element
                if val > io.out_bound:
                    passed = False
                elif val < -io.out_bound:
                    passed = not io.bm_test_negative_bound
            val = F(min(max(val, -io.out_bound), io.out_bound))
        y[i] = val
    return y, passed


def forward_vector(w: np.ndarray, x: np.ndarray, io, *, allow_bm: bool = True, backward: bool = False,
                   aux: list | None = None) -> tuple[np.ndarray, int]:
    """aihwkit ``forwardVector`` (``backwardVector`` with ``backward``) for one input vector with all noise off
    (out/inp/w noise must be 0), written from src/rpucuda/rpu_forward_backward_pass.cpp.

    Returns (y, number of BM passes; 0 when the output is short-cut to zero).
    """
    w = np.asarray(w, F)
    x = np.asarray(x, F)
    if io.is_perfect:
        return (w.astype(np.float64) @ x.astype(np.float64) * io.out_scale).astype(F), 1
    aux = [-1.0] if aux is None else aux
    nm = io.noise_management.value
    a = nm_factor(x, io, aux=aux)
    nm_on = nm != "none"
    if nm_on and a <= 0 and (backward or io.inp_noise <= 0):
        return np.zeros(w.shape[0], F), 0
    bm = "none" if (backward or not allow_bm) else io.bound_management.value
    bm_on = bm != "none"
    r_in = res_fraction(io.inp_res)
    in_step = F(F(r_in) * F(2 * io.inp_bound)) if r_in > 0 and io.inp_bound > 0 else 0.0
    reduction = 0.5
    passes = 0
    while True:
        reduction *= 2
        if passes == 1 and bm == "iterative_worst_case" and nm != "abs_max_np_sum":
            a = nm_factor(x, io, "abs_max_np_sum", aux)
            reduction = 1.0
        passes += 1
        scale = F(1.0)
        if nm_on and a > 0:
            scale = F(scale / F(a))
        if bm_on:
            scale = F(scale / F(reduction))
        y, passed = _analog_pass(w, x, scale, io, bm_on)
        if not bm_on:
            break
        if passed or reduction > io.max_bm_factor or (in_step > 0 and reduction > io.max_bm_res / float(in_step)):
            break
    return (y * F(F(io.out_scale) / scale)).astype(F), passes


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
                cnt = np.rint(F(F(ci) / F(bl)) * F(cj))  # aihwkit: dc /= BL, then rint(dc·x_count)
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
