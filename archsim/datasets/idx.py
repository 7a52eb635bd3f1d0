"""``idx:PATH``: MNIST / Fashion-MNIST files in LeCun's IDX format, gzip-compressed or raw.

``PATH`` is a folder or an images file. A folder with both ``train-*`` and ``t10k-*`` pairs uses them as train and
test sets; a folder (or an images file) with one pair is split with the fixed seed. A relative path is taken from
the working directory.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from archsim.datasets.base import SOURCES, Dataset, DatasetSource
from archsim.datasets.fitting import fit_images, split_train_test
from archsim.errors import DataError

#: IDX type codes: code -> numpy dtype.
_IDX_TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


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



class IdxSource(DatasetSource):
    """IDX image/label files."""

    name = "idx"
    needs_argument = True
    usage = "idx:/path/to/mnist"

    def check(self, argument: str) -> None:
        if not argument:
            raise DataError("'idx:': missing path", hint="write idx:/path/to/mnist")
        p = Path(argument)
        if not (p.is_dir() or p.is_file()):
            raise DataError(f"idx:{argument}: no such file or folder",
                            hint="--dataset idx:PATH takes a folder or an images file")

    def load(self, argument: str, *, input_shape: tuple[int, ...], n_classes: int, seed: int,
             test_fraction: float, n_synthetic: int) -> Dataset:
        x_tr, y_tr, x_te, y_te = load_idx(argument, test_fraction=test_fraction, seed=seed)
        return Dataset(name=f"idx:{argument}", x_train=fit_images(x_tr, input_shape), y_train=y_tr,
                       x_test=fit_images(x_te, input_shape), y_test=y_te, n_classes=n_classes)


SOURCES.register("idx", IdxSource())
