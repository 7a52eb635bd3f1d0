"""Inference noise (PCM-like) and HWA weight modifiers against their formulas (aihwkit's PCMLikeNoiseModel and weight modifiers)."""

from __future__ import annotations

import numpy as np
import pytest

from archsim.crossbar import inference_noise as inf
from archsim.crossbar.modifiers import apply_weight_modifier
from archsim.errors import ConfigError
from archsim.hwconfig.algorithms import (
    DriftCompensation,
    PCMNoiseConfig,
    WeightModifierConfig,
    WeightModifierType,
)

CFG = PCMNoiseConfig()


def test_mapping_round_trip_and_pairs():
    w = np.array([[0.5, -0.25], [0.0, -1.0]], dtype=np.float32)
    pair = inf.weights_to_conductances(w, CFG)
    assert pair.scale_us == pytest.approx(25.0)
    np.testing.assert_allclose(pair.g_plus_us, [[12.5, 0.0], [0.0, 0.0]])
    np.testing.assert_allclose(pair.g_minus_us, [[0.0, 6.25], [0.0, 25.0]])
    np.testing.assert_allclose(inf.conductances_to_weights(pair), w, atol=1e-7)


def test_mapping_with_g_min():
    cfg = PCMNoiseConfig(g_min_us=1.0)
    pair = inf.weights_to_conductances(np.array([[2.0, -1.0]]), cfg)
    assert pair.scale_us == pytest.approx(12.0)
    np.testing.assert_allclose(pair.g_plus_us, [[25.0, 1.0]])
    np.testing.assert_allclose(pair.g_minus_us, [[1.0, 13.0]])


def test_nu_stats_formula_and_clipping():
    mu, sigma = inf.drift_nu_stats(np.array([25.0, 2.5, 1e-9]), CFG)
    # g_rel = 1: mu = 0.0244 -> clipped to 0.049; sigma = -0.0059 -> 0.008
    assert mu[0] == pytest.approx(0.049) and sigma[0] == pytest.approx(0.008)
    # g_rel = 0.1: mu = 0.0155 ln 10 + 0.0244 = 0.0601; sigma = 0.0125 ln 10 - 0.0059 = 0.02288
    assert mu[1] == pytest.approx(0.0155 * np.log(10) + 0.0244)
    assert sigma[1] == pytest.approx(0.0125 * np.log(10) - 0.0059)
    assert mu[2] == pytest.approx(0.1) and sigma[2] == pytest.approx(0.045)


def test_programming_noise_and_nu_statistics():
    rng = np.random.default_rng(1)
    n = 200_000
    w = np.full((1, n), 0.5)
    w[0, 0] = 1.0  # sets scale: 0.5 -> g = 12.5 uS
    prog = inf.program_weights(w, CFG, rng)
    g = prog.pair.g_plus_us[0, 1:]
    sig = float(inf.prog_noise_std_us(np.array(12.5), CFG))
    assert sig == pytest.approx(0.26348 + 1.9650 * 0.5 - 1.1731 * 0.25)
    assert g.mean() == pytest.approx(12.5, abs=4 * sig / np.sqrt(n))
    assert g.std() == pytest.approx(sig, rel=0.01)
    mu, s = inf.drift_nu_stats(np.array(12.5), CFG)
    nu = prog.nu_plus[0, 1:]
    assert nu.mean() == pytest.approx(float(mu), rel=0.01)
    assert nu.std() == pytest.approx(float(s), rel=0.02)
    # zero weights sit at g = 0: programming noise is clipped at 0 (one-sided)
    assert np.all(prog.pair.g_minus_us >= 0.0)


def test_drift_mean_and_read_noise_vs_formula():
    rng = np.random.default_rng(2)
    n = 200_000
    cfg = PCMNoiseConfig(prog_noise_scale=0.0)
    w = np.full((1, n), 1.0)
    prog = inf.program_weights(w, cfg, rng)
    t = 3600.0
    wt = inf.drift_weights(prog, t, cfg, rng)[0].astype(np.float64)
    nu = prog.nu_plus[0]
    decay = ((t + cfg.t0_s) / cfg.t0_s) ** (-nu)
    expected_mean = decay.mean()
    sig_read = float(inf.read_noise_std_rel(np.array(25.0), t, cfg))
    q_s = min(0.0088 / 1.0, 0.2)
    assert sig_read == pytest.approx(q_s * np.sqrt(np.log((t + 20.0 + 250e-9) / (2 * 250e-9))))
    assert wt.mean() == pytest.approx(expected_mean, rel=2e-3)
    # residual after removing the exact per-device drift is the read noise
    resid = wt / decay - 1.0
    assert resid.std() == pytest.approx(sig_read, rel=0.02)
    # t = 0: no drift, only read noise
    w0 = inf.drift_weights(prog, 0.0, cfg, rng)[0]
    assert w0.mean() == pytest.approx(1.0, abs=1e-3)


