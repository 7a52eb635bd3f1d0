"""Compiled small-batch paths of the tile: the managed MVM and the stochastic pulsed update in one Numba call each.

At mini-batch 1 a tile call is dominated by Python: ~20 numpy calls (noise-management factors, scales, the pulse
schedule, copies) cost more than the 784×256 matrix-vector product itself. The functions here do the same work,
operation for operation, inside one compiled function: the same float32 expressions in the same order, the same
kernels of :mod:`archsim.crossbar.kernels` with the same random keys, and the same matrix products. So
:class:`~archsim.crossbar.io.IOPipeline` and :func:`~archsim.crossbar.update.pulsed_update` use them for small
batches without changing a single result. They are also the building blocks a compiled network-level training loop
calls directly (they take only arrays and scalars; :mod:`archsim.nn.fused`).

Matrix products: Numba's ``np.dot`` calls BLAS through SciPy's binding, which may be a different OpenBLAS build from
the one numpy's ``@`` links (in this project's environment: SciPy's OpenBLAS 0.3.31 and numpy's 0.3.34), and two
builds can round a product differently for some shapes (measured: ``x[1, 7] @ W.T`` for a 12 × 7 ``W``). So every
matrix product of the tile numerics that has a compiled twin goes through the same binding on both paths —
:func:`matmul_nt` in the general path of ``IOPipeline`` and in the floating-point tile
(:class:`~archsim.nn.tile_array.FloatingPointTile`) — and the two paths agree by construction, on any machine.

Covered: every noise-management type, bound management NONE and ITERATIVE, weight noise NONE, the output
non-linearity; stochastic pulse types without stochastic rounding of the probabilities, one device array. The rest
(ITERATIVE_WORST_CASE, whose NP_SUM factor numpy sums pairwise; weight noise; IR drop and voltage offsets; mean-count
and implicit pulses; shared and routed updates) stays on the general path.

On-disk cache: the compiled code of these functions contains the kernels they call; its stamp covers
``kernels.py`` as well as this file (:func:`archsim.crossbar.jitcache.depend_on`), so an edit of either compiles
them anew.

Parameter packing of :func:`managed_mvm` (built by ``IOPipeline.kernel_params``):

* ``pf`` float32: inp_bound, in_step, inp_noise, in_neg, out_bound, out_step, out_neg, out_scale, nm_thres,
  np_sum_scale = float32(nm_assumed_wmax/bound), max_bm_res, nl_f, nm_decay, const_nm (the CONSTANT factor);
* ``pd`` float64: max_bm_factor, bm_limit_res (ρ limits, compared in double precision as the Python loop does);
* ``pi`` int64: nm code (:data:`NM_CODES`), bm (0 none, 1 iterative), inp_sto_round, out_sto_round,
  bm_test_negative_bound, backward, perfect.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from archsim.crossbar import kernels as K
from archsim.crossbar.jitcache import depend_on

__all__ = ["NM_CODES", "managed_mvm", "matmul_nn", "matmul_nt", "matmul_tn", "pulse_schedule_jit",
           "stochastic_update_small"]

JIT = K.JIT

#: noise-management codes of the compiled path
NM_CODES = {"none": 0, "abs_max": 1, "max": 2, "constant": 3, "average_abs_max": 4, "abs_max_np_sum": 5}

# the serial twins, as globals the compiled code can call
_row_abs_max = K.row_abs_max.serial
_row_max_and_sums = K.row_max_and_sums.serial
_prepare_input = K.prepare_input.serial
_finalize_output = K.finalize_output.serial
_x_trains = K.x_trains.serial
_stochastic_update = K.stochastic_update.serial

@njit(**JIT)
def matmul_nt(a, b):
    """``a @ b.T`` for C- or F-contiguous 2-D float32 arrays through Numba's BLAS binding (module docstring)."""
    return np.dot(a, b.T)


@njit(**JIT)
def matmul_nn(a, b):
    """``a @ b`` through Numba's BLAS binding."""
    return np.dot(a, b)


@njit(**JIT)
def matmul_tn(a, b):
    """``a.T @ b`` through Numba's BLAS binding."""
    return np.dot(a.T, b)


_ONE = np.float32(1.0)
_ZERO = np.float32(0.0)


