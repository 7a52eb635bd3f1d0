"""Forward / backward analog MVM with aihwkit's peripheral model (aihwkit 1.1.0 ``IOParameters``,
``src/aihwkit/simulator/parameters/io.py``; C++ ``ForwardBackwardPassIOManaged``, ``src/rpucuda/rpu_forward_backward_pass.cpp``).

:class:`IOPipeline` turns one :class:`~archsim.hwconfig.rpu.IOParameters` into a callable
``pipeline(M, x, key) -> MVMResult`` computing the managed, noisy, quantised ``y = M x`` for every row of
``x``. The tile uses ``M = W`` for the forward and ``M = Wᵀ`` for the backward pass; compounds may call a
pipeline on any matrix with any IO parameters (e.g. Tiki-Taka transfer reads, where NM and BM are off).

Per vector (= row of x), in aihwkit's order (``forwardVector``):

1. perfect (``is_perfect`` / ``mv_type: ideal``): y = out_scale·M x, nothing else.
2. noise-management factor a (NONE, ABS_MAX, MAX, CONSTANT, AVERAGE_ABS_MAX, ABS_MAX_NP_SUM; ``nm_thres``
   clips ABS_MAX, MAX and the abs-max inside ABS_MAX_NP_SUM; ABS_MAX_NP_SUM with an unbounded ADC divides the sum by
   1, aihwkit ``computeNoiseManagement``); with NM on and a <= 0 the output is exactly 0 — in the forward pass only
   without input noise, in the backward pass always (aihwkit ``backwardVector``).
3. bound-management passes with reduction ρ = 1, 2, 4, ...: v = DAC(x·(1/a)·(1/ρ)) (quantise with
   rint(v/step)·step in float32, clip ±inp_bound, + inp_noise, negatives ×(1 − inp_asymmetry)); y = M v
   (one batched float32 GEMM over all still-active rows); IR drop (a_i = (n/g_ratio)·Σ_j|w_ij||v_j|,
   c_i = a_i(a_i(0.05a_i − 0.2) + 0.5), y_i −= c_i·ir_drop·Σ_j w_ij v_j(1 − (1 − j/n)²), two extra GEMMs);
   voltage offsets / series resistance (o_i = max(v_offset_std·ξ, 0) drawn once, with the v_offset_w_min reference
   current); + output-referred weight noise; output non-linearity y ← f·y/(1 + |n_i y|); negatives
   ×(1 − out_asymmetry); + out_noise·ξ (per-output σ_i when out_noise_std > 0, drawn once); ADC quantise; clip
   ±out_bound. A row whose ADC saturated is re-run with 2ρ, **only that row**, until it does not clip,
   ρ > max_bm_factor or ρ > max_bm_res/(inp_res·2·inp_bound). Saturation follows aihwkit's ``finalizeOutput``
   element by element: a value above +out_bound fails the pass, one below −out_bound sets the result to
   ``not bm_test_negative_bound``, so with ``bm_test_negative_bound: false`` the last out-of-range output decides.
   ITERATIVE_WORST_CASE re-runs clipped rows once at ρ = 1 with the ABS_MAX_NP_SUM factor (applied only when noise
   management is on; no switch when NM is ABS_MAX_NP_SUM), then halves.
4. y ← y·out_scale·a·ρ.

Threads: the GEMMs use numpy's multi-threaded BLAS; the element-wise stages run the *serial* kernels. Measured on
the 2-core development machine, a numba parallel region right after a BLAS call competes with BLAS's spinning
worker threads (and vice versa), which made the parallel variant 1.3× to 5× slower than the serial one.

Resolution convention: res <= 0 off, res > 1 a number of steps (1/res), step = res·2·bound (float32). An
unbounded converter (bound <= 0) does not quantise. Not modelled (raise ConfigError when set): the POS_NEG
mv_types and the read asymmetry that only they use.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from archsim.crossbar import kernels as K
from archsim.crossbar.fastpath import NM_CODES, managed_mvm, matmul_nt
from archsim.errors import ConfigError, DataError
from archsim.hwconfig.rpu import (
    AnalogMVType,
    BoundManagementType,
    IOParameters,
    NoiseManagementType,
    WeightNoiseType,
    resolution_fraction,
)

__all__ = ["IOPipeline", "MVMResult", "NoiseManagementState", "as_float32_matrix", "new_key"]

_F32 = np.float32
#: Batches larger than this are processed in chunks of this many rows (each with its own derived key).
_CHUNK_ROWS = 16384
#: Batches up to this many rows run through the compiled small-batch path (same results, no numpy overhead).
FAST_ROWS = 64
_MAX_KEY = np.iinfo(np.int64).max


def new_key(rng: np.random.Generator) -> np.uint64:
    """Draw the 64-bit key of one kernel call from the run's Generator (kernels derive their streams from it)."""
    return np.uint64(rng.integers(0, _MAX_KEY, dtype=np.int64))


