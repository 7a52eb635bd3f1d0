"""Training-algorithm rules where archsim follows aihwkit (issue 15 items 9, 11-16, 19): each against a slow numpy
reference written from aihwkit 1.1.0's C++ cores (src/rpucuda/rpu_onesided_device.cpp, rpu_vector_device.cpp,
rpu_chopped_transfer_device.cpp, rpu_dynamic_transfer_device.cpp, rpu_mixedprec_device*.cpp) or, for
``scale_fast_lr``, from aihwkit 1.2.0's ``configs/compounds.py``."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

from archsim.crossbar import AnalogTile, weight_granularity
from archsim.errors import ConfigError
from archsim.hwconfig import algorithms as A
from archsim.hwconfig.rpu import ConstantStepDevice, IOParameters, LinearStepDevice, RPUConfig, UpdateParameters

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reference"))
import naive

F = np.float32
NO_VAR = {"dw_min_dtod": 0.0, "w_min_dtod": 0.0, "w_max_dtod": 0.0, "up_down_dtod": 0.0, "dw_min_std": 0.0,
          "reset_std": 0.0}
WIDE = ConstantStepDevice(w_min=-10.0, w_max=10.0, dw_min=0.001, **NO_VAR)
PERFECT = IOParameters(is_perfect=True)
FP_UPDATE = UpdateParameters(pulse_type="none")


def tile_with(alg, *, device=WIDE, update=FP_UPDATE, out=3, inp=4, seed=0, forward=PERFECT) -> AnalogTile:
    return AnalogTile(out, inp, RPUConfig(device=device, forward=forward, backward=PERFECT, update=update,
                                          algorithm=alg), seed=seed)


def data(n, b, out, inp, seed=1, d_scale=0.1):
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=(b, inp)).astype(F), (d_scale * rng.normal(size=(b, out))).astype(F)) for _ in range(n)]


# ------------------------------------------------------------------------------------------ items 9, 16: one-sided


def test_one_sided_routes_one_train_per_vector_mean_count_matches_naive():
    """Item 9: aihwkit computes BL, A, B and the trains from the whole vector and routes each coincidence: one
    lowering W is an up pulse on g⁻, one raising W an up pulse on g⁺. MEAN_COUNT makes the counts deterministic."""
    up = UpdateParameters(pulse_type="mean_count", desired_bl=7)
    dev = ConstantStepDevice(w_min=-1.0, w_max=1.0, dw_min=0.01, **NO_VAR)
    tile = tile_with(A.OneSidedUnitCellConfig(), device=dev, update=up, out=4, inp=5)
    gp = np.zeros((4, 5))
    gm = np.zeros((4, 5))
    for x, d in data(3, 4, 4, 5, d_scale=0.3):
        tile.update(x, d, 0.05)
        for b in range(x.shape[0]):
            n = naive.dense_counts(x[b], d[b], 0.05, 0.01, up, "mean_count")
            gm += 0.01 * np.where(n > 0, n, 0)
            gp += 0.01 * np.where(n < 0, -n, 0)
    alg = tile.algorithm
    np.testing.assert_allclose(alg.g_plus.get_weights(), gp, atol=1e-6)
    np.testing.assert_allclose(alg.g_minus.get_weights(), gm, atol=1e-6)
    assert gp.max() > 0 and gm.max() > 0


def test_one_sided_pulse_distribution_follows_the_single_train():
    """Item 9, stochastic pulses (PCM-like one-sided cell, lr 0.1): element (i, j) is pulsed in an update with
    probability 1 − (1 − p_x,j·p_d,i)^BL, BL and p from the *whole* vector (aihwkit's single train). The old
    sign-split trains pulsed 0.91 of the devices where aihwkit pulses 0.69; here the fraction matches the formula."""
    cfg = RPUConfig.from_preset("PCMPreset", device={"dw_min_std": 0.0}, algorithm={"refresh_every": 0})
    rng = np.random.default_rng(7)
    out, inp = 48, 64
    x = rng.uniform(-1, 1, (1, inp)).astype(F)
    d = rng.normal(0, 1.0, (1, out)).astype(F)
    expected, measured = [], []
    eps = weight_granularity(cfg.device)
    bl, a, b = naive.pulse_schedule(x[0], d[0], 0.1, eps, cfg.update)
    p = 1 - (1 - np.outer(a * np.abs(d[0]), b * np.abs(x[0])).clip(0, 1)) ** bl
    for seed in range(12):
        tile = AnalogTile(out, inp, cfg, seed=seed)
        alg = tile.algorithm
        before = alg.g_plus.get_hidden_weights() + alg.g_minus.get_hidden_weights()
        tile.update(x, d, 0.1)
        after = alg.g_plus.get_hidden_weights() + alg.g_minus.get_hidden_weights()
        measured.append(np.mean(after != before))
        expected.append(p.mean())
    assert np.mean(measured) == pytest.approx(np.mean(expected), abs=0.02)
    assert 0.3 < np.mean(expected) < 0.9


def test_one_sided_devices_are_sampled_independently():
    """Item 16: aihwkit populates g⁻ and g⁺ one after the other (own d2d draws); archsim copied g⁺ into g⁻."""
    tile = AnalogTile(60, 60, RPUConfig(algorithm=A.OneSidedUnitCellConfig()), seed=0)
    alg = tile.algorithm
    s_p, s_m = alg.g_plus.P[..., 0].ravel(), alg.g_minus.P[..., 0].ravel()
    assert abs(np.corrcoef(s_p, s_m)[0, 1]) < 0.1
    spread = np.std(alg.g_plus.P[..., 3] - alg.g_minus.P[..., 3])
    assert spread == pytest.approx(math.sqrt(2) * 0.6 * 0.3, rel=0.1)  # two independent b_max draws


def test_one_sided_copy_inverted_mirrors_the_first_device():
    """aihwkit ``copyInvertDeviceParameter``: device 1 (g⁺) = device 0 (g⁻) with steps swapped, bounds mirrored and
    LinearStep slopes slope_up' = −slope_down, slope_down' = −slope_up."""
    dev = LinearStepDevice(gamma_up=0.3, gamma_down=0.6, w_min=-0.5, w_max=1.0)
    tile = AnalogTile(8, 9, RPUConfig(device=dev, algorithm=A.OneSidedUnitCellConfig(copy_inverted=True)), seed=2)
    gp, gm = tile.algorithm.g_plus.P, tile.algorithm.g_minus.P
    np.testing.assert_array_equal(gp[..., 0], gm[..., 1])
    np.testing.assert_array_equal(gp[..., 1], gm[..., 0])
    np.testing.assert_array_equal(gp[..., 3], -gm[..., 2])
    np.testing.assert_array_equal(gp[..., 2], -gm[..., 3])
    np.testing.assert_array_equal(gp[..., 4], -gm[..., 5])
    np.testing.assert_array_equal(gp[..., 5], -gm[..., 4])


def test_one_sided_refresh_uses_its_own_io_and_update_and_counts_vectors():
    """Item 19 (refresh_forward / refresh_update) and aihwkit's vector counting without units_in_mbatch: with
    refresh_every = 3 vectors a refresh falls inside a mini-batch of 5."""
    dev = ConstantStepDevice(w_min=-1.0, w_max=1.0, **NO_VAR)
    cfg = A.OneSidedUnitCellConfig(refresh_every=3, units_in_mbatch=False, refresh_forward=PERFECT,
                                   refresh_update=UpdateParameters(desired_bl=5))
    tile = tile_with(cfg, device=dev, forward=IOParameters(out_noise=0.3))
    tile.update(*data(1, 5, 3, 4)[0], 0.01)
    assert tile.algorithm.counters.refreshes == 1
    assert tile.algorithm._read.perfect and tile.algorithm.refresh_update.desired_bl == 5
    tile.update(*data(1, 5, 3, 4, seed=2)[0], 0.01)
    assert tile.algorithm.counters.refreshes == 3  # after vectors 3, 6 and 9


# ------------------------------------------------------------------------------------------ item 15: vector cell


def test_vector_all_shares_one_pulse_train():
    """Item 15: with policy ALL, aihwkit pulses every device from the same train: noise-free devices stay
    bit-equal (archsim drew an independent train per device); with c2c noise they get the same coincidences but
    their own noise."""
    dev = ConstantStepDevice(**NO_VAR)
    tile = tile_with(A.VectorUnitCellConfig(n_devices=3), device=dev, update=UpdateParameters(), out=6, inp=7)
    for x, d in data(4, 5, 6, 7):
        tile.update(x, d, 0.05)
    w = [a.get_weights() for a in tile.algorithm.arrays]
    assert np.abs(w[0]).max() > 0
    np.testing.assert_array_equal(w[0], w[1])
    np.testing.assert_array_equal(w[0], w[2])
    noisy = ConstantStepDevice(**{**NO_VAR, "dw_min_std": 0.3})
    tile = tile_with(A.VectorUnitCellConfig(n_devices=2), device=noisy, update=UpdateParameters(), out=6, inp=7)
    x, d = data(1, 1, 6, 7)[0]
    tile.update(x, d, 0.05)
    w0, w1 = (a.get_weights() for a in tile.algorithm.arrays)
    np.testing.assert_array_equal(w0 != 0, w1 != 0)  # the same coincidences ...
    assert not np.array_equal(w0, w1)  # ... with independent cycle-to-cycle noise


def test_vector_single_sequential_switches_per_vector():
    """Item 15: SINGLE_SEQUENTIAL cycles the device per update vector (aihwkit CPU), not per mini-batch."""
    tile = tile_with(A.VectorUnitCellConfig(n_devices=2, update_policy="single_sequential"))
    x, d = data(1, 4, 3, 4)[0]
    tile.update(x, d, 0.1)
    assert tile.algorithm.last_updated == [1, 0, 1, 0]
    a0, a1 = (a.get_weights() for a in tile.algorithm.arrays)
    np.testing.assert_allclose(a1, -0.1 * (np.outer(d[0], x[0]) + np.outer(d[2], x[2])), atol=1e-6)
    np.testing.assert_allclose(a0, -0.1 * (np.outer(d[1], x[1]) + np.outer(d[3], x[3])), atol=1e-6)


# ------------------------------------------------------------------------------------------ items 11, 12: fast lr


@pytest.mark.parametrize("scale", [True, False])
def test_scale_fast_lr_follows_aihwkit_1_2_by_default(scale):
    """Item 11: aihwkit 1.2.0 (newest release) scales TransferCompound's fast_lr by the SGD lr (scale_fast_lr True
    by default); scale_fast_lr false is aihwkit 1.1.0's absolute rate."""
    assert A.TransferCompoundConfig().scale_fast_lr is True and A.ChoppedTransferCompoundConfig().scale_fast_lr is False
    tile = tile_with(A.TransferCompoundConfig(fast_lr=0.5, scale_fast_lr=scale, transfer_every=100.0))
    a = np.zeros((3, 4))
    for x, d in data(3, 2, 3, 4):
        tile.update(x, d, 0.2)
        a -= (0.5 * 0.2 if scale else 0.5) * d.astype(np.float64).T @ x
    np.testing.assert_allclose(tile.algorithm.fast.get_weights(), a, atol=1e-6)