@njit(**JIT)
def _nm_factor(x, pf, nm, nm_state, a):
    """Noise-management factors of the rows of x into a (float32); returns False on a non-finite input."""
    b = x.shape[0]
    amax = np.empty(b, np.float32)
    if nm == 2 or nm == 5:
        vmax = np.empty(b, np.float32)
        pos = np.empty(b, np.float32)
        neg = np.empty(b, np.float32)
        for r in range(b):
            for j in range(x.shape[1]):
                if not np.isfinite(x[r, j]):
                    return False
        _row_max_and_sums(x, amax, vmax, pos, neg)
    else:
        vmax = amax
        pos = amax
        neg = amax
        if _row_abs_max(x, amax):
            return False
    thres = pf[8]
    if nm == 0:
        for r in range(b):
            a[r] = _ONE
    elif nm == 1 or nm == 2:
        for r in range(b):
            v = amax[r] if nm == 1 else vmax[r]
            a[r] = min(v, thres) if thres > 0 else v
    elif nm == 3:
        for r in range(b):
            a[r] = pf[13]
    elif nm == 4:
        decay = pf[12]
        keep = _ONE - decay
        run = nm_state[0]
        for r in range(b):
            if run != run:  # NaN: no running value yet
                run = amax[r]
            else:
                run = np.float32(np.float32(run) * keep + decay * amax[r])
            a[r] = run
        nm_state[0] = run
    else:
        for r in range(b):
            am = min(amax[r], thres) if thres > 0 else amax[r]
            s = max(pos[r], neg[r])
            by_sum = np.float32(s * pf[9])
            if pf[1] > 0:
                by_res = np.float32(am / pf[1] * pf[10])
                by_sum = min(by_sum, by_res)
            a[r] = max(am, by_sum)
    return True


@njit(**JIT)
def managed_mvm(m, x, key, pf, pd, pi, sigma, nl, nm_state, y, passes):
    """y[b] = managed M x[b] for every row of x, exactly as ``IOPipeline.__call__`` computes it.

    Args:
        m: float32[out, in] (a C or an F view). x: float32[B, in] C-contiguous. key: uint64 of the call.
        pf, pd, pi: packed parameters (module docstring). sigma: float32[out] output-noise std per output.
        nl: float32[out] output non-linearity (empty: off). nm_state: float32[1], AVERAGE_ABS_MAX running value
            (NaN = none yet). y: float32[B, out] output. passes: int64[B] output.

    Returns:
        False if x holds a NaN or an infinity (nothing written), else True.
    """
    b_size = x.shape[0]
    n_in = x.shape[1]
    n_out = y.shape[1]
    for r in range(b_size):
        passes[r] = 0
    if pi[6]:  # perfect
        for r in range(b_size):
            for j in range(n_in):
                if not np.isfinite(x[r, j]):
                    return False
        yy = np.dot(x, m.T)
        scale_out = pf[7]
        for r in range(b_size):
            passes[r] = 1
            for i in range(n_out):
                y[r, i] = yy[r, i] * scale_out if scale_out != 1 else yy[r, i]
        return True
    nm = pi[0]
    a = np.empty(b_size, np.float32)
    if not _nm_factor(x, pf, nm, nm_state, a):
        return False
    nm_on = nm != 0
    inp_noise = pf[2]
    backward = pi[5] != 0
    n_rows = 0
    rows = np.empty(b_size, np.int64)
    for r in range(b_size):
        if nm_on and a[r] <= 0:
            if inp_noise == 0 or backward:
                continue
            a[r] = _ONE
        rows[n_rows] = r
        n_rows += 1
    rows = rows[:n_rows]
    scale = np.empty(b_size, np.float32)
    for r in range(b_size):
        scale[r] = _ONE / a[r] if a[r] > 0 else _ONE
    rho = np.ones(b_size, np.float32)
    rho_val = 1.0
    pass_id = 0
    bm_on = pi[1] != 0
    for r in range(b_size):
        for i in range(n_out):
            y[r, i] = _ZERO
    wn_ref = np.zeros((1, 1), np.float32)
    while rows.shape[0] > 0:
        k = rows.shape[0]
        v = np.empty((k, n_in), np.float32)
        _prepare_input(x, rows, scale, v, pf[0], pf[1], pi[2] != 0, inp_noise, pf[3], key, pass_id)
        ys = np.dot(v, m.T)
        clipped = np.empty(k, np.bool_)
        factor = np.empty(k, np.float32)
        for t in range(k):
            factor[t] = np.float32(np.float32(a[rows[t]] * rho[rows[t]]) * pf[7])
        _finalize_output(ys, rows, sigma, 0, _ZERO, wn_ref, pf[4], pf[5], pi[3] != 0, pf[6], pi[4] != 0,
                                 key, pass_id, clipped, factor, nl, pf[11])
        for t in range(k):
            rr = rows[t]
            for i in range(n_out):
                y[rr, i] = ys[t, i]
            passes[rr] += 1
        n_clip = 0
        for t in range(k):
            n_clip += clipped[t]
        if not bm_on or n_clip == 0:
            break
        nxt = np.empty(n_clip, np.int64)
        c = 0
        for t in range(k):
            if clipped[t]:
                nxt[c] = rows[t]
                c += 1
        rows = nxt
        pass_id += 1
        if rho_val > pd[0] or rho_val > pd[1]:
            break
        rho_val *= 2.0
        for t in range(rows.shape[0]):
            rho[rows[t]] = np.float32(rho_val)
            scale[rows[t]] *= np.float32(0.5)
    return True


