"""Datasets for the accuracy step: the :class:`Dataset` split, and the registry of data sources.

Every dataset is a :class:`Dataset` of float32 inputs in ``[0, 1]`` (images) or one-hot vectors (characters)
and integer labels, already split into train and test parts with a fixed seed. A dataset *spec* is
``NAME`` or ``NAME:ARGUMENT`` (``idx:/data/mnist``); ``NAME`` is a :class:`DatasetSource` registered in
:data:`SOURCES` (one module per source: :mod:`.digits`, :mod:`.idx`, :mod:`.synthetic`, :mod:`.text`), so a new
source is one module. :func:`check_dataset_spec` runs when a workload is loaded (an unknown source or a missing
file fails there, naming the file and key); :func:`load_dataset` loads and fits the data to a network.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from archsim.errors import ConfigError, DataError
from archsim.registry import Registry

__all__ = ["SOURCES", "Dataset", "DatasetSource", "check_dataset_spec", "known_sizes", "load_dataset"]


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




class DatasetSource:
    """One kind of data (a registered entry of :data:`SOURCES`)."""

    name: str = ""
    """The spec name (``digits``)."""
    sequence: bool = False
    """True for sources of sequence tasks (one label per time step)."""
    needs_argument: bool = False
    """True when the spec must carry ``:ARGUMENT`` (a path)."""
    usage: str = ""
    """How the spec is written, for messages."""

    def check(self, argument: str) -> None:
        """Fail early on a spec that cannot load (missing files); runs at workload load time.

        Raises:
            DataError: naming what is missing.
        """
        if self.needs_argument and not argument:
            raise DataError(f"'{self.name}:' needs an argument", hint=f"write {self.usage}")
        if argument and not self.needs_argument and not self.takes_argument():
            raise DataError(f"'{self.name}' takes no argument, got '{self.name}:{argument}'", hint=f"write {self.usage}")

    def takes_argument(self) -> bool:
        """Whether ``NAME:ARGUMENT`` is allowed."""
        return self.needs_argument

    def load(self, argument: str, *, input_shape: tuple[int, ...], n_classes: int, seed: int,
             test_fraction: float, n_synthetic: int) -> Dataset:
        """The dataset, fitted to ``input_shape``."""
        raise NotImplementedError

    def sizes(self, *, n_synthetic: int, test_fraction: float) -> tuple[int, int] | None:
        """``(n_train, n_test)`` without loading, when the source knows them; else None."""
        return None


SOURCES: Registry[DatasetSource] = Registry("dataset source")
"""Dataset sources by spec name."""


def _parse(spec: str) -> tuple[DatasetSource, str]:
    kind, _, arg = spec.partition(":")
    return SOURCES[kind.strip().lower()], arg


def check_dataset_spec(spec: str) -> None:
    """Check a dataset spec without loading it (unknown source, missing argument, missing file).

    Raises:
        ConfigError: unknown source name (with the valid ones).
        DataError: a spec that cannot load.
    """
    source, arg = _parse(spec)
    source.check(arg)


def known_sizes(spec: str, *, task: str = "classification", n_synthetic: int = 1200,
                test_fraction: float = 0.2) -> tuple[int, int] | None:
    """``(n_train, n_test)`` of ``spec`` when the source knows them without loading (synthetic data), else None."""
    source, _ = _parse(spec)
    if task == "sequence" and not source.sequence:
        return None
    return source.sizes(n_synthetic=n_synthetic, test_fraction=test_fraction)


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

    ``spec``: ``digits``, ``synthetic``, ``idx:PATH``, ``text`` or ``text:PATH`` (the registered sources). The
    split uses ``seed``; for IDX folders holding both train and test files no split is made.

    Raises:
        DataError: a spec that does not fit the task, unreadable data, labels beyond ``n_classes``.
    """
    shape = tuple(int(s) for s in input_shape)
    try:
        source, arg = _parse(spec)
    except ConfigError as exc:  # the registry's message for an unknown name
        raise DataError(f"unknown dataset '{spec}'", hint=exc.hint) from None
    if task == "sequence" and not source.sequence:
        raise DataError(f"dataset '{spec}': a sequence workload needs a text dataset",
                        hint="use --dataset text (bundled) or text:PATH")
    if task == "features":
        raise DataError(f"dataset '{spec}': a features workload has no labels to train or test on",
                        hint="the accuracy step needs a classification or sequence workload")
    source.check(arg)
    data = source.load(arg, input_shape=shape, n_classes=n_classes, seed=seed, test_fraction=test_fraction,
                       n_synthetic=n_synthetic)
    if data.task == "classification":
        n_labels = int(max(data.y_train.max(), data.y_test.max())) + 1
        if n_labels > n_classes:
            raise DataError(
                f"dataset {data.name}: labels go up to {n_labels - 1} but the network has {n_classes} outputs"
            )
    return data
