"""Pulsed-update kernels (archsim.crossbar.kernels): the packed inverse-normal table, the ParamRow view, the dense
pulse pass against the input-by-input one, parallel against serial, the compiled path for large serial batches and
the NUMBA_DISABLE_JIT Python path. Every check is bit for bit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from numba import njit

from archsim.crossbar import DeviceArray, pulsed_update
from archsim.crossbar import kernels as K
from archsim.crossbar import update as update_module
from archsim.hwconfig import rpu

F = np.float32
ROOT = Path(__file__).resolve().parents[2]


@njit
def _inv_normals(halves, out):
    for t in range(halves.shape[0]):
        out[t] = K._inv_normal(halves[t])


def test_packed_table_equals_the_two_tables_over_all_bins():
    k = np.repeat(np.arange(1 << 12, dtype=np.uint32), 6)
    rng = np.random.default_rng(0)
    f = np.tile(np.array([0, 1, 0x7FFFF, 0xFFFFE, 0xFFFFF, 0], np.uint32), 1 << 12)
    f[5::6] = rng.integers(0, 1 << 20, 1 << 12, dtype=np.uint32)
    halves = (k << np.uint32(20)) | f
    ref = K.INV_T[k] + f.astype(F) * K.INV_DS[k]  # float32 arithmetic, the old two-table form
    out = np.empty(halves.shape[0], F)
    _inv_normals(halves, out)
    np.testing.assert_array_equal(out.view(np.uint32), ref.view(np.uint32))
    edge = (k == 0) | (k == (1 << 12) - 1)
    assert np.isnan(out[edge]).all() and np.isfinite(out[~edge]).all()
    py = np.array([K._f32_from_bits(np.uint32(e & 0xFFFFFFFF)) for e in K.INV_TD[:64]], F)  # the Python body
    np.testing.assert_array_equal(py.view(np.uint32), K.INV_T[:64].view(np.uint32))


@njit
def _read_row_view(P, i, soa, out):
    K._param_row_soa(P, i, soa)
    row = K.ParamRow(soa)
    for j in range(P.shape[1]):
        for k in range(P.shape[2]):
            out[j, k] = row[i, j, k]


@pytest.mark.parametrize("n_params", [4, 7])
def test_param_row_view_equals_p_indexing(n_params):
    P = np.random.default_rng(1).normal(size=(5, 33, n_params)).astype(F)
    soa = np.empty((n_params, 33), F)
    for i in range(5):
        out = np.empty((33, n_params), F)
        _read_row_view(P, i, soa, out)
        np.testing.assert_array_equal(out, P[i])
        row = K.ParamRow(soa)  # the Python form (NUMBA_DISABLE_JIT)
        assert all(row[i, j, k] == P[i, j, k] for j in (0, 17, 32) for k in range(n_params))


DEVICES = [rpu.ConstantStepDevice(), rpu.LinearStepDevice(gamma_up=0.3, gamma_down=0.2, mult_noise=True),
           rpu.ExpStepDevice(), rpu.PowStepDevice(), rpu.ConstantStepDevice(dw_min_std=0.0)]


def _kernel_run(arr, u0, pd, bl, trains, *, separate, wn_std, kernel, rows_per_chunk):
    idx, counts, code = trains
    arr.u[...] = u0
    wvis = np.zeros_like(arr.u)
    pulses = np.zeros(arr.out_size, np.int64)
    key = np.uint64(77)
    kernel(arr.law, arr.u, arr.P, arr.G, arr.sigma, pd, bl, idx, counts, code, 1, separate, key, wvis, F(wn_std),
           arr.ref, pulses, key, False, arr.u, arr.P, wvis, arr.ref, rows_per_chunk)
    return arr.u.copy(), pulses


def _trains(n_out, n_in, batch, bl_max, seed):
    rng = np.random.default_rng(seed)
    px = rng.uniform(-0.9, 0.9, (batch, n_in)).astype(F)
    px *= rng.choice(np.array([0.04, 1.0], F), batch)[:, None]  # sparse and dense slots
    px[:, 3] = 0
    pd = rng.uniform(-0.9, 0.9, (batch, n_out)).astype(F)
    pd[1] = 0
    bl = rng.integers(0, bl_max + 1, batch).astype(np.int64)
    idx = np.empty((batch, bl_max, n_in), np.int32)
    counts = np.zeros((batch, bl_max, 2), np.int64)
    code = np.empty((batch, bl_max, n_in), np.int8)
    K.x_trains.serial(px, bl, np.uint64(5), idx, counts, code)
    return pd, bl, (idx, counts, code)


@pytest.mark.parametrize("device", DEVICES, ids=lambda d: type(d).__name__ + str(d.dw_min_std))
@pytest.mark.parametrize("separate", [False, True])
def test_dense_pass_equals_input_by_input_pass(device, separate):
    # write noise turns the dense pass off (it needs the per-pulse visible weight) and only adds draws after the c2c
    # ones, so the device values with and without it must be equal bit for bit
    n_out, n_in = 24, 64
    arr = DeviceArray(n_out, n_in, device, np.random.default_rng(0))
    u0 = np.random.default_rng(2).uniform(-0.5, 0.5, arr.u.shape).astype(F)
    pd, bl, trains = _trains(n_out, n_in, 30, 6, 3)
    counts = trains[1]
    assert (counts.sum(axis=2) * K.DENSE_DIV >= n_in).any()  # dense slots happen
    assert ((counts.sum(axis=2) > 0) & (counts.sum(axis=2) * K.DENSE_DIV < n_in)).any()  # and sparse ones
    kw = {"separate": separate, "kernel": K.stochastic_update.serial, "rows_per_chunk": n_out}
    u_dense, p_dense = _kernel_run(arr, u0, pd, bl, trains, wn_std=0.0, **kw)
    u_sparse, p_sparse = _kernel_run(arr, u0, pd, bl, trains, wn_std=1e-3, **kw)
    assert p_dense.sum() > 1000
    np.testing.assert_array_equal(p_dense, p_sparse)
    np.testing.assert_array_equal(u_dense.view(np.uint32), u_sparse.view(np.uint32))
    assert not np.array_equal(u_dense, u0)


@pytest.mark.parametrize("separate", [False, True])
def test_block_slot_draws_equal_the_row_by_row_draws(separate):
    # the batch-1 form of the slot draws (rows innermost) against the row-by-row one (samples innermost)
    n_out, n_in, batch, bl_max = 70, 40, 3, 5
    pd, bl, (idx, counts, code) = _trains(n_out, n_in, batch, bl_max, 8)
    bl[0] = 0
    key = np.uint64(91)
    r0, r1 = 3, 3 + K.ROW_BLOCK
    r1 = min(r1, n_out)
    bases_blk = np.empty((batch, K.ROW_BLOCK), np.uint64)
    fired_blk = np.empty((bl_max, batch, K.ROW_BLOCK), np.uint8)
    hit = np.empty(K.ROW_BLOCK, np.uint8)
    K._block_slot_draws(key, r0, r1, n_out, pd, bl, separate, counts, bases_blk, fired_blk, hit)
    pdt = np.ascontiguousarray(pd.T)
    bases = np.empty(batch, np.uint64)
    fired = np.empty((bl_max, batch), np.uint8)
    n_hit = 0
    for i in range(r0, r1):
        any_hit = K._slot_draws(key, i, n_out, pdt[i], bl, separate, bases, fired, counts)
        np.testing.assert_array_equal(bases_blk[:, i - r0], bases)
        np.testing.assert_array_equal(fired_blk[:, :, i - r0], fired)
        assert bool(hit[i - r0]) == any_hit
        n_hit += any_hit
    assert 0 < n_hit < r1 - r0  # rows with and without coincidences


@pytest.mark.parametrize("separate", [False, True])
def test_parallel_serial_and_scratch_sharing_give_identical_kernels(separate):
    n_out, n_in = 29, 48
    arr = DeviceArray(n_out, n_in, rpu.ConstantStepDevice(), np.random.default_rng(0))
    u0 = arr.u.copy()
    pd, bl, trains = _trains(n_out, n_in, 40, 5, 4)
    runs = [_kernel_run(arr, u0, pd, bl, trains, separate=separate, wn_std=0.0, kernel=kern, rows_per_chunk=rows)
            for kern, rows in ((K.stochastic_update.serial, n_out), (K.stochastic_update.serial, 3),
                               (K.stochastic_update, K.PARALLEL_SCRATCH_ROWS), (K.stochastic_update, 1))]
    for u, p in runs[1:]:
        np.testing.assert_array_equal(u, runs[0][0])
        np.testing.assert_array_equal(p, runs[0][1])


@pytest.mark.parametrize("separate", [False, True])
def test_small_batches_block_draws_serial_parallel_and_chunks_give_identical_kernels(separate):
    # B * BLmax <= BLOCK_DRAWS_MAX: the slot draws go ROW_BLOCK rows at a time, also inside the parallel chunks
    n_out, n_in, batch, bl_max = K.ROW_BLOCK + 29, 48, 3, 5
    assert batch * bl_max <= K.BLOCK_DRAWS_MAX
    arr = DeviceArray(n_out, n_in, rpu.ConstantStepDevice(), np.random.default_rng(0))
    u0 = arr.u.copy()
    pd, bl, trains = _trains(n_out, n_in, batch, bl_max, 11)
    runs = [_kernel_run(arr, u0, pd, bl, trains, separate=separate, wn_std=0.0, kernel=kern, rows_per_chunk=rows)
            for kern, rows in ((K.stochastic_update.serial, n_out), (K.stochastic_update.serial, 7),
                               (K.stochastic_update, K.PARALLEL_SCRATCH_ROWS), (K.stochastic_update, 1))]
    assert runs[0][1].sum() > 100 and (runs[0][1] == 0).any()  # pulsed rows and skipped ones
    for u, p in runs[1:]:
        np.testing.assert_array_equal(u, runs[0][0])
        np.testing.assert_array_equal(p, runs[0][1])


def test_serial_updates_of_large_batches_take_the_compiled_path(monkeypatch):
    rng = np.random.default_rng(6)
    x = rng.uniform(-1, 1, (150, 40)).astype(F)
    d = rng.normal(0, 0.1, (150, 30)).astype(F)
    calls = []
    small = update_module.stochastic_update_small

    def counted(*args):
        calls.append(1)
        return small(*args)

    monkeypatch.setattr(update_module, "stochastic_update_small", counted)
    monkeypatch.setattr(K, "PARALLEL", "never")
    out = []
    for fast_rows in (update_module.FAST_ROWS, 0):  # 0: the compiled path off
        monkeypatch.setattr(update_module, "FAST_ROWS", fast_rows)
        arr = DeviceArray(30, 40, rpu.ConstantStepDevice(), np.random.default_rng(0))
        res = pulsed_update(arr, x, d, 0.1, rpu.UpdateParameters(), np.random.default_rng(1))
        out.append((arr.u.copy(), res.pulses, res.bl))
        assert len(calls) == 1  # taken the first time only
    np.testing.assert_array_equal(out[0][0], out[1][0])
    np.testing.assert_array_equal(out[0][2], out[1][2])
    assert out[0][1] == out[1][1] > 0


_NOJIT_SCRIPT = """
import sys
import numpy as np
from archsim.crossbar import DeviceArray, pulsed_update
from archsim.hwconfig import rpu
rng = np.random.default_rng(5)
x = rng.uniform(-1, 1, (70, 16)).astype(np.float32)
d = rng.normal(0, 0.3, (70, 9)).astype(np.float32)
arr = DeviceArray(9, 16, rpu.ConstantStepDevice(), np.random.default_rng(0))
res = pulsed_update(arr, x, d, 0.1, rpu.UpdateParameters(), np.random.default_rng(1))
np.save(sys.argv[1], arr.u)
print(res.pulses)
"""


def test_numba_disable_jit_python_path_gives_the_same_update(tmp_path):
    out = {}
    for jit in ("0", "1"):
        env = {**os.environ, "NUMBA_DISABLE_JIT": jit, "PYTHONWARNINGS": "ignore"}
        path = tmp_path / f"u{jit}.npy"
        proc = subprocess.run([sys.executable, "-c", _NOJIT_SCRIPT, str(path)], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-2000:]
        out[jit] = (np.load(path), int(proc.stdout.split()[-1]))
    assert out["0"][1] == out["1"][1] > 1000
    np.testing.assert_array_equal(out["0"][0], out["1"][0])


def test_one_numba_thread_runs_the_serial_kernels(monkeypatch):
    import numba

    monkeypatch.setattr(K, "PARALLEL", "always")
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        assert not K.parallel_wanted(1 << 30)
        assert K.pick(K.stochastic_update, 1 << 30) is K.stochastic_update.serial
        if numba.config.NUMBA_NUM_THREADS > 1:
            numba.set_num_threads(2)
            assert K.parallel_wanted(1 << 30)
            assert not K.parallel_wanted(K.SERIAL_WORK - 1)
    finally:
        numba.set_num_threads(old)
    monkeypatch.setattr(K, "PARALLEL", "never")
    assert not K.parallel_wanted(1 << 30)