def test_drift_is_deterministic_per_seed_and_rejects_negative_time():
    w = np.random.default_rng(0).normal(size=(4, 5))
    a = inf.drift_weights(inf.program_weights(w, CFG, np.random.default_rng(5)), 10.0, CFG, np.random.default_rng(6))
    b = inf.drift_weights(inf.program_weights(w, CFG, np.random.default_rng(5)), 10.0, CFG, np.random.default_rng(6))
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ConfigError):
        inf.drift_weights(inf.program_weights(w, CFG, np.random.default_rng(5)), -1.0, CFG, np.random.default_rng(6))


def test_global_and_per_column_drift_compensation():
    rng = np.random.default_rng(3)
    w = rng.normal(size=(6, 8)).astype(np.float32)
    cfg = PCMNoiseConfig(prog_noise_scale=0.0, read_noise_scale=0.0)
    prog = inf.program_weights(w, cfg, rng)
    w0 = inf.drift_weights(prog, 0.0, cfg, rng)
    wt = inf.drift_weights(prog, 1e6, cfg, rng)
    base = inf.compensation_readout(lambda x: x @ w0.T, 8, DriftCompensation.GLOBAL)
    cur = inf.compensation_readout(lambda x: x @ wt.T, 8, DriftCompensation.GLOBAL)
    alpha = inf.compensation_factor(base, cur)
    assert float(alpha) > 1.0
    assert np.abs(wt * alpha).mean() == pytest.approx(np.abs(w0).mean(), rel=1e-5)
    base_c = inf.compensation_readout(lambda x: x @ w0.T, 8, DriftCompensation.PER_COLUMN)
    cur_c = inf.compensation_readout(lambda x: x @ wt.T, 8, DriftCompensation.PER_COLUMN)
    a_c = inf.compensation_factor(base_c, cur_c)
    assert a_c.shape == (6,)
    np.testing.assert_allclose(np.abs(wt * a_c[:, None]).mean(axis=1), np.abs(w0).mean(axis=1), rtol=1e-5)


def test_pcm_config_validation():
    with pytest.raises(ConfigError):
        PCMNoiseConfig(g_max_us=1.0, g_min_us=2.0)


# ---- weight modifiers ----------------------------------------------------------------------------------


def test_discretize_exact():
    w = np.array([[1.0, 0.26, -0.24, 0.74]])
    out = apply_weight_modifier(w, WeightModifierConfig(type=WeightModifierType.DISCRETIZE, res=0.25),
                                np.random.default_rng(0))
    np.testing.assert_allclose(out, [[1.0, 0.25, -0.25, 0.75]], atol=1e-7)
    # res > 1 means a number of steps
    out = apply_weight_modifier(w, WeightModifierConfig(type=WeightModifierType.DISCRETIZE, res=4),
                                np.random.default_rng(0))
    np.testing.assert_allclose(out, [[1.0, 0.25, -0.25, 0.75]], atol=1e-7)


def test_discretize_stochastic_rounding_is_unbiased():
    w = np.full((1, 100_000), 0.1)
    w[0, 0] = 1.0
    out = apply_weight_modifier(w, WeightModifierConfig(type=WeightModifierType.DISCRETIZE, res=0.25,
                                                        sto_round=True), np.random.default_rng(0))
    vals = out[0, 1:]
    assert set(np.round(np.unique(vals), 6)) <= {0.0, 0.25}
    assert vals.mean() == pytest.approx(0.1, abs=3e-3)


