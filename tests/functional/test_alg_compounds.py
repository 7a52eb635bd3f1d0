"""Compound unit cells and Tiki-Taka-family algorithms against slow numpy references (aihwkit 1.1.0 compounds).

Deterministic settings: perfect forward (so transfer reads are exact), floating-point updates
(``pulse_type: none``: W −= lr·dᵀx exactly) and a wide, variation-free constant-step device, so every step of
each algorithm can be replayed in plain numpy.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from archsim.crossbar import AnalogTile
from archsim.crossbar.algorithms import find_symmetry_point, threshold_buffer
from archsim.crossbar.devices import DeviceArray
from archsim.errors import ConfigError
from archsim.hwconfig import algorithms as A
from archsim.hwconfig.rpu import (
    ConstantStepDevice,
    IOParameters,
    RPUConfig,
    SoftBoundsDevice,
    UpdateParameters,
)

F32 = np.float32
EXACT_DEVICE = ConstantStepDevice(w_min=-10.0, w_max=10.0, dw_min=0.001, dw_min_dtod=0.0, w_min_dtod=0.0,
                                  w_max_dtod=0.0, up_down_dtod=0.0, dw_min_std=0.0, reset_std=0.0)
PERFECT = IOParameters(is_perfect=True)
FP_UPDATE = UpdateParameters(pulse_type="none")


def exact_tile(alg, out=3, inp=4, seed=0) -> AnalogTile:
    cfg = RPUConfig(device=EXACT_DEVICE, forward=PERFECT, backward=PERFECT, update=FP_UPDATE, algorithm=alg)
    return AnalogTile(out, inp, cfg, seed=seed)


def batches(n, b, out, inp, seed=1):
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=(b, inp)).astype(F32), (0.1 * rng.normal(size=(b, out))).astype(F32)) for _ in range(n)]


# ------------------------------------------------------------------------------------------ symmetry point


def test_soft_bounds_converge_to_symmetry_point():
    dev = SoftBoundsDevice(dw_min=0.01, up_down=0.2, dw_min_std=0.0, up_down_dtod=0.05, w_max_dtod=0.2,
                           w_min_dtod=0.2)
    arr = DeviceArray(5, 6, dev, np.random.default_rng(3))
    s_up, s_dn, b_min, b_max = (arr.P[..., k].astype(np.float64) for k in range(4))
    w_formula = (s_up - s_dn) / (s_up / b_max - s_dn / b_min)
    w_est, pulses = find_symmetry_point(arr, 1000, UpdateParameters(), np.random.default_rng(4))
    assert pulses == 2002
    # the alternating up/down 2-cycle straddles w*: its midpoint is within a fraction of a step
    np.testing.assert_allclose(w_est, w_formula, atol=0.25 * 0.01)
    assert np.abs(w_formula).max() > 0.05  # the asymmetry really moves the symmetry point
    # the same point is reached from the other side
    arr.set_weights(np.full((5, 6), -0.4, F32))
    w_est2, _ = find_symmetry_point(arr, 1000, UpdateParameters(), np.random.default_rng(5))
    np.testing.assert_allclose(w_est2, w_est, atol=1e-4)


def test_zero_shifting_reference_cell():
    dev = SoftBoundsDevice(dw_min=0.01, up_down=0.3, dw_min_std=0.0)
    cfg = RPUConfig(device=dev, algorithm=A.ReferenceUnitCellConfig(zero_shift=True))
    tile = AnalogTile(3, 4, cfg, seed=0)
    alg = tile.algorithm
    assert alg.counters.programming_pulses > 0
    np.testing.assert_allclose(tile.get_weights(), 0.0, atol=0.01)
    # the reference holds the symmetry point, clearly away from 0
    assert alg.reference.get_weights().mean() > 0.05
    # alternating updates now hover around W = 0 instead of drifting to w*
    x = np.ones((1, 4), F32)
    for k in range(200):
        tile.update(x, np.full((1, 3), 1.0 if k % 2 else -1.0, F32), 0.01)
    assert np.abs(tile.get_weights()).max() < 0.03


def test_reference_offset_is_programmed():
    cfg = RPUConfig(device=EXACT_DEVICE, algorithm=A.ReferenceUnitCellConfig(reference_offset=0.1))
    tile = AnalogTile(2, 2, cfg)
    np.testing.assert_allclose(tile.get_weights(), -0.1, atol=1e-6)


# ------------------------------------------------------------------------------------------ vector / one-sided


@pytest.mark.parametrize("policy", list(A.VectorUpdatePolicy))
def test_vector_unit_cell_policies(policy):
    """ALL: every device gets the update; the single policies pick one device per *vector* (aihwkit CPU), and
    SINGLE_SEQUENTIAL starts at first_update_idx + 1 (aihwkit advances the index before the first update)."""
    tile = exact_tile(A.VectorUnitCellConfig(n_devices=3, update_policy=policy, first_update_idx=1))
    alg = tile.algorithm
    ref = [np.zeros((3, 4)) for _ in range(3)]
    for k, (x, d) in enumerate(batches(5, 2, 3, 4)):
        tile.update(x, d, 0.1)
        if policy is A.VectorUpdatePolicy.ALL:
            assert alg.last_updated == [0, 1, 2]
            for idx in range(3):
                ref[idx] -= 0.1 * d.astype(np.float64).T @ x
            continue
        assert len(alg.last_updated) == 2
        for v, idx in enumerate(alg.last_updated):
            ref[idx] -= 0.1 * np.outer(d[v], x[v]).astype(np.float64)
        if policy is A.VectorUpdatePolicy.SINGLE_FIXED:
            assert alg.last_updated == [1, 1]
        if policy is A.VectorUpdatePolicy.SINGLE_SEQUENTIAL:
            assert alg.last_updated == [(2 + 2 * k) % 3, (3 + 2 * k) % 3]
    for a, r in zip(alg.arrays, ref):
        np.testing.assert_allclose(a.get_weights(), r, atol=1e-5)
    np.testing.assert_allclose(tile.get_weights(), sum(ref) / 3, atol=1e-5)


def test_vector_gamma_vec_and_validation():
    tile = exact_tile(A.VectorUnitCellConfig(n_devices=2, gamma_vec=(1.0, -0.5)))
    tile.set_weights(np.full((3, 4), 0.2, F32))
    np.testing.assert_allclose(tile.get_weights(), 0.1, atol=1e-6)
    with pytest.raises(ConfigError):
        A.VectorUnitCellConfig(n_devices=2, gamma_vec=(1.0,))


def test_one_sided_only_increases_and_matches_sgd():
    tile = exact_tile(A.OneSidedUnitCellConfig())
    alg = tile.algorithm
    w_ref = np.zeros((3, 4))
    prev_p, prev_m = alg.g_plus.get_weights(), alg.g_minus.get_weights()
    for x, d in batches(6, 3, 3, 4):
        tile.update(x, d, 0.2)
        w_ref -= 0.2 * d.astype(np.float64).T @ x
        gp, gm = alg.g_plus.get_weights(), alg.g_minus.get_weights()
        assert np.all(gp >= prev_p - 1e-7) and np.all(gm >= prev_m - 1e-7)
        prev_p, prev_m = gp, gm
    np.testing.assert_allclose(tile.get_weights(), w_ref, atol=1e-5)


def test_one_sided_refresh_resets_and_rewrites():
    dev = ConstantStepDevice(w_min=-1.0, w_max=1.0, dw_min_dtod=0.0, w_min_dtod=0.0, w_max_dtod=0.0,
                             up_down_dtod=0.0, dw_min_std=0.0, reset_std=0.0)
    cfg = RPUConfig(device=dev, forward=PERFECT, backward=PERFECT, update=FP_UPDATE,
                    algorithm=A.OneSidedUnitCellConfig(refresh_every=2))
    tile = AnalogTile(2, 3, cfg)
    alg = tile.algorithm
    alg.g_plus.set_weights(np.array([[0.9, 0.1, 0.8], [0.5, 0.95, 0.2]], F32))
    alg.g_minus.set_weights(np.array([[0.6, 0.0, 0.1], [0.3, 0.85, 0.9]], F32))
    w_before = tile.get_weights()
    zero_x, zero_d = np.zeros((1, 3), F32), np.zeros((1, 2), F32)
    tile.update(zero_x, zero_d, 0.1)
    assert alg.counters.refreshes == 0
    tile.update(zero_x, zero_d, 0.1)  # second mini-batch: refresh
    assert alg.counters.refreshes == 1
    # refreshed: (0,0) 0.9/0.6 and (1,1) 0.95/0.85; kept: (0,2) and (1,2) (smaller side < 0.25), (1,0) (< 0.75)
    assert alg.counters.refreshed_devices == 2
    np.testing.assert_allclose(tile.get_weights(), w_before, atol=1e-6)
    gp, gm = alg.g_plus.get_weights(), alg.g_minus.get_weights()
    np.testing.assert_allclose([gp[0, 0], gm[0, 0], gp[1, 1], gm[1, 1], gp[1, 2], gm[1, 2]],
                               [0.3, 0.0, 0.1, 0.0, 0.2, 0.9], atol=1e-6)
    assert gp[0, 2] == pytest.approx(0.8)
    assert tile.stats.transfer_writes == 2  # one g+ column write each for columns 0 and 1
    assert tile.stats.transfer_reads == 6  # both arrays, every column


# ------------------------------------------------------------------------------------------ Tiki-Taka v1


def test_tiki_taka_v1_against_numpy_reference():
    cfg = A.TransferCompoundConfig(transfer_every=2.0, n_reads_per_transfer=2, fast_lr=0.5, transfer_lr=0.3,
                                   gamma=0.1)
    tile = exact_tile(cfg)
    lr = 0.1
    a_ref = np.zeros((3, 4))
    c_ref = np.zeros((3, 4))
    col = 0
    n_vec = 0
    transfers = []
    for x, d in batches(7, 3, 3, 4):
        period = math.ceil(2.0 * 3)
        for b in range(3):
            a_ref -= 0.5 * lr * np.outer(d[b], x[b])
            n_vec += 1
            if n_vec % period == 0:
                for _ in range(2):
                    c_ref[:, col] += 0.3 * lr * a_ref[:, col]
                    transfers.append(col)
                    col = (col + 1) % 4
        tile.update(x, d, lr)
    alg = tile.algorithm
    assert alg.transferred_columns == transfers == [0, 1, 2, 3, 0, 1]
    np.testing.assert_allclose(alg.fast.get_weights(), a_ref, atol=1e-5)
    np.testing.assert_allclose(alg.slow.get_weights(), c_ref, atol=1e-5)
    np.testing.assert_allclose(tile.get_weights(), 0.1 * a_ref + c_ref, atol=1e-5)
    ls = tile.stats.to_layer_stats("fc", samples=tile.stats.update_vectors)  # a linear layer: one vector per sample
    assert ls.transfer_reads_per_sample == pytest.approx(6 / 21)
    assert ls.transfer_writes_per_sample == pytest.approx(6 / 21)


def test_transfer_every_vector_and_units():
    tile = exact_tile(A.TransferCompoundConfig(units_in_mbatch=False, transfer_every=3.0))
    for x, d in batches(4, 5, 3, 4):
        tile.update(x, d, 0.1)
    assert tile.algorithm.transferred_columns == [0, 1, 2, 3, 0, 1]  # 20 vectors / 3
    assert tile.stats.transfers == 6


def test_row_transfer_against_numpy_reference():
    """transfer_columns false (issue 15 item 19): rows of A are read with one-hot outputs (a backward read) and
    written as rows of C, cycling over the rows (aihwkit readVector/writeVector)."""
    cfg = A.TransferCompoundConfig(transfer_columns=False, transfer_every=1.0, n_reads_per_transfer=2,
                                   fast_lr=0.5, transfer_lr=0.3)
    tile = exact_tile(cfg, out=3, inp=4)
    lr = 0.1
    a_ref = np.zeros((3, 4))
    c_ref = np.zeros((3, 4))
    row = 0
    for x, d in batches(5, 2, 3, 4):
        for b in range(2):
            a_ref -= 0.5 * lr * np.outer(d[b], x[b])
        for _ in range(2):  # one transfer per mini-batch, two rows each
            c_ref[row] += 0.3 * lr * a_ref[row]
            row = (row + 1) % 3
        tile.update(x, d, lr)
    assert tile.algorithm.transferred_columns == [0, 1, 2, 0, 1, 2, 0, 1, 2, 0]
    np.testing.assert_allclose(tile.algorithm.fast.get_weights(), a_ref, atol=1e-5)
    np.testing.assert_allclose(tile.get_weights(), c_ref, atol=1e-5)
    with pytest.raises(ConfigError, match="with_reset_prob"):
        exact_tile(A.TransferCompoundConfig(transfer_columns=False, with_reset_prob=0.5))


# ------------------------------------------------------------------------------------------ TTv2


def test_threshold_buffer_formula():
    omega = np.array([2.7, -0.4, -3.9, 1.2])
    n, h = threshold_buffer(omega, 1.0, 0.1, True, 2)
    np.testing.assert_array_equal(n, [2, 0, -2, 1])
    np.testing.assert_allclose(h, [0.27, -0.4, -0.39, 0.12])
    n, h = threshold_buffer(omega, 0.5, 0.1, False, 10)
    np.testing.assert_array_equal(n, [5, 0, -7, 2])
    np.testing.assert_allclose(h, omega - 0.9 * n * 0.5, atol=1e-6)


def test_ttv2_against_numpy_reference():
    cfg = A.BufferedTransferCompoundConfig(fast_lr=2.0, transfer_lr=5.0, transfer_desired_bl=3, momentum=0.2,
                                           units_in_mbatch=False, transfer_every=1.0)
    tile = exact_tile(cfg)
    lr = 0.05
    eps = 0.001
    a = np.zeros((3, 4))
    c = np.zeros((3, 4))
    h = np.zeros((3, 4))
    col = 0
    for x, d in batches(6, 2, 3, 4):
        for b in range(2):
            a -= 2.0 * lr * np.outer(d[b], x[b])
            omega = h[:, col] + 5.0 * lr * a[:, col]
            n = np.clip(np.trunc(omega / eps), -3, 3)
            h[:, col] = np.where(n != 0, 0.2 * omega, omega)
            c[:, col] += n * eps
            col = (col + 1) % 4
        tile.update(x, d, lr)
    alg = tile.algorithm
    np.testing.assert_allclose(alg.fast.get_weights(), a, atol=1e-5)
    np.testing.assert_allclose(alg.H, h, atol=1e-6)
    np.testing.assert_allclose(alg.slow.get_weights(), c, atol=1e-6)
    assert np.abs(c).max() > 0


# ------------------------------------------------------------------------------------------ c-TTv2 / AGAD


def _chopped_reference(cfg, data, lr, out=3, inp=4, dynamic=False):
    """c-TTv2 and AGAD in plain numpy, after aihwkit's readAndUpdate (rpu_chopped_transfer_device.cpp,
    rpu_dynamic_transfer_device.cpp): AGAD's mean starts at 0, the buffer is filled and thresholded from the first
    read against μ_past = 0, C is written only after more than n_s sweeps."""
    eps = 0.001
    a = np.zeros((out, inp))
    c = np.zeros((out, inp))
    h = np.zeros((out, inp))
    c_in = np.ones(inp)
    mu = np.zeros((out, inp))
    mu_past = np.zeros((out, inp))
    switched = np.zeros(inp, bool)
    n_s = max(math.ceil(1 / cfg.in_chop_prob), 2)
    g_b = cfg.buffer_granularity * eps
    flips = []
    col = 0
    t = 0
    sweeps = 0
    for x, d in data:
        for b in range(x.shape[0]):
            a -= cfg.fast_lr * np.outer(d[b], x[b] * c_in)
            v = a[:, col].copy()
            scale = cfg.transfer_lr * lr / g_b
            t += 1
            if dynamic:
                rate = min(cfg.tail_weightening / n_s, 1.0)
                if switched[col]:
                    mu_past[:, col] = mu[:, col]
                switched[col] = False
                omega = h[:, col] + c_in[col] * (v - mu_past[:, col]) * scale
                n = np.clip(np.trunc(omega), -1, 1)
                h[:, col] = np.where(n != 0, 0.0, omega)
                mu[:, col] = mu[:, col] * (1 - rate) + v * rate
                if sweeps > n_s:
                    c[:, col] += n * eps
                if sweeps % n_s + 1 == n_s:
                    c_in[col] = -c_in[col]
                    switched[col] = True
                    flips.append((t, col))
            else:
                omega = h[:, col] + c_in[col] * v * scale
                n = np.clip(np.trunc(omega), -1, 1)
                h[:, col] = np.where(n != 0, 0.0, omega)
                c[:, col] += n * eps
                if sweeps % n_s + 1 == n_s:
                    c_in[col] = -c_in[col]
                    flips.append((t, col))
            if col == inp - 1:
                sweeps += 1
            col = (col + 1) % inp
    return a, c, h, flips


@pytest.mark.parametrize("dynamic", [False, True])
def test_chopped_and_dynamic_against_numpy_reference(dynamic):
    cls = A.DynamicTransferCompoundConfig if dynamic else A.ChoppedTransferCompoundConfig
    cfg = cls(in_chop_prob=0.5, in_chop_random=False, fast_lr=0.2, transfer_lr=2.0, tail_weightening=1.0) \
        if dynamic else cls(in_chop_prob=0.5, in_chop_random=False, fast_lr=0.2, transfer_lr=2.0)
    tile = exact_tile(cfg)
    data = batches(12, 3, 3, 4)
    lr = 0.1
    for x, d in data:
        tile.update(x, d, lr)
    a, c, h, flips = _chopped_reference(cfg, data, lr, dynamic=dynamic)
    alg = tile.algorithm
    assert alg.flip_log == flips
    # chopper period n_s = 2: every column flips on every second read of it
    assert [col for _, col in flips] == [0, 1, 2, 3] * 4
    np.testing.assert_allclose(alg.fast.get_weights(), a, atol=1e-5)
    np.testing.assert_allclose(alg.H, h, atol=1e-4)
    np.testing.assert_allclose(alg.slow.get_weights(), c, atol=1e-6)
    assert np.abs(c).max() > 0
    assert tile.stats.transfer_reads == 36


def test_random_chopper_flip_rate():
    tile = exact_tile(A.ChoppedTransferCompoundConfig(in_chop_prob=0.1, out_chop_prob=0.05), out=2, inp=5)
    x = np.zeros((1000, 5), F32)
    d = np.zeros((1000, 2), F32)
    tile.update(x, d, 0.1)
    alg = tile.algorithm
    assert len(alg.flip_log) == pytest.approx(100, abs=30)  # 1000 reads × 0.1
    assert alg.counters.chopper_flips - len(alg.flip_log) == pytest.approx(200 * 2 * 0.05, abs=12)


def test_zero_probability_chopper_equals_ttv2():
    data = batches(5, 2, 3, 4)
    cfg_c = A.ChoppedTransferCompoundConfig(in_chop_prob=0.0, fast_lr=0.2, transfer_lr=2.0)
    cfg_b = A.BufferedTransferCompoundConfig(units_in_mbatch=False, fast_lr=0.2, scale_fast_lr=False,
                                             transfer_lr=2.0, momentum=0.0)
    ta, tb = exact_tile(cfg_c), exact_tile(cfg_b)
    for x, d in data:
        ta.update(x, d, 0.1)
        tb.update(x, d, 0.1)
    assert ta.algorithm.flip_log == []
    np.testing.assert_allclose(ta.get_weights(), tb.get_weights(), atol=1e-6)


def test_choppers_cancel_a_reference_offset():
    """A constant read offset of A drives TTv2's C away from 0; with choppers it averages out."""
    results = {}
    for name, cfg in (("ttv2", A.ChoppedTransferCompoundConfig(in_chop_prob=0.0, fast_reference_offset=0.02)),
                      ("chopped", A.ChoppedTransferCompoundConfig(in_chop_prob=0.5, in_chop_random=False,
                                                                  fast_reference_offset=0.02))):
        tile = exact_tile(cfg, seed=3)
        x = np.zeros((400, 4), F32)
        d = np.zeros((400, 3), F32)
        tile.update(x, d, 0.1)
        results[name] = np.abs(tile.get_weights()).mean()
    assert results["ttv2"] > 0.05
    assert results["chopped"] < 0.1 * results["ttv2"]


