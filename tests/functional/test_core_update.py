"""Pulsed update (archsim.crossbar.update): BL/A/B, coincidences, direction, statistics, pulse types."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from archsim.crossbar import AnalogTile, DeviceArray, pulse_schedule, pulsed_update
from archsim.errors import DataError
from archsim.hwconfig import rpu

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reference"))
import naive

F = np.float32
NO_D2D = {"dw_min_dtod": 0.0, "up_down_dtod": 0.0, "w_min_dtod": 0.0, "w_max_dtod": 0.0, "dw_min_std": 0.0}
IDEAL_CS = rpu.ConstantStepDevice(**NO_D2D)


def schedule(xm: float, dm: float, lr: float, eps: float = 0.001, **up) -> tuple[int, float, float]:
    s = pulse_schedule(np.array([xm], F), np.array([dm], F), lr, eps, rpu.UpdateParameters(**up))
    return int(s.bl[0]), float(s.a[0]), float(s.b[0])


@pytest.mark.parametrize("xm, dm, lr, up, expected", [
    (1.0, 1.0, 0.01, {}, (10, 1.0, 1.0)),
    (1.0, 0.1, 0.01, {}, (1, 10.0, 1.0)),
    (2.0, 0.5, 0.1, {}, (31, 6.45, 0.5)),
    (1.0, 1.0, 0.01, {"update_bl_management": False, "update_management": False}, (31, 0.568, 0.568)),
    (1.0, 1.0, 0.1, {"update_bl_management": False, "update_management": False, "fixed_bl": False}, (100, 1.0, 1.0)),
])
def test_schedule_matches_aihwkit_examples(xm, dm, lr, up, expected):
    bl, a, b = schedule(xm, dm, lr, **up)
    assert bl == expected[0]
    assert a == pytest.approx(expected[1], rel=2e-3) and b == pytest.approx(expected[2], rel=2e-3)


def test_schedule_matches_naive_on_random_samples():
    rng = np.random.default_rng(0)
    up = rpu.UpdateParameters(um_grad_scale=0.7, desired_bl=17)
    x = rng.uniform(-1, 1, (200, 9)).astype(F) * rng.uniform(0, 3, (200, 1)).astype(F)
    d = rng.normal(0, 0.05, (200, 4)).astype(F)
    d[3] = 0
    for lr in (0.003, 0.05, 0.4):
        s = pulse_schedule(np.abs(x).max(1), np.abs(d).max(1), lr, 0.002, up)
        for i in range(200):
            bl, a, b = naive.pulse_schedule(x[i], d[i], lr, 0.002, up)
            assert s.bl[i] == bl
            assert s.a[i] == pytest.approx(a, rel=1e-5) and s.b[i] == pytest.approx(b, rel=1e-5)


def repeats(x, d, lr, up, n, device=IDEAL_CS):
    """Weights after one update from W = 0, for n independent repeats (float64[n, out, in])."""
    arr = DeviceArray(d.shape[1], x.shape[1], device, np.random.default_rng(0))
    rng = np.random.default_rng(1)
    out = np.empty((n,) + arr.u.shape)
    for k in range(n):
        arr.u[...] = 0
        pulsed_update(arr, np.asarray(x, F), np.asarray(d, F), lr, up, rng)
        out[k] = arr.get_weights()
    return out


def test_mean_update_equals_minus_lr_d_xT():
    # reference §2.3: ConstantStep ε = 0.001, η = 0.01, x = (1, .5, −.25, 0), d = (.2, −.05), many repeats
    x = np.array([[1, 0.5, -0.25, 0]], F)
    d = np.array([[0.2, -0.05]], F)
    n = 3000
    w = repeats(x, d, 0.01, rpu.UpdateParameters(), n)
    np.testing.assert_allclose(w.mean(axis=0), -0.01 * d.T @ x, atol=4 * 0.0007 / np.sqrt(n) + 1e-6)
    assert np.all(w[:, 0, 0] == F(-0.002))  # the x_max/d_max element gets exactly 2 pulses every time
    assert np.all(w[:, :, 3] == 0)


def test_mean_update_random_statistics_over_seeds():
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, (1, 6)).astype(F)
    d = rng.normal(0, 0.3, (1, 5)).astype(F)
    acc = np.zeros((5, 6))
    seeds = 600
    for seed in range(seeds):
        tile = AnalogTile(5, 6, rpu.RPUConfig(device=rpu.ConstantStepDevice(dw_min_std=0.3, **{
            k: v for k, v in NO_D2D.items() if k != "dw_min_std"})), seed=seed)
        tile.update(x, d, 0.005)
        acc += tile.get_weights()
    np.testing.assert_allclose(acc / seeds, -0.005 * d.T @ x, atol=5 * 0.001 / np.sqrt(seeds) * 2)


def test_direction_convention_and_negative_lr():
    tile = AnalogTile(1, 1, rpu.RPUConfig(device=IDEAL_CS), seed=0)
    tile.update(np.ones((1, 1)), np.ones((1, 1)), 0.001)  # x·d > 0 lowers the weight
    assert tile.get_weights()[0, 0] == pytest.approx(-0.001)
    tile.update(-np.ones((1, 1)), np.ones((1, 1)), 0.001)
    assert tile.get_weights()[0, 0] == pytest.approx(0.0, abs=1e-9)
    # issue 15 item 8: aihwkit's AnalogSGD (a torch SGD) refuses a negative learning rate, so the tile does too
    with pytest.raises(DataError, match=r"lr: expected a finite number >= 0, got -0\.001"):
        tile.update(np.ones((1, 1)), np.ones((1, 1)), -0.001)
    # the internal pulsed update keeps lr < 0 = reversed direction (aihwkit's refresh writes with lr = -1)
    pulsed_update(tile.algorithm.array, np.ones((1, 1), F), np.ones((1, 1), F), -0.001, tile.rpu_config.update,
                  np.random.default_rng(0))
    assert tile.get_weights()[0, 0] == pytest.approx(0.001)


def test_samples_applied_sequentially_with_clipping():
    dev = rpu.ConstantStepDevice(dw_min=0.1, w_max=0.25, w_min=-0.25, **NO_D2D)
    tile = AnalogTile(1, 1, rpu.RPUConfig(device=dev), seed=0)
    x = np.ones((6, 1), F)
    d = np.array([[-1], [-1], [-1], [-1], [1], [1]], F)  # 4 up (clip at 0.25), then 2 down
    tile.update(x, d, 0.1)
    assert tile.get_weights()[0, 0] == pytest.approx(0.05, abs=1e-6)


@pytest.mark.parametrize("mode", ["mean_count", "deterministic_implicit"])
def test_dense_pulse_types_match_naive(mode):
    rng = np.random.default_rng(4)
    up = rpu.UpdateParameters(pulse_type=mode)
    for lr in (0.01, 0.05):
        x = rng.uniform(-1, 1, (1, 7)).astype(F)
        d = rng.normal(0, 0.2, (1, 5)).astype(F)
        arr = DeviceArray(5, 7, rpu.ConstantStepDevice(**NO_D2D), np.random.default_rng(0))
        pulsed_update(arr, x, d, lr, up, np.random.default_rng(0))
        n = naive.dense_counts(x[0], d[0], lr, 0.001, up, mode)
        np.testing.assert_allclose(arr.get_weights(), -0.001 * n, atol=1e-7)


def test_deterministic_implicit_rounds_small_updates_away():
    # reference §2.3: only the 0.002 and 0.001 entries move, ±0.0005 entries get rint(±0.5) = 0
    x = np.array([[1, 0.5, -0.25]], F)
    d = np.array([[0.2, -0.05]], F)
    for mode in ("deterministic_implicit", "mean_count"):
        arr = DeviceArray(2, 3, rpu.ConstantStepDevice(**NO_D2D), np.random.default_rng(0))
        pulsed_update(arr, x, d, 0.01, rpu.UpdateParameters(pulse_type=mode), np.random.default_rng(0))
        np.testing.assert_allclose(arr.get_weights(), [[-0.002, -0.001, 0], [0, 0, 0]], atol=1e-8)


def test_stochastic_separate_trains_mean():
    x = np.array([[1, -0.5]], F)
    d = np.array([[0.3]], F)
    w = repeats(x, d, 0.01, rpu.UpdateParameters(pulse_type="stochastic"), 2000)
    np.testing.assert_allclose(w.mean(axis=0), [[-0.003, 0.0015]], atol=1.2e-4)


def test_fp_pulse_types():
    x = np.array([[1.0, 2.0]], F)
    d = np.array([[0.5]], F)
    arr = DeviceArray(1, 2, rpu.ConstantStepDevice(**NO_D2D), np.random.default_rng(0))
    pulsed_update(arr, x, d, 1.0, rpu.UpdateParameters(pulse_type="none"), np.random.default_rng(0))
    np.testing.assert_allclose(arr.get_weights(), [[-0.5, -1.0]])  # no device bounds
    arr = DeviceArray(1, 2, rpu.ConstantStepDevice(**NO_D2D), np.random.default_rng(0))
    pulsed_update(arr, x, d, 1.0, rpu.UpdateParameters(pulse_type="none_with_device"), np.random.default_rng(0))
    np.testing.assert_allclose(arr.get_weights(), [[-0.5, -0.6]])  # clipped to w_min


def test_probability_resolution_step_count_form():
    fixed = {"update_management": False, "update_bl_management": False, "desired_bl": 1}
    for up in (rpu.UpdateParameters(res=4.0, res_as_steps=True, **fixed), rpu.UpdateParameters(res=0.25, **fixed)):
        # A = B = sqrt(0.0005/0.001) ≈ 0.707: p_x = 0.707 -> 0.75, p_d = 0.5·0.707 -> 0.25: mean pulses 0.1875
        w = repeats(np.ones((1, 1)), np.full((1, 1), 0.5), 0.0005, up, 2000)
        assert (w < 0).mean() == pytest.approx(0.1875, abs=0.03)


def test_zero_inputs_and_zero_lr_do_nothing():
    tile = AnalogTile(3, 4, seed=0)
    w0 = tile.get_weights()
    tile.update(np.zeros((2, 4)), np.ones((2, 3)), 0.1)
    tile.update(np.ones((2, 4)), np.ones((2, 3)), 0.0)
    np.testing.assert_array_equal(tile.get_weights(), w0)
    assert tile.stats.bl_histogram[0] == 4  # zero x, then zero lr: no pulses


def test_ublm_bl_statistics_recorded():
    tile = AnalogTile(8, 8, seed=0)
    x = np.ones((4, 8), F) * np.array([[1], [0.5], [0.1], [1]], F)
    d = np.ones((4, 8), F) * np.array([[1], [0.1], [0.02], [0.001]], F)
    tile.update(x, d, 0.01)
    # k = 0.01·x_max·d_max/0.001 = 10, 0.5, 0.02, 0.01 -> BL 10, 1, 1, 1
    assert dict(tile.stats.bl_histogram) == {10: 1, 1: 3}
    assert tile.stats.mean_bl == pytest.approx(13 / 4)
    assert tile.stats.pulses > 0 and tile.stats.mean_pulses_per_device_per_update > 0


def test_update_deterministic_for_seed():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (20, 30)).astype(F)
    d = rng.normal(0, 0.05, (20, 10)).astype(F)
    res = []
    for _ in range(2):
        tile = AnalogTile(10, 30, "ReRamSBPreset", seed=9)
        tile.update(x, d, 0.1)
        res.append(tile.get_weights())
    np.testing.assert_array_equal(res[0], res[1])


@pytest.mark.parametrize("preset", ["ReRamESPreset", "ReRamSBPreset", "CapacitorPreset", "EcRamPreset",
                                    "EcRamMOPreset", "IdealizedPreset", "GokmenVlasovPreset"])
def test_presets_learn_in_the_gradient_direction(preset):
    tile = AnalogTile(4, 4, preset, seed=0)
    x = np.ones((50, 4), F)
    d = np.ones((50, 4), F) * 0.1
    tile.update(x, d, 0.05)
    assert np.isfinite(tile.get_weights()).all()
    assert tile.get_weights().mean() < 0


def test_saturated_probabilities_match_naive_sequential_pulses():
    # with p >= 1 every slot fires for every non-zero x_j, d_i: n_ij = BL pulses per sample, applied in batch order
    rng = np.random.default_rng(7)
    x = rng.choice([-1.0, 0.0, 1.0], size=(6, 5)).astype(F)
    d = rng.choice([-1.0, 0.0, 1.0], size=(6, 3)).astype(F)
    up = rpu.UpdateParameters(desired_bl=3, update_management=False, update_bl_management=False)
    dev = rpu.SoftBoundsDevice(dw_min=0.05, **NO_D2D)
    arr = DeviceArray(3, 5, dev, np.random.default_rng(0))
    lr = 10.0  # A = B = sqrt(lr/(ε·BL)) = 8.2 > 1
    pulsed_update(arr, x, d, lr, up, np.random.default_rng(0))
    w = np.zeros((3, 5))
    p = {"s_up": 0.05, "s_down": 0.05, "b_min": -0.6, "b_max": 0.6}
    for b in range(6):
        for i in range(3):
            for j in range(5):
                s = np.sign(x[b, j]) * np.sign(d[b, i])
                for _ in range(3 if s != 0 else 0):
                    w[i, j] = naive.device_pulse("soft_bounds", w[i, j], s > 0, p)
    np.testing.assert_allclose(arr.get_weights(), w, atol=2e-6)


def test_parallel_and_serial_kernels_give_identical_results():
    from archsim.crossbar import kernels as K

    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (40, 256)).astype(F)
    d = rng.normal(0, 0.05, (40, 96)).astype(F)
    out = []
    old = K.PARALLEL
    try:
        for mode in ("always", "never"):
            K.PARALLEL = mode
            tile = AnalogTile(96, 256, seed=5)
            tile.update(x, d, 0.1)
            out.append(tile.get_weights())
    finally:
        K.PARALLEL = old
    assert tile.stats.pulses > 10_000
    np.testing.assert_array_equal(out[0], out[1])
