"""Inference-side rules of aihwkit 1.1.0 (src/aihwkit/inference/noise/base.py, noise/pcm.py,
simulator/tiles/inference.py, src/rpucuda/weight_modifier.cpp): drift from the re-converted programmed weights
(issue 15 item 17), no read noise before the first drift (18), the PROG_NOISE and DOREFA modifiers and the evaluation
mode without modifiers (19), each against a slow numpy reference."""

from __future__ import annotations

import numpy as np
import pytest

from archsim.crossbar import inference_noise as inf
from archsim.crossbar.inference_noise import InferenceTile
from archsim.crossbar.modifiers import apply_weight_modifier
from archsim.errors import ConfigError
from archsim.hwconfig.algorithms import PCMNoiseConfig, WeightModifierConfig, WeightModifierType
from archsim.hwconfig.rpu import IOParameters, RPUConfig

F = np.float32
PERFECT = RPUConfig(forward=IOParameters(is_perfect=True), backward=IOParameters(is_perfect=True))


def naive_drift(w_prog: np.ndarray, nu_p: np.ndarray, nu_m: np.ndarray, t: float, cfg: PCMNoiseConfig) -> np.ndarray:
    """aihwkit apply_drift_noise without read noise: convert W_prog (new scale g_max/max|W_prog|), drift each
    conductance with its exponent, convert back."""
    scale = (cfg.g_max_us - cfg.g_min_us) / np.abs(w_prog).max()
    gp = np.clip(w_prog * scale, 0, cfg.g_max_us) + cfg.g_min_us
    gm = np.clip(-w_prog * scale, 0, cfg.g_max_us) + cfg.g_min_us
    tt = t + cfg.t0_s
    gp, gm = gp * (tt / cfg.t0_s) ** (-nu_p), gm * (tt / cfg.t0_s) ** (-nu_m)
    return ((gp - cfg.g_min_us) - (gm - cfg.g_min_us)) / scale


def test_drift_starts_from_the_reconverted_programmed_weights():
    """Item 17: aihwkit drifts one conductance per weight, from W_prog converted anew; archsim drifted the two stored
    (noisy) devices with the programming-time scale."""
    cfg = PCMNoiseConfig(read_noise_scale=0.0)
    rng = np.random.default_rng(0)
    w = rng.uniform(-0.8, 0.8, (6, 9))
    prog = inf.program_weights(w, cfg, np.random.default_rng(1))
    np.testing.assert_allclose(prog.weights, inf.conductances_to_weights(prog.pair))
    assert np.abs(prog.pair.g_minus_us[w > 0]).max() > 0  # the zero side got programming noise ...
    t = 86400.0
    got = inf.drift_weights(prog, t, cfg, np.random.default_rng(2))
    ref = naive_drift(prog.weights.astype(np.float64), prog.nu_plus, prog.nu_minus, t, cfg)
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-7)  # ... but only one conductance per weight drifts
    old = ((prog.pair.g_plus_us * ((t + cfg.t0_s) / cfg.t0_s) ** -prog.nu_plus
            - prog.pair.g_minus_us * ((t + cfg.t0_s) / cfg.t0_s) ** -prog.nu_minus) / prog.pair.scale_us)
    assert np.abs(old - ref).max() > 1e-3


def test_no_read_noise_right_after_programming():
    """Item 18: after program(), the tile reads W_prog exactly (no 1/f read noise until drift is applied), and the
    compensation baseline comes from that clean read; drift(0) then adds read noise."""
    rng = np.random.default_rng(3)
    w = rng.uniform(-0.5, 0.5, (5, 7)).astype(F)
    tile = InferenceTile(5, 7, PERFECT, seed=4)
    tile.set_weights(w)
    tile.program()
    x = np.eye(7, dtype=F)
    np.testing.assert_allclose(tile.forward(x), (x @ tile.programmed.weights.T), rtol=1e-6)
    np.testing.assert_allclose(tile._baseline, np.abs(tile.programmed.weights).mean(), rtol=1e-6)
    tile.drift(0.0)
    assert not np.allclose(tile.forward(x), x @ tile.programmed.weights.T, rtol=1e-4)


def naive_poly(r, coeffs):
    return sum(c * r**k for k, c in enumerate(coeffs))


def test_prog_noise_modifier_keeps_the_sign():
    """Item 19, aihwkit ProgNoise: σ = (std_dev/g_max)·poly(|w|/amax), w ← sign(w)·|w + amax·σ·ξ|."""
    cfg = WeightModifierConfig(type="prog_noise", std_dev=20.0, coeffs=(0.26348, 1.9650, -1.1731))
    w = np.random.default_rng(5).uniform(-1, 1, (40, 50)).astype(F)
    got = apply_weight_modifier(w, cfg, np.random.default_rng(6))
    amax = np.abs(w).max()
    xi = np.random.default_rng(6).standard_normal(w.shape)
    sig = 20.0 / 25.0 * naive_poly(np.abs(w.astype(np.float64)) / amax, cfg.coeffs)
    ref = np.abs(w + amax * sig * xi)
    ref = np.where(w < 0, -ref, ref)
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-7)
    assert np.all(np.sign(got[w != 0]) == np.sign(w[w != 0]))


def test_dorefa_modifier():
    """Item 19, aihwkit DoReFa: round(tanh(w)·|clip/tanh(amax)|, res), rounding half away from zero; res = 0: off."""
    w = np.random.default_rng(7).uniform(-0.9, 0.9, (30, 30)).astype(F)
    cfg = WeightModifierConfig(type=WeightModifierType.DOREFA, res=0.125, dorefa_clip=0.6)
    got = apply_weight_modifier(w, cfg, np.random.default_rng(0))
    v = np.tanh(w.astype(np.float64)) * abs(0.6 / np.tanh(np.abs(w).max())) / 0.125
    ref = np.where(v >= 0, np.floor(v + 0.5), np.ceil(v - 0.5)) * 0.125
    np.testing.assert_allclose(got, ref, atol=1e-7)
    assert set(np.round(np.unique(got) / 0.125, 6)) <= set(range(-5, 6))
    np.testing.assert_array_equal(apply_weight_modifier(w, WeightModifierConfig(type="dorefa"),
                                                        np.random.default_rng(0)), w)


def test_discretize_rounds_half_away_from_zero():
    w = np.array([[0.25, -0.25, 0.75, 1.0]], F)  # w/amax/res = 0.5, −0.5, 1.5 with res = 0.5
    got = apply_weight_modifier(w, WeightModifierConfig(type="discretize", res=0.5), np.random.default_rng(0))
    np.testing.assert_allclose(got, [[0.5, -0.5, 1.0, 1.0]])


def test_evaluation_mode_reads_the_unmodified_weights():
    """Item 19: aihwkit applies the modifier only in training unless enable_during_test."""
    w = np.full((3, 4), 0.2, F)
    x = np.eye(4, dtype=F)
    for during_test in (False, True):
        mod = WeightModifierConfig(type="add_normal", std_dev=0.3, enable_during_test=during_test)
        tile = InferenceTile(3, 4, PERFECT, seed=1, modifier=mod)
        tile.set_weights(w)
        assert not np.allclose(tile.forward(x), w.T)  # training mode: modified
        tile.eval()
        assert np.allclose(tile.forward(x), w.T) != during_test
        tile.train()
        assert not np.allclose(tile.forward(x), w.T)
    with pytest.raises(ConfigError, match="modifier.type: expected one of"):
        WeightModifierConfig(type="pcm_noise")
