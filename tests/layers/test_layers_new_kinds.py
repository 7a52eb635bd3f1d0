"""Gradient checks (central differences) of the kinds added for imported networks, and their counts."""

from __future__ import annotations

import numpy as np
import pytest

from archsim.layers.activations import Clip, Gelu, LeakyRelu, erf
from archsim.layers.conv2d import Conv2dModule
from archsim.layers.elementwise import Mul, Scale
from archsim.layers.embedding import Embedding
from archsim.layers.matmul import MatMul
from archsim.layers.normalization import BatchNorm, LayerNorm, Softmax
from archsim.layers.pooling import AvgPool2d, GlobalAvgPool2d
from archsim.layers.shape import Concat, Slice, Transpose
from archsim.nn.analog_layers import matrix_factory
from archsim.nn.tile_array import FloatingPointTile
from archsim.workload import load_workload_text


def _numeric(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        fp = f(x)
        x[i] = old - eps
        fm = f(x)
        x[i] = old
        g[i] = (fp - fm) / (2 * eps)
    return g


def _check(module, xs, rtol=1e-5, atol=1e-7, train=True, eps=1e-6):
    """Every input's gradient of L = sum(w * forward(xs)) against central differences."""
    rng = np.random.default_rng(0)
    y = module.forward([x.copy() for x in xs], train)
    w = rng.standard_normal(y.shape)
    grads = module.backward(w)
    for k, x in enumerate(xs):
        def f(v, k=k):
            args = [a.copy() for a in xs]
            args[k] = v
            return float((module.forward(args, train) * w).sum())
        np.testing.assert_allclose(grads[k], _numeric(f, x.copy(), eps), rtol=rtol, atol=atol)


X = np.random.default_rng(1).standard_normal((2, 3, 4)) * 1.5


@pytest.mark.parametrize("module", [LeakyRelu("a", 0.1), Gelu("g", "none"), Gelu("g", "tanh"), Scale("s", -0.7),
                                    Softmax("sm", 1), Softmax("sm", 0), Transpose("t", (1, 0)),
                                    Slice("s", 1, 1, 3), LayerNorm("ln", (4,), 1e-5), LayerNorm("ln", (3, 4), 1e-5)])
def test_single_input_gradients(module):
    x = X.copy()
    x[np.abs(x) < 1e-2] = 0.3
    _check(module, [x], rtol=1e-4, atol=1e-6)


def test_clip_gradient_inside_the_bounds():
    x = np.linspace(-1, 7, 24).reshape(2, 3, 4) + 0.01
    _check(Clip("c", 0.0, 6.0), [x])


def test_erf_matches_math_erf():
    import math

    v = np.linspace(-4, 4, 101)
    assert np.max(np.abs(erf(v) - np.vectorize(math.erf)(v))) < 1.5e-7


def test_batchnorm_training_gradient_and_running_statistics():
    rng = np.random.default_rng(2)
    bn = BatchNorm("bn", 3, 3, 1e-5, 0.1)
    bn.gamma[:] = rng.random(3) + 0.5
    x = rng.standard_normal((4, 3, 2, 2)) * 2 + 1
    _check(bn, [x], rtol=1e-4, atol=1e-6)
    fresh = BatchNorm("bn", 3, 3, 1e-5, 0.1)
    fresh.forward([x], True)
    np.testing.assert_allclose(fresh.running_mean, 0.1 * x.mean(axis=(0, 2, 3)))
    np.testing.assert_allclose(fresh.running_var, 0.9 + 0.1 * x.var(axis=(0, 2, 3), ddof=1))


def test_multi_input_gradients():
    rng = np.random.default_rng(3)
    _check(Mul("m"), [rng.standard_normal((2, 3, 4, 4)), rng.standard_normal((2, 3, 1, 1))])
    _check(MatMul("mm"), [rng.standard_normal((2, 2, 3, 5)), rng.standard_normal((2, 2, 5, 4))])
    _check(Concat("c", 0), [rng.standard_normal((2, 3, 2)), rng.standard_normal((2, 1, 2))])
    # a batch-1 parameter operand is broadcast to the batch and its gradient summed over it
    cat = Concat("c", 0)
    y = cat.forward([np.ones((1, 1, 2)), np.zeros((3, 2, 2))], True)
    assert y.shape == (3, 3, 2) and cat.backward(np.ones_like(y))[0].shape == (1, 1, 2)


def test_pooling_gradients_new_forms():
    rng = np.random.default_rng(4)
    _check(AvgPool2d("p", (2, 2), (1, 1), (1, 1, 0, 0), count_include_pad=False), [rng.standard_normal((2, 2, 4, 5))])
    _check(GlobalAvgPool2d("g"), [rng.standard_normal((2, 3, 4, 5))])


def test_grouped_dilated_conv_gradient():
    rng = np.random.default_rng(5)
    make = matrix_factory(rng=rng, make_tile=lambda o, i, s: FloatingPointTile(o, i), bias=True, analog_bias=False)
    units = [make(2, 2 * 9, init_bound=0.5) for _ in range(2)]
    conv = Conv2dModule("c", 4, 4, (3, 3), (1, 1), (2, 1, 0, 2), units=units, dilation=(2, 1), groups=2)
    # float32 tiles: the layer is linear in x, so a large step gives exact differences up to float32 rounding
    _check(conv, [rng.standard_normal((2, 4, 6, 5))], rtol=1e-3, atol=1e-4, eps=0.25)


def test_embedding_gradient_goes_to_the_table():
    table = np.arange(12, dtype=np.float32).reshape(4, 3)
    emb = Embedding("e", table.copy(), "input", 0)
    ids = np.array([[1, 1, 3]], np.float32)
    np.testing.assert_array_equal(emb.forward([ids], True), table[[[1, 1, 3]]])
    assert emb.backward(np.ones((1, 3, 3), np.float32)) == [None]
    np.testing.assert_array_equal(emb.grad, [[0, 0, 0], [2, 2, 2], [0, 0, 0], [1, 1, 1]])


def test_counts_of_the_new_kinds():
    wl = load_workload_text("""version: 1
name: k
input_shape: [8, 6, 6]
n_classes: 4
layers:
  - {name: dw, kind: conv2d, out_channels: 8, kernel_size: 3, padding: [1, 1, 1, 1], groups: 8, bias: false}
  - {name: bn, kind: batchnorm}
  - {name: pw, kind: conv2d, out_channels: 4, kernel_size: 1, dilation: 1}
  - {name: gap, kind: global_avgpool}
  - {name: flat, kind: flatten}
  - {name: ln, kind: layernorm}
  - {name: g, kind: gelu, approximate: tanh}
""", "k.yaml")
    dw = wl.layer("dw")
    assert (dw.matrix_in, dw.matrix_out, dw.n_groups, dw.vectors_per_sample) == (9, 1, 8, 36)
    assert dw.n_weights == 72 and dw.macs_per_sample == 8 * 9 * 36
    assert wl.layer("bn").n_weights == 16 and wl.layer("ln").n_weights == 8
    assert wl.layer("gap").digital_ops("forward") == {"pooling": 4 * 36}
    assert wl.layer("bn").digital_ops("backward") == {"normalization": 8 * 36}
    assert wl.total_weights == 72 + 16 + 36 + 8
