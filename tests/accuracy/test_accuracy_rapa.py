"""RAPA convolutions: identical replicas = ordinary conv (bit for bit), schemes, voting, reduction, similarity."""

from __future__ import annotations

import numpy as np
import pytest

from archsim.errors import ConfigError
from archsim.layers.conv2d import Conv2dModule
from archsim.nn.analog_layers import matrix_factory
from archsim.nn.network import build_network, fp_tile_factory
from archsim.nn.rapa import (
    RapaConv2d,
    filter_similarity,
    grid_assignment,
    majority_vote,
    random_partition,
    reduce_kernels,
)


def _matrix(rng, rows=512, cols=512):
    return matrix_factory(rng=rng, make_tile=fp_tile_factory, bias=True, analog_bias=False, max_rows=rows,
                          max_cols=cols)


def _conv(name, c_in, c_out, kernel, stride, padding, *, rng):
    """The ordinary convolution (one matrix unit), drawing its weights like RapaConv2d's first replica."""
    fan_in = c_in * kernel[0] * kernel[1]
    unit = _matrix(rng)(c_out, fan_in, init_bound=1.0 / np.sqrt(fan_in))
    return Conv2dModule(name, c_in, c_out, kernel, stride, padding, units=[unit])


def _dyadic(rng, shape, scale=8):
    """Values k/scale with small integers k: every float32 sum of products is exact (order-independent)."""
    return (rng.integers(-4, 5, size=shape) / scale).astype(np.float32)


@pytest.mark.parametrize("scheme", ["random", "random_fixed", "image", "alternate"])
def test_identical_replicas_equal_ordinary_convolution_bit_for_bit(scheme):
    rng = np.random.default_rng(0)
    args = ("c", 2, 3, (3, 3), (1, 1), (1, 1))
    conv = _conv(*args, rng=np.random.default_rng(1))
    rapa = RapaConv2d(*args, matrix=_matrix(np.random.default_rng(1)), rng=np.random.default_rng(1), n_replicas=4, scheme=scheme)
    w, b = _dyadic(rng, (3, 18)), _dyadic(rng, 3)
    conv.units[0].set_weights(w, b)
    for unit in rapa.units:
        unit.set_weights(w, b)
    x = _dyadic(rng, (2, 2, 6, 6))
    y_conv = conv.forward([x], True)
    y_rapa = rapa.forward([x], True)
    assert np.array_equal(y_conv, y_rapa)
    g = _dyadic(rng, y_conv.shape)
    assert np.array_equal(conv.backward(g)[0], rapa.backward(g)[0])
    # the replicas' updates sum to the ordinary kernel's update
    conv.step(0.5)
    rapa.step(0.5)
    w_conv = conv.units[0].get_weights()[0]
    delta = sum(u.get_weights()[0] - w for u in rapa.units)
    np.testing.assert_array_equal(w + delta, w_conv)


def test_identical_init_option_and_reduction_give_ordinary_conv():
    args = ("c", 1, 2, (3, 3), (1, 1), (1, 1))
    rapa = RapaConv2d(
        *args, matrix=_matrix(np.random.default_rng(2)), rng=np.random.default_rng(2), n_replicas=4, identical_init=True
    )
    weights, _ = rapa.replica_weights()
    assert all(np.array_equal(weights[0], w) for w in weights)
    assert rapa.similarity() == pytest.approx(1.0)
    rapa2 = RapaConv2d(*args, matrix=_matrix(np.random.default_rng(2)), rng=np.random.default_rng(2), n_replicas=4)
    assert rapa2.similarity() < 0.9
    rapa2.reduce("first")
    weights, _ = rapa2.replica_weights()
    assert all(np.array_equal(weights[0], w) for w in weights)


def test_random_partition_is_equal_size_and_redrawn_per_image():
    assign = random_partition(np.random.default_rng(0), 3, 64, 16)
    for row in assign:
        assert np.array_equal(np.bincount(row, minlength=16), np.full(16, 4))
    assert not np.array_equal(assign[0], assign[1])


def test_grid_schemes_follow_the_paper_formulas():
    img = grid_assignment("image", 4, 4, 4).reshape(4, 4)
    np.testing.assert_array_equal(img, [[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]])
    alt = grid_assignment("alternate", 4, 4, 4).reshape(4, 4)
    np.testing.assert_array_equal(alt, [[0, 1, 0, 1], [2, 3, 2, 3], [0, 1, 0, 1], [2, 3, 2, 3]])
    with pytest.raises(ConfigError):
        grid_assignment("image", 3, 4, 4)


def test_schemes_assignment_behaviour():
    args = ("c", 1, 2, (3, 3), (1, 1), (1, 1))
    mk = lambda s, n=4: RapaConv2d(
        *args, matrix=_matrix(np.random.default_rng(3)), rng=np.random.default_rng(3), n_replicas=n, scheme=s
    )
    fixed = mk("random_fixed")
    a1, a2 = fixed.assignment(2, 4, 4, True), fixed.assignment(2, 4, 4, False)
    assert np.array_equal(a1, a2) and np.array_equal(a1[0], a1[1])
    rnd = mk("random")
    assert not np.array_equal(rnd.assignment(1, 4, 4, False), rnd.assignment(1, 4, 4, False))
    perf = mk("perforated")
    assert len(perf.units) == 1
    train = perf.assignment(2, 4, 4, True)
    assert ((train == 0).sum(axis=1) == 4).all() and ((train == -1).sum(axis=1) == 12).all()
    assert (perf.assignment(2, 4, 4, False) == 0).all()
    with pytest.raises(ConfigError):
        mk("bogus")