def as_float32_matrix(a: object, n_cols: int, where: str) -> np.ndarray:
    """Validate a batch (rows = samples): 2-D (1-D is one sample), ``n_cols`` columns, finite; returns C float32."""
    if (type(a) is np.ndarray and a.dtype == _F32 and a.ndim == 2 and a.shape[1] == n_cols
            and a.flags.c_contiguous):  # the common case, without the generic checks below (finiteness: callers)
        return a
    arr = np.asarray(a)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != n_cols:
        raise DataError(f"{where}: expected an array of shape (batch, {n_cols}), got shape {np.shape(a)}")
    if not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise DataError(f"{where}: expected real numbers, got dtype {arr.dtype}")
    return np.ascontiguousarray(arr, dtype=_F32)


def _product(v: np.ndarray, m: np.ndarray) -> np.ndarray:
    """``v @ m.T`` through the BLAS binding of the compiled path (:func:`~archsim.crossbar.fastpath.matmul_nt`), so
    that both paths give the same bits; a non-contiguous ``m`` (which the compiled path never takes) uses numpy."""
    if m.flags.c_contiguous or m.flags.f_contiguous:
        return matmul_nt(np.ascontiguousarray(v), m)
    return v @ m.T


def _nonfinite(where: str) -> DataError:
    return DataError(f"{where}: input contains NaN or infinite values",
                     hint="check the previous layer or loss for divergence (learning rate too high?)")


@dataclass
class NoiseManagementState:
    """Mutable per-tile state of AVERAGE_ABS_MAX noise management (shared by forward and backward, as aihwkit)."""

    average_abs_max: float | None = None


@dataclass(frozen=True)
class MVMResult:
    """Result of one batched managed MVM."""

    y: np.ndarray
    """float32[B, out] outputs."""
    passes: np.ndarray
    """int64[B] bound-management passes per sample (0 for samples short-cut to zero, 1 without BM)."""


