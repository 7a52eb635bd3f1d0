"""Datasets: digits (embedded), IDX files written here and read back, synthetic data, text, splits."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from archsim.datasets import fit_images, load_dataset
from archsim.datasets.fitting import split_train_test
from archsim.datasets.idx import load_idx, read_idx
from archsim.datasets.text import bundled_text, char_sequences, char_vocabulary
from archsim.errors import DataError


def _write_idx(path, array, gz):
    codes = {np.uint8: 0x08, np.int32: 0x0C, np.float32: 0x0D}
    header = bytes([0, 0, codes[array.dtype.type], array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    path.write_bytes(gzip.compress(payload) if gz else payload)


@pytest.mark.parametrize("gz", [True, False])
def test_idx_written_and_read_back(tmp_path, gz):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (50, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, 50, dtype=np.uint8)
    suffix = ".gz" if gz else ""
    _write_idx(tmp_path / f"t10k-images-idx3-ubyte{suffix}", images, gz)
    _write_idx(tmp_path / f"t10k-labels-idx1-ubyte{suffix}", labels, gz)
    np.testing.assert_array_equal(read_idx(tmp_path / f"t10k-images-idx3-ubyte{suffix}"), images)
    x_tr, y_tr, x_te, y_te = load_idx(tmp_path, test_fraction=0.2, seed=3)
    assert x_tr.shape == (40, 28, 28) and x_te.shape == (10, 28, 28)
    assert x_tr.max() <= 1.0 and x_tr.dtype == np.float32
    # same seed, same split; labels stay attached to their images
    again = load_idx(tmp_path / f"t10k-images-idx3-ubyte{suffix}", test_fraction=0.2, seed=3)
    np.testing.assert_array_equal(again[1], y_tr)
    idx = np.flatnonzero((images.astype(np.float32) / 255 == x_te[0]).all(axis=(1, 2)))[0]
    assert labels[idx] == y_te[0]
    data = load_dataset(f"idx:{tmp_path}", input_shape=(1, 32, 32), n_classes=10, seed=3)
    assert data.x_train.shape == (40, 1, 32, 32)
    assert data.x_train[:, :, :2].max() == 0.0  # zero padding, not a resize


def test_idx_train_and_test_files_are_used_as_given(tmp_path):
    rng = np.random.default_rng(1)
    for prefix, n in (("train", 30), ("t10k", 12)):
        _write_idx(
            tmp_path / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (n, 4, 4), dtype=np.uint8), False
        )
        _write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte", rng.integers(0, 10, n, dtype=np.uint8), False)
    x_tr, _, x_te, _ = load_idx(tmp_path)
    assert x_tr.shape[0] == 30 and x_te.shape[0] == 12


@pytest.mark.parametrize(
    "content,match",
    [
        (b"\x00\x00\x08", "not an IDX"),
        (b"\x01\x02\x08\x01abcd", "not an IDX"),
        (b"\x00\x00\x08\x02\x00\x00\x00\x05\x00\x00\x00\x05abc", "size mismatch"),
        (b"\x1f\x8b\x08garbage", "cannot read"),
    ],
)
def test_bad_idx_files_raise_data_error(tmp_path, content, match):
    p = tmp_path / "bad-images-idx3-ubyte"
    p.write_bytes(content)
    with pytest.raises(DataError, match=match):
        read_idx(p)


def test_missing_paths_raise_data_error(tmp_path):
    with pytest.raises(DataError, match="not found"):
        read_idx(tmp_path / "nope")
    with pytest.raises(DataError, match="no such file"):
        load_dataset(f"idx:{tmp_path / 'nope'}", input_shape=(784,), n_classes=10)
    with pytest.raises(DataError, match="no '\\*images"):
        load_idx(tmp_path)
    with pytest.raises(DataError, match="unknown dataset"):
        load_dataset("cifar", input_shape=(784,), n_classes=10)


def test_digits_default_and_resizing():
    small = load_dataset("digits", input_shape=(64,), n_classes=10, seed=0)
    assert small.n_train + small.n_test == 1797 and small.x_train.shape[1] == 64
    big = load_dataset("digits", input_shape=(784,), n_classes=10, seed=0)
    assert big.x_train.shape[1] == 784 and 0.0 <= big.x_train.min() and big.x_train.max() <= 1.0
    again = load_dataset("digits", input_shape=(784,), n_classes=10, seed=0)
    np.testing.assert_array_equal(big.y_test, again.y_test)
    other = load_dataset("digits", input_shape=(784,), n_classes=10, seed=1)
    assert not np.array_equal(big.y_test, other.y_test)
    img = load_dataset("digits", input_shape=(3, 28, 28), n_classes=10).x_test
    assert img.shape[1:] == (3, 28, 28) and np.array_equal(img[:, 0], img[:, 2])
    with pytest.raises(DataError):
        load_dataset("digits", input_shape=(100, 3), n_classes=10)
    with pytest.raises(DataError, match="labels go up to"):
        load_dataset("digits", input_shape=(64,), n_classes=5)


def test_fit_images_rules():
    imgs = np.ones((2, 28, 28), np.float32)
    assert fit_images(imgs, (1, 32, 32))[:, 0, 2:30, 2:30].min() == 1.0
    assert fit_images(np.ones((1, 8, 8), np.float32), (1, 28, 28)).min() == pytest.approx(1.0)
    with pytest.raises(DataError):
        fit_images(imgs, (10,))


def test_synthetic_and_limits():
    data = load_dataset("synthetic", input_shape=(1, 6, 6), n_classes=3, seed=4)
    assert data.x_train.shape[1:] == (1, 6, 6) and set(np.unique(data.y_train)) == {0, 1, 2}
    lim = data.limited(10, 5)
    assert lim.n_train == 10 and lim.n_test == 5
    with pytest.raises(DataError):
        data.limited(0)


def test_split_rejects_empty_parts():
    x, y = np.zeros((5, 2)), np.zeros(5)
    with pytest.raises(DataError):
        split_train_test(x, y, n_test=5, seed=0)


def test_bundled_text_and_char_sequences():
    text = bundled_text()
    assert len(text) > 5000
    vocab = char_vocabulary(text, 16)
    assert max(vocab.values()) == 15 and len(set(vocab.values())) == 16
    x, y = char_sequences("abcabcabcab", seq_len=3, vocab_size=4)
    assert x.shape == (3, 3, 4) and np.array_equal(x[0].argmax(-1)[1:], y[0][:-1])
    data = load_dataset("text", input_shape=(20, 40), n_classes=40, task="sequence")
    assert data.task == "sequence" and data.x_train.shape[1:] == (20, 40) and data.y_train.shape[1] == 20
    with pytest.raises(DataError):
        load_dataset("digits", input_shape=(20, 40), n_classes=40, task="sequence")
