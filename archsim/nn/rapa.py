"""RAPA convolutions: kernel replicas on separate tiles with permuted patch assignment.

Rasch, Gokmen, Rigotti & Haensch, "RAPA-ConvNets: Modified convolutional networks for accelerated training on
architectures with analog arrays", Frontiers in Neuroscience 2019: a conv layer's
kernel matrix K (k × c_out) is replicated on n_t tiles; the n_p patches (output pixels) of every
image are partitioned into n_t subsets S_j and patch l is multiplied by the replica of its subset.
Replicas are trained independently (each only receives the gradients of its own patches). With all
replicas equal this is exactly the ordinary convolution.

Tiling schemes (output position (x, y) on an n_h × n_w grid; image-based and alternate need
n_t = q², as in the paper):

* ``random`` — a new random partition into equal-size subsets for every image, in training and test;
* ``random_fixed`` — one random partition drawn when the layer is built, used for every image;
* ``image`` (image-based "w/ overlap") — ``s = floor(q·x/n_w) + q·floor(q·y/n_h)``;
* ``image_pad`` — the same assignment, but input pixels of a patch that lie in another region are set
  to zero (as if the regions were separately padded images);
* ``alternate`` — ``s = (x mod q) + q·(y mod q)`` (Ngiam et al.'s tiled convolution);
* ``perforated`` — one kernel; in training only ``ceil(n_p / n_t)`` randomly chosen patches per image
  are computed (the other outputs are 0), at test time all patches (Figurnov et al.'s baseline);
* ``none`` — the ordinary convolution (n_t = 1).

Evaluation helpers: :func:`majority_vote` over k test draws (the paper uses 9), :func:`reduce_kernels`
(reduction to one kernel: ``norm`` picks for every output filter the replica with the largest L2 norm,
``first`` takes replica 0) and :func:`filter_similarity` (mean correlation coefficient between all
pairs of replicas of the same filter, averaged over filters, as in the paper's Figure 6).

Patch assignment is digital work and draws from the layer's own generator (seeded from the run's).
"""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np

from archsim.errors import ConfigError
from archsim.layers import FLOAT, MatrixFactory
from archsim.layers.conv2d import Conv2dModule

SCHEMES = ("none", "random", "random_fixed", "image", "image_pad", "alternate", "perforated")


def _square_root(n_t: int, scheme: str) -> int:
    q = math.isqrt(n_t)
    if q * q != n_t:
        raise ConfigError(
            f"RAPA scheme '{scheme}' needs a square number of replicas, got n_t = {n_t}",
            hint="use 1, 4, 9, 16, ... replicas or the 'random' scheme",
        )
    return q


