"""``digits``: scikit-learn's 8×8 handwritten digits (1,797 images, 10 classes).

They ship inside the scikit-learn wheel, so archsim trains out of the box without a download. Networks built for
28×28 (MNIST) inputs get the images bilinearly resized; this is an approximation of MNIST, not MNIST itself.
"""

from __future__ import annotations

import numpy as np

from archsim.datasets.base import SOURCES, Dataset, DatasetSource
from archsim.datasets.fitting import fit_images, split_train_test


def load_digits_images() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8×8 digits as images (1797, 8, 8) in [0, 1] and labels."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = (bunch.images / 16.0).astype(np.float32)
    return images, bunch.target.astype(np.int64)



class DigitsSource(DatasetSource):
    """The embedded 8×8 digits."""

    name = "digits"
    usage = "digits"

    def load(self, argument: str, *, input_shape: tuple[int, ...], n_classes: int, seed: int,
             test_fraction: float, n_synthetic: int) -> Dataset:
        images, labels = load_digits_images()
        x_tr, y_tr, x_te, y_te = split_train_test(images, labels, n_test=test_fraction, seed=seed)
        return Dataset(name="digits", x_train=fit_images(x_tr, input_shape), y_train=y_tr,
                       x_test=fit_images(x_te, input_shape), y_test=y_te, n_classes=n_classes)


SOURCES.register("digits", DigitsSource())
