"""Numerical gradient checks of every digital layer, im2col/col2im adjointness, and the loss."""

from __future__ import annotations

import numpy as np
import pytest

from archsim.layers.activations import Relu, Sigmoid, Tanh
from archsim.layers.elementwise import Add
from archsim.layers.im2col import col2im, im2col
from archsim.layers.normalization import LocalResponseNorm
from archsim.layers.pooling import AvgPool2d, MaxPool2d, MixedPool2d
from archsim.layers.shape import Reshape
from archsim.nn.loss import softmax_cross_entropy


def _numeric_grad(f, x, eps=1e-6):
    g = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + eps
        fp = f(x)
        x[i] = old - eps
        fm = f(x)
        x[i] = old
        g[i] = (fp - fm) / (2 * eps)
    return g


def _check_module(module, x, seed=0, rtol=1e-5, atol=1e-7):
    """Compare module.backward with central differences of L = sum(w * forward(x))."""
    rng = np.random.default_rng(seed)
    y = module.forward([x], True)
    w = rng.standard_normal(y.shape)
    analytic = module.backward(w)[0]
    numeric = _numeric_grad(lambda v: float((module.forward([v], True) * w).sum()), x.copy())
    np.testing.assert_allclose(analytic, numeric, rtol=rtol, atol=atol)


@pytest.mark.parametrize("cls", [Relu, Sigmoid, Tanh])
def test_activation_gradients(cls):
    x = np.random.default_rng(1).standard_normal((3, 7))
    x[np.abs(x) < 1e-3] = 0.5  # keep away from the ReLU kink
    _check_module(cls("a"), x)


@pytest.mark.parametrize(
    "cls,kernel,stride,padding",
    [
        (MaxPool2d, 2, 2, 0),
        (MaxPool2d, 3, 2, 1),
        (AvgPool2d, 2, 2, 0),
        (AvgPool2d, 3, 1, 1),
    ],
)
def test_pooling_gradients(cls, kernel, stride, padding):
    x = np.random.default_rng(2).standard_normal((2, 3, 6, 6))
    _check_module(cls("p", (kernel, kernel), (stride, stride), (padding, padding)), x)


def test_mixed_pool_gradients_input_and_beta():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 4, 4))
    pool = MixedPool2d("m", (2, 2), (2, 2), (0, 0), channels=3)
    pool.beta = pool.beta.astype(np.float64) + rng.standard_normal(3) * 0.05
    pool.grad_beta = np.zeros(3)
    _check_module(pool, x)
    # beta gradient
    w = rng.standard_normal((2, 3, 2, 2))
    pool.grad_beta[:] = 0
    pool.forward([x], True)
    pool.backward(w)
    analytic = pool.grad_beta.copy()

    def loss(beta):
        pool.beta = beta
        return float((pool.forward([x], True) * w).sum())

    numeric = _numeric_grad(loss, pool.beta.copy())
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


def test_mixed_pool_starts_max_dominated():
    pool = MixedPool2d("m", (2, 2), (2, 2), (0, 0), channels=4)
    assert np.allclose(pool.alpha, 1 / (1 + np.exp(-2.0)))


@pytest.mark.parametrize("size", [3, 5])
def test_lrn_gradients(size):
    x = np.random.default_rng(4).standard_normal((2, 6, 3, 3)) * 3
    _check_module(LocalResponseNorm("n", size=size, alpha=0.1, beta=0.75, k=2.0), x)


def test_flatten_and_add_gradients():
    x = np.random.default_rng(5).standard_normal((2, 3, 2, 2))
    _check_module(Reshape("f", (12,)), x)
    add = Add("a")
    y = add.forward([x, 2 * x], True)
    np.testing.assert_allclose(y, 3 * x)
    g = np.ones_like(x)
    assert all(np.array_equal(gi, g) for gi in add.backward(g))


@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 5)])
def test_softmax_cross_entropy_gradient(shape):
    rng = np.random.default_rng(6)
    logits = rng.standard_normal(shape)
    labels = rng.integers(0, shape[-1], size=shape[:-1])
    loss, grad, pred = softmax_cross_entropy(logits, labels)
    numeric = _numeric_grad(lambda v: softmax_cross_entropy(v, labels)[0], logits.copy())
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)
    assert np.array_equal(pred, logits.argmax(-1))
    assert loss > 0


@pytest.mark.parametrize(
    "kernel,stride,padding", [((3, 3), (1, 1), (1, 1)), ((5, 5), (1, 1), (0, 0)), ((3, 2), (2, 1), (1, 0))]
)
def test_im2col_matches_direct_convolution_and_col2im_is_adjoint(kernel, stride, padding):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 3, 7, 6))
    w = rng.standard_normal((4, 3, *kernel))
    cols = im2col(x, kernel, stride, padding)
    b, _c, h, wd = x.shape
    ho = (h + 2 * padding[0] - kernel[0]) // stride[0] + 1
    wo = (wd + 2 * padding[1] - kernel[1]) // stride[1] + 1
    y = (cols @ w.reshape(4, -1).T).reshape(b, ho, wo, 4).transpose(0, 3, 1, 2)
    xp = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    direct = np.zeros_like(y)
    for oy in range(ho):
        for ox in range(wo):
            patch = xp[
                :, :, oy * stride[0] : oy * stride[0] + kernel[0], ox * stride[1] : ox * stride[1] + kernel[1]
            ]
            direct[:, :, oy, ox] = np.einsum("bchw,ochw->bo", patch, w)
    np.testing.assert_allclose(y, direct, rtol=1e-10, atol=1e-10)
    # adjoint: <im2col(x), g> == <x, col2im(g)>
    g = rng.standard_normal(cols.shape)
    lhs = float((cols * g).sum())
    rhs = float((x * col2im(g, x.shape, kernel, stride, padding)).sum())
    assert lhs == pytest.approx(rhs, rel=1e-10)
