"""Numba kernels of the analog tile: random streams, DAC/ADC pipeline stages and the pulsed update.

Only ``@njit`` functions (plus the constant ziggurat tables) live here; the wrappers in ``io.py``,
``update.py`` and ``devices.py`` validate inputs, lower configs to scalars and call these kernels.
Arrays are C-contiguous; weights, signals and device parameters are float32 (aihwkit's core is float32) and
every quantiser rounds half-to-even with ``np.rint`` on a float32 quotient ``v / step``.

Randomness. Drawing the output noise and the pulse trains with numpy would cost more than the GEMM itself, so kernels draw
their own numbers from **counter-based streams**: the wrapper draws one 64-bit ``key`` per call from the tile's
seeded ``numpy.random.Generator``; a kernel derives an independent stream for every (key, pass, sample, row)
with the SplitMix64 finaliser and reads it by counter (value n = mix(base + n·golden)). Which thread runs which
row therefore never changes a number: results are bit-identical for a seed, with or without ``parallel``.
Bulk Gaussian numbers (output/input noise, per-pulse cycle-to-cycle noise, write noise) come from
:func:`fill_normals`: inverse-CDF sampling with 4096 equal-probability bins, linear interpolation inside a bin
and exact tails beyond |Φ⁻¹(1/4096)| = 3.49 (exact variance 1.000067, kurtosis 3.0014); scalar draws use the
Marsaglia–Tsang ziggurat. Parallel kernels have a serial twin (:func:`dual`); :func:`pick` chooses by work size
and machine load (:data:`PARALLEL`), which never changes results.

Device laws (how a device model's per-pulse law reaches the update kernels). Each device model
(:mod:`archsim.devices`) defines its law as a plain Python function ``law(u, down, P, i, j, sigma, z, G)``.
:func:`law_tag` registers it under ``module.qualname#hash-of-source`` and returns a :class:`LawTag`, a Python
object whose Numba type (:class:`LawTagType`) carries that name. The update kernels take the tag as their first
argument and call :func:`apply_law` (a Numba ``overload``), which resolves the law from the tag's *type* at compile
time and compiles it into the kernel, where LLVM inlines it: one specialisation per law, exactly as fast as a
hand-written kernel for that device, and no per-pulse dispatch. Because the specialisation is keyed by a type that
is stable across processes, ``cache=True`` stores it on disk (``archsim/crossbar/__pycache__``): a new Python
process loads it instead of compiling (a cold compile of the update kernels costs seconds per device model, a
cache load milliseconds), and the source hash in the name makes an edited law a new type, so the cache never
serves stale machine code. A law defined in a test module works the same way. Rejected alternatives: passing the
jitted law as an argument (Numba types a dispatcher by object identity, so the disk cache never hits), first-class
function pointers (an indirect call per pulse, no inlining), generated source (not cacheable, string-built code).
"""

from __future__ import annotations

import hashlib
import inspect
import math
import operator
import os
import time
from collections.abc import Callable
from typing import Any, NamedTuple

import numba
import numpy as np
from llvmlite import ir
from numba import errors, njit, prange, types
from numba.extending import NativeValue, intrinsic, models, overload, register_model, unbox

from archsim.registry import Registry

JIT = {"cache": True, "nogil": True, "fastmath": False}
JIT_PAR = {"cache": True, "nogil": True, "fastmath": False, "parallel": True}

#: Work (elements touched) below which wrappers call the serial twin of a parallel kernel: launching a parallel
#: region costs tens of microseconds, and on a loaded machine a barrier can wait for a whole scheduler slice.
SERIAL_WORK = 1 << 16


def dual(fn):
    """Compile ``fn`` twice: ``parallel=True`` (returned) and serial (``.serial``, prange runs as range).

    The serial twin gets its own ``__qualname__`` so that the two on-disk cache entries never collide.
    """
    import types

    twin = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__ + "_serial", fn.__defaults__, fn.__closure__)
    twin.__qualname__ = fn.__qualname__ + "_serial"
    twin.__doc__ = fn.__doc__
    par = njit(**JIT_PAR)(fn)
    par.serial = njit(**JIT)(twin)
    return par


#: When to use the parallel kernels: "auto" (large work and a machine that is not oversubscribed), "always" or
#: "never". Default from the environment variable ARCHSIM_PARALLEL. Results are identical either way.
PARALLEL = os.environ.get("ARCHSIM_PARALLEL", "auto").lower()
_BUSY = {"t": -1.0, "busy": False}


def _machine_busy() -> bool:
    """True if the 1-minute load average exceeds the core count by more than half a core (checked once a second).

    On an oversubscribed machine a parallel region waits at its barrier for a descheduled thread and its
    spinning threads take time from the running one: measured on the shared 2-core machine at load 5, the
    update at lr 0.1 took 94 ms with two threads and 36 ms with one.
    """
    now = time.monotonic()
    if now - _BUSY["t"] > 1.0:
        try:
            _BUSY["busy"] = os.getloadavg()[0] > (os.cpu_count() or 1) + 0.5
        except OSError:  # pragma: no cover - platform without getloadavg
            _BUSY["busy"] = False
        _BUSY["t"] = now
    return _BUSY["busy"]


def parallel_wanted(work: int) -> bool:
    """Whether work of this size runs a parallel kernel: large work, numba on more than one thread (with one, the
    parallel kernel would only add its launch and per-chunk scratch) and a machine with idle cores."""
    if PARALLEL == "never" or work < SERIAL_WORK or numba.get_num_threads() == 1:
        return False
    return PARALLEL == "always" or not _machine_busy()


def pick(kernel, work: int):
    """The parallel kernel when :func:`parallel_wanted`, its serial twin otherwise."""
    return kernel if parallel_wanted(work) else kernel.serial


#: Rows of the parallel stochastic update that share one set of scratch buffers (one allocation per this many
#: rows; the serial kernel allocates once per call).
PARALLEL_SCRATCH_ROWS = 4

#: prange chunk size used by the update kernels: small chunks are handed out dynamically, so a thread that the OS
#: deschedules (the machine is shared) does not hold back the others at the barrier (measured: 2.4× faster at
#: lr 0.01 on a loaded 2-core machine than numba's default static split).
CHUNK_ROWS = 8


def dynamic_chunks():
    """Context manager: numba parallel regions inside use chunks of :data:`CHUNK_ROWS` iterations."""
    return numba.parallel_chunksize(CHUNK_ROWS)

# ------------------------------------------------------------------------------------------ ziggurat tables


