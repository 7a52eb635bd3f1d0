"""Pulsed update of a device array (aihwkit 1.1.0 ``PulsedRPUWeightUpdater``: ``src/rpucuda/rpu_weight_updater.cpp``,
``src/rpucuda/rpu_pulsed_meta_parameter.cpp``, ``src/rpucuda/sparse_bit_line_maker.cpp``; Gokmen & Vlasov 2016).

:func:`pulsed_update` applies the SGD step W ← W − lr·Σ_b d_b x_bᵀ to a
:class:`~archsim.crossbar.devices.DeviceArray` the way an RPU crossbar does, **sample by sample in batch
order**:

* per sample b, with η = |lr|, ε the device granularity, x_max/d_max the sample's abs-maxima:
  BL = desired_bl, A = B = sqrt(η/(ε·BL)) (or A = B = 1, BL = ceil(η/ε) when ``fixed_bl`` is False, BL management
  is off and ε·desired_bl < η); with update management (UM, forced on by UBLM): no pulses if x_max or d_max is 0,
  k = η·x_max·um_grad_scale·d_max/ε, UBLM: BL = min(ceil(k), desired_bl), A = B = sqrt(η/(ε·BL)); if
  k > desired_bl the d scale is reduced by desired_bl/k; then A ← A·sqrt(x_max/d_val), B ← B·sqrt(d_val/x_max).
  These scalars are computed in float32 like aihwkit (so η/ε = 10 gives BL = 10, not 11).
* probabilities p(d_i) = A·|d_i|, p(x_j) = B·|x_j|, optionally discretised to multiples of ``res`` (stochastic
  rounding with ``sto_round``; a value > 1 is used as given, as aihwkit's core does, which cancels the update —
  ``res_as_steps`` reads it as 1/res).
* STOCHASTIC_COMPRESSED: per slot k < BL one Bernoulli bit per x_j and per d_i; every coincidence applies one
  device pulse to w_ij with direction sign(x_j)·sign(d_i)·sign(lr), **positive lowers the weight**.
  STOCHASTIC: independent d trains for the positive and the negative inputs. MEAN_COUNT: counts
  c = sign·clip(rint(BL·p), 0, BL), n_ij = rint(c_i·c_j/BL). DETERMINISTIC_IMPLICIT: q = clip(quantise(p), 0, 1),
  n_ij = rint(BL·q_i·q_j). NONE: W −= lr·dᵀx (float32 GEMM, no device). NONE_WITH_DEVICE: the same per sample, clipped
  to the device bounds. An :class:`IdealDevice` always takes the FP update.

Randomness: the pulse trains come from the counter-based streams of ``kernels.py`` keyed by one draw of the
Generator per call chunk, so results are bit-identical for a seed. Within one sample every pulse on w_ij has the
same direction, so the kernel handles each output row independently (rows in parallel, samples in order).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from archsim.crossbar import kernels as K
from archsim.crossbar.devices import DeviceArray
from archsim.crossbar.fastpath import stochastic_update_small
from archsim.crossbar.io import new_key
from archsim.errors import ConfigError
from archsim.hwconfig.rpu import PulseType, UpdateParameters

__all__ = ["UpdateResult", "pulse_schedule", "pulsed_update"]

_F32 = np.float32
#: Max entries of the per-chunk input bit-line buffer (samples × BL × inputs); larger batches are chunked.
_CHUNK_ENTRIES = 1 << 22
#: Batches up to this many vectors take the compiled path (:mod:`archsim.crossbar.fastpath`; same results).
FAST_ROWS = 64
#: Batches up to this many take it too when the update would run on one thread anyway
#: (:func:`~archsim.crossbar.kernels.parallel_wanted` false): it does the schedule, probabilities and bit lines in
#: one compiled call instead of a dozen numpy passes (0.25 ms of a 4 ms update at 512x512, batch 100, lr 0.01).
SERIAL_FAST_ROWS = 4096


@dataclass(frozen=True)
class UpdateResult:
    """What one :func:`pulsed_update` call did."""

    bl: np.ndarray
    """int64[B] pulse-train length used per sample (0: no pulses, e.g. x or d all zero; FP updates: 0)."""
    pulses: int
    """Total coincidences (device pulses) applied."""
    n_samples: int
    """Number of update vectors B."""


@dataclass(frozen=True)
class PulseSchedule:
    """Per-sample BL and probability scales (exposed for tests and compounds)."""

    bl: np.ndarray
    """int64[B] pulse-train length (0 = skip the sample)."""
    a: np.ndarray
    """float32[B] scale of the d probabilities."""
    b: np.ndarray
    """float32[B] scale of the x probabilities."""


def pulse_schedule(x_max: np.ndarray, d_max: np.ndarray, lr: float, granularity: float,
                   up: UpdateParameters) -> PulseSchedule:
    """BL, A and B per sample from the abs-maxima of x and d (aihwkit ``calculateBlAB`` + update management)."""
    n = x_max.shape[0]
    eta = _F32(abs(lr))
    eps = _F32(granularity)
    desired = int(up.desired_bl)
    if eta == 0:
        return PulseSchedule(bl=np.zeros(n, np.int64), a=np.zeros(n, _F32), b=np.zeros(n, _F32))
    if up.fixed_bl or up.update_bl_management or eps * _F32(desired) >= eta:
        bl0 = desired
        a0 = _F32(np.sqrt(eta / (eps * _F32(bl0))))
    else:
        bl0 = max(int(np.ceil(eta / eps)), 1)
        a0 = _F32(1.0)
    bl = np.full(n, bl0, np.int64)
    a = np.full(n, a0, _F32)
    b = np.full(n, a0, _F32)
    if up.update_management or up.update_bl_management:
        xm = x_max.astype(_F32)
        dval = (_F32(up.um_grad_scale) * d_max).astype(_F32)
        valid = (xm > 0) & (dval > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            k = (eta * xm * dval / eps).astype(_F32)
            if up.update_bl_management:
                bl = np.minimum(np.ceil(k), desired).astype(np.int64)
                bl = np.maximum(bl, 1)
                a = np.sqrt(eta / (eps * bl.astype(_F32))).astype(_F32)
                b = a.copy()
            dval = np.where(k > _F32(desired), dval * (_F32(desired) / k), dval).astype(_F32)
            a = (a * np.sqrt(xm / dval)).astype(_F32)
            b = (b * np.sqrt(dval / xm)).astype(_F32)
        bl = np.where(valid, bl, 0)
        a = np.where(valid, a, _F32(0))
        b = np.where(valid, b, _F32(0))
    return PulseSchedule(bl=bl.astype(np.int64), a=a.astype(_F32), b=b.astype(_F32))


def _quantise_probability(p: np.ndarray, step: float, sto_round: bool, rng: np.random.Generator) -> np.ndarray:
    """aihwkit ``getDiscretizedValue``: rint(p/step)·step, with U(−½, ½) added inside the rint for ``sto_round``."""
    if step <= 0:
        return p
    st = _F32(step)
    q = p / st
    if sto_round:
        q = q + (rng.random(q.shape, dtype=_F32) - _F32(0.5))
    return (np.rint(q) * st).astype(_F32)


def pulsed_update(arr: DeviceArray, x: np.ndarray, d: np.ndarray, lr: float, up: UpdateParameters,
                  rng: np.random.Generator, *, granularity: float | None = None, shared: Sequence[DeviceArray] = (),
                  one_sided_minus: DeviceArray | None = None) -> UpdateResult:
    """Apply the pulsed update for the batch (x: float32[B, in], d: float32[B, out], finite, validated).

    Args:
        arr: the device array to update (its ``u`` changes in place).
        x, d: inputs and output errors, rows = samples, applied in row order.
        lr: learning rate (negative flips the direction, as aihwkit's refresh writes use it).
        up: update parameters.
        rng: the run's Generator (one key per chunk is drawn from it).
        granularity: ε for update management (default: the array's device granularity).
        shared: more arrays of the same device model and shape that receive **the same pulse trains** (aihwkit's
            vector unit cell with update policy ALL: one train, every device pulsed by it), each with its own
            cycle-to-cycle and write noise.
        one_sided_minus: route the coincidences as aihwkit's one-sided unit cell does (``rpu_onesided_device.cpp``):
            one train for the whole vector, every coincidence lowering W is an *up* pulse on this array (g⁻), every
            one raising W an up pulse on ``arr`` (g⁺). Pulsed pulse types only.
    """
    n = x.shape[0]
    targets = [arr, *shared]
    if lr == 0 or n == 0:
        return UpdateResult(bl=np.zeros(n, np.int64), pulses=0, n_samples=n)
    pt = up.pulse_type
    if arr.is_ideal or pt in (PulseType.NONE, PulseType.NONE_WITH_DEVICE):
        if one_sided_minus is not None:
            raise ConfigError("pulsed_update: one-sided routing needs a pulsed pulse type, got "
                              f"{pt.value} (or an ideal device)")
        for t in targets:
            if t.is_ideal or pt is PulseType.NONE:
                t.u -= _F32(lr) * (d.T @ x)
            else:
                K.pick(K.fp_update_with_bounds, x.size * t.out_size)(t.u, t.P, x, d, _F32(lr))
            if not t.is_ideal:
                t.after_pulses(dense=True)
        return UpdateResult(bl=np.zeros(n, np.int64), pulses=0, n_samples=n)
    if one_sided_minus is not None:
        if shared:
            raise ConfigError("pulsed_update: one-sided routing takes exactly two arrays")
        targets = [arr, one_sided_minus]
    for t in targets[1:]:
        if t.law is not arr.law or t.u.shape != arr.u.shape or t.is_ideal:
            raise ConfigError("pulsed_update: shared or routed arrays need the same pulsed device model and shape")
    eps = arr.granularity if granularity is None else float(granularity)
    fast_rows = FAST_ROWS
    if FAST_ROWS > 0 and not K.parallel_wanted(n * x.shape[1] * arr.out_size):
        fast_rows = max(FAST_ROWS, SERIAL_FAST_ROWS)
    if (n <= fast_rows and not targets[1:] and pt in (PulseType.STOCHASTIC_COMPRESSED, PulseType.STOCHASTIC)
            and not (up.sto_round and up.res > 0) and n * up.desired_bl * x.shape[1] <= _CHUNK_ENTRIES):
        bl = np.empty(n, np.int64)
        pulses = stochastic_update_small(
            arr.law, arr.u, arr.P, arr.G, arr.sigma, arr.w_visible, arr.wn_std, arr.ref, arr.w_visible is not arr.u,
            x, d, _F32(abs(lr)), _F32(eps), int(up.desired_bl), up.fixed_bl, up.update_bl_management,
            up.update_management, _F32(up.um_grad_scale), _F32(up.probability_resolution(up.res)),
            1 if lr > 0 else -1, pt is PulseType.STOCHASTIC, new_key(rng), bl)
        return UpdateResult(bl=bl, pulses=int(pulses), n_samples=n)
    sched = pulse_schedule(np.abs(x).max(axis=1), np.abs(d).max(axis=1), lr, eps, up)
    px = (np.abs(x) * sched.b[:, None]).astype(_F32)
    pd = (np.abs(d) * sched.a[:, None]).astype(_F32)
    if pt is not PulseType.DETERMINISTIC_IMPLICIT:  # aihwkit quantises implicit levels with x/d_res_implicit only
        step = up.probability_resolution(up.res)
        px = _quantise_probability(px, step, up.sto_round, rng)
        pd = _quantise_probability(pd, step, up.sto_round, rng)
    lr_sign = 1 if lr > 0 else -1
    pulses = np.zeros(arr.out_size, np.int64)
    with K.dynamic_chunks():
        if one_sided_minus is not None:
            _pulse([arr], x, d, lr_sign, px, pd, sched, pt, up, rng, pulses, minus=one_sided_minus)
        else:
            _pulse(targets, x, d, lr_sign, px, pd, sched, pt, up, rng, pulses)
    for t in targets:
        t.after_pulses()
    return UpdateResult(bl=sched.bl, pulses=int(pulses.sum()), n_samples=n)


def _pulse(targets: list[DeviceArray], x: np.ndarray, d: np.ndarray, lr_sign: int, px: np.ndarray, pd: np.ndarray,
           sched: PulseSchedule, pt: PulseType, up: UpdateParameters, rng: np.random.Generator, pulses: np.ndarray,
           *, minus: DeviceArray | None = None) -> None:
    n = x.shape[0]
    arr = targets[0]
    m = minus if minus is not None else arr
    if pt in (PulseType.STOCHASTIC_COMPRESSED, PulseType.STOCHASTIC):
        px = np.ascontiguousarray(np.copysign(px, x), dtype=_F32)
        pd = np.ascontiguousarray(np.copysign(pd, d), dtype=_F32)
        bl_max = max(int(sched.bl.max()), 1)
        chunk = max(1, _CHUNK_ENTRIES // (bl_max * x.shape[1]))
        for s in range(0, n, chunk):
            e = min(n, s + chunk)
            idx = np.empty((e - s, bl_max, x.shape[1]), np.int32)
            counts = np.zeros((e - s, bl_max, 2), np.int64)
            code = np.empty((e - s, bl_max, x.shape[1]), np.int8)
            key = new_key(rng)
            K.pick(K.x_trains, idx.size)(px[s:e], sched.bl[s:e], key, idx, counts, code)
            kernel = K.pick(K.stochastic_update, int(counts.sum()) * arr.out_size // 4)
            for k, t in enumerate(targets):
                noise_key = key if k == 0 else new_key(rng)
                kernel(t.law, t.u, t.P, t.G, t.sigma, pd[s:e], sched.bl[s:e], idx, counts, code, lr_sign,
                       pt is PulseType.STOCHASTIC, key, t.w_visible, t.wn_std, t.ref, pulses, noise_key,
                       minus is not None, m.u, m.P, m.w_visible, m.ref,
                       t.out_size if kernel is K.stochastic_update.serial else K.PARALLEL_SCRATCH_ROWS)
    else:
        blf = sched.bl.astype(_F32)[:, None]
        if pt is PulseType.MEAN_COUNT:
            cx = np.clip(np.rint(blf * px), 0, blf)
            cd = np.clip(np.rint(blf * pd), 0, blf)
            coef = sched.bl.astype(_F32)
        else:  # DETERMINISTIC_IMPLICIT
            cx = np.clip(_quantise_probability(px, up.probability_resolution(up.x_res_implicit), up.sto_round, rng),
                         0, 1).astype(_F32)
            cd = np.clip(_quantise_probability(pd, up.probability_resolution(up.d_res_implicit), up.sto_round, rng),
                         0, 1).astype(_F32)
            coef = sched.bl.astype(_F32)
            cd = cd * (sched.bl > 0)[:, None]
        cx = np.ascontiguousarray(np.copysign(cx, x), dtype=_F32)
        cd = np.ascontiguousarray(np.copysign(cd, d), dtype=_F32)
        kernel = K.pick(K.dense_update, cd.size * x.shape[1])
        for t in targets:
            kernel(t.law, t.u, t.P, t.G, t.sigma, cd, cx, coef.astype(_F32), pt is PulseType.MEAN_COUNT, lr_sign,
                   new_key(rng), t.w_visible, t.wn_std, t.ref, pulses, minus is not None, m.u, m.P, m.w_visible, m.ref)
