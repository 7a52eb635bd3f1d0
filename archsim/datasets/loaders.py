"""Datasets for the accuracy engine: embedded digits, IDX files, synthetic data and a bundled text.

Every dataset is a :class:`Dataset` of float32 inputs in ``[0, 1]`` (images) or one-hot vectors
(characters) and integer labels, already split into train and test parts with a fixed seed.

Sources:

* ``digits`` — scikit-learn's 8×8 handwritten digits (1,797 images, 10 classes). They ship inside
  the scikit-learn wheel, so archsim trains out of the box without a download. Networks built for
  28×28 (MNIST) inputs get the images bilinearly resized; this is an approximation of MNIST, not
  MNIST itself.
* ``idx:PATH`` — MNIST / Fashion-MNIST files in LeCun's IDX format, gzip-compressed or raw, from any
  folder or file the user gives. A folder with both ``train-*`` and ``t10k-*`` pairs uses them as
  train and test sets; a folder (or an images file) with one pair is split with the fixed seed.
* ``synthetic`` — Gaussian clusters around random class prototypes: learnable, tiny, for tests.
* ``text`` (or ``text:PATH``) — a character sequence task: a short English text bundled as package
  data (written for archsim, public domain), cut into windows of T characters; inputs are one-hot
  characters and targets the next character at every step.

Fitting images to a network's input shape (:func:`fit_images`): a target that is at most 8 pixels
larger than the source is zero-padded centrally (MNIST 28×28 → 32×32 as in RAPA experiments);
any other size change is a bilinear resize; a vector input ``(F,)`` with F a perfect square is an
image of side sqrt(F) flattened; grey images are repeated over the channels a network expects.
"""

from __future__ import annotations

import gzip
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from archsim.errors import DataError

#: Largest side increase that is treated as zero padding instead of resizing.
PAD_LIMIT_PIXELS = 8

#: IDX type codes: code -> (numpy dtype, size in bytes).
_IDX_TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

#: Bundled text used by the char-LSTM workloads (package data in archsim/data).
BUNDLED_TEXT = "tiny_tales.txt"


