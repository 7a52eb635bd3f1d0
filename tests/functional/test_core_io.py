"""Forward/backward pipeline (archsim.crossbar.io) against the naive reference and aihwkit's measured numbers."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from archsim.crossbar import AnalogTile, IOPipeline, NoiseManagementState
from archsim.crossbar import kernels as K
from archsim.errors import ConfigError, DataError
from archsim.hwconfig.rpu import IOParameters, RPUConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reference"))
import naive

F = np.float32


def run(io: IOParameters, w: np.ndarray, x: np.ndarray, *, seed: int = 0, bm: bool = True):
    rng = np.random.default_rng(seed)
    p = IOPipeline(io, w.shape[0], rng, allow_bound_management=bm)
    return p(np.asarray(w, F), np.ascontiguousarray(x, F), np.uint64(seed + 1))


def test_dac_levels_match_aihwkit_measurement():
    # reference §1.4: identity W, x = (1, 0.3, -0.0123, 0.5) -> (1, 19/63, -1/63, 31/63)
    x = np.array([[1, 0.3, -0.0123, 0.5]], F)
    y = run(IOParameters(out_noise=0.0, out_res=0), np.eye(4, dtype=F), x).y[0]
    np.testing.assert_allclose(y * 63, [63, 19, -1, 31], atol=1e-4)


def test_float32_half_even_quantisation():
    # 0.5 / float32(2/126) = 31.4999.. -> 31 (float64 half-even would give 32)
    assert naive.quantise(0.5, 1 / 126, 1.0) * 63 == pytest.approx(31, abs=1e-4)


def test_adc_step_without_nm():
    y = run(IOParameters(out_noise=0.0, noise_management="none"), np.full((1, 1), 0.1, F), np.ones((1, 1), F)).y
    assert y[0, 0] == pytest.approx(2 * 24 / 510, rel=1e-6)


@pytest.mark.parametrize("n, dac, expected, passes", [(100, True, 101.587, 5), (1000, True, 192.0, 5),
                                                       (100, False, 100.0, 5), (1000, False, 1000.0, 8)])
def test_bound_management_recovers_up_to_stop_rule(n, dac, expected, passes):
    io = IOParameters(out_noise=0.0, out_res=0, inp_res=(1 / 126 if dac else 0))
    r = run(io, np.ones((1, n), F), np.ones((1, n), F))
    assert r.y[0, 0] == pytest.approx(expected, rel=1e-4)
    assert r.passes[0] == passes


def test_no_bm_saturates_at_out_bound():
    io = IOParameters(out_noise=0.0, out_res=0, bound_management="none")
    assert run(io, np.ones((1, 100), F), np.ones((1, 100), F)).y[0, 0] == pytest.approx(12.0)


def test_bm_reruns_only_clipped_rows():
    io = IOParameters(out_noise=0.0, out_res=0, inp_res=0, noise_management="none", inp_bound=4.0)
    w = np.ones((1, 100), F) * 0.05
    r = run(io, w, np.stack([np.ones(100), np.full(100, 0.1), np.full(100, 3.0)]).astype(F))
    np.testing.assert_allclose(r.y[:, 0], [5.0, 0.5, 15.0], rtol=1e-5)
    assert list(r.passes) == [1, 1, 2]


NM_CASES = ["none", "abs_max", "max", "constant"]


@pytest.mark.parametrize("nm", NM_CASES)
@pytest.mark.parametrize("bm", ["none", "iterative"])
def test_random_inputs_match_naive(nm, bm):
    rng = np.random.default_rng(3)
    w = rng.uniform(-0.5, 0.5, (7, 23)).astype(F)
    x = rng.uniform(-2, 2, (40, 23)).astype(F)
    x[5] = 0.0
    io = IOParameters(out_noise=0.0, noise_management=nm, bound_management=bm, nm_thres=(1.5 if nm == "constant"
                      else 0.0), inp_bound=1.0, inp_asymmetry=0.1, out_asymmetry=0.05, out_bound=3.0)
    got = run(io, w, x)
    step = 6.0 / 510
    for b in range(x.shape[0]):
        ref, passes = naive.forward_vector(w, x[b], io)
        # float32 GEMM vs float64 dot may flip an ADC level at a boundary: allow one step, require mostly exact
        np.testing.assert_allclose(got.y[b], ref, atol=step * max(1.0, float(np.abs(x[b]).max())) * 16 + 1e-6)
        assert np.mean(np.isclose(got.y[b], ref, rtol=1e-5, atol=1e-6)) >= 0.8
        if nm != "none" or np.abs(x[b]).max() > 0:
            assert got.passes[b] == passes or passes == 0


def test_all_zero_input_gives_exact_zero_output():
    r = run(IOParameters(), np.ones((4, 5), F), np.zeros((3, 5), F))
    assert np.all(r.y == 0) and np.all(r.passes == 0)


def test_one_bit_converters_match_naive():
    rng = np.random.default_rng(0)
    w = rng.uniform(-1, 1, (5, 9)).astype(F)
    x = rng.uniform(-1, 1, (20, 9)).astype(F)
    io = IOParameters(out_noise=0.0, inp_res=1.0, out_res=1.0, out_bound=4.0, bound_management="none")
    got = run(io, w, x).y
    ref = np.stack([naive.forward_vector(w, xb, io)[0] for xb in x])
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-6)
    # 1-bit ADC: outputs are 0 or ±out_bound times the NM scale
    levels = np.unique(np.round(got / np.abs(x).max(axis=1, keepdims=True), 5))
    assert set(levels) <= {-4.0, 0.0, 4.0}


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nonfinite_input_rejected(bad):
    x = np.ones((2, 4), F)
    x[1, 2] = bad
    tile = AnalogTile(3, 4, seed=0)
    with pytest.raises(DataError, match="NaN or infinite"):
        tile.forward(x)
    with pytest.raises(DataError, match="NaN or infinite"):
        tile.backward(np.full((2, 3), bad, F))


def test_shape_mismatch_rejected():
    with pytest.raises(DataError, match=r"shape \(batch, 4\)"):
        AnalogTile(3, 4).forward(np.ones((2, 5)))


@pytest.mark.parametrize("amax", [1.0, 0.5, 3.0])
def test_output_noise_std_is_out_noise_times_nm_scale(amax):
    # reference §1.4: W = 0, default IO without ADC: std = 0.06·max|x|
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (400, 30)).astype(F)
    x = (x / np.abs(x).max(axis=1, keepdims=True) * amax).astype(F)
    y = run(IOParameters(out_res=0), np.zeros((50, 30), F), x).y
    assert y.std() == pytest.approx(0.06 * amax, rel=0.02)
    assert abs(y.mean()) < 0.003 * amax


def test_output_noise_spread_per_output():
    io = IOParameters(out_res=0, out_noise_std=0.5)
    rng = np.random.default_rng(0)
    p = IOPipeline(io, 20, rng)
    assert p.sigma.std() > 0.01
    y = p(np.zeros((20, 4), F), np.ones((4000, 4), F), np.uint64(5)).y
    np.testing.assert_allclose(y.std(axis=0), p.sigma, rtol=0.1)


def test_input_noise_and_weight_noise_statistics():
    rng = np.random.default_rng(2)
    x = np.ones((3000, 16), F)
    w = np.full((4, 16), 0.25, F)
    io = IOParameters(out_noise=0.0, out_res=0, inp_res=0, inp_noise=0.1)
    y = run(io, w, x).y
    assert y.std() == pytest.approx(0.1 * 0.25 * 4, rel=0.05)  # sqrt(16)·0.25·0.1
    io = IOParameters(out_noise=0.0, out_res=0, inp_res=0, w_noise=0.02, w_noise_type="additive_constant")
    y = run(io, w, x).y
    assert y.std() == pytest.approx(0.02 * 4, rel=0.05)  # w_noise·‖x‖₂
    io = IOParameters(out_noise=0.0, out_res=0, inp_res=0, w_noise=0.02, w_noise_type="pcm_read")
    y = run(io, w, x).y
    assert y.std() == pytest.approx(0.02 * np.sqrt(16 * 0.25), rel=0.05)
    assert y.mean() == pytest.approx(4.0, rel=0.01)
    del rng


def test_stochastic_rounding_is_unbiased():
    x = np.full((5000, 1), 0.3, F)
    io = IOParameters(out_noise=0.0, out_res=0, inp_res=0.25, inp_sto_round=True, noise_management="none")
    y = run(io, np.ones((1, 1), F), x).y
    assert set(np.unique(y)) == {F(0.0), F(0.5)}
    assert y.mean() == pytest.approx(0.3, abs=0.01)


def test_perfect_is_plain_gemm():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(6, 8)).astype(F)
    x = rng.normal(size=(5, 8)).astype(F)
    y = run(IOParameters(is_perfect=True, out_scale=2.0), w, x).y
    np.testing.assert_allclose(y, 2 * x @ w.T, rtol=1e-5)


def test_average_abs_max_running_state():
    state = NoiseManagementState()
    io = IOParameters(out_noise=0.0, out_res=0, inp_res=0, noise_management="average_abs_max", nm_decay=0.5)
    p = IOPipeline(io, 1, np.random.default_rng(0), nm_state=state)
    x = np.array([[2.0], [4.0]], F)
    y = p(np.ones((1, 1), F), x, np.uint64(0)).y
    assert state.average_abs_max == pytest.approx(3.0)  # 2, then 0.5·2 + 0.5·4
    np.testing.assert_allclose(y[:, 0], [2.0, 3.0], rtol=1e-6)  # clipped at inp_bound 1 then rescaled by a


def test_np_sum_and_worst_case():
    io = IOParameters(out_noise=0.0, out_res=0, noise_management="abs_max_np_sum", out_bound=10.0)
    x = np.ones((1, 100), F)
    r = run(io, np.ones((1, 100), F), x)
    # a = max(1, min(100·0.6/10, 1/(1/63)·0.25)) = 6: v = 1/6 -> 10/63 gives 15.9 > 10, so BM re-runs with
    # ρ = 2: 1/12 -> 5/63 -> y = 100·5/63·12
    assert r.y[0, 0] == pytest.approx(100 * 5 / 63 * 12, rel=1e-5)
    assert r.passes[0] == 2
    io = IOParameters(out_noise=0.0, out_res=0, inp_res=0, out_bound=10.0, bound_management="iterative_worst_case")
    r = run(io, np.ones((1, 100), F), x)
    assert r.y[0, 0] == pytest.approx(100.0, rel=1e-5)


def test_backward_uses_transpose_and_no_bm():
    rng = np.random.default_rng(0)
    cfg = RPUConfig(forward=IOParameters(out_noise=0.0), backward=IOParameters(out_noise=0.0, out_res=0, inp_res=0))
    tile = AnalogTile(5, 7, cfg, seed=1)
    w = rng.uniform(-0.5, 0.5, (5, 7)).astype(F)
    tile.set_weights(w)
    w = tile.get_weights()  # clipped to the sampled device bounds
    d = rng.uniform(-1, 1, (4, 5)).astype(F)
    np.testing.assert_allclose(tile.backward(d), d @ w, rtol=1e-5, atol=1e-6)
    assert tile.stats.mean_bm_passes_backward == 1.0


def test_unsupported_io_features_raise():
    with pytest.raises(ConfigError, match="mv_type"):
        IOPipeline(IOParameters(mv_type="pos_neg_separate"), 2, np.random.default_rng(0))


@pytest.mark.parametrize("extra", [
    {"ir_drop": 1.0, "ir_drop_g_ratio": 2000.0},
    {"v_offset_std": 0.1, "v_offset_w_min": 0.0},
    {"v_offset_std": 0.1},  # aihwkit's Python default v_offset_w_min = -1: reference current
    {"r_series": 0.05, "v_offset_w_min": 0.0},
    {"out_nonlinearity": 2.0, "out_nonlinearity_std": 0.3, "slope_calibration": 0.5},
])
def test_analog_nonidealities_match_naive(extra):
    rng = np.random.default_rng(0)
    w = rng.uniform(-0.5, 0.5, (6, 20)).astype(F)
    x = rng.uniform(-1, 1, (8, 20)).astype(F)
    io = IOParameters(out_noise=0.0, out_res=0, inp_res=0, noise_management="none", bound_management="none",
                      out_bound=0.0, **extra)
    p = IOPipeline(io, 6, np.random.default_rng(3))
    y = p(w, x, np.uint64(1)).y
    for b in range(8):
        ref = naive.analog_nonidealities(w, x[b], io, p.v_offset, p.nl, float(p.nl_f))
        np.testing.assert_allclose(y[b], ref, rtol=2e-4, atol=2e-5)
    plain = x @ w.T
    assert np.abs(y - plain).max() > 1e-3  # the effect is really there


def test_random_streams_are_standard():
    out = np.empty((400, 1000), F)
    K.fill_normal_table(out, np.uint64(11))
    z = out.ravel().astype(np.float64)
    assert abs(z.mean()) < 0.005 and z.std() == pytest.approx(1.0, abs=0.005)
    assert (np.abs(z) > 3).mean() == pytest.approx(0.0027, rel=0.1)
    K.fill_normal(out, np.uint64(12))
    z = out.ravel().astype(np.float64)
    assert abs(z.mean()) < 0.005 and z.std() == pytest.approx(1.0, abs=0.005)
    K.fill_uniform(out, np.uint64(13))
    assert out.min() >= 0 and out.max() < 1 and out.mean() == pytest.approx(0.5, abs=0.003)


def test_forward_deterministic_for_seed():
    x = np.random.default_rng(0).uniform(-1, 1, (50, 16)).astype(F)
    outs = []
    for _ in range(2):
        tile = AnalogTile(8, 16, seed=42)
        tile.set_weights(np.random.default_rng(1).uniform(-0.3, 0.3, (8, 16)))
        outs.append((tile.forward(x), tile.backward(x[:, :8])))
    np.testing.assert_array_equal(outs[0][0], outs[1][0])
    np.testing.assert_array_equal(outs[0][1], outs[1][1])
    other = AnalogTile(8, 16, seed=43)
    other.set_weights(np.random.default_rng(1).uniform(-0.3, 0.3, (8, 16)))
    assert not np.array_equal(other.forward(x), outs[0][0])
