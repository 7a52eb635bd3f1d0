"""Network execution with floating-point tiles: gradients, splits, scaling, bias placement, training."""

from __future__ import annotations

import numpy as np
import pytest

from archsim.nn.loss import softmax_cross_entropy
from archsim.nn.network import build_network, fp_tile_factory
from archsim.nn.tile_array import MappingOptions, near_equal_splits


def _weight_grads(net, x, y):
    """Analytic dL/dW per analog unit (from the cached update vectors) and the loss."""
    logits = net.forward(x, train=True)
    loss, grad, _ = softmax_cross_entropy(logits, y)
    net.backward(grad)
    grads = []
    for m in net.analog_layers():
        for u in m.units:
            xs = np.concatenate(u._xs) if u._xs else None
            ds = np.concatenate(u._ds[::-1]) if u._ds else None
            grads.append(None if xs is None else ds.T.astype(np.float64) @ xs.astype(np.float64))
            u.clear()
    return loss, grads


def _loss(net, x, y):
    return softmax_cross_entropy(net.forward(x, train=False).astype(np.float64), y)[0]


def _check_net_gradients(net, x, y, n_checks=6, eps=5e-4, seed=0):
    _, grads = _weight_grads(net, x, y)
    rng = np.random.default_rng(seed)
    units = [u for m in net.analog_layers() for u in m.units]
    for u, g in zip(units, grads):
        if g is None:
            continue
        w = u.array.get_weights()
        for _ in range(n_checks):
            i, j = rng.integers(w.shape[0]), rng.integers(w.shape[1])
            wp, wm = w.copy(), w.copy()
            wp[i, j] += eps
            wm[i, j] -= eps
            u.array.set_weights(wp)
            lp = _loss(net, x, y)
            u.array.set_weights(wm)
            lm = _loss(net, x, y)
            u.array.set_weights(w)
            numeric = (lp - lm) / (2 * eps)
            assert g[i, j] == pytest.approx(numeric, rel=3e-2, abs=1e-3), (u, i, j)


def test_near_equal_splits():
    assert near_equal_splits(784, 512) == (392, 392)
    assert near_equal_splits(785, 512) == (393, 392)
    assert near_equal_splits(10, 3) == (3, 3, 2, 2)
    assert near_equal_splits(7, 7) == (7,)


@pytest.mark.parametrize("tile", [(512, 512), (7, 5)])
def test_mlp_weight_gradients_match_finite_differences(workloads, tile):
    wl = workloads["mlp"]((16, 12, 4))
    net = build_network(wl, make_tile=fp_tile_factory, seed=1, tile_rows=tile[0], tile_cols=tile[1])
    rng = np.random.default_rng(0)
    _check_net_gradients(net, rng.random((5, 16)).astype(np.float32), rng.integers(0, 4, 5))


@pytest.mark.parametrize(
    "kw", [{"pool": "maxpool"}, {"pool": "avgpool", "lrn": True}, {"pool": "mixedpool", "residual": True}]
)
def test_cnn_weight_gradients_match_finite_differences(workloads, kw):
    wl = workloads["cnn"](**kw)
    net = build_network(wl, make_tile=fp_tile_factory, seed=2, tile_rows=6, tile_cols=3)
    rng = np.random.default_rng(1)
    _check_net_gradients(net, rng.random((3, 1, 8, 8)).astype(np.float32), rng.integers(0, 3, 3))


def test_lstm_weight_gradients_match_finite_differences(workloads):
    wl = workloads["lstm"]()
    net = build_network(wl, make_tile=fp_tile_factory, seed=3)
    rng = np.random.default_rng(2)
    x = np.eye(6, dtype=np.float32)[rng.integers(0, 6, (3, 5))]
    _check_net_gradients(net, x, rng.integers(0, 6, (3, 5)), n_checks=10)


def test_first_layer_skips_backward_mvm(workloads):
    net = build_network(workloads["mlp"](), make_tile=fp_tile_factory, seed=0)
    first, second = net.analog_layers()
    assert not first.need_input_grad and second.need_input_grad


@pytest.mark.parametrize(
    "options",
    [
        MappingOptions(weight_scaling_omega=0.6),
        MappingOptions(weight_scaling_omega=1.0, weight_scaling_columnwise=True),
        "analog-bias",
    ],
)
def test_splits_scaling_and_bias_placement_do_not_change_fp_results(workloads, options):
    wl = workloads["mlp"]((16, 12, 4))
    rng = np.random.default_rng(4)
    x, y = rng.random((8, 16)).astype(np.float32), rng.integers(0, 4, 8)
    ref = build_network(wl, make_tile=fp_tile_factory, seed=5)
    if options == "analog-bias":
        alt = build_network(wl, make_tile=fp_tile_factory, seed=5, tile_rows=5, tile_cols=7, analog_bias=True)
    else:
        alt = build_network(wl, make_tile=fp_tile_factory, seed=5, tile_rows=5, tile_cols=7, options=options)
    for _ in range(3):
        l_ref, _ = ref.train_batch(x, y, 0.1)
        l_alt, _ = alt.train_batch(x, y, 0.1)
        assert l_alt == pytest.approx(l_ref, rel=1e-5)
    for a, b in zip(ref.analog_layers(), alt.analog_layers()):
        wa, ba = a.units[0].get_weights()
        wb, bb = b.units[0].get_weights()
        np.testing.assert_allclose(wa, wb, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(ba, bb, rtol=1e-5, atol=1e-6)


def test_learned_output_scaling_trains(workloads):
    wl = workloads["mlp"]((16, 12, 4))
    net = build_network(
        wl,
        make_tile=fp_tile_factory,
        seed=5,
        options=MappingOptions(learn_out_scaling=True, out_scaling_columnwise=True),
    )
    rng = np.random.default_rng(4)
    x, y = rng.random((8, 16)).astype(np.float32), rng.integers(0, 4, 8)
    losses = [net.train_batch(x, y, 0.2)[0] for _ in range(30)]
    assert losses[-1] < losses[0]
    assert not np.allclose(net.analog_layers()[0].units[0].out_scale, 1.0)


def test_same_seed_same_initial_weights_and_training_is_deterministic(workloads):
    wl = workloads["cnn"]()
    rng = np.random.default_rng(0)
    x, y = rng.random((4, 1, 8, 8)).astype(np.float32), rng.integers(0, 3, 4)
    a = build_network(wl, make_tile=fp_tile_factory, seed=9)
    b = build_network(wl, make_tile=fp_tile_factory, seed=9)
    for _ in range(2):
        assert a.train_batch(x, y, 0.05) == b.train_batch(x, y, 0.05)
    for name, params in a.state().items():
        for key, value in params.items():
            assert np.array_equal(value, b.state()[name][key])


def test_weight_decay_shrinks_weights(workloads):
    wl = workloads["mlp"]()
    net = build_network(wl, make_tile=fp_tile_factory, seed=0)
    w0 = net.analog_layers()[0].units[0].get_weights()[0]
    net.step(lr=0.5, weight_decay=0.1)  # no cached vectors: pure decay
    w1 = net.analog_layers()[0].units[0].get_weights()[0]
    np.testing.assert_allclose(w1, w0 * 0.95, rtol=1e-6)