@dataclass(frozen=True, kw_only=True, eq=False)
class Dataset:
    """A train/test split of one data source.

    Inputs are float32 with the per-sample shape ``input_shape``; labels are int64, shape ``(N,)``
    for classification or ``(N, T)`` for sequence tasks (one target per time step).
    """

    name: str
    """Short description of the source (e.g. ``digits``, ``idx:/data/mnist``)."""
    x_train: np.ndarray
    """Training inputs, shape (N_train, *input_shape), float32."""
    y_train: np.ndarray
    """Training labels, int64."""
    x_test: np.ndarray
    """Test inputs, shape (N_test, *input_shape), float32."""
    y_test: np.ndarray
    """Test labels, int64."""
    n_classes: int
    """Number of classes (vocabulary size for text)."""
    task: str = "classification"
    """``classification`` or ``sequence``."""

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Per-sample input shape."""
        return tuple(int(s) for s in self.x_train.shape[1:])

    @property
    def n_train(self) -> int:
        """Number of training samples."""
        return int(self.x_train.shape[0])

    @property
    def n_test(self) -> int:
        """Number of test samples."""
        return int(self.x_test.shape[0])

    def limited(self, limit_train: int | None = None, limit_test: int | None = None) -> Dataset:
        """The first ``limit_train`` / ``limit_test`` samples (the split is already shuffled)."""
        for label, value in (("limit_train", limit_train), ("limit_test", limit_test)):
            if value is not None and value < 1:
                raise DataError(f"dataset {self.name}: {label} must be >= 1, got {value}")
        return Dataset(
            name=self.name,
            x_train=self.x_train[:limit_train],
            y_train=self.y_train[:limit_train],
            x_test=self.x_test[:limit_test],
            y_test=self.y_test[:limit_test],
            n_classes=self.n_classes,
            task=self.task,
        )


# ----------------------------------------------------------------------------------------------
# splitting and shape fitting


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


# ----------------------------------------------------------------------------------------------
# sources


def load_digits_images() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8×8 digits as images (1797, 8, 8) in [0, 1] and labels."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = (bunch.images / 16.0).astype(np.float32)
    return images, bunch.target.astype(np.int64)


def read_idx(path: str | Path) -> np.ndarray:
    """Read one IDX file (gzip-compressed or raw) into a numpy array of its declared type and shape."""
    p = Path(path)
    if not p.is_file():
        raise DataError(
            f"{p}: IDX file not found",
            hint="give the folder or file of MNIST-style IDX data (e.g. t10k-images-idx3-ubyte.gz)",
        )
    try:
        raw = p.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise DataError(f"{p}: cannot read IDX file ({exc})") from exc
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise DataError(
            f"{p}: not an IDX file: expected magic bytes 00 00 <type> <ndim>, got {raw[:4].hex(' ')}",
            hint="IDX files start with two zero bytes, a type code (0x08 = uint8) and the number of dimensions",
        )
    dtype, ndim = _IDX_TYPES[raw[2]], raw[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(raw) < header:
        raise DataError(f"{p}: truncated IDX header ({len(raw)} bytes for {ndim} dimensions)")
    dims = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = header + int(np.prod(dims)) * dtype.itemsize
    if len(raw) != expected:
        raise DataError(
            f"{p}: IDX size mismatch: header declares shape {dims} ({expected} bytes), "
            f"file has {len(raw)} bytes",
            hint="the file is truncated or not an IDX file",
        )
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(dims).astype(dtype.newbyteorder("="))


def _labels_path_for(images: Path) -> Path | None:
    """The labels file paired with an images file (``images-idx3`` → ``labels-idx1``)."""
    name = images.name
    if "images" not in name:
        return None
    candidate = images.with_name(name.replace("images", "labels").replace("idx3", "idx1"))
    if candidate.is_file():
        return candidate
    for other in (
        candidate.with_name(candidate.name + ".gz"),
        candidate.with_name(candidate.name.removesuffix(".gz")),
    ):
        if other.is_file():
            return other
    return None


def _read_pair(images_path: Path) -> tuple[np.ndarray, np.ndarray]:
    labels_path = _labels_path_for(images_path)
    if labels_path is None:
        raise DataError(
            f"{images_path}: no matching labels file",
            hint="put the '*-labels-idx1-ubyte[.gz]' file next to the images file",
        )
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    if images.ndim != 3 or labels.ndim != 1:
        raise DataError(
            f"{images_path}: expected images of 3 dimensions and labels of 1, "
            f"got {images.ndim} and {labels.ndim}"
        )
    if images.shape[0] != labels.shape[0]:
        raise DataError(
            f"{images_path}: {images.shape[0]} images but {labels.shape[0]} labels in {labels_path}"
        )
    scale = 255.0 if images.dtype == np.uint8 else max(float(np.abs(images).max()), 1.0)
    return (images.astype(np.float32) / scale), labels.astype(np.int64)


def load_idx(
    path: str | Path, *, test_fraction: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Images and labels from IDX files: (x_train, y_train, x_test, y_test), images (N, H, W) in [0, 1].

    ``path`` is an images file or a folder. A folder with ``train-images*`` and ``t10k-images*``
    uses the two sets; with only one images file, that set is split with ``seed`` (``test_fraction``).
    """
    p = Path(path)
    if p.is_dir():
        found = sorted(f for f in p.iterdir() if f.is_file() and "images" in f.name and "idx3" in f.name)
        train = [f for f in found if f.name.startswith("train")]
        test = [f for f in found if f.name.startswith("t10k") or f.name.startswith("test")]
        if train and test:
            x_tr, y_tr = _read_pair(train[0])
            x_te, y_te = _read_pair(test[0])
            return x_tr, y_tr, x_te, y_te
        if not found:
            raise DataError(
                f"{p}: no '*images-idx3-ubyte[.gz]' file in this folder",
                hint="download MNIST or Fashion-MNIST IDX files into it, or use --dataset digits",
            )
        images_file = found[0]
    elif p.is_file():
        images_file = p
    else:
        raise DataError(
            f"{p}: no such file or folder", hint="--dataset idx:PATH takes a folder or an images file"
        )
    x, y = _read_pair(images_file)
    return split_train_test(x, y, n_test=test_fraction, seed=seed)