class IOPipeline:
    """A compiled forward or backward peripheral chain for fixed IO parameters and output size.

    Args:
        io: the IO parameters.
        out_size: number of outputs of the matrices this pipeline will be applied to.
        rng: Generator for the fixed per-output draws (output-noise spread).
        allow_bound_management: False turns bound management off (transfer reads; implied by ``backward``).
        nm_state: shared AVERAGE_ABS_MAX state (a fresh one if None).
        backward: this is a backward pass (aihwkit ``backwardVector``): bound management off, and a vector whose
            noise-management factor is <= 0 gives exactly 0 even with input noise.
    """

    def __init__(self, io: IOParameters, out_size: int, rng: np.random.Generator, *,
                 allow_bound_management: bool = True, nm_state: NoiseManagementState | None = None,
                 backward: bool = False) -> None:
        self.io = io
        self.out_size = int(out_size)
        self.backward = bool(backward)
        if self.backward:
            allow_bound_management = False
        self.nm_state = nm_state if nm_state is not None else NoiseManagementState()
        self.perfect = io.is_perfect or io.mv_type is AnalogMVType.IDEAL
        if not self.perfect:
            if io.w_read_asymmetry_dtod != 0:
                raise ConfigError(f"IOParameters.w_read_asymmetry_dtod: expected 0 (not modelled by archsim), "
                                  f"got {io.w_read_asymmetry_dtod}")
            if io.mv_type is not AnalogMVType.ONE_PASS:
                raise ConfigError(f"IOParameters.mv_type: expected one_pass or ideal (others not modelled), "
                                  f"got {io.mv_type.value}")
        self.nm = io.noise_management
        self.bm = io.bound_management if allow_bound_management else BoundManagementType.NONE
        self.nm_thres = io.nm_thres if self.nm is not NoiseManagementType.NONE else 0.0
        self.inp_bound = _F32(io.inp_bound if io.inp_bound > 0 else 0.0)
        self.out_bound = _F32(io.out_bound if io.out_bound > 0 else 0.0)
        r_in = resolution_fraction(io.inp_res)
        r_out = resolution_fraction(io.out_res)
        self.in_step = _F32(_F32(r_in) * _F32(2.0 * io.inp_bound)) if (r_in > 0 and io.inp_bound > 0) else _F32(0)
        self.out_step = _F32(_F32(r_out) * _F32(2.0 * io.out_bound)) if (r_out > 0 and io.out_bound > 0) else _F32(0)
        self.inp_noise = _F32(io.inp_noise)
        self.in_neg = _F32(1.0 - io.inp_asymmetry)
        self.out_neg = _F32(1.0 - io.out_asymmetry)
        if io.out_noise_std > 0:
            xi = rng.standard_normal(self.out_size)
            self.sigma = np.abs(io.out_noise * (1.0 + io.out_noise_std * xi)).astype(_F32)
        else:
            self.sigma = np.full(self.out_size, io.out_noise, dtype=_F32)
        self.wn_mode = 0
        if io.w_noise > 0:
            self.wn_mode = {WeightNoiseType.NONE: 0, WeightNoiseType.ADDITIVE_CONSTANT: 1,
                            WeightNoiseType.PCM_READ: 2}[io.w_noise_type]
        self.w_noise = _F32(io.w_noise)
        self.bm_limit_res = (io.max_bm_res / float(self.in_step)) if self.in_step > 0 else np.inf
        # fixed per-output draws of the analog non-idealities (aihwkit populateFBParameter)
        self.nl = np.zeros(0, _F32)
        self.nl_f = _F32(1.0)
        if io.out_nonlinearity > 0 and not self.perfect:
            ob = io.out_bound if io.out_bound > 0 else 1.0
            n = np.abs(io.out_nonlinearity / ob * (1.0 + io.out_nonlinearity_std * rng.standard_normal(self.out_size)))
            self.nl = n.astype(_F32)
            self.nl_f = _F32((1.0 + (float(n.mean()) + io.r_series) * io.slope_calibration * ob) ** 2)
        self.offsets_on = (io.v_offset_std > 0 or io.r_series > 0) and not self.perfect
        self.v_offset = (np.maximum(io.v_offset_std * rng.standard_normal(self.out_size), 0.0).astype(_F32)
                         if io.v_offset_std > 0 else np.zeros(self.out_size, _F32))
        self.kernel_params = self._kernel_params()
        """Packed parameters of the compiled small-batch path (:mod:`archsim.crossbar.fastpath`), or None when this
        configuration needs the general path."""

    def _kernel_params(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        io = self.io
        if not self.perfect and (self.bm is BoundManagementType.ITERATIVE_WORST_CASE or self.wn_mode != 0
                                 or io.ir_drop > 0 or self.offsets_on):
            return None
        bound = io.out_bound if io.out_bound > 0 else 1.0
        pf = np.array([self.inp_bound, self.in_step, self.inp_noise, self.in_neg, self.out_bound, self.out_step,
                       self.out_neg, _F32(io.out_scale), _F32(self.nm_thres), _F32(io.nm_assumed_wmax / bound),
                       _F32(io.max_bm_res), self.nl_f, _F32(io.nm_decay),
                       _F32(self.nm_thres if self.nm_thres > 0 else 1.0)], _F32)
        pd = np.array([io.max_bm_factor, self.bm_limit_res], np.float64)
        pi = np.array([NM_CODES[self.nm.value], 0 if self.bm is BoundManagementType.NONE else 1,
                       int(io.inp_sto_round), int(io.out_sto_round), int(io.bm_test_negative_bound),
                       int(self.backward), int(self.perfect)], np.int64)
        return pf, pd, pi

    def _analog_nonidealities(self, ys: np.ndarray, v: np.ndarray, m: np.ndarray) -> None:
        """IR drop, then voltage offsets / series resistance, in place on ys (aihwkit applyNonIdealities)."""
        io = self.io
        if io.ir_drop > 0:
            n = v.shape[1]
            a = (n / io.ir_drop_g_ratio) * (np.abs(v) @ np.abs(m).T)
            c = a * (a * (0.05 * a - 0.2) + 0.5)
            j = np.arange(n, dtype=np.float64) / n
            vp = (v * (1.0 - (1.0 - j) ** 2)).astype(_F32)
            ys -= (c * io.ir_drop * (vp @ m.T)).astype(_F32)
        if self.offsets_on:
            o = self.v_offset
            cap = io.r_series_max_total
            rs = io.r_series

            def series(val: np.ndarray) -> np.ndarray:
                return 1.0 + np.minimum(rs * np.abs(val), cap) if rs > 0 else 1.0

            if io.v_offset_w_min == 0:
                ys[...] = ((1.0 - o) * ys / series(ys)).astype(_F32)
            else:
                y_ref = (-io.v_offset_w_min * v.sum(axis=1, dtype=np.float64))[:, None]
                tot = ys + y_ref
                ys[...] = ((1.0 - o) * tot / series(tot) - (1.0 + o) * y_ref / series(y_ref)).astype(_F32)

    def _scratch(self, n_rows: int, n_cols: int) -> np.ndarray:
        """Reused DAC output buffer (never returned to callers)."""
        buf = getattr(self, "_v_buf", None)
        if buf is None or buf.shape[1] != n_cols or buf.shape[0] < n_rows:
            buf = np.empty((n_rows, n_cols), _F32)
            self._v_buf = buf
        return buf[:n_rows]

    # ------------------------------------------------------------------------------------------ NM
    def _nm_factor(self, x: np.ndarray, where: str) -> np.ndarray:
        b = x.shape[0]
        amax = np.empty(b, _F32)
        nm = self.nm
        if nm in (NoiseManagementType.MAX, NoiseManagementType.ABS_MAX_NP_SUM):
            vmax = np.empty(b, _F32)
            pos = np.empty(b, _F32)
            neg = np.empty(b, _F32)
            if not np.isfinite(x).all():
                raise _nonfinite(where)
            K.row_max_and_sums.serial(x, amax, vmax, pos, neg)
        elif K.row_abs_max.serial(x, amax):
            raise _nonfinite(where)
        if nm is NoiseManagementType.NONE:
            return np.ones(b, _F32)
        if nm is NoiseManagementType.ABS_MAX:
            a = amax
        elif nm is NoiseManagementType.MAX:
            a = vmax
        elif nm is NoiseManagementType.CONSTANT:
            return np.full(b, self.nm_thres if self.nm_thres > 0 else 1.0, _F32)
        elif nm is NoiseManagementType.AVERAGE_ABS_MAX:
            a = np.empty(b, _F32)
            run = self.nm_state.average_abs_max
            decay = _F32(self.io.nm_decay)
            keep = _F32(1.0) - decay
            for i in range(b):  # sequential float32 EMA over the samples in batch order (aihwkit aux_nm_value)
                run = amax[i] if run is None else _F32(run) * keep + decay * amax[i]
                a[i] = run
            self.nm_state.average_abs_max = float(run)
            return a  # aihwkit does not clip the running value with nm_thres
        else:  # ABS_MAX_NP_SUM
            return self._np_sum(amax, np.maximum(pos, neg))
        if self.nm_thres > 0:
            a = np.minimum(a, _F32(self.nm_thres))
        return a.astype(_F32, copy=False)

    def _np_sum(self, amax: np.ndarray, s: np.ndarray) -> np.ndarray:
        """aihwkit ``AbsMaxNPSum``: amax clipped at nm_thres (if > 0) first; an unbounded ADC divides by 1."""
        io = self.io
        if io.nm_thres > 0:
            amax = np.minimum(amax, _F32(io.nm_thres))
        bound = io.out_bound if io.out_bound > 0 else 1.0
        by_sum = (s * _F32(io.nm_assumed_wmax / bound)).astype(_F32)
        if self.in_step > 0:
            by_res = amax / self.in_step * _F32(io.max_bm_res)
            by_sum = np.minimum(by_sum, by_res)
        return np.maximum(amax, by_sum).astype(_F32)

    # ------------------------------------------------------------------------------------------ call
    def _call_compiled(self, m: np.ndarray, x: np.ndarray, key: np.uint64, where: str) -> MVMResult:
        """The same MVM through :func:`archsim.crossbar.fastpath.managed_mvm` (identical results)."""
        pf, pd, pi = self.kernel_params
        state = self.nm_state.average_abs_max
        nm_state = np.array([np.nan if state is None else state], _F32)
        y = np.empty((x.shape[0], self.out_size), _F32)
        passes = np.empty(x.shape[0], np.int64)
        if not managed_mvm(m, x, key, pf, pd, pi, self.sigma, self.nl, nm_state, y, passes):
            raise _nonfinite(where)
        if self.nm is NoiseManagementType.AVERAGE_ABS_MAX and nm_state[0] == nm_state[0]:
            self.nm_state.average_abs_max = float(nm_state[0])
        return MVMResult(y=y, passes=passes)

    def __call__(self, m: np.ndarray, x: np.ndarray, key: np.uint64, *, where: str = "forward") -> MVMResult:
        """Managed MVM y[b] = M x[b] for every row b of x (float32[B, M.shape[1]], already validated).

        Args:
            m: float32[out, in] matrix (may be a transposed view, e.g. Wᵀ for backward).
            x: float32[B, in] C-contiguous inputs.
            key: stream key of this call (see :func:`new_key`).
            where: name used in error messages.
        """
        b_size = x.shape[0]
        if b_size > _CHUNK_ROWS:  # bound the scratch memory of huge batches (conv patches); same results per row
            parts = [self(m, x[s:s + _CHUNK_ROWS], np.uint64((int(key) * 0x9E3779B97F4A7C15 + s) % (1 << 64)),
                          where=where) for s in range(0, b_size, _CHUNK_ROWS)]
            return MVMResult(y=np.concatenate([p.y for p in parts]), passes=np.concatenate([p.passes for p in parts]))
        if (b_size <= FAST_ROWS and self.kernel_params is not None
                and (m.flags.c_contiguous or m.flags.f_contiguous)):
            return self._call_compiled(m, x, key, where)
        if self.perfect:
            if not np.isfinite(x).all():
                raise _nonfinite(where)
            y = _product(x, m)
            if self.io.out_scale != 1.0:
                y *= _F32(self.io.out_scale)
            return MVMResult(y=y.astype(_F32, copy=False), passes=np.ones(b_size, np.int64))
        a = self._nm_factor(x, where)
        nm_on = self.nm is not NoiseManagementType.NONE
        y: np.ndarray | None = None  # the first pass's output when it covers every row (no zero-filled copy)
        passes = np.zeros(b_size, np.int64)
        if nm_on:
            zero = a <= 0
            if zero.any():
                if self.inp_noise == 0 or self.backward:
                    rows = np.flatnonzero(~zero)
                else:
                    a = np.where(zero, _F32(1.0), a)
                    rows = np.arange(b_size)
            else:
                rows = np.arange(b_size)
        else:
            rows = np.arange(b_size)
        scale = np.divide(_F32(1.0), a, out=np.ones(b_size, _F32), where=a > 0).astype(_F32)
        rho = np.ones(b_size, _F32)
        io = self.io
        rho_val = 1.0
        pass_id = 0
        # aihwkit: the second pass of ITERATIVE_WORST_CASE restarts at ρ = 1 with the ABS_MAX_NP_SUM factor, which
        # scales the input only when noise management is on (and is no switch when NM is ABS_MAX_NP_SUM already)
        worst_case_pending = (self.bm is BoundManagementType.ITERATIVE_WORST_CASE
                              and self.nm is not NoiseManagementType.ABS_MAX_NP_SUM)
        m_abs = np.abs(m) if self.wn_mode == 2 else None
        while rows.size:
            full = rows.size == b_size
            v = self._scratch(rows.size, x.shape[1])
            K.prepare_input.serial(x, rows, scale, v, self.inp_bound, self.in_step, io.inp_sto_round,
                                   self.inp_noise, self.in_neg, key, pass_id)
            ys = _product(v, m)
            if io.ir_drop > 0 or self.offsets_on:
                self._analog_nonidealities(ys, v, m)
            if self.wn_mode == 1:
                wn_ref = np.sqrt(np.einsum("ij,ij->i", v, v, dtype=_F32))[:, None].astype(_F32)
            elif self.wn_mode == 2:
                wn_ref = np.ascontiguousarray((v * v) @ m_abs.T, dtype=_F32)
            else:
                wn_ref = np.zeros((1, 1), _F32)
            clipped = np.empty(rows.size, np.bool_)
            factor = (a[rows] * rho[rows] * _F32(io.out_scale)).astype(_F32)
            K.finalize_output.serial(ys, rows, self.sigma, self.wn_mode, self.w_noise, wn_ref, self.out_bound,
                                     self.out_step, io.out_sto_round, self.out_neg, io.bm_test_negative_bound, key,
                                     pass_id, clipped, factor, self.nl, self.nl_f)
            if y is None:
                if full:
                    y = ys
                else:
                    y = np.zeros((b_size, self.out_size), _F32)
                    y[rows] = ys
            else:
                y[rows] = ys
            passes[rows] += 1
            if self.bm is BoundManagementType.NONE or not clipped.any():
                break
            rows = rows[clipped]
            pass_id += 1
            if worst_case_pending:
                worst_case_pending = False
                if nm_on:
                    sub = x[rows]
                    amax = np.abs(sub).max(axis=1).astype(_F32)
                    s = np.maximum(np.where(sub > 0, sub, 0).sum(axis=1), np.where(sub < 0, -sub, 0).sum(axis=1))
                    a[rows] = self._np_sum(amax, s.astype(_F32))
                    scale[rows] = _F32(1.0) / a[rows]
                rho_val = 1.0
                continue
            if rho_val > io.max_bm_factor or rho_val > self.bm_limit_res:
                break
            rho_val *= 2.0
            rho[rows] = _F32(rho_val)
            scale[rows] *= _F32(0.5)
        if y is None:  # every row short-cut to zero
            y = np.zeros((b_size, self.out_size), _F32)
        return MVMResult(y=y, passes=passes)