def _ziggurat_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    m1 = 2147483648.0
    dn = 3.442619855899
    tn = dn
    vn = 9.91256303526217e-3
    kn = np.zeros(128, np.int64)
    wn = np.zeros(128, np.float64)
    fn = np.zeros(128, np.float64)
    q = vn / math.exp(-0.5 * dn * dn)
    kn[0] = int((dn / q) * m1)
    kn[1] = 0
    wn[0] = q / m1
    wn[127] = dn / m1
    fn[0] = 1.0
    fn[127] = math.exp(-0.5 * dn * dn)
    for i in range(126, 0, -1):
        dn = math.sqrt(-2.0 * math.log(vn / dn + math.exp(-0.5 * dn * dn)))
        kn[i + 1] = int((dn / tn) * m1)
        tn = dn
        fn[i] = math.exp(-0.5 * dn * dn)
        wn[i] = dn / m1
    return kn, wn, fn


ZIG_KN, ZIG_WN, ZIG_FN = _ziggurat_tables()
_ZIG_R = 3.442619855899

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_S40 = np.uint64(40)
_S32 = np.uint64(32)
_LOW7 = np.uint64(127)
_TWO53 = 1.0 / 9007199254740992.0
_TWO24 = np.float32(1.0 / 16777216.0)

# ------------------------------------------------------------------------------------------ random streams