@pytest.mark.parametrize(
    ("kind", "expected_std"),
    [
        (WeightModifierType.ADD_NORMAL, lambda w, a, s: np.full_like(w, s * a)),
        (WeightModifierType.MULT_NORMAL, lambda w, a, s: np.abs(w) * s * a),
        (WeightModifierType.POLY,
         lambda w, a, s: a * s * np.abs(0.0105392 + 0.0768 * np.abs(w) / a - 0.046925 * (np.abs(w) / a) ** 2)),
    ],
)
def test_noise_modifiers_std(kind, expected_std):
    rng = np.random.default_rng(4)
    n = 100_000
    w = np.full((2, n), 0.5)
    w[0, 0] = 2.0  # amax = 2
    cfg = WeightModifierConfig(type=kind, std_dev=0.1)
    out = apply_weight_modifier(w, cfg, rng)
    d = (out - w)[1]
    assert d.mean() == pytest.approx(0.0, abs=5 * expected_std(w, 2.0, 0.1)[1, 0] / np.sqrt(n))
    assert d.std() == pytest.approx(expected_std(w, 2.0, 0.1)[1, 0], rel=0.02)


def test_drop_connect_and_assumed_wmax():
    rng = np.random.default_rng(5)
    w = np.ones((100, 1000))
    out = apply_weight_modifier(w, WeightModifierConfig(type=WeightModifierType.DROP_CONNECT, pdrop=0.3), rng)
    assert (out == 0).mean() == pytest.approx(0.3, abs=0.01)
    assert np.all((out == 0) | (out == 1))
    cfg = WeightModifierConfig(type=WeightModifierType.ADD_NORMAL, std_dev=0.1, rel_to_actual_wmax=False,
                               assumed_wmax=0.5)
    assert (apply_weight_modifier(w, cfg, rng) - w).std() == pytest.approx(0.05, rel=0.02)


def test_modifier_config_validation():
    with pytest.raises(ConfigError):
        WeightModifierConfig(pdrop=1.5)


# ---- tile workflow -------------------------------------------------------------------------------------


def _perfect_cfg():
    from archsim.hwconfig.rpu import IOParameters, RPUConfig

    return RPUConfig(forward=IOParameters(is_perfect=True), backward=IOParameters(is_perfect=True))


def test_inference_tile_program_drift_compensation():
    from archsim.crossbar.inference_noise import InferenceTile

    rng = np.random.default_rng(0)
    w = rng.uniform(-0.5, 0.5, size=(8, 16)).astype(np.float32)
    tile = InferenceTile(8, 16, _perfect_cfg(), seed=1)
    tile.set_weights(w)
    x = rng.normal(size=(32, 16)).astype(np.float32)
    y_ideal = x @ w.T
    tile.program()
    assert tile.programmed_devices == 2 * 8 * 16
    y0 = tile.forward(x)
    err0 = np.abs(y0 - y_ideal).mean()
    assert 0 < err0 < 0.2 * np.abs(y_ideal).mean()  # programming + read noise, small
    tile.drift(1e7)
    assert tile.t_seconds == 1e7
    assert float(tile.alpha) > 1.1  # drift shrank the conductances; compensation scales back up
    y_comp = tile.forward(x)
    y_raw = y_comp / float(tile.alpha)
    assert np.abs(y_raw).mean() < 0.9 * np.abs(y_ideal).mean()
    assert np.abs(y_comp).mean() == pytest.approx(np.abs(y_ideal).mean(), rel=0.1)
    no_comp = InferenceTile(8, 16, _perfect_cfg(), seed=1, drift_compensation=DriftCompensation.NONE)
    no_comp.set_weights(w)
    no_comp.program()
    no_comp.drift(1e7)
    assert np.abs(no_comp.forward(x)).mean() < 0.9 * np.abs(y_ideal).mean()


def test_inference_tile_drift_requires_program_and_modifier_per_batch():
    from archsim.crossbar.inference_noise import InferenceTile

    tile = InferenceTile(2, 3, _perfect_cfg())
    with pytest.raises(ConfigError):
        tile.drift(1.0)
    mod = WeightModifierConfig(type=WeightModifierType.ADD_NORMAL, std_dev=0.5)
    tile = InferenceTile(2, 3, _perfect_cfg(), modifier=mod, seed=2)
    tile.set_weights(np.full((2, 3), 0.1, np.float32))
    x = np.eye(3, dtype=np.float32)
    a, b = tile.forward(x), tile.forward(x)
    np.testing.assert_array_equal(a, b)  # same modified weights within a mini-batch
    assert not np.allclose(a, 0.1)
    tile.update(np.zeros((1, 3), np.float32), np.zeros((1, 2), np.float32), 0.1)
    assert not np.array_equal(tile.forward(x), a)  # redrawn after the update
    np.testing.assert_allclose(tile.get_weights(), 0.1, atol=1e-6)  # hidden weights untouched