def test_chopped_config_restrictions():
    with pytest.raises(ConfigError):
        A.ChoppedTransferCompoundConfig(n_reads_per_transfer=2)
    with pytest.raises(ConfigError):
        exact_tile(A.ChoppedTransferCompoundConfig(gamma=0.1))
    with pytest.raises(ConfigError):
        exact_tile(A.DynamicTransferCompoundConfig(out_chop_prob=0.1))


def test_auto_scale_fast_lr():
    """aihwkit updateAutoScale: the running maxima start from the first (non-zero) vector and follow every vector
    with rate (1 − β)/B; the rate is fast_lr·BL·ε_A/(m_x·m_d)."""
    cfg = A.ChoppedTransferCompoundConfig(auto_scale=True, fast_lr=0.5, auto_momentum=0.5)
    tile = exact_tile(cfg)
    alg = tile.algorithm
    x = np.full((1, 4), 2.0, F32)
    d = np.full((1, 3), 0.5, F32)
    lr_a = alg.fast_lr(0.1, x, d, m_batch=2)
    assert (alg.m_x, alg.m_d) == (2.0, 0.5)
    assert lr_a == pytest.approx(0.5 * 31 * 0.001 / (2.0 * 0.5))
    alg.fast_lr(0.1, x * 3, d, m_batch=2)  # τ = (1 − 0.5)/2: m_x = 0.75·2 + 0.25·6 = 3
    assert alg.m_x == pytest.approx(3.0)


