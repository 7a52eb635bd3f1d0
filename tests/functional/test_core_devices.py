"""Device models: construction sampling, per-pulse laws (vs the naive reference), slow processes."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from archsim.crossbar import AnalogTile, DeviceArray, weight_granularity
from archsim.errors import ConfigError
from archsim.hwconfig import rpu

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reference"))
import naive

F = np.float32
NO_D2D = {"dw_min_dtod": 0.0, "up_down_dtod": 0.0, "w_min_dtod": 0.0, "w_max_dtod": 0.0, "dw_min_std": 0.0}


def one_pulse_tile(device, n: int = 1) -> AnalogTile:
    """Tile whose update(x=1, d=∓1, lr=ε) gives exactly one pulse per call (reference §3.5)."""
    cfg = rpu.RPUConfig(device=device)
    return AnalogTile(n, 1, cfg, seed=0)


def trajectory(device, n_pulses: int, up: bool = True) -> np.ndarray:
    tile = one_pulse_tile(device)
    eps = weight_granularity(device)
    out = []
    for _ in range(n_pulses):
        tile.update(np.ones((1, 1), F), np.full((1, 1), -1.0 if up else 1.0, F), eps)
        out.append(float(tile.get_weights()[0, 0]))
    return np.array(out)


def test_constant_step_saturates_after_60_pulses():
    traj = trajectory(rpu.ConstantStepDevice(dw_min=0.01, **NO_D2D), 80)
    np.testing.assert_allclose(traj[:3], [0.01, 0.02, 0.03], rtol=1e-5)
    assert traj[58] < 0.6 and traj[59] == pytest.approx(0.6) and traj[-1] == pytest.approx(0.6)
    down = trajectory(rpu.ConstantStepDevice(dw_min=0.01, **NO_D2D), 200, up=False)
    assert down[-1] == pytest.approx(-0.6)


def test_soft_bounds_approach():
    traj = trajectory(rpu.SoftBoundsDevice(dw_min=0.01, **NO_D2D), 500)
    n = np.array([2, 100, 500])
    np.testing.assert_allclose(traj[n - 1], 0.6 * (1 - (1 - 0.01 / 0.6) ** n), atol=2e-6)
    np.testing.assert_allclose(traj[[1, 99, 499]], [0.019833, 0.488255, 0.599865], atol=2e-6)


def test_pow_step_default_trajectory_and_step_at_zero():
    traj = trajectory(rpu.PowStepDevice(pow_gamma_dtod=0.0, **NO_D2D), 2000)
    np.testing.assert_allclose(traj[[0, 99, 499, 999, 1999]], [0.0005, 0.04799, 0.20452, 0.33933, 0.48675], atol=2e-5)


def test_linear_step_trajectory():
    dev = rpu.LinearStepDevice(gamma_up=0.5, gamma_down=0.5, gamma_up_dtod=0.0, gamma_down_dtod=0.0, **NO_D2D)
    traj = trajectory(dev, 1000)
    np.testing.assert_allclose(traj[[0, 99, 499]], [0.001, 0.09599, 0.40905], atol=2e-5)
    assert traj[-1] == pytest.approx(0.6, abs=1e-3)


def test_exp_step_granularity_and_trajectory():
    dev = rpu.ExpStepDevice(**NO_D2D)
    assert weight_granularity(dev) / dev.dw_min == pytest.approx(0.983, abs=1e-3)
    traj = trajectory(dev, 1000)
    # first up step y_up(0)·dw_min = (1 − A_up·e^(γ_up·b))·dw_min; saturation at w_max before 1000 pulses
    assert traj[0] == pytest.approx((1 - dev.A_up * np.exp(dev.gamma_up * dev.b)) * dev.dw_min, rel=1e-5)
    assert np.all(np.diff(traj) >= 0) and traj[-1] == pytest.approx(0.6, abs=1e-3)
    # the often-quoted 0.0745 after 100 updates at LR = dw_min is settled in
    # test_aihwkit_device_semantics.py::test_exp_step_reference_trajectory_is_0_099_not_0_0745 (the law gives 0.0995)


@pytest.mark.parametrize("kind, params", [
    ("constant_step", {}),
    ("soft_bounds", {}),
    ("linear_step", {"gamma_up": 0.3, "gamma_down": 0.7}),
    ("pow_step", {"pow_gamma": 1.7}),
    ("exp_step", {}),
    ("piecewise_step", {"piecewise_up": (1.0, 0.5, 0.2), "piecewise_down": (0.3, 0.6, 1.2)}),
])
def test_pulse_law_matches_naive(kind, params):
    extra = {"gamma_up_dtod": 0.0, "gamma_down_dtod": 0.0} if kind == "linear_step" else {}
    if kind == "pow_step":
        extra = {"pow_gamma_dtod": 0.0}
    dev = rpu.DEVICE_KINDS[kind](dw_min=0.02, **NO_D2D, **params, **extra)
    rng = np.random.default_rng(5)
    pattern = rng.random(300) < 0.6
    tile = one_pulse_tile(dev)
    eps = weight_granularity(dev)
    p = {"s_up": dev.dw_min, "s_down": dev.dw_min, "b_min": dev.w_min, "b_max": dev.w_max, **params}
    if kind == "pow_step":
        p.update(gamma_up=1.7, gamma_down=1.7)
    if kind == "linear_step":
        p.update(w_min=dev.w_min, w_max=dev.w_max)
    if kind == "exp_step":
        p.update(A_up=dev.A_up, A_down=dev.A_down, gamma_up=dev.gamma_up, gamma_down=dev.gamma_down, a=dev.a, b=dev.b)
    w = 0.0
    for up in pattern:  # lr = ε, |x| = |d| = 1: BL = 1, p = 1, exactly one pulse per update
        tile.update(np.ones((1, 1), F), np.full((1, 1), -1.0 if up else 1.0, F), eps)
        w = naive.device_pulse(kind, w, not up, p)
        assert float(tile.get_weights()[0, 0]) == pytest.approx(w, abs=1e-5)
        w = float(tile.get_weights()[0, 0])


def test_d2d_sampling_statistics():
    dev = rpu.ConstantStepDevice(dw_min=0.01, dw_min_dtod=0.3, up_down=0.1, up_down_dtod=0.05, w_max_dtod=0.2)
    arr = DeviceArray(200, 200, dev, np.random.default_rng(0))
    s_up, s_dn, lo, hi = (arr.P[..., k] for k in range(4))
    assert s_up.mean() == pytest.approx(0.01, rel=0.01)  # up_bias = 0 for up_down > 0
    assert s_dn.mean() == pytest.approx(0.009, rel=0.01)  # (1 − up_down)·dw_min
    assert np.std(s_up / 0.01) == pytest.approx(np.hypot(0.3, 0.05), rel=0.05)
    assert hi.mean() == pytest.approx(0.6, rel=0.01) and (hi / 0.6).std() == pytest.approx(0.2, rel=0.05)
    assert (s_up >= 0).all() and (hi >= 0).all() and (lo <= 0).all()  # enforce_consistency


def test_construction_seed_fixes_d2d_draws():
    dev = rpu.ConstantStepDevice(construction_seed=7)
    a = DeviceArray(4, 4, dev, np.random.default_rng(1))
    b = DeviceArray(4, 4, dev, np.random.default_rng(2))
    np.testing.assert_array_equal(a.P, b.P)


def test_corrupt_devices_are_stuck():
    dev = rpu.ConstantStepDevice(corrupt_devices_prob=0.5, corrupt_devices_range=0.1)
    arr = DeviceArray(30, 30, dev, np.random.default_rng(0))
    stuck = arr.P[..., 2] == arr.P[..., 3]
    assert 0.4 < stuck.mean() < 0.6
    assert np.all(np.abs(arr.P[..., 2][stuck]) <= 0.1 + 1e-7) and np.all(arr.P[..., 0][stuck] == 0)


def test_granularity_rules():
    assert weight_granularity(rpu.PowStepDevice(pow_gamma=2.0)) == pytest.approx(0.001 * 0.25)
    assert weight_granularity(rpu.PiecewiseStepDevice(piecewise_up=(1, 0.5, 2), piecewise_down=(1, 1, 1))) == \
        pytest.approx(0.0005)
    assert weight_granularity(rpu.SoftBoundsDevice(dw_min=0.004)) == 0.004


def test_decay_diffusion_reset():
    dev = rpu.ConstantStepDevice(lifetime=10.0, reset=0.0, **NO_D2D)
    arr = DeviceArray(3, 3, dev, np.random.default_rng(0))
    arr.set_weights(np.full((3, 3), 0.5, F))
    arr.decay()
    np.testing.assert_allclose(arr.get_weights(), 0.45, rtol=1e-6)
    dev = rpu.ConstantStepDevice(diffusion=0.01, **NO_D2D)
    arr = DeviceArray(100, 100, dev, np.random.default_rng(0))
    arr.diffuse()
    assert arr.get_weights().std() == pytest.approx(0.01, rel=0.05)
    dev = rpu.ConstantStepDevice(reset=0.1, reset_std=0.0, **NO_D2D)
    arr = DeviceArray(3, 4, dev, np.random.default_rng(0))
    arr.reset(cols=[1])
    w = arr.get_weights()
    assert np.all(w[:, 1] == F(0.1)) and np.all(w[:, [0, 2, 3]] == 0)


def test_write_noise_on_visible_weight_only():
    dev = rpu.ConstantStepDevice(write_noise_std=10.0, **NO_D2D)
    arr = DeviceArray(50, 50, dev, np.random.default_rng(0))
    arr.set_weights(np.full((50, 50), 0.2, F))
    assert (arr.get_weights() - 0.2).std() == pytest.approx(0.01, rel=0.1)
    np.testing.assert_allclose(arr.get_hidden_weights(), 0.2)


def test_soft_bounds_reference_symmetry_point_is_zero_weight():
    dev = rpu.SoftBoundsReferenceDevice(subtract_symmetry_point=True, up_down=0.2, dw_min=0.01, **NO_D2D)
    tile = AnalogTile(1, 1, rpu.RPUConfig(device=dev), seed=0)
    eps = weight_granularity(dev)
    for _ in range(3000):  # alternating up/down pulses converge to the symmetry point
        tile.update(np.ones((1, 1), F), -np.ones((1, 1), F), eps)
        tile.update(np.ones((1, 1), F), np.ones((1, 1), F), eps)
    assert abs(float(tile.get_weights()[0, 0])) < 0.02


def test_pmax_conversion():
    eff = rpu.SoftBoundsPmaxDevice().effective()
    span = 2.0 / (1 - np.exp(-0.5))
    assert eff.w_max == pytest.approx(-1 + span) and eff.dw_min == pytest.approx(span * 0.0005)


def test_device_config_validation():
    with pytest.raises(ConfigError, match="dw_min: expected > 0"):
        rpu.ConstantStepDevice(dw_min=0.0)
    with pytest.raises(ConfigError, match="w_min/w_max"):
        rpu.SoftBoundsDevice(w_min=0.1)
    with pytest.raises(ConfigError, match="piecewise_down"):
        rpu.PiecewiseStepDevice(piecewise_up=(1, 2), piecewise_down=(1,))


def test_cycle_to_cycle_noise_of_one_pulse():
    dev = rpu.ConstantStepDevice(dw_min=0.01, dw_min_std=0.3, dw_min_dtod=0.0, up_down_dtod=0.0, w_min_dtod=0.0,
                                 w_max_dtod=0.0)
    tile = AnalogTile(4000, 1, rpu.RPUConfig(device=dev), seed=0)
    tile.update(np.ones((1, 1), F), -np.ones((1, 4000), F), 0.01)  # one up pulse on every device
    steps = tile.get_weights()[:, 0].astype(np.float64)
    assert steps.mean() == pytest.approx(0.01, rel=0.02)
    assert steps.std() == pytest.approx(0.003, rel=0.05)


def test_pow_step_reference_symmetry_point_is_zero_weight():
    dev = rpu.PowStepReferenceDevice(subtract_symmetry_point=True, pow_up_down=0.3, pow_gamma_dtod=0.0, dw_min=0.01,
                                     **NO_D2D)
    arr = DeviceArray(1, 1, dev, np.random.default_rng(0))
    tile = AnalogTile(1, 1, rpu.RPUConfig(device=dev), seed=0)
    eps = weight_granularity(dev)
    for _ in range(2000):
        tile.update(np.ones((1, 1), F), -np.ones((1, 1), F), eps)
        tile.update(np.ones((1, 1), F), np.ones((1, 1), F), eps)
    assert abs(float(tile.get_weights()[0, 0])) < 0.02
    assert abs(float(arr.ref[0, 0])) > 0.05  # the reference really moved to the (asymmetric) symmetry point