def test_perforated_outputs_zero_on_dropped_patches_and_full_at_test():
    rapa = RapaConv2d(
        "c",
        1,
        2,
        (3, 3),
        (1, 1),
        (1, 1),
        matrix=_matrix(np.random.default_rng(4)),
        rng=np.random.default_rng(4),
        n_replicas=4,
        scheme="perforated",
    )
    rapa.units[0].set_weights(np.ones((2, 9), np.float32), np.zeros(2, np.float32))
    x = np.ones((1, 1, 4, 4), np.float32)
    y_train = rapa.forward([x], True)
    assert (y_train[0, 0] != 0).sum() == 4
    rapa.backward(np.ones_like(y_train))
    rapa.step(0.0)
    assert (rapa.forward([x], False)[0, 0] != 0).all()


def test_image_pad_zeroes_pixels_of_other_regions():
    rapa = RapaConv2d(
        "c",
        1,
        1,
        (3, 3),
        (1, 1),
        (1, 1),
        matrix=_matrix(np.random.default_rng(5)),
        rng=np.random.default_rng(5),
        n_replicas=4,
        scheme="image_pad",
        identical_init=True,
    )
    for u in rapa.units:
        u.set_weights(np.ones((1, 9), np.float32), np.zeros(1, np.float32))
    x = np.ones((1, 1, 4, 4), np.float32)
    y = rapa.forward([x], False)[0, 0]
    # every 2x2 region behaves like a separately zero-padded 2x2 image: each output sees 4 pixels
    np.testing.assert_array_equal(y, np.full((4, 4), 4.0))
    rapa_overlap = RapaConv2d(
        "c",
        1,
        1,
        (3, 3),
        (1, 1),
        (1, 1),
        matrix=_matrix(np.random.default_rng(5)),
        rng=np.random.default_rng(5),
        n_replicas=4,
        scheme="image",
        identical_init=True,
    )
    for u in rapa_overlap.units:
        u.set_weights(np.ones((1, 9), np.float32), np.zeros(1, np.float32))
    assert rapa_overlap.forward([x], False)[0, 0, 1, 1] == 9.0


def test_majority_vote_and_ties():
    preds = np.array([[0, 1, 2], [0, 2, 2], [1, 1, 0]])
    np.testing.assert_array_equal(majority_vote(preds, 3), [0, 1, 2])
    tie = np.array([[0], [1]])
    scores = np.array([[[0.4, 0.6]], [[0.1, 0.9]]])
    assert majority_vote(tie, 2, scores)[0] == 1
    assert majority_vote(tie, 2)[0] == 0


def test_reduction_by_norm_and_similarity():
    w = np.zeros((3, 2, 4))
    w[0, 0] = [1, 0, 0, 0]
    w[1, 0] = [3, 0, 0, 0]
    w[2, 1] = [0, 2, 0, 0]
    b = np.arange(6, dtype=float).reshape(3, 2)
    rw, rb = reduce_kernels(w, b, "norm")
    np.testing.assert_array_equal(rw, [[3, 0, 0, 0], [0, 2, 0, 0]])
    np.testing.assert_array_equal(rb, [2, 5])
    rng = np.random.default_rng(0)
    base = rng.standard_normal((1, 5, 9))
    assert filter_similarity(np.repeat(base, 3, axis=0)) == pytest.approx(1.0)
    assert abs(filter_similarity(rng.standard_normal((4, 5, 9)))) < 0.5


def test_network_with_replicas_trains_and_votes(workloads):
    from archsim.datasets import Dataset
    from archsim.nn.train import SGD, evaluate_voting, fit

    wl = workloads["cnn"](pool="avgpool")
    rng = np.random.default_rng(0)
    x = rng.random((60, 1, 8, 8)).astype(np.float32)
    y = (x[:, 0, :4].mean(axis=(1, 2)) > x[:, 0, 4:].mean(axis=(1, 2))).astype(np.int64)
    data = Dataset(name="t", x_train=x[:40], y_train=y[:40], x_test=x[40:], y_test=y[40:], n_classes=3)
    net = build_network(wl, make_tile=fp_tile_factory, seed=0, replicas={"conv1": 4}, rapa_scheme="random")
    assert isinstance(net.layer("conv1"), RapaConv2d)
    curves = fit(net, data, epochs=3, batch_size=4, sgd=SGD(lr=0.2), seed=0)
    assert curves.train_loss[-1] < curves.train_loss[0]
    acc = evaluate_voting(net, data.x_test, data.y_test, draws=5)
    assert 0.0 <= acc <= 1.0