def test_tiki_taka_reram_sb_preset_subtracts_the_symmetry_point_on_both_devices():
    """Item 11: aihwkit's TikiTakaReRamSBPreset uses ReRamSBPresetDevice(subtract_symmetry_point=True) for A and
    C; archsim zero-shifted A by pulsing instead."""
    cfg = RPUConfig.from_preset("TikiTakaReRamSBPreset")
    assert cfg.device.subtract_symmetry_point is True and cfg.algorithm.fast_zero_shift is False
    assert cfg.algorithm.transfer_forward.noise_management.value == "none"
    tile = AnalogTile(5, 6, cfg, seed=0)
    assert tile.algorithm.counters.programming_pulses == 0
    assert np.abs(tile.algorithm.fast.ref).max() > 0  # the references hold the symmetry points


def test_auto_scale_updates_the_running_maxima_per_vector():
    """Item 12: m_x, m_d start from the first vector's abs-max and follow every vector with rate (1 − β)/B; the
    A update of each vector uses fast_lr·BL·ε_A/(m_x·m_d) computed after its own maxima were taken in."""
    cfg = A.ChoppedTransferCompoundConfig(auto_scale=True, fast_lr=0.5, auto_momentum=0.8, in_chop_prob=0.0,
                                          transfer_every=1000.0)
    tile = tile_with(cfg)
    a = np.zeros((3, 4))
    m_x = m_d = 0.0
    for x, d in data(4, 3, 3, 4):
        tile.update(x, d, 0.1)
        for b in range(3):
            for name, v in (("x", np.abs(x[b]).max()), ("d", np.abs(d[b]).max())):
                m = m_x if name == "x" else m_d
                m = v if m <= 0 else (m if v <= 0 else (1 - 0.2 / 3) * m + 0.2 / 3 * v)
                m_x, m_d = (m, m_d) if name == "x" else (m_x, m)
            rate = 0.5 * 31 * 0.001 / (m_x * m_d)
            a -= rate * np.outer(d[b], x[b])
    assert tile.algorithm.m_x == pytest.approx(m_x) and tile.algorithm.m_d == pytest.approx(m_d)
    np.testing.assert_allclose(tile.algorithm.fast.get_weights(), a, rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------------------------------ item 13: AGAD


def test_agad_fills_the_buffer_from_the_start_and_writes_after_n_s_sweeps():
    """Item 13: aihwkit's running mean starts at 0, the buffer is filled (against μ_past = 0) and thresholded from
    the first read, but C is written only once more than n_s sweeps are done (the reference replay is
    test_alg_compounds.py::test_chopped_and_dynamic_against_numpy_reference[True])."""
    cfg = A.DynamicTransferCompoundConfig(in_chop_prob=0.25, fast_lr=0.2, transfer_lr=5.0, tail_weightening=1.0)
    tile = tile_with(cfg)
    alg = tile.algorithm
    x, d = data(1, 4, 3, 4)[0]  # one sweep over the 4 columns
    tile.update(x, d, 0.1)
    assert np.abs(alg.H).max() > 0 and alg.sweeps == 1 and not alg.flip_log  # filled before any switch
    assert np.abs(alg.mu).max() > 0
    np.testing.assert_array_equal(alg.slow.get_weights(), 0)
    n_s = 4
    for x, d in data(n_s, 4, 3, 4, seed=3):
        tile.update(x, d, 0.1)
    np.testing.assert_array_equal(alg.slow.get_weights(), 0)  # sweeps 1..n_s + 1 do not write
    for x, d in data(3, 4, 3, 4, seed=4):
        tile.update(x, d, 0.1)
    assert np.abs(alg.slow.get_weights()).max() > 0


def test_agad_running_std_significance_test():
    """Item 19: with std_significance the buffer only takes reads that differ from μ_past by more than
    k·s/√n_s; a huge k blocks every increment, k = 0 is aihwkit's cores (no test)."""
    x, d = data(1, 40, 3, 4)[0]
    h = {}
    for k in (0.0, 1e9):
        tile = tile_with(A.DynamicTransferCompoundConfig(in_chop_prob=0.5, fast_lr=0.2, transfer_lr=0.05,
                                                         std_significance=k))
        tile.update(x, d, 0.1)
        h[k] = np.abs(tile.algorithm.H).sum()
    assert h[0.0] > 0 and h[1e9] == 0
    with pytest.raises(ConfigError, match="std_significance"):
        A.DynamicTransferCompoundConfig(std_significance=-1.0)


# ------------------------------------------------------------------------------------------ item 14: mixed precision


def test_mixed_precision_transfers_after_the_first_vector_of_each_later_batch():
    """Item 14: no transfer in the first mini-batch; in the second, right after its first vector."""
    dev = ConstantStepDevice(w_min=-10.0, w_max=10.0, dw_min=0.01, **NO_VAR)
    tile = tile_with(A.MixedPrecisionConfig(), device=dev, update=UpdateParameters())
    (x1, d1), (x2, d2) = data(2, 3, 3, 4, d_scale=2.0)
    tile.update(x1, d1, 0.3)
    assert tile.stats.transfers == 0
    tile.update(x2, d2, 0.3)
    assert tile.stats.transfers == 1
    chi = -0.3 * (d1.astype(np.float64).T @ x1 + np.outer(d2[0], x2[0]))
    n = np.trunc(chi / 0.01)
    rest = -0.3 * (np.outer(d2[1], x2[1]) + np.outer(d2[2], x2[2]))
    np.testing.assert_allclose(tile.algorithm.chi, chi - n * 0.01 + rest, atol=1e-7)


# ------------------------------------------------------------------------------------------ item 19: transfer IO


def test_transfer_forward_and_update_are_used_when_given():
    """Item 19: transfer reads use transfer_forward (NM/BM still forced off), writes use transfer_update."""
    coarse = IOParameters(out_noise=0.0, out_res=0.5, out_bound=1.0, inp_res=0.0)
    cfg = A.TransferCompoundConfig(transfer_forward=coarse, transfer_update=FP_UPDATE, fast_lr=1.0)
    tile = tile_with(cfg)
    alg = tile.algorithm
    assert alg.transfer_read.nm.value == "none" and alg.transfer_read.bm.value == "none"
    assert alg.transfer_update is FP_UPDATE
    x, d = data(1, 1, 3, 4, d_scale=0.4)[0]
    tile.update(x, d, 1.0)
    a = -d.astype(np.float64).T @ x
    read = np.rint(np.clip(a[:, 0], -1, 1) / 1.0) * 1.0  # ADC step res·2·bound = 1.0
    np.testing.assert_allclose(alg.slow.get_weights()[:, 0], read, atol=1e-6)
    with pytest.raises(ConfigError, match="transfer_desired_bl: expected its default 31 when transfer_update is"):
        A.TransferCompoundConfig(transfer_update=FP_UPDATE, transfer_desired_bl=5)
