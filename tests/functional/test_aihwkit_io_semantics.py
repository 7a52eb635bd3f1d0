"""Forward/backward rules where archsim follows aihwkit 1.1.0's C++ core (src/rpucuda/rpu_forward_backward_pass.cpp)
to the letter: worst-case bound management without noise management, the per-element negative-bound test,
ABS_MAX_NP_SUM with an unbounded ADC and with nm_thres, the backward zero short-cut, AVERAGE_ABS_MAX without
nm_thres. Each case is checked against tests/reference/naive.py, which follows aihwkit's loop line by line."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from archsim.crossbar import AnalogTile, IOPipeline
from archsim.hwconfig.rpu import IOParameters, RPUConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reference"))
import naive

F = np.float32
QUIET = {"out_noise": 0.0}


def run(io: IOParameters, w: np.ndarray, x: np.ndarray, *, backward: bool = False):
    p = IOPipeline(io, w.shape[0], np.random.default_rng(0), backward=backward)
    return p(np.asarray(w, F), np.ascontiguousarray(x, F), np.uint64(3))


def check_against_naive(io, w, x, *, backward=False):
    got = run(io, w, x, backward=backward)
    for b in range(x.shape[0]):
        y, passes = naive.forward_vector(w, x[b], io, backward=backward)
        np.testing.assert_allclose(got.y[b], y, rtol=1e-5, atol=1e-6)
        assert got.passes[b] == passes, b
    return got


def test_worst_case_without_noise_management_repeats_the_first_pass():
    """Item 2: with NM NONE, aihwkit's second worst-case pass computes the NP_SUM factor but does not apply it
    (it only scales when NM is on) and resets the reduction to 1: ρ = 1, 1, 2, 4, ... (archsim used the factor)."""
    io = IOParameters(**QUIET, noise_management="none", bound_management="iterative_worst_case", out_bound=10.0,
                      out_res=0.0)
    w = np.ones((1, 100), F)
    got = check_against_naive(io, w, np.ones((1, 100), F))
    # ρ = 1 (y = 100, clipped), ρ = 1 again, 2, 4, 8, 16: v = 1/16 is 4/63 on the 7-bit DAC -> 100·4/63·16
    assert got.passes[0] == 6 and got.y[0, 0] == pytest.approx(100 * 4 / 63 * 16, rel=1e-5)
    rng = np.random.default_rng(1)
    check_against_naive(io, rng.uniform(-0.5, 0.5, (6, 30)).astype(F), rng.uniform(-1, 1, (25, 30)).astype(F) * 3)


def test_worst_case_with_np_sum_noise_management_is_plain_iterative():
    """aihwkit switches to the NP_SUM factor only when NM is not ABS_MAX_NP_SUM already."""
    io = IOParameters(**QUIET, noise_management="abs_max_np_sum", bound_management="iterative_worst_case",
                      out_bound=4.0)
    rng = np.random.default_rng(2)
    check_against_naive(io, rng.uniform(-0.5, 0.5, (5, 40)).astype(F), rng.uniform(-1, 1, (30, 40)).astype(F))


@pytest.mark.parametrize("order, rerun", [((5.0, -5.0), False), ((-5.0, 5.0), True)])
def test_negative_bound_test_off_lets_the_last_clipped_output_decide(order, rerun):
    """Item 3: with bm_test_negative_bound false, aihwkit overwrites the bound flag per output: a clip at −bound
    after one at +bound passes the test (no re-run); the other order re-runs."""
    io = IOParameters(**QUIET, noise_management="none", bm_test_negative_bound=False, out_bound=1.0, out_res=0.0,
                      inp_res=0.0)
    w = np.array([[order[0]], [order[1]]], F)
    got = check_against_naive(io, w, np.ones((1, 1), F))
    assert (got.passes[0] > 1) == rerun
    if not rerun:
        np.testing.assert_array_equal(got.y[0], [1.0, -1.0])


def test_negative_bound_test_off_matches_naive_on_random_inputs():
    io = IOParameters(**QUIET, bm_test_negative_bound=False, out_bound=2.0)
    rng = np.random.default_rng(4)
    got = check_against_naive(io, rng.uniform(-0.6, 0.6, (9, 30)).astype(F), rng.uniform(-1, 1, (60, 30)).astype(F))
    assert got.passes.max() > 1


def test_np_sum_with_unbounded_adc_divides_by_one():
    """Item 4: ABS_MAX_NP_SUM with out_bound <= 0 (unbounded): aihwkit takes the bound as 1, not 0."""
    io = IOParameters(**QUIET, noise_management="abs_max_np_sum", out_bound=0.0, bound_management="none")
    x = np.full((1, 50), 0.1, F)
    w = np.full((2, 50), 0.1, F)
    got = check_against_naive(io, w, x)
    # a = max(0.1, min(5·0.6/1, 0.1/(1/63)·0.25)) = max(0.1, min(3, 1.575)) = 1.575
    assert naive.nm_factor(x[0], io) == pytest.approx(1.575, rel=1e-6)
    assert got.y[0, 0] == pytest.approx(naive.forward_vector(w, x[0], io)[0][0], rel=1e-6)


def test_np_sum_clips_the_abs_max_with_nm_thres_first():
    """Item 5: aihwkit clips amax at nm_thres before combining it with the sum (archsim ignored nm_thres)."""
    io = IOParameters(**QUIET, noise_management="abs_max_np_sum", nm_thres=0.5, out_bound=20.0)
    x = np.zeros((1, 10), F)
    x[0, 0] = 2.0
    assert naive.nm_factor(x[0], io) == pytest.approx(max(0.5, min(2.0 * 0.6 / 20, 0.5 * 63 * 0.25)), rel=1e-6)
    rng = np.random.default_rng(5)
    check_against_naive(io, rng.uniform(-0.5, 0.5, (4, 10)).astype(F), np.vstack([x, rng.uniform(-2, 2, (20, 10))]))


def test_backward_of_zero_input_is_exactly_zero_even_with_input_noise():
    """Item 6: aihwkit's backwardVector short-cuts a zero NM factor to 0 regardless of inp_noise; the forward pass
    short-cuts only without input noise."""
    io = IOParameters(inp_noise=0.05)
    cfg = RPUConfig(forward=io, backward=io)
    tile = AnalogTile(6, 8, cfg, seed=0)
    tile.set_weights(np.random.default_rng(0).uniform(-0.5, 0.5, (6, 8)).astype(F))
    d = np.zeros((3, 6), F)
    d[1] = 0.3
    z = tile.backward(d)
    np.testing.assert_array_equal(z[[0, 2]], 0.0)
    assert np.abs(z[1]).max() > 0
    y = tile.forward(np.zeros((2, 8), F))
    assert np.abs(y).max() > 0  # forward: input noise still reaches the ADC


def test_backward_matches_naive_without_bound_management():
    io = IOParameters(**QUIET, out_bound=2.0, bound_management="iterative")
    rng = np.random.default_rng(6)
    w = rng.uniform(-0.5, 0.5, (7, 11)).astype(F)
    d = rng.uniform(-1, 1, (20, 11)).astype(F)
    d[3] = 0
    got = check_against_naive(io, w, d, backward=True)
    assert got.passes.max() <= 1


def test_average_abs_max_is_not_clipped_by_nm_thres():
    io = IOParameters(**QUIET, noise_management="average_abs_max", nm_thres=0.1, nm_decay=0.5)
    x = np.array([[1.0, -0.2], [0.4, 0.1], [2.0, 0.0]], F)
    w = np.array([[0.3, 0.1]], F)
    got = run(io, w, x)
    aux = [-1.0]
    for b in range(3):
        y, _ = naive.forward_vector(w, x[b], io, aux=aux)
        np.testing.assert_allclose(got.y[b], y, rtol=1e-5)
    assert aux[0] == pytest.approx(0.5 * (0.5 * 1.0 + 0.5 * 0.4) + 0.5 * 2.0)