# ------------------------------------------------------------------------------------------ mixed precision


def test_mixed_precision_against_numpy_reference():
    """χ accumulates per vector; a transfer follows vector n when n > 0 and n % (transfer_every·B) == 0 (aihwkit
    doTransfer): with B = 2, transfer_every = 2 right after the first vector of mini-batches 3 and 5 (n = 4, 8)."""
    cfg = A.MixedPrecisionConfig(transfer_every=2, n_rows_per_transfer=2)
    dev = ConstantStepDevice(w_min=-10.0, w_max=10.0, dw_min=0.01, dw_min_dtod=0.0, w_min_dtod=0.0,
                             w_max_dtod=0.0, up_down_dtod=0.0, dw_min_std=0.0)
    rpu = RPUConfig(device=dev, forward=PERFECT, backward=PERFECT, update=FP_UPDATE, algorithm=cfg)
    tile = AnalogTile(3, 4, rpu)
    chi = np.zeros((3, 4))
    w = np.zeros((3, 4))
    row = 0
    n = 0
    for x, d in batches(6, 2, 3, 4):
        tile.update(x, d, 0.3)
        for b in range(2):
            chi -= 0.3 * np.outer(d[b], x[b]).astype(np.float64)
            if n > 0 and n % 4 == 0:
                for r in [(row + j) % 3 for j in range(2)]:
                    k = np.trunc(chi[r] / 0.01)
                    chi[r] -= k * 0.01
                    w[r] += k * 0.01
                row = (row + 2) % 3
            n += 1
    np.testing.assert_allclose(tile.algorithm.chi, chi, atol=1e-7)
    np.testing.assert_allclose(tile.get_weights(), w, atol=1e-5)
    assert tile.stats.transfers == 2


