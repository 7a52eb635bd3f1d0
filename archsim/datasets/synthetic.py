"""``synthetic``: Gaussian clusters around random class prototypes in [0, 1] — learnable, tiny, for tests."""

from __future__ import annotations

import numpy as np

from archsim.datasets.base import SOURCES, Dataset, DatasetSource
from archsim.datasets.fitting import split_train_test


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



class SyntheticSource(DatasetSource):
    """Synthetic clusters of the network's input shape."""

    name = "synthetic"
    usage = "synthetic"

    def load(self, argument: str, *, input_shape: tuple[int, ...], n_classes: int, seed: int,
             test_fraction: float, n_synthetic: int) -> Dataset:
        x, y = synthetic_arrays(input_shape, n_classes, n_synthetic, seed)
        x_tr, y_tr, x_te, y_te = split_train_test(x, y, n_test=test_fraction, seed=seed)
        return Dataset(name="synthetic", x_train=x_tr, y_train=y_tr, x_test=x_te, y_test=y_te, n_classes=n_classes)

    def sizes(self, *, n_synthetic: int, test_fraction: float) -> tuple[int, int] | None:
        n_test = round(n_synthetic * test_fraction)
        return n_synthetic - n_test, n_test


SOURCES.register("synthetic", SyntheticSource())