@njit(**JIT)
def pulse_schedule_jit(x, d, eta, eps, desired, fixed_bl, ublm, um, um_grad_scale, bl, a, b):
    """``update.pulse_schedule`` for the rows of x and d, float32 operation for operation (aihwkit calculateBlAB
    with update management). eta, eps, um_grad_scale: float32; writes bl (int64), a, b (float32)."""
    n = x.shape[0]
    if eta == 0:
        for s in range(n):
            bl[s] = 0
            a[s] = _ZERO
            b[s] = _ZERO
        return
    if fixed_bl or ublm or eps * np.float32(desired) >= eta:
        bl0 = desired
        a0 = np.float32(np.sqrt(eta / (eps * np.float32(bl0))))
    else:
        bl0 = max(int(np.ceil(eta / eps)), 1)
        a0 = _ONE
    for s in range(n):
        bl[s] = bl0
        a[s] = a0
        b[s] = a0
        if not (um or ublm):
            continue
        xm = _ZERO
        for j in range(x.shape[1]):
            xm = max(xm, abs(x[s, j]))
        dm = _ZERO
        for i in range(d.shape[1]):
            dm = max(dm, abs(d[s, i]))
        dval = np.float32(um_grad_scale * dm)
        if not (xm > 0 and dval > 0):
            bl[s] = 0
            a[s] = _ZERO
            b[s] = _ZERO
            continue
        k = np.float32(np.float32(np.float32(eta * xm) * dval) / eps)
        if ublm:
            bb = min(np.ceil(k), np.float32(desired))
            bls = max(int(bb), 1)
            bl[s] = bls
            a[s] = np.float32(np.sqrt(eta / (eps * np.float32(bls))))
            b[s] = a[s]
        if k > np.float32(desired):
            dval = np.float32(dval * np.float32(np.float32(desired) / k))
        a[s] = np.float32(a[s] * np.float32(np.sqrt(xm / dval)))
        b[s] = np.float32(b[s] * np.float32(np.sqrt(dval / xm)))


@njit(**JIT)
def stochastic_update_small(law, u, P, G, sigma, wvis, wn_std, ref, has_visible, x, d, eta, eps, desired, fixed_bl,
                            ublm, um, um_grad_scale, res_step, lr_sign, separate, key, bl):
    """``pulsed_update`` of one device array for the stochastic pulse types without stochastic rounding, in one
    call: schedule, probabilities, input bit lines, coincidences, visible weights. Writes bl (int64[B]);
    returns the pulses applied."""
    n = x.shape[0]
    n_in = x.shape[1]
    n_out = d.shape[1]
    a = np.empty(n, np.float32)
    b = np.empty(n, np.float32)
    pulse_schedule_jit(x, d, eta, eps, desired, fixed_bl, ublm, um, um_grad_scale, bl, a, b)
    px = np.empty((n, n_in), np.float32)
    pd = np.empty((n, n_out), np.float32)
    for s in range(n):
        for j in range(n_in):
            p = np.float32(abs(x[s, j]) * b[s])
            if res_step > 0:
                p = np.float32(np.rint(p / res_step) * res_step)
            px[s, j] = np.copysign(p, x[s, j])
        for i in range(n_out):
            p = np.float32(abs(d[s, i]) * a[s])
            if res_step > 0:
                p = np.float32(np.rint(p / res_step) * res_step)
            pd[s, i] = np.copysign(p, d[s, i])
    bl_max = 1
    for s in range(n):
        bl_max = max(bl_max, bl[s])
    idx = np.empty((n, bl_max, n_in), np.int32)
    counts = np.zeros((n, bl_max, 2), np.int64)
    code = np.empty((n, bl_max, n_in), np.int8)
    _x_trains(px, bl, key, idx, counts, code)
    pulses = np.zeros(n_out, np.int64)
    _stochastic_update(law, u, P, G, sigma, pd, bl, idx, counts, code, lr_sign, separate, key, wvis, wn_std, ref,
                       pulses, key, False, u, P, wvis, ref, n_out)
    if has_visible and wn_std == 0:
        for i in range(n_out):
            for j in range(n_in):
                wvis[i, j] = u[i, j] - ref[i, j]
    total = 0
    for i in range(n_out):
        total += pulses[i]
    return total


depend_on(globals(), K)
