"""Splitting and fitting image data to a network's input shape.

Fitting (:func:`fit_images`): a target that is at most 8 pixels larger than the source is zero-padded centrally
(MNIST 28×28 → 32×32 as in RAPA experiments); any other size change is a bilinear resize; a vector input ``(F,)``
with F a perfect square is an image of side sqrt(F) flattened; grey images are repeated over the channels a
network expects.
"""

from __future__ import annotations

import math

import numpy as np

from archsim.errors import DataError

#: Largest side increase that is treated as zero padding instead of resizing.
PAD_LIMIT_PIXELS = 8


def split_train_test(
    x: np.ndarray, y: np.ndarray, *, n_test: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle with ``numpy.random.default_rng(seed)`` and split off ``n_test`` samples.

    ``n_test`` is a count (int) or a fraction in (0, 1). The same seed always gives the same split.
    """
    n = int(x.shape[0])
    if n != int(y.shape[0]):
        raise DataError(f"split: {n} inputs but {y.shape[0]} labels")
    count = round(n * n_test) if isinstance(n_test, float) else int(n_test)
    if not 0 < count < n:
        raise DataError(f"split: test size must leave both parts non-empty; got {count} of {n} samples")
    order = np.random.default_rng(seed).permutation(n)
    test, train = order[:count], order[count:]
    return x[train], y[train], x[test], y[test]


def _interp_matrix(n_out: int, n_in: int) -> np.ndarray:
    """Linear-interpolation matrix (n_out × n_in) mapping pixel centres (half-pixel convention)."""
    mat = np.zeros((n_out, n_in), dtype=np.float64)
    scale = n_in / n_out
    for i in range(n_out):
        pos = min(max((i + 0.5) * scale - 0.5, 0.0), n_in - 1.0)
        lo = math.floor(pos)
        hi = min(lo + 1, n_in - 1)
        frac = pos - lo
        mat[i, lo] += 1.0 - frac
        mat[i, hi] += frac
    return mat


def resize_images(images: np.ndarray, height: int, width: int) -> np.ndarray:
    """Bilinear resize of a stack of images (N, H0, W0) → (N, height, width), float32."""
    rh = _interp_matrix(height, images.shape[1])
    rw = _interp_matrix(width, images.shape[2])
    out = np.einsum("ih,nhw,jw->nij", rh, images.astype(np.float64), rw, optimize=True)
    return out.astype(np.float32)


def pad_images(images: np.ndarray, height: int, width: int) -> np.ndarray:
    """Centre a stack of images (N, H0, W0) in zeros of size (height, width)."""
    n, h0, w0 = images.shape
    top, left = (height - h0) // 2, (width - w0) // 2
    out = np.zeros((n, height, width), dtype=np.float32)
    out[:, top : top + h0, left : left + w0] = images
    return out


def fit_images(images: np.ndarray, input_shape: tuple[int, ...]) -> np.ndarray:
    """Fit grey images (N, H0, W0) in [0, 1] to a network input shape ``(C, H, W)`` or ``(F,)``."""
    shape = tuple(int(s) for s in input_shape)
    if len(shape) == 1:
        side = math.isqrt(shape[0])
        if side * side != shape[0]:
            raise DataError(
                f"dataset: cannot fit images to a vector input of {shape[0]} features",
                hint="image datasets need a square number of input features (64, 784, 1024, ...)",
            )
        return fit_images(images, (1, side, side)).reshape(images.shape[0], shape[0])
    if len(shape) != 3:
        raise DataError(
            f"dataset: image data cannot feed an input of shape {shape}",
            hint="image inputs are (C, H, W) or (F,)",
        )
    channels, height, width = shape
    h0, w0 = images.shape[1:]
    if (h0, w0) == (height, width):
        fitted = images.astype(np.float32)
    elif 0 <= height - h0 <= PAD_LIMIT_PIXELS and 0 <= width - w0 <= PAD_LIMIT_PIXELS:
        fitted = pad_images(images, height, width)
    else:
        fitted = resize_images(images, height, width)
    return np.ascontiguousarray(np.repeat(fitted[:, None], channels, axis=1), dtype=np.float32)


