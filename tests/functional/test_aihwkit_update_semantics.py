"""Pulsed-update rules where archsim follows aihwkit 1.1.0's C++ core: the raw probability resolution (item 7),
stochastic rounding of the probabilities, the learning-rate sign (item 8) and the mean-count rounding order, each
against a naive numpy reference of aihwkit's bit-line makers (src/rpucuda/sparse_bit_line_maker.cpp,
dense_bit_line_maker.cpp)."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from archsim.crossbar import AnalogTile, DeviceArray, pulsed_update
from archsim.errors import ArchsimWarning, DataError
from archsim.hwconfig import rpu

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reference"))
import naive

F = np.float32
NO_D2D = {"dw_min_dtod": 0.0, "up_down_dtod": 0.0, "w_min_dtod": 0.0, "w_max_dtod": 0.0, "dw_min_std": 0.0}
DEVICE = rpu.ConstantStepDevice(w_min=-10.0, w_max=10.0, **NO_D2D)


def naive_raw_resolution(p: float, res: float) -> float:
    """aihwkit getDiscretizedValue with the raw res (no stochastic rounding)."""
    return p if res <= 0 else float(np.rint(F(p) / F(res)) * F(res))


def test_raw_resolution_above_one_cancels_the_update_with_a_load_time_warning():
    """Item 7: res = 4 is used as a bin width of 4 (aihwkit discards 1/res): p ∈ (0, 1] rounds to 0."""
    with pytest.warns(ArchsimWarning, match=r"res = 4 > 1 is used as a raw probability resolution"):
        cfg = rpu.RPUConfig.from_dict({"device": {"kind": "constant_step", **NO_D2D}, "update": {"res": 4}})
    assert naive_raw_resolution(0.9, 4.0) == 0.0 and naive_raw_resolution(2.1, 4.0) == 4.0
    tile = AnalogTile(8, 8, cfg, seed=0)
    rng = np.random.default_rng(0)
    tile.update(rng.uniform(-1, 1, (20, 8)).astype(F), rng.normal(0, 0.1, (20, 8)).astype(F), 0.05)
    np.testing.assert_array_equal(tile.get_weights(), 0.0)
    assert tile.stats.pulses == 0


def test_res_as_steps_is_the_explicit_option_and_silent():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        up = rpu.UpdateParameters(res=4.0, res_as_steps=True)
    assert up.probability_resolution(4.0) == 0.25 and rpu.UpdateParameters().probability_resolution(0.5) == 0.5


def test_mean_count_with_raw_resolution_matches_naive():
    """MEAN_COUNT with res = 0.3 and 1.5 (raw): counts from rint(BL·rint(p/res)·res), coincidences rint(c_d/BL·c_x)."""
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (5, 6)).astype(F)
    d = rng.normal(0, 0.3, (5, 4)).astype(F)
    for res in (0.3, 1.5):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ArchsimWarning)
            up = rpu.UpdateParameters(pulse_type="mean_count", res=res, desired_bl=9)
        arr = DeviceArray(4, 6, DEVICE, np.random.default_rng(0))
        pulsed_update(arr, x, d, 0.02, up, np.random.default_rng(2))
        expected = np.zeros((4, 6))
        for b in range(5):
            bl, a, bb = naive.pulse_schedule(x[b], d[b], 0.02, 0.001, up)
            for i in range(4):
                pd = naive_raw_resolution(float(F(F(a) * F(abs(d[b, i])))), res)
                ci = min(max(np.rint(F(bl) * F(pd)), 0), bl)
                for j in range(6):
                    px = naive_raw_resolution(float(F(F(bb) * F(abs(x[b, j])))), res)
                    cj = min(max(np.rint(F(bl) * F(px)), 0), bl)
                    n = np.rint(F(F(ci) / F(bl)) * F(cj)) * np.sign(d[b, i]) * np.sign(x[b, j])
                    expected[i, j] -= 0.001 * n
        np.testing.assert_allclose(arr.get_weights(), expected, atol=1e-6)


def test_stochastic_rounding_of_probabilities_is_unbiased():
    """sto_round applies to the probability quantisation of the stochastic pulse types too (aihwkit bit-line
    maker): with res = 0.5 a probability of 0.3 becomes 0.5 w.p. 0.6 and 0 otherwise -> mean coincidences 0.3·0.5."""
    fixed = {"update_management": False, "update_bl_management": False, "desired_bl": 1}
    up = rpu.UpdateParameters(res=0.5, sto_round=True, **fixed)
    # A = B = sqrt(lr/ε) with lr/ε = 0.09: p_x = p_d = 0.3 (x = d = 1)
    arr = DeviceArray(1, 1, DEVICE, np.random.default_rng(0))
    rng = np.random.default_rng(3)
    n = 6000
    pulses = 0
    for _ in range(n):
        pulses += pulsed_update(arr, np.ones((1, 1), F), np.ones((1, 1), F), 0.00009, up, rng).pulses
    # each probability is 0.5 w.p. 0.6: coincidence probability E[p_x]E[p_d]... = (0.6·0.5)² = 0.09
    assert pulses / n == pytest.approx(0.09, abs=0.012)
    up = rpu.UpdateParameters(res=0.5, **fixed)  # deterministic: 0.3 -> 0.5, coincidence probability 0.25
    pulses = sum(pulsed_update(arr, np.ones((1, 1), F), np.ones((1, 1), F), 0.00009, up, rng).pulses for _ in range(n))
    assert pulses / n == pytest.approx(0.25, abs=0.02)


def test_negative_learning_rate_is_an_error():
    tile = AnalogTile(2, 2, seed=0)
    with pytest.raises(DataError, match="lr: expected a finite number >= 0"):
        tile.update(np.ones((1, 2)), np.ones((1, 2)), -0.01)
