"""``text`` / ``text:PATH``: a character sequence task.

A short English text bundled as package data (written for archsim, public domain), or a UTF-8 file, cut into
windows of T characters; inputs are one-hot characters and targets the next character at every step. The last
windows are the test set (unseen text); the training windows are shuffled with the seed.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np

from archsim.datasets.base import SOURCES, Dataset, DatasetSource
from archsim.errors import DataError

#: Bundled text used by the char-LSTM workloads (package data in archsim/data).
BUNDLED_TEXT = "tiny_tales.txt"


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




class TextSource(DatasetSource):
    """Characters of a text."""

    name = "text"
    sequence = True
    usage = "text or text:PATH"

    def takes_argument(self) -> bool:
        return True

    def check(self, argument: str) -> None:
        if argument and not Path(argument).is_file():
            raise DataError(f"text:{argument}: no such file", hint="text:PATH needs a UTF-8 text file")

    def load(self, argument: str, *, input_shape: tuple[int, ...], n_classes: int, seed: int,
             test_fraction: float, n_synthetic: int) -> Dataset:
        spec = f"text:{argument}" if argument else "text"
        if len(input_shape) != 2:
            raise DataError(f"dataset '{spec}': text needs a sequence input (T, F), got {input_shape}")
        text = bundled_text() if not argument else _read_text(Path(argument))
        x, y = char_sequences(text, seq_len=input_shape[0], vocab_size=input_shape[1])
        n_test = max(1, round(x.shape[0] * test_fraction))
        # contiguous split keeps test windows unseen; the training part is shuffled with the seed
        order = np.random.default_rng(seed).permutation(x.shape[0] - n_test)
        return Dataset(name=spec, x_train=x[:-n_test][order], y_train=y[:-n_test][order], x_test=x[-n_test:],
                       y_test=y[-n_test:], n_classes=input_shape[1], task="sequence")


SOURCES.register("text", TextSource())


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read text file ({exc})", hint="text:PATH needs a UTF-8 text file") from exc
