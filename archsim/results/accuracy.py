"""Accuracy results of a training run: per-epoch curves (analog and floating point) and layer statistics.

:class:`AccuracyResult` is the ``accuracy`` section of ``result.json``. Curves hold one value per
epoch; losses are mean softmax cross-entropies, accuracies fractions in [0, 1] (per character for
sequence tasks). Wall-clock times are deliberately not part of it (same seed → identical section;
timings belong to ``meta``). ``layer_stats`` are the per-layer figures the event engine reads
(:mod:`archsim.results.stats`); ``extras`` holds named scalars of special evaluations (for example
majority-voting accuracy or RAPA filter similarity).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from archsim.errors import DataError
from archsim.results.stats import LayerStats


def _floats(values: Any, where: str) -> tuple[float, ...]:
    if not isinstance(values, (list, tuple)):
        raise DataError(f"accuracy.{where}: expected a list of numbers, got {type(values).__name__}")
    return tuple(float("nan") if v is None else float(v) for v in values)


@dataclass(frozen=True, kw_only=True)
class EpochCurves:
    """Per-epoch training and test figures of one model."""

    train_loss: tuple[float, ...] = ()
    """Mean training loss of each epoch (over the epoch's mini-batches, while training)."""
    train_accuracy: tuple[float, ...] = ()
    """Training accuracy of each epoch (while training)."""
    test_loss: tuple[float, ...] = ()
    """Test loss after each epoch."""
    test_accuracy: tuple[float, ...] = ()
    """Test accuracy after each epoch."""
    lr: tuple[float, ...] = ()
    """Learning rate used in each epoch."""

    def __post_init__(self) -> None:
        n = len(self.train_loss)
        for name in ("train_accuracy", "test_loss", "test_accuracy", "lr"):
            if len(getattr(self, name)) not in (0, n):
                raise DataError(
                    f"accuracy curves: {name} has {len(getattr(self, name))} epochs, train_loss {n}"
                )

    @property
    def epochs(self) -> int:
        """Number of epochs recorded."""
        return len(self.train_loss)

    @property
    def final_test_error(self) -> float:
        """1 − the last test accuracy (nan when empty)."""
        return 1.0 - self.test_accuracy[-1] if self.test_accuracy else float("nan")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {k: list(getattr(self, k)) for k in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EpochCurves:
        """Inverse of :meth:`to_dict`."""
        if not isinstance(data, dict):
            raise DataError("accuracy curves: expected a mapping")
        unknown = sorted(set(data) - set(cls.__dataclass_fields__))
        if unknown:
            raise DataError(
                f"accuracy curves: unexpected keys {unknown}",
                hint="valid keys: " + ", ".join(cls.__dataclass_fields__),
            )
        return cls(**{k: _floats(v, k) for k, v in data.items()})


@dataclass(frozen=True, kw_only=True)
class AccuracyResult:
    """The ``accuracy`` section of result.json."""

    workload: str
    """Workload name."""
    hardware: str
    """Hardware configuration name (``fp`` when trained without one)."""
    dataset: str
    """Dataset description (``digits``, ``idx:PATH``, ``synthetic``, ``text``)."""
    task: str = "classification"
    """``classification`` or ``sequence``."""
    n_train: int
    """Training samples used per epoch."""
    n_test: int
    """Test samples."""
    epochs: int
    """Epochs trained."""
    batch_size: int
    """Mini-batch size."""
    lr: float
    """Base learning rate."""
    seed: int
    """Run seed."""
    analog: EpochCurves | None = None
    """Curves of the analog network (None when only the FP model was trained)."""
    fp: EpochCurves | None = None
    """Curves of the floating-point baseline (same network, data, initial weights and seed)."""
    layer_stats: dict[str, LayerStats] = field(default_factory=dict)
    """Per analog layer statistics for the event engine, keyed by layer name."""
    extras: dict[str, float] = field(default_factory=dict)
    """Named scalars of special evaluations (e.g. ``test_accuracy_voting``)."""
    settings: dict[str, Any] = field(default_factory=dict)
    """Options of the run that are not fields (RAPA scheme, replicas, mapping options, schedule)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the ``accuracy`` section)."""
        return {
            "workload": self.workload,
            "hardware": self.hardware,
            "dataset": self.dataset,
            "task": self.task,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "lr": self.lr,
            "seed": self.seed,
            "analog": None if self.analog is None else self.analog.to_dict(),
            "fp": None if self.fp is None else self.fp.to_dict(),
            "layer_stats": {name: s.to_dict() for name, s in sorted(self.layer_stats.items())},
            "extras": dict(sorted(self.extras.items())),
            "settings": dict(self.settings),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AccuracyResult:
        """Inverse of :meth:`to_dict`; raises :class:`DataError` on missing or unknown keys."""
        if not isinstance(data, dict):
            raise DataError("accuracy: expected a mapping")
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise DataError(
                f"accuracy: unexpected keys {unknown}", hint="valid keys: " + ", ".join(sorted(known))
            )
        values = dict(data)
        try:
            for key in ("analog", "fp"):
                if values.get(key) is not None:
                    values[key] = EpochCurves.from_dict(values[key])
            values["layer_stats"] = {
                name: LayerStats.from_dict(
                    {"layer": name, **{k: v for k, v in entry.items() if k != "layer"}}
                )
                for name, entry in dict(values.get("layer_stats") or {}).items()
            }
            values["extras"] = {
                k: float("nan") if v is None else float(v)
                for k, v in dict(values.get("extras") or {}).items()
            }
            return cls(**values)
        except TypeError as exc:
            raise DataError(f"accuracy: {exc}") from exc