def test_mixed_precision_quantised_inputs_are_unbiased():
    tile = exact_tile(A.MixedPrecisionConfig(n_x_bins=4, n_d_bins=4))
    q = tile.algorithm._quantise(np.tile(np.array([[1.0, 0.3, -0.1, 0.0]], F32), (20000, 1)), 4, True)
    assert set(np.round(np.unique(q), 6)) <= {-0.5, 0.0, 0.5, 1.0}
    np.testing.assert_allclose(q.mean(axis=0), [1.0, 0.3, -0.1, 0.0], atol=0.01)


# ------------------------------------------------------------------------------------------ presets / configs


def test_compound_presets_build_tiles():
    from archsim.hwconfig.rpu import PRESETS

    for name in ("TikiTakaReRamSBPreset", "TTv2CapacitorPreset", "ChoppedTTv2EcRamPreset", "AGADIdealizedPreset",
                 "MixedPrecisionGokmenVlasovPreset"):
        raw = A.compound_preset_raw(name, PRESETS)
        tile = AnalogTile(3, 5, RPUConfig.from_dict(raw), seed=0)
        rng = np.random.default_rng(0)
        tile.update(rng.normal(size=(4, 5)).astype(F32), (0.1 * rng.normal(size=(4, 3))).astype(F32), 0.1)
        assert np.isfinite(tile.get_weights()).all()
    assert len(A.ALGORITHM_PRESETS) == 31  # aihwkit's MixedPrecisionPCMPreset nests a unit cell: not modelled
    with pytest.raises(KeyError):
        A.compound_preset_raw("MixedPrecisionPCMPreset", PRESETS)