@njit(inline="always", **JIT)
def mix64(z):
    """SplitMix64 finaliser. z: uint64 → uint64."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(inline="always", **JIT)
def stream(key, a, b):
    """Base state of the stream for (key, a, b); key uint64, a and b non-negative ints."""
    return mix64(key ^ mix64(np.uint64(a) * GOLDEN + mix64(np.uint64(b) + GOLDEN)))


@njit(inline="always", **JIT)
def draw64(base, n):
    """The n-th 64-bit value of a stream."""
    return mix64(base + np.uint64(n) * GOLDEN)


@njit(inline="always", **JIT)
def uniform32(base, n):
    """Uniform float32 in [0, 1) with 24 random bits."""
    return np.float32(draw64(base, n) >> _S40) * _TWO24


@njit(inline="always", **JIT)
def uniform64(base, n):
    """Uniform float64 in [0, 1) with 53 random bits."""
    return np.float64(draw64(base, n) >> _S11) * _TWO53


@njit(**JIT)
def _normal_tail(base, n, hz, iz):
    while True:
        x = hz * ZIG_WN[iz]
        if iz == 0:
            while True:
                u1 = 1.0 - uniform64(base, n)
                u2 = 1.0 - uniform64(base, n + 1)
                n += 2
                x = -math.log(u1) * (1.0 / _ZIG_R)
                y = -math.log(u2)
                if y + y >= x * x:
                    break
            return (_ZIG_R + x if hz > 0 else -_ZIG_R - x), n
        u = uniform64(base, n)
        n += 1
        if ZIG_FN[iz] + u * (ZIG_FN[iz - 1] - ZIG_FN[iz]) < math.exp(-0.5 * x * x):
            return x, n
        r = draw64(base, n)
        n += 1
        hz = np.int64(np.int32(np.uint32(r >> _S32)))
        iz = np.int64(r & _LOW7)
        if abs(hz) < ZIG_KN[iz]:
            return hz * ZIG_WN[iz], n


@njit(inline="always", **JIT)
def normal(base, n):
    """Standard normal (float64) from stream ``base`` at counter n; returns (value, next counter)."""
    r = draw64(base, n)
    hz = np.int64(np.int32(np.uint32(r >> _S32)))
    iz = np.int64(r & _LOW7)
    if abs(hz) < ZIG_KN[iz]:
        return hz * ZIG_WN[iz], n + 1
    return _normal_tail(base, n + 1, hz, iz)


@dual
def fill_normal(out, key):
    """Fill a 2-D float32 array with standard normals (row r uses stream (key, 0, r)). Test/helper kernel."""
    for r in prange(out.shape[0]):
        base = stream(key, 0, r)
        n = 0
        for j in range(out.shape[1]):
            v, n = normal(base, n)
            out[r, j] = np.float32(v)


@dual
def fill_uniform(out, key):
    """Fill a 2-D float32 array with U[0, 1) numbers (row r uses stream (key, 0, r)). Test/helper kernel."""
    for r in prange(out.shape[0]):
        base = stream(key, 0, r)
        for j in range(out.shape[1]):
            out[r, j] = uniform32(base, j)


def _inverse_cdf_table(n_bins: int) -> tuple[np.ndarray, np.ndarray]:
    from statistics import NormalDist

    inv = NormalDist().inv_cdf
    knots = np.array([inv(k / n_bins) if 0 < k < n_bins else np.nan for k in range(n_bins + 1)])
    return knots[:n_bins].copy(), np.diff(knots)


#: Bulk Gaussian generator: inverse-CDF knots Φ⁻¹(k/4096) with linear interpolation inside each of the 4094 inner
#: bins (equal probability 1/4096 each) and exact Gaussian tails (Marsaglia's tail method) in the two outer bins.
#: Each 64-bit draw gives two normals (per 32-bit half: 12 bits select the bin, 20 bits the position in it).
_NQ_BITS = 12
_INV_T64, _INV_D64 = _inverse_cdf_table(1 << _NQ_BITS)
INV_T = _INV_T64.astype(np.float32)
INV_D = _INV_D64.astype(np.float32)
_INV_TAIL = float(-_INV_T64[1])  # |Φ⁻¹(1/4096)|
_NQ_LAST = (1 << _NQ_BITS) - 1
_HALF_MASK = np.uint64(0xFFFFFFFF)
_FRAC_SHIFT = np.uint64(32 - _NQ_BITS)
_FRAC_MASK = np.uint64((1 << (32 - _NQ_BITS)) - 1)
_FRAC_SCALE = np.float32(1.0 / (1 << (32 - _NQ_BITS)))
#: INV_D·2^-20: multiplying by a power of two is exact, so (f·2^-20)·D == f·(D·2^-20) bit for bit, one multiply less
INV_DS = (INV_D * _FRAC_SCALE).astype(np.float32)
#: Both tables packed in one: entry k holds the bits of INV_T[k] (low half) and of INV_DS[k] (high half), so a normal
#: costs one 64-bit table read instead of two 32-bit ones (vectorised, the table reads are gathers, and gathers bound
#: the fill: measured 1.25 → 0.88 ns per normal on the project's AMD EPYC machine). The edge bins hold NaN (knots
#: Φ⁻¹(0) and Φ⁻¹(1) are not finite), which marks the draws that take the exact tail.
INV_TD = INV_T.view(np.uint32).astype(np.uint64) | (INV_DS.view(np.uint32).astype(np.uint64) << np.uint64(32))
_BIN_SHIFT = np.uint32(32 - _NQ_BITS)
_FRAC_MASK32 = np.uint32((1 << (32 - _NQ_BITS)) - 1)


def _f32_from_bits(bits):
    """The float32 whose IEEE bit pattern is the uint32 ``bits`` (a bit cast, no conversion). This Python body
    serves ``NUMBA_DISABLE_JIT`` runs; compiled code uses :func:`_f32_bitcast`."""
    return np.uint32(bits).view(np.float32)


@intrinsic
def _f32_bitcast(typingctx, bits):
    """LLVM ``bitcast i32 → float`` of a uint32."""
    if bits != types.uint32:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.FloatType())

    return types.float32(types.uint32), codegen


@overload(_f32_from_bits, inline="always")
def _f32_from_bits_typed(bits):
    def impl(bits):
        return _f32_bitcast(bits)

    return impl


@njit(inline="always", **JIT)
def _inv_normal(half):
    """The inverse-CDF normal of 32 random bits (uint32): bin half >> 20, position (half & 0xFFFFF)·2^-20 in it;
    NaN in the two edge bins. Equal, bit for bit, to INV_T[k] + float32(f)·INV_DS[k]."""
    e = INV_TD[half >> _BIN_SHIFT]
    return (_f32_from_bits(np.uint32(e & _HALF_MASK))
            + np.float32(half & _FRAC_MASK32) * _f32_from_bits(np.uint32(e >> _S32)))


@njit(**JIT)
def _tail_normal(base, c, upper):
    """Exact standard-normal tail beyond _INV_TAIL (sign by ``upper``); returns (value, next counter)."""
    while True:
        xx = -math.log(1.0 - uniform64(base, c)) / _INV_TAIL
        yy = -math.log(1.0 - uniform64(base, c + 1))
        c += 2
        if yy + yy >= xx * xx:
            break
    return (_INV_TAIL + xx if upper else -(_INV_TAIL + xx)), c


@njit(**JIT)
def fill_normals(base, buf, m, n):
    """Write m standard normals (float32) into buf[:m] (buf needs m + 1 slots) from stream ``base`` at counter n.

    Pair i uses counter n + i; rare tail draws continue at n + ceil(m/2). Returns the next free counter.
    """
    h = (m + 1) >> 1
    edges = np.int64(0)
    for i in range(h):
        r = draw64(base, n + i)
        v1 = _inv_normal(np.uint32(r & _HALF_MASK))
        v2 = _inv_normal(np.uint32(r >> _S32))
        buf[2 * i] = v1
        buf[2 * i + 1] = v2
        edges |= np.int64(v1 != v1) | np.int64(v2 != v2)  # an edge bin (NaN): fixed below, in draw order
    c = n + h
    if edges:
        for i in range(2 * h):
            if buf[i] != buf[i]:
                r = draw64(base, n + (i >> 1))
                half = (r & _HALF_MASK) if (i & 1) == 0 else (r >> _S32)
                v, c = _tail_normal(base, c, np.int64(half >> _FRAC_SHIFT) == _NQ_LAST)
                buf[i] = np.float32(v)
    return c


@dual
def fill_normal_table(out, key):
    """Fill a 2-D float32 array with :func:`fill_normals` (row r uses stream (key, 0, r)). Test/helper kernel."""
    for r in prange(out.shape[0]):
        buf = np.empty(out.shape[1] + 1, np.float32)
        fill_normals(stream(key, 0, r), buf, out.shape[1], 0)
        out[r, :] = buf[:out.shape[1]]


# ------------------------------------------------------------------------------------------ forward / backward


@dual
def prepare_input(x, rows, scale, v, bound, step, sto_round, inp_noise, neg_factor, key, pass_id):
    """DAC stage for the selected samples: v = quantise(x·scale) → clip ±bound → + inp_noise·ξ → negatives ×neg_factor.

    Args:
        x: float32[B, n] raw inputs.
        rows: int64[m] the samples (rows of x) to prepare.
        scale: float32[B] per-sample input scale (1/(NM factor·BM reduction)).
        v: float32[m, n] output buffer (row r belongs to sample rows[r]).
        bound: float32 DAC bound (<= 0: none). step: float32 quantisation step (<= 0: none).
        sto_round: stochastic rounding. inp_noise: float32 std. neg_factor: float32 (1 − inp_asymmetry).
        key: uint64 call key. pass_id: bound-management pass number (selects the stream).
    """
    n_in = x.shape[1]
    half = np.float32(0.5)
    for r in prange(rows.shape[0]):
        b = rows[r]
        s = scale[b]
        base = stream(key, pass_id * 2 + 1, b)
        for j in range(n_in):
            v[r, j] = x[b, j] * s
        if step > 0:
            if sto_round:
                for j in range(n_in):
                    v[r, j] = np.rint(v[r, j] / step + (uniform32(base, j) - half)) * step
            else:
                for j in range(n_in):
                    v[r, j] = np.rint(v[r, j] / step) * step
        if bound > 0:
            for j in range(n_in):
                v[r, j] = min(max(v[r, j], -bound), bound)
        if inp_noise > 0:
            buf = np.empty(n_in + 1, np.float32)
            fill_normals(base, buf, n_in, n_in)
            for j in range(n_in):
                v[r, j] = v[r, j] + inp_noise * buf[j]
        if neg_factor != 1:
            for j in range(n_in):
                if v[r, j] < 0:
                    v[r, j] = v[r, j] * neg_factor


@dual
def finalize_output(y, rows, sigma, wn_mode, wn_scale, wn_ref, bound, step, sto_round, neg_factor, test_neg,
                    key, pass_id, clipped, factor, nl, nl_f):
    """Output stage in place: + weight noise → non-linearity → negatives ×neg_factor → + σ_i·ξ → ADC quantise →
    clip → ×factor[r].

    Flags clipping (before the final digital rescale by ``factor``, float32[m]).

    Args:
        y: float32[m, out] analog MAC results of the samples ``rows`` (modified in place).
        rows: int64[m] sample index of each row (selects the random stream).
        sigma: float32[out] output-noise std per output (all 0: no noise).
        wn_mode: 0 none, 1 additive (y += wn_scale·wn_ref[r, 0]·ξ), 2 PCM read (y += wn_scale·sqrt(wn_ref[r, i])·ξ).
        wn_scale: float32 w_noise. wn_ref: float32[m, 1] (‖v‖₂) or float32[m, out] (Σ_j |w_ij| v_j²).
        bound: float32 ADC bound (<= 0: none). step: float32 ADC step (<= 0: none).
        neg_factor: float32 (1 − out_asymmetry). test_neg: the result of a value below −bound (aihwkit overwrites
            the flag per element, so the last out-of-range value decides; +bound always sets it).
        clipped: bool[m] output, True where the pass failed the bound test.
        nl: float32[out] output non-linearity strengths n_i (empty: off); nl_f: float32 calibration factor f,
            y ← f·y/(1 + |n_i·y|).
    """
    n_out = y.shape[1]
    half = np.float32(0.5)
    any_noise = False
    for i in range(n_out):
        if sigma[i] > 0:
            any_noise = True
            break
    for r in prange(rows.shape[0]):
        b = rows[r]
        base = stream(key, pass_id * 2 + 2, b)
        c = 0
        buf = np.empty(n_out + 1, np.float32)
        if wn_mode == 1:
            c = fill_normals(base, buf, n_out, c)
            g = wn_scale * wn_ref[r, 0]
            for i in range(n_out):
                y[r, i] = y[r, i] + g * buf[i]
        elif wn_mode == 2:
            c = fill_normals(base, buf, n_out, c)
            for i in range(n_out):
                y[r, i] = y[r, i] + wn_scale * np.float32(math.sqrt(wn_ref[r, i])) * buf[i]
        if nl.shape[0] > 0:
            for i in range(n_out):
                y[r, i] = nl_f * y[r, i] / (np.float32(1.0) + abs(nl[i] * y[r, i]))
        if neg_factor != 1:
            for i in range(n_out):
                if y[r, i] < 0:
                    y[r, i] = y[r, i] * neg_factor
        if any_noise:
            c = fill_normals(base, buf, n_out, c)
            for i in range(n_out):
                y[r, i] = y[r, i] + sigma[i] * buf[i]
        if step > 0:
            if sto_round:
                for i in range(n_out):
                    y[r, i] = np.rint(y[r, i] / step + (uniform32(base, c + i) - half)) * step
                c += n_out
            else:
                for i in range(n_out):
                    y[r, i] = np.rint(y[r, i] / step) * step
        flag = False
        if bound > 0:
            # aihwkit finalizeOutput: the last out-of-range value decides (+bound fails, −bound gives test_neg);
            # found as the largest index of each kind, integer max reductions that vectorise
            last_hi = -1
            last_lo = -1
            for i in range(n_out):
                val = y[r, i]
                last_hi = max(last_hi, i if val > bound else -1)
                last_lo = max(last_lo, i if val < -bound else -1)
                y[r, i] = min(max(val, -bound), bound)
            flag = last_hi > last_lo or (last_lo > last_hi and test_neg)
        clipped[r] = flag
        g = factor[r]
        if g != 1:
            for i in range(n_out):
                y[r, i] = y[r, i] * g


@dual
def row_abs_max(x, out):
    """out[b] = max_j |x[b, j]| (float32, C-contiguous x); returns True if any value is NaN or infinite.

    Computed on the IEEE bit patterns: for non-negative floats the integer order is the float order, so the max of
    |x| is the max of (bits & 0x7fffffff), an integer reduction the compiler vectorises (a float max reduction it may
    not, without fast-math), and any NaN or infinity shows as bits > 0x7f7fffff.
    """
    xi = x.view(np.int32)
    oi = out.view(np.int32)
    nbad = 0
    for b in prange(x.shape[0]):
        m = np.int32(0)
        for j in range(x.shape[1]):
            m = max(m, xi[b, j] & np.int32(0x7FFFFFFF))
        oi[b] = m
        nbad += np.int64(m > np.int32(0x7F7FFFFF))
    return nbad > 0


@dual
def row_max_and_sums(x, amax, vmax, pos, neg):
    """Per row: max|x|, max x, Σ positive x, −Σ negative x (float32 out)."""
    for b in prange(x.shape[0]):
        m = np.float32(0.0)
        mx = x[b, 0]
        sp = np.float32(0.0)
        sn = np.float32(0.0)
        for j in range(x.shape[1]):
            v = x[b, j]
            m = max(m, abs(v))
            mx = max(mx, v)
            if v > 0:
                sp += v
            else:
                sn -= v
        amax[b] = m
        vmax[b] = mx
        pos[b] = sp
        neg[b] = sn


# ------------------------------------------------------------------------------------------ device pulse laws

#: Device pulse laws by tag name (:func:`law_tag`); the update kernels are specialised on the tag at compile time.
LAWS: Registry[Callable[..., float]] = Registry("device pulse law")


class LawTagType(types.Type):
    """Numba type of a :class:`LawTag`: one type per law, so a kernel taking a tag is compiled (and cached on disk)
    once per law, with the law inlined."""

    def __init__(self, law_name: str) -> None:
        self.law_name = law_name
        super().__init__(name=f"PulseLaw({law_name})")


register_model(LawTagType)(models.OpaqueModel)


@unbox(LawTagType)
def _unbox_law_tag(typ, obj, c):
    return NativeValue(c.context.get_dummy_value())


class LawTag:
    """A registered pulse law, passed to the update kernels in place of the law itself (an opaque value in
    compiled code; its Numba type carries the law's name)."""

    __slots__ = ("_numba_type_", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        self._numba_type_ = LawTagType(name)

    def __repr__(self) -> str:
        return f"LawTag({self.name!r})"


_TAGS: dict[Callable[..., float], LawTag] = {}


def law_tag(law: Callable[..., float]) -> LawTag:
    """Register a device model's pulse law (a plain, Numba-compilable function) and return its tag.

    The tag name is ``module.qualname#h`` with h a hash of the law's source, so a changed law is a new Numba type:
    the kernels' on-disk cache is keyed by it and never serves machine code compiled from an old law.
    """
    tag = _TAGS.get(law)
    if tag is not None:
        return tag
    try:
        text = inspect.getsource(law)
    except (OSError, TypeError):
        text = law.__code__.co_code.hex()
    name = f"{law.__module__}.{law.__qualname__}#{hashlib.sha1(text.encode()).hexdigest()[:12]}"
    if name not in LAWS:
        LAWS.register(name, law)
    tag = _TAGS[law] = LawTag(name)
    return tag


def apply_law(tag, u, down, P, i, j, sigma, z, G):
    """One pulse of law ``tag`` on device value u of element (i, j), clipped to [P[i, j, 2], P[i, j, 3]].

    z is the pulse's standard-normal draw (float32; the kernels pass 0 when sigma = 0). Compiled code resolves this
    call from the tag's type (the law is compiled into the kernel); this Python body serves ``NUMBA_DISABLE_JIT``
    runs.
    """
    return min(max(LAWS[tag.name](u, down, P, i, j, sigma, z, G), P[i, j, 2]), P[i, j, 3])


_JITTED_LAWS: dict[str, Callable[..., float]] = {}


def _compiled_law(what: str, tag: Any, cache: dict[str, Callable[..., float]],
                  **options: Any) -> Callable[..., float]:
    """The pulse law named by the type ``tag`` of an overload of ``what``, compiled once with ``options``."""
    if not isinstance(tag, LawTagType):
        raise errors.TypingError(f"{what}: expected a pulse-law tag, got {tag}")
    law = cache.get(tag.law_name)
    if law is None:
        law = cache[tag.law_name] = njit(**options, **JIT)(LAWS[tag.law_name])
    return law


@overload(apply_law)
def _apply_law_typed(tag, u, down, P, i, j, sigma, z, G):
    law = _compiled_law("apply_law", tag, _JITTED_LAWS)

    def impl(tag, u, down, P, i, j, sigma, z, G):
        return min(max(law(u, down, P, i, j, sigma, z, G), P[i, j, 2]), P[i, j, 3])

    return impl


def apply_law_inline(tag, u, down, P, i, j, sigma, z, G):
    """:func:`apply_law`, inlined into the caller's IR (the per-pulse hot loop): saves the call, whose array
    arguments cost more than the law itself. Only used where the caller's control flow around the call is simple
    (Numba's IR inliner mis-renames variables in branchy callers)."""
    return apply_law(tag, u, down, P, i, j, sigma, z, G)


@overload(apply_law_inline, inline="always")
def _apply_law_inline_typed(tag, u, down, P, i, j, sigma, z, G):
    return _apply_law_typed(tag, u, down, P, i, j, sigma, z, G)


class ParamRow(NamedTuple):
    """One output row of a device array's parameters, input-major (``soa[k, j] = P[i, j, k]`` of row i), seen by a
    pulse law as P: ``row[i, j, k]`` reads ``soa[k, j]`` whatever i is.

    The dense pulse pass (:func:`_dense_slot`) gives the law this view instead of P, so that consecutive inputs j
    are consecutive in memory for every k and the pass vectorises (P itself is k-minor: a law reading
    ``P[i, j, 1]`` for 16 consecutive j reads a stride-4+ pattern, which the compiler does not vectorise).
    Laws index P only as ``P[i, j, k]`` (the law contract), so the law computes the same numbers either way.
    """

    soa: np.ndarray

    def __getitem__(self, index):  # the Python form of the compiled getitem below (NUMBA_DISABLE_JIT runs)
        if isinstance(index, tuple) and len(index) == 3:
            return self.soa[index[2], index[1]]
        return tuple.__getitem__(self, index)


@overload(operator.getitem, inline="always")
def _param_row_getitem(row, index):
    if not (isinstance(row, types.BaseNamedTuple) and row.instance_class is ParamRow):
        return None
    if not (isinstance(index, types.BaseTuple) and len(index) == 3):
        raise errors.TypingError("a ParamRow is indexed as P[i, j, k]")

    def impl(row, index):
        return row.soa[index[2], index[1]]

    return impl


_INLINE_LAWS: dict[str, Callable[..., float]] = {}


def law_unclipped(tag, u, down, P, i, j, sigma, z, G):
    """The law of ``tag`` without the clip of :func:`apply_law`, compiled into the caller's IR: the form the dense
    pulse pass needs (Numba's IR inliner breaks the loop vectoriser when the inlined function also holds the min/max
    of the clip, so the pass clips itself)."""
    return LAWS[tag.name](u, down, P, i, j, sigma, z, G)


@overload(law_unclipped, inline="always")
def _law_unclipped_typed(tag, u, down, P, i, j, sigma, z, G):
    law = _compiled_law("law_unclipped", tag, _INLINE_LAWS, inline="always")

    def impl(tag, u, down, P, i, j, sigma, z, G):
        return law(u, down, P, i, j, sigma, z, G)

    return impl


# ------------------------------------------------------------------------------------------ pulsed update


@dual
def x_trains(px, bl, key, idx, counts, code):
    """Stochastic input bit lines: for sample b, slot k < bl[b], input j fires if |px[b, j]| > U(0, 1).

    Args:
        px: float32[B, n_in] signed probabilities (sign = sign of x).
        bl: int64[B] pulse-train length per sample (0 = no update).
        key: uint64.
        idx: int32[B, BLmax, n_in] output: firing positive inputs j at the front (idx[b, k, :counts[b, k, 0]]),
            firing negative inputs at the back (idx[b, k, n_in − counts[b, k, 1]:]).
        counts: int64[B, BLmax, 2] output: numbers of firing positive / negative inputs per slot.
        code: int8[B, BLmax, n_in] output, the same bit lines densely: +1 (positive input fired), −1 (negative
            input fired), 0 (silent); read by the dense pulse pass (:func:`_dense_slot`).
    """
    n_in = px.shape[1]
    for b in prange(px.shape[0]):
        base = stream(key, 1, b)
        for k in range(bl[b]):
            off = k * n_in
            crow = code[b, k]
            for j in range(n_in):  # the draws first, into the dense bit line (this loop vectorises)
                p = px[b, j]
                fire = abs(p) > uniform32(base, off + j)
                crow[j] = np.int8(fire & (p > 0)) - np.int8(fire & (p < 0))
            npos = 0
            nneg = 0
            for j in range(n_in):  # branch-free: write both candidate slots, advance the one that fired
                c = crow[j]
                idx[b, k, npos] = j
                idx[b, k, n_in - 1 - nneg] = j
                npos += np.int64(c > 0)
                nneg += np.int64(c < 0)
            counts[b, k, 0] = npos
            counts[b, k, 1] = nneg


@njit(inline="always", **JIT)
def _pulse_run(law, u, i, idx_row, start, stop, down, P, G, sigma, zbuf, q, wvis, wn_std, wbuf, ref):
    """Apply one pulse in direction ``down`` to u[i, j] for j in idx_row[start:stop]; returns the next zbuf index.

    Indices are unsigned (uint64): Numba adds no negative-index wraparound to them, which here would cost more
    instructions than the pulse itself."""
    if wn_std == 0:
        zq = np.uint64(q - start)
        for t in range(start, stop):
            j = np.uint64(idx_row[t])
            u[i, j] = apply_law_inline(law, u[i, j], down, P, i, j, sigma, zbuf[zq + np.uint64(t)], G)
        return q + stop - start
    for t in range(start, stop):
        j = np.uint64(idx_row[t])
        val = apply_law(law, u[i, j], down, P, i, j, sigma, zbuf[np.uint64(q)], G)
        u[i, j] = val
        wvis[i, j] = val - ref[i, j] + wn_std * wbuf[q]
        q += 1
    return q


@njit(inline="always", **JIT)
def _routed_run(law, i, idx_row, start, stop, down, one_sided, u, P, wvis, ref, u2, P2, wvis2, ref2, G, sigma, zbuf,
                q, wn_std, wbuf):
    """A run of pulses of direction ``down``: onto ``u`` in that direction, or — one-sided unit cell — as *up*
    pulses onto ``u2`` (direction down, i.e. W decreasing, raises g⁻) or ``u`` (W increasing raises g⁺)."""
    if one_sided and down:
        return _pulse_run(law, u2, i, idx_row, start, stop, False, P2, G, sigma, zbuf, q, wvis2, wn_std, wbuf, ref2)
    return _pulse_run(law, u, i, idx_row, start, stop, down and not one_sided, P, G, sigma, zbuf, q, wvis, wn_std,
                      wbuf, ref)


#: A slot whose pulses number at least n_in / DENSE_DIV is applied by the dense pass (:func:`_dense_slot`: every
#: input of the row, vectorised, silent ones unchanged) instead of input by input (:func:`_pulse_run`). The two give
#: the same numbers; the threshold only sets the speed. Measured for ConstantStep on a 512-input row (AMD EPYC,
#: AVX-512): the dense pass costs ~110 ns a slot plus ~0.4 ns a pulse to place the noise, the sparse run ~2.6 ns a
#: pulse, so the dense pass wins above ~50 pulses, i.e. about a tenth of the inputs.
DENSE_DIV = 10


@njit(**JIT)
def _place_noise(zd, zbuf, q, row, npos, nneg):
    """zd[j] = the c2c draw of input j's pulse in this slot: the firing positive inputs row[:npos] take zbuf[q:q+npos]
    and the negative ones row[n_in − nneg:] the next nneg draws, in the order :func:`_pulse_run` consumes them."""
    # unsigned indices: Numba adds no negative-index wraparound to them (half the instructions of this loop)
    src = zbuf[q:]
    for t in range(npos):
        zd[np.uint32(row[t])] = src[t]
    n_in = row.shape[0]
    src = zbuf[q + npos:]
    neg = row[n_in - nneg:]
    for t in range(nneg):
        zd[np.uint32(neg[t])] = src[t]


@njit(**JIT)
def _dense_slot(law, u, i, crow, fp, fn, down_pos, prow, G, sigma, zd):
    """One slot of the coincidence loop on the whole row i at once: input j with crow[j] = +1 (and ``fp``) or −1
    (and ``fn``) gets one pulse, direction ``down_pos`` for positive inputs and the opposite for negative ones, c2c
    draw zd[j]; the others keep their value. Branch-free over j (the law's own branches become selects), so it
    vectorises; the law sees the row view ``prow`` (:class:`ParamRow`) of P."""
    urow = u[i]
    for j in range(urow.shape[0]):
        c = crow[j]
        act = ((c > 0) & fp) | ((c < 0) & fn)  # bitwise, not `and`/`or`: short-circuit branches stop the vectoriser
        down = (c > 0) == down_pos
        old = urow[j]
        v = law_unclipped(law, old, down, prow, i, j, sigma, zd[j], G)
        v = min(max(v, prow[i, j, 2]), prow[i, j, 3])
        urow[j] = v if act else old


@njit(**JIT)
def _slot_draws(key, i, n_out, pdt_row, bl, separate, bases, fired, counts):
    """The d bit lines of output row i for every sample at once: bases[b] = stream (key, 2, b·n_out + i) and
    fired[k, b] = 1 (positive inputs' slot k fires) | 2 (negative inputs' slot k fires), 0 for k >= bl[b]; the same
    counters as the one-sample-at-a-time loop (k, or 2k and 2k + 1 with ``separate``). Loops over b vectorise.

    Returns whether any coincidence happens on the row (a fired slot whose inputs of that sign fired too:
    ``counts`` from :func:`x_trains`); a row without one is left alone by the caller."""
    n_b = pdt_row.shape[0]
    for b in range(n_b):
        bases[b] = stream(key, 2, b * n_out + i)
    for k in range(fired.shape[0]):
        if separate:
            for b in range(n_b):
                ap = abs(pdt_row[b])
                live = k < bl[b]
                fp = live & (ap > uniform32(bases[b], 2 * k))
                fn = live & (ap > uniform32(bases[b], 2 * k + 1))
                fired[k, b] = np.uint8(fp) | (np.uint8(fn) << np.uint8(1))
        else:
            for b in range(n_b):
                fired[k, b] = np.uint8((k < bl[b]) & (abs(pdt_row[b]) > uniform32(bases[b], k))) * np.uint8(3)
    for b in range(n_b):
        for k in range(bl[b]):
            f = fired[k, b]
            if ((f & 1) != 0 and counts[b, k, 0] > 0) or ((f & 2) != 0 and counts[b, k, 1] > 0):
                return True
    return False


#: Rows whose slot draws are made together (:func:`_block_slot_draws`) when a call has few samples × slots.
ROW_BLOCK = 64
#: Samples × slots (B · BLmax) up to which the slot draws go row-block by row-block (vectorised over the rows)
#: instead of row by row (vectorised over the samples): at batch 1 the per-row loops are one iteration long.
BLOCK_DRAWS_MAX = 64


@njit(**JIT)
def _transposed(a):
    """C-contiguous a.T of a 2-D array, ROW_BLOCK columns of a at a time (2.5-4x faster than ascontiguousarray(a.T),
    which walks a column by column: 0.03 against 0.12 ms for 100 × 512 float32)."""
    n_r, n_c = a.shape
    out = np.empty((n_c, n_r), a.dtype)
    for c0 in range(0, n_c, ROW_BLOCK):
        c1 = min(n_c, c0 + ROW_BLOCK)
        for r in range(n_r):
            for c in range(c0, c1):
                out[c, r] = a[r, c]
    return out


@njit(**JIT)
def _block_slot_draws(key, r0, r1, n_out, pd, bl, separate, counts, bases_blk, fired_blk, hit):
    """:func:`_slot_draws` of rows r0 .. r1 − 1 at once, loops over the rows innermost (they vectorise):
    bases_blk[b, r] and fired_blk[k, b, r] are row r0 + r's bases[b] and fired[k, b], and hit[r] is non-zero where
    the row has a coincidence. The same draws, so the same numbers."""
    nr = r1 - r0
    for r in range(nr):
        hit[r] = 0
    for b in range(pd.shape[0]):
        for r in range(nr):
            bases_blk[b, r] = stream(key, 2, b * n_out + r0 + r)
        for k in range(fired_blk.shape[0]):
            if k >= bl[b]:
                for r in range(nr):
                    fired_blk[k, b, r] = 0
                continue
            mask = np.uint8(counts[b, k, 0] > 0) | (np.uint8(counts[b, k, 1] > 0) << np.uint8(1))
            if separate:
                for r in range(nr):
                    ap = abs(pd[b, r0 + r])
                    f = (np.uint8(ap > uniform32(bases_blk[b, r], 2 * k))
                         | (np.uint8(ap > uniform32(bases_blk[b, r], 2 * k + 1)) << np.uint8(1)))
                    fired_blk[k, b, r] = f
                    hit[r] |= f & mask
            else:
                for r in range(nr):
                    f = np.uint8(abs(pd[b, r0 + r]) > uniform32(bases_blk[b, r], k)) * np.uint8(3)
                    fired_blk[k, b, r] = f
                    hit[r] |= f & mask


@njit(**JIT)
def _param_row_soa(P, i, soa):
    """soa[k, j] = P[i, j, k] (the :class:`ParamRow` of row i). The four common parameters are copied in one pass
    over j with constant offsets (which vectorises: 0.07 ms for 512 rows of 512 inputs against 0.29 ms for a loop
    over k with a run-time stride), the model slots after them."""
    n_in = P.shape[1]
    for j in range(n_in):
        soa[0, j] = P[i, j, 0]
        soa[1, j] = P[i, j, 1]
        soa[2, j] = P[i, j, 2]
        soa[3, j] = P[i, j, 3]
    for kk in range(4, P.shape[2]):
        for j in range(n_in):
            soa[kk, j] = P[i, j, kk]


@njit(**JIT)
def _update_row(law, i, u, P, G, sigma, pdt_row, bl, idx, counts, code, lr_sign, separate, key, wvis, wn_std, ref,
                noise_key, one_sided, u2, P2, wvis2, ref2, bases, fired, zd, soa, zcap):
    """All samples' pulses on output row i (see :func:`stochastic_update`); returns (pulses applied, c2c scratch).
    ``bases`` and ``fired`` hold the row's slot draws (:func:`_slot_draws`).

    Scratch from the caller (reused over rows): bases uint64[B], fired uint8[BLmax, B], zd float32[n_in] (zeros),
    soa float32[4 + slots, n_in], zcap float32[...] (the c2c draw buffer, grown on demand and returned)."""
    n_out = u.shape[0]
    n_in = u.shape[1]
    own_noise = noise_key != key
    dense_ok = wn_std == 0 and not one_sided
    npulse = 0
    soa_ready = False
    zbuf = zcap
    wbuf = zcap  # write-noise draws: allocated below, only with write noise
    w_ready = False
    for b in range(pdt_row.shape[0]):
        nb = bl[b]
        total = 0
        for k in range(nb):
            f = fired[k, b]
            total += (counts[b, k, 0] if f & 1 else 0) + (counts[b, k, 1] if f & 2 else 0)
        if total == 0:
            continue
        if total + 1 > zbuf.shape[0]:
            # grown on demand; without c2c noise it is never filled: zeros, so the law sees z = 0
            cap = max(total + 1, min(2 * zbuf.shape[0], idx.shape[1] * n_in + 1))
            zbuf = np.zeros(cap, np.float32)
        if wn_std > 0 and (not w_ready or total + 1 > wbuf.shape[0]):
            wbuf = np.empty(zbuf.shape[0], np.float32)
            w_ready = True
        nbase = bases[b]
        c = nb * 2 if separate else nb  # the slot draws used counters 0 .. c - 1 of this stream
        if own_noise:
            nbase = stream(noise_key, 2, b * n_out + i)
            c = 0
        if sigma > 0:
            c = fill_normals(nbase, zbuf, total, c)
        if wn_std > 0:
            c = fill_normals(nbase, wbuf, total, c)
        p = pdt_row[b]
        down_pos = (p > 0) == (lr_sign > 0)  # x > 0: direction sign(d)·sign(lr) > 0 lowers w
        q = 0
        for k in range(nb):
            f = fired[k, b]
            if f == 0:
                continue
            fp = (f & 1) != 0
            fn = (f & 2) != 0
            npos = counts[b, k, 0] if fp else 0
            nneg = counts[b, k, 1] if fn else 0
            row = idx[b, k]
            if dense_ok and (npos + nneg) * DENSE_DIV >= n_in:
                if not soa_ready:
                    _param_row_soa(P, i, soa)
                    soa_ready = True
                if sigma > 0:
                    _place_noise(zd, zbuf, q, row, npos, nneg)
                _dense_slot(law, u, i, code[b, k], fp, fn, down_pos, ParamRow(soa), G, sigma, zd)
                q += npos + nneg
                continue
            if fp:
                q = _routed_run(law, i, row, 0, npos, down_pos, one_sided, u, P, wvis, ref, u2, P2, wvis2, ref2, G,
                                sigma, zbuf, q, wn_std, wbuf)
            if fn:
                q = _routed_run(law, i, row, n_in - nneg, n_in, not down_pos, one_sided, u, P, wvis, ref, u2, P2,
                                wvis2, ref2, G, sigma, zbuf, q, wn_std, wbuf)
        npulse += q
    return npulse, zbuf


@dual
def stochastic_update(law, u, P, G, sigma, pd, bl, idx, counts, code, lr_sign, separate, key, wvis, wn_std, ref,
                      pulses, noise_key, one_sided, u2, P2, wvis2, ref2, rows_per_chunk):
    """Coincidence loop of the stochastic pulsed update, samples in batch order, rows in parallel.

    For sample b and output row i, slot k fires if |pd[b, i]| > U(0, 1) (a second, independent draw for
    negative inputs when ``separate``, i.e. PulseType STOCHASTIC); every firing input j of that slot then
    applies one pulse to u[i, j] with direction sign(x_j)·sign(d_i)·lr_sign (> 0 lowers the weight). Pulses on one
    element are applied in slot order; rows are independent, so the result does not depend on threading.
    The pulses of a slot go input by input (:func:`_pulse_run`), or, for a slot carrying at least n_in/DENSE_DIV
    of them, by the vectorised dense pass (:func:`_dense_slot`; not with write noise or one-sided routing): the
    same pulses with the same draws, so the same numbers. A row's slot draws are made first (:func:`_slot_draws`,
    or for B·BLmax <= BLOCK_DRAWS_MAX :func:`_block_slot_draws`, ROW_BLOCK rows at once) and a row without a
    coincidence is skipped. Measured on the project's 2-core machine, one thread, batch-1 updates of the
    784-256-128-10 MLP's tiles (recorded late in an MNIST epoch): 256×392 10 µs, 128×256 16 µs, 10×128 5 µs per
    call, against 52, 35 and 6 µs with every row passed to :func:`_update_row` and drawn sample-innermost.

    Args:
        law: the device's pulse-law tag (:func:`law_tag`; the kernel is specialised on it).
        u: float32[out, in] device values (modified). P: float32[out, in, 4 + slots] device parameters.
        G: float64[n] global device parameters. sigma: float32 c2c noise.
        pd: float32[B, out] signed d probabilities. bl: int64[B]. idx, counts, code: from :func:`x_trains`.
        lr_sign: +1 or −1. separate: bool. key: uint64 (the pulse trains).
        wvis: float32[out, in] visible weights, redrawn as u − ref + wn_std·ξ after each pulse when wn_std > 0.
        ref: float32[out, in] reference (device value − weight) of reference devices; only read if wn_std > 0.
        pulses: int64[out] output, pulses applied per row (added to).
        noise_key: uint64 of the per-pulse c2c and write noise; equal to ``key``, the noise continues the train's
            stream (one device), otherwise it has its own (several devices sharing one train, each with its noise).
        one_sided: route the pulses as in aihwkit's one-sided unit cell: a pulse lowering W raises ``u2`` (g⁻), one
            raising W raises ``u`` (g⁺); ``u2, P2, wvis2, ref2`` are that second array (pass ``u, P, wvis, ref``
            again when False).
        rows_per_chunk: rows sharing one set of scratch buffers (the serial kernel: all of them; the parallel one:
            a few, so that chunks spread over the threads). Does not change results.
    """
    n_out = u.shape[0]
    n_b = pd.shape[0]
    n_slots = idx.shape[1]
    pdt = _transposed(pd)
    n_chunks = (n_out + rows_per_chunk - 1) // rows_per_chunk
    for ch in prange(n_chunks):
        bases = np.empty(n_b, np.uint64)
        fired = np.empty((n_slots, n_b), np.uint8)
        zd = np.zeros(u.shape[1], np.float32)
        soa = np.empty((P.shape[2], u.shape[1]), np.float32)
        zbuf = np.zeros(1, np.float32)
        lo = ch * rows_per_chunk
        hi = min(n_out, lo + rows_per_chunk)
        # rows without a coincidence are skipped before the call: passing _update_row its ~25 arrays costs ~40
        # atomic reference-count updates (~0.2 us), more than a whole row of batch-1 work
        if n_b * n_slots <= BLOCK_DRAWS_MAX:
            bases_blk = np.empty((n_b, ROW_BLOCK), np.uint64)
            fired_blk = np.empty((n_slots, n_b, ROW_BLOCK), np.uint8)
            hit = np.empty(ROW_BLOCK, np.uint8)
            for r0 in range(lo, hi, ROW_BLOCK):
                r1 = min(hi, r0 + ROW_BLOCK)
                _block_slot_draws(key, r0, r1, n_out, pd, bl, separate, counts, bases_blk, fired_blk, hit)
                for i in range(r0, r1):
                    r = i - r0
                    if hit[r] == 0:
                        continue
                    for b in range(n_b):
                        bases[b] = bases_blk[b, r]
                        for k in range(n_slots):
                            fired[k, b] = fired_blk[k, b, r]
                    n, zbuf = _update_row(law, i, u, P, G, sigma, pdt[i], bl, idx, counts, code, lr_sign, separate,
                                          key, wvis, wn_std, ref, noise_key, one_sided, u2, P2, wvis2, ref2, bases,
                                          fired, zd, soa, zbuf)
                    pulses[i] += n
            continue
        for i in range(lo, hi):
            if not _slot_draws(key, i, n_out, pdt[i], bl, separate, bases, fired, counts):
                continue
            n, zbuf = _update_row(law, i, u, P, G, sigma, pdt[i], bl, idx, counts, code, lr_sign, separate, key,
                                  wvis, wn_std, ref, noise_key, one_sided, u2, P2, wvis2, ref2, bases, fired, zd, soa,
                                  zbuf)
            pulses[i] += n


@dual
def dense_update(law, u, P, G, sigma, cd, cx, coef, divide, lr_sign, key, wvis, wn_std, ref, pulses, one_sided, u2,
                 P2, wvis2, ref2):
    """Dense coincidence update (MEAN_COUNT, DETERMINISTIC_IMPLICIT).

    n_ij = rint((cd[b, i]/coef[b])·cx[b, j]) if ``divide`` (MEAN_COUNT, coef = BL) else
    rint((coef[b]·cd[b, i])·cx[b, j]) (DETERMINISTIC_IMPLICIT, coef = BL), in aihwkit's float32 order.
    cd: float32[B, out], cx: float32[B, in] signed counts/levels; coef: float32[B]. |n_ij| pulses are applied
    with direction sign(n_ij)·lr_sign (> 0 lowers the weight); with ``one_sided`` they are routed as in
    :func:`stochastic_update`. ``key`` selects the noise stream. Other arguments as :func:`stochastic_update`.
    """
    n_out = u.shape[0]
    n_in = u.shape[1]
    for i in prange(n_out):
        npulse = 0
        for b in range(cd.shape[0]):
            di = cd[b, i]
            if di == 0:
                continue
            base = stream(key, 3, b * n_out + i)
            c = 0
            f = di / coef[b] if divide else coef[b] * di  # aihwkit generateCoincidences(DetI): dc/BL or dc·BL first
            for j in range(n_in):
                xj = cx[b, j]
                if xj == 0:
                    continue
                n = np.rint(f * xj)
                if n == 0:
                    continue
                down = (n > 0) == (lr_sign > 0)
                m = int(abs(n))
                if one_sided and down:
                    tu, tP, tw, tr = u2, P2, wvis2, ref2
                else:
                    tu, tP, tw, tr = u, P, wvis, ref
                if one_sided:
                    down = False
                val = tu[i, j]
                for _ in range(m):
                    z = np.float32(0.0)
                    if sigma > 0:
                        zz, c = normal(base, c)
                        z = np.float32(zz)
                    val = apply_law(law, val, down, tP, i, j, sigma, z, G)
                tu[i, j] = val
                npulse += m
                if wn_std > 0:
                    zz, c = normal(base, c)
                    tw[i, j] = val - tr[i, j] + wn_std * np.float32(zz)
        pulses[i] += npulse


@dual
def fp_update_with_bounds(u, P, x, d, lr):
    """Floating-point update per sample in batch order, clipped to the device bounds (NONE_WITH_DEVICE).

    u[i, j] ← clip(u[i, j] − lr·d[b, i]·x[b, j], b_min, b_max) for b = 0, 1, ...; float32.
    """
    for i in prange(u.shape[0]):
        for b in range(x.shape[0]):
            f = lr * d[b, i]
            if f == 0:
                continue
            for j in range(u.shape[1]):
                val = u[i, j] - f * x[b, j]
                u[i, j] = min(max(val, P[i, j, 2]), P[i, j, 3])