def grid_assignment(scheme: str, n_t: int, out_h: int, out_w: int) -> np.ndarray:
    """Replica index (0-based) of every output position, shape (out_h·out_w,), for the spatial schemes."""
    q = _square_root(n_t, scheme)
    ys, xs = np.divmod(np.arange(out_h * out_w), out_w)
    if scheme in ("image", "image_pad"):
        return (q * xs // out_w) + q * (q * ys // out_h)
    if scheme == "alternate":
        return (xs % q) + q * (ys % q)
    raise ValueError(scheme)


def random_partition(rng: np.random.Generator, n_images: int, n_patches: int, n_t: int) -> np.ndarray:
    """Per image a random partition of the patches into n_t near-equal subsets: (n_images, n_patches)."""
    perms = rng.random((n_images, n_patches)).argsort(axis=1)
    assign = np.empty((n_images, n_patches), dtype=np.int64)
    np.put_along_axis(
        assign, perms, np.broadcast_to(np.arange(n_patches) % n_t, (n_images, n_patches)), axis=1
    )
    return assign


def majority_vote(predictions: np.ndarray, n_classes: int, scores: np.ndarray | None = None) -> np.ndarray:
    """Majority vote over draws: ``predictions`` (k, N) → (N,). Ties go to the class with the larger
    summed score (``scores`` (k, N, K), e.g. softmax outputs), else to the smaller class index."""
    k, n = predictions.shape
    counts = np.zeros((n, n_classes), dtype=np.float64)
    np.add.at(counts, (np.broadcast_to(np.arange(n), (k, n)), predictions), 1.0)
    if scores is not None:
        s = scores.sum(axis=0)
        counts += 1e-6 * s / max(float(np.abs(s).max()), 1e-12)
    return counts.argmax(axis=1)


def reduce_kernels(
    weights: np.ndarray, biases: np.ndarray | None = None, method: str = "norm"
) -> tuple[np.ndarray, np.ndarray | None]:
    """One kernel from replicas ``weights`` (n_t, out, in) (and biases (n_t, out)): ``norm`` or ``first``."""
    if method == "first":
        return weights[0].copy(), None if biases is None else biases[0].copy()
    if method != "norm":
        raise ConfigError(f"RAPA reduction: unknown method {method!r}", hint="valid: norm, first")
    pick = np.linalg.norm(weights, axis=2).argmax(axis=0)  # (out,)
    idx = np.arange(weights.shape[1])
    return weights[pick, idx].copy(), None if biases is None else biases[pick, idx].copy()


def filter_similarity(weights: np.ndarray) -> float:
    """Mean pairwise correlation of corresponding filters across replicas (n_t, out, in); 1.0 for n_t = 1."""
    n_t, n_out, _ = weights.shape
    if n_t < 2:
        return 1.0
    total, count = 0.0, 0
    for f in range(n_out):
        c = np.corrcoef(weights[:, f, :].astype(np.float64))
        for a, b in combinations(range(n_t), 2):
            if np.isfinite(c[a, b]):
                total += c[a, b]
                count += 1
    return total / count if count else float("nan")


class RapaConv2d(Conv2dModule):
    """Conv2d with n_t kernel replicas (module docstring). ``identical_init`` starts all replicas equal."""

    def __init__(
        self,
        name: str,
        in_channels: int,
        out_channels: int,
        kernel_size: tuple[int, int],
        stride: tuple[int, int],
        padding: tuple[int, ...],
        *,
        matrix: MatrixFactory,
        rng: np.random.Generator,
        n_replicas: int,
        scheme: str = "random",
        identical_init: bool = False,
    ) -> None:
        if scheme not in SCHEMES:
            raise ConfigError(
                f"RAPA layer {name}: unknown tiling scheme {scheme!r}", hint="valid: " + ", ".join(SCHEMES)
            )
        if n_replicas < 1:
            raise ConfigError(f"RAPA layer {name}: n_t must be >= 1, got {n_replicas}")
        if scheme in ("image", "image_pad", "alternate"):
            _square_root(n_replicas, scheme)
        n_units = 1 if scheme in ("perforated", "none") else n_replicas
        fan_in = in_channels * kernel_size[0] * kernel_size[1]
        bound = 1.0 / np.sqrt(fan_in)
        first = matrix(out_channels, fan_in, init_bound=bound)
        units = [first]
        for _ in range(n_units - 1):
            if identical_init:
                w, b = first.get_weights()
                units.append(matrix(out_channels, fan_in, init_bound=bound, weights=w, bias_values=b))
            else:
                units.append(matrix(out_channels, fan_in, init_bound=bound))
        super().__init__(name, in_channels, out_channels, kernel_size, stride, padding, units=units)
        self.n_replicas, self.scheme = int(n_replicas), scheme
        self.rng = np.random.default_rng(int(rng.integers(2**63 - 1)))
        self._fixed: np.ndarray | None = None
        self._pad_masks: dict[tuple[int, ...], np.ndarray] = {}

    # -- assignment ------------------------------------------------------------------------------
    def assignment(self, n_images: int, out_h: int, out_w: int, train: bool) -> np.ndarray:
        """Replica index per patch, (n_images, n_patches); −1 marks a dropped (perforated) patch."""
        n_p = out_h * out_w
        n_t = self.n_replicas
        if self.scheme == "none" or n_t == 1 and self.scheme != "perforated":
            return np.zeros((n_images, n_p), dtype=np.int64)
        if self.scheme == "random":
            return random_partition(self.rng, n_images, n_p, n_t)
        if self.scheme == "random_fixed":
            if self._fixed is None or self._fixed.shape[0] != n_p:
                self._fixed = random_partition(self.rng, 1, n_p, n_t)[0]
            return np.broadcast_to(self._fixed, (n_images, n_p))
        if self.scheme == "perforated":
            if not train:
                return np.zeros((n_images, n_p), dtype=np.int64)
            keep = math.ceil(n_p / n_t)
            order = self.rng.random((n_images, n_p)).argsort(axis=1)
            assign = np.full((n_images, n_p), -1, dtype=np.int64)
            np.put_along_axis(assign, order[:, :keep], 0, axis=1)
            return assign
        return np.broadcast_to(grid_assignment(self.scheme, n_t, out_h, out_w), (n_images, n_p))

    def _pad_mask(self, h: int, w: int, out_h: int, out_w: int) -> np.ndarray:
        """(n_patches, C·k_h·k_w) mask that zeroes the pixels of a patch lying in another region."""
        key = (h, w, out_h, out_w)
        if key not in self._pad_masks:
            q = math.isqrt(self.n_replicas)
            kh, kw = self.kernel
            patch_region = grid_assignment("image", self.n_replicas, out_h, out_w)
            oy, ox = np.divmod(np.arange(out_h * out_w), out_w)
            py = oy[:, None] * self.stride[0] - self.padding[0] + np.repeat(np.arange(kh), kw)[None]
            px = ox[:, None] * self.stride[1] - self.padding[1] + np.tile(np.arange(kw), kh)[None]
            pix_region = (q * np.clip(px, 0, w - 1) // w) + q * (q * np.clip(py, 0, h - 1) // h)
            mask = (pix_region == patch_region[:, None]).astype(FLOAT)  # (n_p, kh·kw)
            self._pad_masks[key] = np.tile(mask, (1, self.in_channels))  # columns ordered (C, kh, kw)
        return self._pad_masks[key]

    # -- cycles ----------------------------------------------------------------------------------
    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        x = inputs[0]
        b, _, h, w = x.shape
        out_h, out_w = self.output_hw(h, w)
        cols = self._patches(x)
        assign = self.assignment(b, out_h, out_w, train)
        if self.scheme == "image_pad":
            cols = (cols.reshape(b, out_h * out_w, -1) * self._pad_mask(h, w, out_h, out_w)).reshape(
                cols.shape
            )
        flat = assign.reshape(-1)
        if len(self.units) == 1 and (flat >= 0).all():
            self._rows = None
            return self._to_image(self.units[0].forward(cols, train))
        y = np.zeros((cols.shape[0], self.out_channels), dtype=FLOAT)
        rows = [np.flatnonzero(flat == j) for j in range(len(self.units))]
        for unit, idx in zip(self.units, rows):
            if idx.size:
                y[idx] = unit.forward(cols[idx], train)
        self._rows = rows
        self._n_rows = cols.shape[0]
        self._cols_width = cols.shape[1]
        return self._to_image(y)

    def backward(self, grad: np.ndarray) -> list[np.ndarray | None]:
        d = self._from_image(grad)
        if self._rows is None:
            zc = self.units[0].backward(d, self.need_input_grad)
        else:
            zc = np.zeros((self._n_rows, self._cols_width), dtype=FLOAT) if self.need_input_grad else None
            for unit, idx in zip(self.units, self._rows):
                if idx.size:
                    z = unit.backward(d[idx], self.need_input_grad)
                    if zc is not None:
                        zc[idx] = z
        if zc is not None and self.scheme == "image_pad":
            b, h, w, out_h, out_w = self._x_shape[0], *self._x_shape[2:], *self.output_hw(*self._x_shape[2:])
            zc = (zc.reshape(b, out_h * out_w, -1) * self._pad_mask(h, w, out_h, out_w)).reshape(zc.shape)
        return self._to_input(zc)

    # -- analysis --------------------------------------------------------------------------------
    def replica_weights(self) -> tuple[np.ndarray, np.ndarray | None]:
        """Weights (n_units, out, in) and biases (n_units, out) or None."""
        pairs = [unit.get_weights() for unit in self.units]
        weights = np.stack([w for w, _ in pairs])
        biases = None if pairs[0][1] is None else np.stack([b for _, b in pairs])
        return weights, biases

    def similarity(self) -> float:
        """:func:`filter_similarity` of the replicas."""
        return filter_similarity(self.replica_weights()[0])

    def reduce(self, method: str = "norm") -> None:
        """Replace every replica by the reduced kernel (identical replicas = the ordinary convolution)."""
        weights, biases = self.replica_weights()
        w, b = reduce_kernels(weights, biases, method)
        for unit in self.units:
            unit.set_weights(w, b)
