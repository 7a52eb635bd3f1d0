"""Device-model rules against aihwkit 1.1.0 (src/rpucuda/rpu_expstep_device.h, rpu_expstep_device.cpp): the ExpStep
weight granularity (issue 15 item 1) and the ExpStep reference trajectory of the research note (§3.5)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from archsim.crossbar import AnalogTile, weight_granularity
from archsim.hwconfig import rpu

F = np.float32
NO_D2D = {"dw_min_dtod": 0.0, "up_down_dtod": 0.0, "w_min_dtod": 0.0, "w_max_dtod": 0.0, "dw_min_std": 0.0}


def naive_exp_step_granularity(dev: rpu.ExpStepDevice) -> float:
    """aihwkit's calc-weight-granularity body, in float64: the down step at w = 0 taken twice, with the down scale
    (1 − max(up_down, 0))·dw_min."""
    scale_down = (1.0 - max(dev.up_down, 0.0)) * dev.dw_min
    z = dev.b  # 2·w/(w_max − w_min)·a + b at w = 0
    dw_down = scale_down * max(1.0 - dev.A_down * math.exp(-dev.gamma_down * z), 0.0)
    eps = (dw_down + dw_down) / 2.0
    return eps if eps > 0 else dev.dw_min


def test_exp_step_granularity_includes_the_up_down_asymmetry():
    """Item 1: with ReRamESPreset (up_down 0.259) aihwkit's ε is 0.00199, archsim's old dw_min·y_down was 0.00269."""
    dev = rpu.RPUConfig.from_preset("ReRamESPreset").device
    assert naive_exp_step_granularity(dev) == pytest.approx(0.0019914, rel=1e-4)
    assert weight_granularity(dev) == pytest.approx(naive_exp_step_granularity(dev), rel=1e-6)
    assert weight_granularity(rpu.ExpStepDevice()) / 0.001 == pytest.approx(0.98342, rel=1e-5)  # up_down = 0
    neg = rpu.ExpStepDevice(up_down=-0.3)  # a negative asymmetry shrinks the up scale only
    assert weight_granularity(neg) == pytest.approx(naive_exp_step_granularity(neg), rel=1e-6)


def test_exp_step_granularity_sets_the_update_statistics():
    """The pulse-train length follows ε: η = 0.004, |x| = |d| = 1 -> BL = ceil(η/ε) = 3 with aihwkit's ε (0.00199)
    where the old ε (0.00269) gave 2."""
    cfg = rpu.RPUConfig.from_preset("ReRamESPreset")
    tile = AnalogTile(3, 3, cfg, seed=0)
    tile.update(np.ones((1, 3), F), np.ones((1, 3), F), 0.004)
    assert dict(tile.stats.bl_histogram) == {math.ceil(0.004 / naive_exp_step_granularity(cfg.device)): 1} == {3: 1}


def expected_exp_step_trajectory(dev: rpu.ExpStepDevice, lr: float, n: int) -> float:
    """E[w] after n updates of x = 1, d = −1 at learning rate lr, from w = 0, without noise: every update applies on
    average η/ε pulses (update management: BL·p_x·p_d = η/ε), each of size y_up(w)·dw_min (aihwkit update_once)."""
    eps = naive_exp_step_granularity(dev)
    w = 0.0
    for _ in range(n):
        z = 2.0 * dev.a * w / (dev.w_max - dev.w_min) + dev.b
        w += (lr / eps) * max(1.0 - dev.A_up * math.exp(dev.gamma_up * z), 0.0) * dev.dw_min
    return w


def test_exp_step_reference_trajectory_is_0_099_not_0_0745():
    """Settles the research note's §3.5 figure: "ExpStep defaults with LR = dw_min ... up from 0: 0.0745 after 100
    updates". The formula gives 0.0995: ε = 0.983·dw_min, so each update carries η/ε = 1.017 expected pulses (BL = 2,
    p_x = p_d = 0.713) and each pulse moves w by y_up(w)·dw_min with y_up between 0.983 (w = 0) and 0.973 (w = 0.1).
    0.0745 would need 76 pulses in 100 updates; one device's pulse count has a std of sqrt(100·2·0.508·0.492) = 7,
    so even a single trajectory lands there with probability ~2e-4. archsim's mean over 10,000 devices with
    independent pulse trains (a 100×100 tile: each element has its own row and column train pair) agrees with the
    formula to its sampling error (~0.5 %) and is >20 standard errors away from 0.0745: the formula is right."""
    dev = rpu.ExpStepDevice(**NO_D2D)
    formula = expected_exp_step_trajectory(dev, dev.dw_min, 100)
    assert formula == pytest.approx(0.0995, abs=5e-4)
    tile = AnalogTile(100, 100, rpu.RPUConfig(device=dev), seed=1)
    for _ in range(100):
        tile.update(np.ones((1, 100), F), -np.ones((1, 100), F), dev.dw_min)
    w = tile.get_weights().astype(np.float64)
    assert tile.stats.pulses / (1e4 * 100) == pytest.approx(dev.dw_min / weight_granularity(dev), rel=0.02)
    assert w.mean() == pytest.approx(formula, rel=0.015)
    sem = w.std() / 10.0  # ≥ the standard error of the mean (elements sharing a train are positively correlated)
    assert (w.mean() - 0.0745) > 20 * sem