def synthetic_arrays(
    input_shape: tuple[int, ...], n_classes: int, n_samples: int, seed: int, noise: float = 0.35
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian clusters around random prototypes in [0, 1]; balanced labels."""
    rng = np.random.default_rng(seed)
    shape = tuple(int(s) for s in input_shape)
    prototypes = rng.random((n_classes, *shape))
    labels = np.arange(n_samples) % n_classes
    rng.shuffle(labels)
    x = prototypes[labels] + noise * rng.standard_normal((n_samples, *shape))
    return np.clip(x, 0.0, 1.0).astype(np.float32), labels.astype(np.int64)


def bundled_text() -> str:
    """The short English text bundled with archsim (package data) for character-level models."""
    try:
        return resources.files("archsim.data").joinpath(BUNDLED_TEXT).read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError, OSError) as exc:  # pragma: no cover - broken install
        raise DataError(
            f"archsim/data/{BUNDLED_TEXT}: bundled text missing ({exc})",
            hint="reinstall archsim; the text is package data",
        ) from exc


def char_vocabulary(text: str, size: int) -> dict[str, int]:
    """Map characters to indices: the ``size - 1`` most frequent get their own index (ties by
    character), every other character shares the last index. With fewer distinct characters than
    ``size`` every character has its own index and the rest stay unused."""
    counts: dict[str, int] = {}
    for ch in text:
        counts[ch] = counts.get(ch, 0) + 1
    ordered = sorted(counts, key=lambda c: (-counts[c], c))
    if len(ordered) <= size:
        return {ch: i for i, ch in enumerate(sorted(ordered))}
    keep = sorted(ordered[: size - 1])
    vocab = {ch: i for i, ch in enumerate(keep)}
    for ch in ordered[size - 1 :]:
        vocab[ch] = size - 1
    return vocab


def char_sequences(text: str, *, seq_len: int, vocab_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut ``text`` into non-overlapping windows: one-hot inputs (N, T, V) and next-character targets (N, T)."""
    if seq_len < 1:
        raise DataError(f"text dataset: sequence length must be >= 1, got {seq_len}")
    vocab = char_vocabulary(text, vocab_size)
    codes = np.fromiter((vocab[c] for c in text), dtype=np.int64, count=len(text))
    n = (len(codes) - 1) // seq_len
    if n < 2:
        raise DataError(f"text dataset: {len(text)} characters give fewer than 2 windows of {seq_len}")
    inputs = codes[: n * seq_len].reshape(n, seq_len)
    targets = codes[1 : n * seq_len + 1].reshape(n, seq_len)
    onehot = np.zeros((n, seq_len, vocab_size), dtype=np.float32)
    np.put_along_axis(onehot, inputs[..., None], 1.0, axis=2)
    return onehot, targets


# ----------------------------------------------------------------------------------------------
# the dispatcher


def load_dataset(
    spec: str,
    *,
    input_shape: tuple[int, ...],
    n_classes: int,
    task: str = "classification",
    seed: int = 0,
    test_fraction: float = 0.2,
    n_synthetic: int = 1200,
) -> Dataset:
    """Load the dataset named by ``spec`` and fit it to a network's input shape.

    ``spec``: ``digits``, ``synthetic``, ``idx:PATH``, ``text`` or ``text:PATH``. The split uses
    ``seed``; for IDX folders holding both train and test files no split is made.
    """
    shape = tuple(int(s) for s in input_shape)
    kind, _, arg = spec.partition(":")
    kind = kind.strip().lower()
    if task == "sequence" or kind == "text":
        if kind != "text":
            raise DataError(
                f"dataset '{spec}': a sequence workload needs a text dataset",
                hint="use --dataset text (bundled) or text:PATH",
            )
        if len(shape) != 2:
            raise DataError(f"dataset '{spec}': text needs a sequence input (T, F), got {shape}")
        text = bundled_text() if not arg else _read_text(Path(arg))
        x, y = char_sequences(text, seq_len=shape[0], vocab_size=shape[1])
        n_test = max(1, round(x.shape[0] * test_fraction))
        # contiguous split keeps test windows unseen; the training part is shuffled with the seed
        order = np.random.default_rng(seed).permutation(x.shape[0] - n_test)
        return Dataset(
            name=f"text:{arg}" if arg else "text",
            x_train=x[:-n_test][order],
            y_train=y[:-n_test][order],
            x_test=x[-n_test:],
            y_test=y[-n_test:],
            n_classes=shape[1],
            task="sequence",
        )
    if kind == "digits":
        images, labels = load_digits_images()
        x_tr, y_tr, x_te, y_te = split_train_test(images, labels, n_test=test_fraction, seed=seed)
        name = "digits"
    elif kind == "idx":
        if not arg:
            raise DataError("dataset 'idx:': missing path", hint="write idx:/path/to/mnist")
        x_tr, y_tr, x_te, y_te = load_idx(arg, test_fraction=test_fraction, seed=seed)
        name = f"idx:{arg}"
    elif kind == "synthetic":
        x, y = synthetic_arrays(shape, n_classes, n_synthetic, seed)
        x_tr, y_tr, x_te, y_te = split_train_test(x, y, n_test=test_fraction, seed=seed)
        return Dataset(
            name="synthetic", x_train=x_tr, y_train=y_tr, x_test=x_te, y_test=y_te, n_classes=n_classes
        )
    else:
        raise DataError(
            f"unknown dataset '{spec}'",
            hint="valid: digits, synthetic, idx:PATH (MNIST/Fashion-MNIST IDX), text, text:PATH",
        )
    n_labels = int(max(y_tr.max(), y_te.max())) + 1
    if n_labels > n_classes:
        raise DataError(
            f"dataset {name}: labels go up to {n_labels - 1} but the network has {n_classes} outputs"
        )
    return Dataset(
        name=name,
        x_train=fit_images(x_tr, shape),
        y_train=y_tr,
        x_test=fit_images(x_te, shape),
        y_test=y_te,
        n_classes=n_classes,
    )


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(
            f"{path}: cannot read text file ({exc})", hint="text:PATH needs a UTF-8 text file"
        ) from exc