def test_algorithm_configs_through_the_strict_loader():
    def algorithm(raw):
        return RPUConfig.from_dict({"algorithm": raw}).algorithm

    assert algorithm({"kind": "vector", "update_policy": "SINGLE_RANDOM"}).update_policy \
        is A.VectorUpdatePolicy.SINGLE_RANDOM
    with pytest.raises(ConfigError, match=r"algorithm\.kind: unknown kind 'tiki'"):
        algorithm({"kind": "tiki"})
    with pytest.raises(ConfigError, match="did you mean 'in_chop_prob'"):
        algorithm({"kind": "chopped_transfer", "in_chop_prop": 0.1})


def test_same_seed_same_result():
    cfg = RPUConfig(device=SoftBoundsDevice(), algorithm=A.ChoppedTransferCompoundConfig())
    out = []
    for _ in range(2):
        tile = AnalogTile(3, 4, cfg, seed=7)
        for x, d in batches(3, 4, 3, 4):
            tile.update(x, d, 0.1)
        out.append(tile.get_weights())
    np.testing.assert_array_equal(out[0], out[1])


def test_compound_preset_and_yaml_through_the_loader():
    from archsim.hwconfig.rpu import PRESETS
    from archsim.loader import build_dataclass

    cfg = build_dataclass(A.compound_preset_raw("AGADReRamSBPreset", PRESETS), RPUConfig)
    assert isinstance(cfg.algorithm, A.DynamicTransferCompoundConfig)
    assert cfg.algorithm.tail_weightening == 5.0 and cfg.algorithm.in_chop_prob == 0.02
    cfg = build_dataclass({"algorithm": {"kind": "one_sided", "refresh_every": 2}}, RPUConfig)
    assert isinstance(AnalogTile(2, 3, cfg).algorithm.counters, object)
    with pytest.raises(ConfigError, match="unknown kind"):
        build_dataclass({"algorithm": {"kind": "tiki_taka"}}, RPUConfig)
