"""Per-layer statistics measured by the functional core and read by the event engine.

This is how data-dependent timing crosses the seam without either model importing the other
(docs/architecture.md): a training run records, per analog layer, the mean number of bound-management
passes, the pulse-train length BL chosen by update management and the algorithm's extra operations;
the engine times exactly those. Without a functional run the engine uses :meth:`LayerStats.default`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from archsim.errors import DataError
from archsim.results.io import read_json
from archsim.results.schema import validate_layer_stats


@dataclass(frozen=True, kw_only=True)
class LayerStats:
    """Data-dependent per-layer figures that set analog cycle times."""

    layer: str
    """Layer name in the workload."""
    mean_bm_passes_forward: float = 1.0
    """Mean number of ITERATIVE bound-management passes per forward vector (1 = no re-run)."""
    mean_bm_passes_backward: float = 1.0
    """Same for the backward cycle."""
    mean_bl: float | None = None
    """Mean pulse-train length per update; None means 'use desired_bl of the update parameters'."""
    bl_histogram: dict[int, int] = field(default_factory=dict)
    """Count of updates per pulse-train length BL."""
    mean_pulses_per_device_per_update: float = 0.0
    """Mean number of coincidences (pulses actually applied) per device per update."""
    transfer_reads_per_sample: float | None = None
    """Tiki-Taka family transfer reads (MVMs on the fast array) per training sample; None = algorithm default."""
    transfer_writes_per_sample: float | None = None
    """Transfer writes (pulsed updates of the slow array) per training sample; None = algorithm default."""

    def __post_init__(self) -> None:
        for name in ("mean_bm_passes_forward", "mean_bm_passes_backward"):
            if getattr(self, name) < 1.0:
                raise DataError(f"layer_stats.{self.layer}.{name}: expected >= 1, got {getattr(self, name)}")
        if self.mean_bl is not None and self.mean_bl < 0:
            raise DataError(f"layer_stats.{self.layer}.mean_bl: expected >= 0, got {self.mean_bl}")

    @classmethod
    def default(cls, layer: str) -> LayerStats:
        """The documented defaults: one BM pass, BL = desired_bl, algorithm-defined transfers."""
        return cls(layer=layer)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (histogram keys become strings)."""
        d = asdict(self)
        d["bl_histogram"] = {str(k): int(v) for k, v in sorted(self.bl_histogram.items())}
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LayerStats:
        """Inverse of :meth:`to_dict`; raises :class:`DataError` on unknown or missing keys."""
        known = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(data) - known)
        if unknown or "layer" not in data:
            raise DataError(
                f"layer_stats: unexpected keys {unknown}" if unknown else "layer_stats: missing key 'layer'",
                hint=f"valid keys: {', '.join(sorted(known))}",
            )
        values = dict(data)
        values["bl_histogram"] = {int(k): int(v) for k, v in dict(values.get("bl_histogram", {})).items()}
        return cls(**values)


def load_layer_stats(path: str | Path) -> dict[str, LayerStats]:
    """Read ``accuracy.layer_stats`` from a train run's result.json."""
    data = read_json(path)
    try:
        raw = data["accuracy"]["layer_stats"]
    except (KeyError, TypeError) as exc:
        raise DataError(
            f"{path}: no accuracy.layer_stats section",
            hint="pass the result.json of a training run (archsim train or archsim run with accuracy)",
        ) from exc
    if not isinstance(raw, dict):
        raise DataError(f"{path}: accuracy.layer_stats: expected a mapping of layer name to statistics")
    validate_layer_stats(raw, str(path))  # types and ranges: a boolean or a string is not a pass count
    out: dict[str, LayerStats] = {}
    for name, entry in sorted(raw.items()):
        if not isinstance(entry, dict):
            raise DataError(f"{path}: accuracy.layer_stats.{name}: expected a mapping, got {type(entry).__name__}")
        try:
            out[name] = LayerStats.from_dict({"layer": name, **{k: v for k, v in entry.items() if k != "layer"}})
        except (DataError, TypeError, ValueError) as exc:
            raise DataError(f"{path}: accuracy.{exc}" if isinstance(exc, DataError) else f"{path}: {exc}",
                            hint=getattr(exc, "hint", None)) from exc
    return out
