"""The compiled small-batch paths (archsim.crossbar.fastpath) give bit for bit the results of the general numpy
paths: managed MVMs over noise/bound-management settings and both directions, and stochastic pulsed updates."""

from __future__ import annotations

import numpy as np
import pytest

from archsim.crossbar import DeviceArray, IOPipeline, NoiseManagementState, pulsed_update
from archsim.crossbar import io as io_module
from archsim.crossbar import update as update_module
from archsim.hwconfig import rpu

F = np.float32


def both_paths(io, m, x, *, backward=False):
    out = []
    for fast in (True, False):
        state = NoiseManagementState()
        p = IOPipeline(io, m.shape[0], np.random.default_rng(4), backward=backward, nm_state=state)
        if not fast:
            p.kernel_params = None
        results = [p(m, x, np.uint64(11 + k)) for k in range(3)]  # three calls: running NM state carried on
        out.append((results, state.average_abs_max))
    return out


@pytest.mark.parametrize("nm", ["none", "abs_max", "max", "constant", "average_abs_max", "abs_max_np_sum"])
@pytest.mark.parametrize("bm", ["none", "iterative"])
@pytest.mark.parametrize("extra", [{}, {"inp_noise": 0.05, "out_sto_round": True, "inp_sto_round": True},
                                   {"bm_test_negative_bound": False, "out_nonlinearity": 0.2, "out_noise_std": 0.3,
                                    "nm_thres": 0.7, "inp_asymmetry": 0.1, "out_asymmetry": 0.05}])
@pytest.mark.parametrize("batch", [1, 7])
def test_compiled_mvm_is_bit_identical(nm, bm, extra, batch):
    io = rpu.IOParameters(noise_management=nm, bound_management=bm, out_bound=3.0, **extra)
    rng = np.random.default_rng(batch)
    w = rng.uniform(-0.4, 0.4, (9, 13)).astype(F)
    x = (rng.uniform(-1.5, 1.5, (batch, 13)) * rng.uniform(0, 3, (batch, 1))).astype(F)
    if batch > 1:
        x[1] = 0.0
    for m, back in ((w, False), (w.T, True)):
        xx = x if not back else np.ascontiguousarray(rng.uniform(-1, 1, (batch, 9)), dtype=F)
        (fast, s1), (slow, s2) = both_paths(io, m, xx, backward=back)
        for a, b in zip(fast, slow):
            np.testing.assert_array_equal(a.y, b.y)
            np.testing.assert_array_equal(a.passes, b.passes)
        assert s1 == s2


def test_compiled_mvm_perfect_and_nonfinite():
    io = rpu.IOParameters(is_perfect=True, out_scale=1.7)
    w = np.random.default_rng(0).uniform(-1, 1, (4, 6)).astype(F)
    x = np.random.default_rng(1).uniform(-1, 1, (3, 6)).astype(F)
    (fast, _), (slow, _) = both_paths(io, w, x)
    np.testing.assert_array_equal(fast[0].y, slow[0].y)
    p = IOPipeline(rpu.IOParameters(), 4, np.random.default_rng(0))
    x[1, 2] = np.nan
    with pytest.raises(Exception, match="NaN or infinite"):
        p(w, x, np.uint64(1))


def test_compiled_path_is_used_for_small_batches_only():
    p = IOPipeline(rpu.IOParameters(), 4, np.random.default_rng(0))
    assert p.kernel_params is not None
    assert IOPipeline(rpu.IOParameters(bound_management="iterative_worst_case"), 4,
                      np.random.default_rng(0)).kernel_params is None
    assert io_module.FAST_ROWS >= 1


@pytest.mark.parametrize("pulse_type", ["stochastic_compressed", "stochastic"])
@pytest.mark.parametrize("device", [rpu.ConstantStepDevice(), rpu.SoftBoundsReferenceDevice(reference_std=0.1),
                                    rpu.ExpStepDevice(write_noise_std=3.0), rpu.LinearStepDevice(gamma_up=0.3)])
@pytest.mark.parametrize("up", [{}, {"update_bl_management": False}, {"update_management": False,
                                                                       "update_bl_management": False, "res": 0.1}])
def test_compiled_update_is_bit_identical(pulse_type, device, up):
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, (5, 12)).astype(F)
    d = rng.normal(0, 0.2, (5, 7)).astype(F)
    d[2] = 0
    params = rpu.UpdateParameters(pulse_type=pulse_type, desired_bl=9, **up)
    res = []
    for fast in (True, False):
        arr = DeviceArray(7, 12, device, np.random.default_rng(3))
        old = update_module.FAST_ROWS
        update_module.FAST_ROWS = old if fast else 0
        try:
            gen = np.random.default_rng(5)
            r = [pulsed_update(arr, x, d, lr, params, gen) for lr in (0.01, 0.1)]
        finally:
            update_module.FAST_ROWS = old
        res.append((arr.u.copy(), arr.get_weights(), [(t.bl, t.pulses) for t in r]))
    np.testing.assert_array_equal(res[0][0], res[1][0])
    np.testing.assert_array_equal(res[0][1], res[1][1])
    for (b1, p1), (b2, p2) in zip(res[0][2], res[1][2]):
        np.testing.assert_array_equal(b1, b2)
        assert p1 == p2 and p1 > 0
