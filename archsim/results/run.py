"""The complete result of one run: every section of ``result.json`` (docs/architecture.md).

:class:`RunResult` holds the sections of ``result.json`` — ``meta``, ``hardware``, ``workload``,
``mapping``, ``timing``, ``counts``, ``energy``, ``area``, ``accuracy``, ``gpu`` — plus a free ``extra``
dict for sections added later. Engine and cost sections are typed (:class:`TimingResult`,
:class:`ActionCounts`, :class:`EnergyBreakdown`, :class:`AreaBreakdown`); the sections owned by other
producers are stored as the JSON-ready dicts their own ``to_dict()`` returned, so this module depends on
nothing but :mod:`archsim.results`. ``to_dict()`` omits absent sections; ``from_dict()`` reads a
``result.json`` back (the report renders from it alone).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archsim.errors import DataError
from archsim.results.energy import AreaBreakdown, EnergyBreakdown
from archsim.results.io import write_json_atomic
from archsim.results.schema import RESULT_SCHEMA_VERSION, read_result_file, validate_result
from archsim.results.timing import ActionCounts, TimingResult

#: Sections in the order they are documented.
SECTIONS = ("meta", "hardware", "workload", "mapping", "timing", "counts", "energy", "area", "accuracy",
            "gpu")


@dataclass(frozen=True, kw_only=True)
class RunResult:
    """Everything a run produced; ``to_dict()`` is ``result.json``."""

    meta: Mapping[str, Any]
    """Versions, seed, command, input names/paths/sha256, wall time, ``exception``."""
    hardware: Mapping[str, Any] | None = None
    """``{"resolved": {...}, "non_default": {...}, "summary": {...}}``."""
    workload: Mapping[str, Any] | None = None
    """Workload summary (name, input shape, per-layer table, totals)."""
    mapping: Mapping[str, Any] | None = None
    """``Mapping.to_dict()``."""
    timing: TimingResult | None = None
    """Engine timing."""
    counts: ActionCounts | None = None
    """Engine action counts."""
    energy: EnergyBreakdown | None = None
    """Priced energy."""
    area: AreaBreakdown | None = None
    """Area and peak-power roll-up."""
    accuracy: Mapping[str, Any] | None = None
    """Functional (accuracy) section, incl. ``layer_stats``."""
    gpu: Mapping[str, Any] | None = None
    """GPU-baseline section."""
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Further top-level sections by name (added by later pipeline steps)."""

    def to_dict(self) -> dict[str, Any]:
        """The ``result.json`` object (absent sections omitted)."""
        out: dict[str, Any] = {"meta": {**self.meta, "schema_version": RESULT_SCHEMA_VERSION}}
        for name in ("hardware", "workload", "mapping", "accuracy", "gpu"):
            value = getattr(self, name)
            if value is not None:
                out[name] = dict(value)
        if self.timing is not None:
            out["timing"] = self.timing.to_dict()
        if self.counts is not None:
            out["counts"] = self.counts.to_dict()
        if self.energy is not None:
            out["energy"] = self.energy.to_dict(batch=self.timing.batch if self.timing else None)
        if self.area is not None:
            out["area"] = self.area.to_dict()
        for name, value in self.extra.items():
            if name in out:
                raise DataError(f"result: extra section {name!r} clashes with a standard section")
            out[name] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], name: str = "result.json") -> RunResult:
        """Read a ``result.json`` object back (validated: :func:`archsim.results.schema.validate_result`)."""
        validate_result(data, name)
        return cls(
            meta=data["meta"], hardware=data.get("hardware"), workload=data.get("workload"),
            mapping=data.get("mapping"),
            timing=TimingResult.from_dict(data["timing"]) if "timing" in data else None,
            counts=ActionCounts.from_dict(data["counts"]) if "counts" in data else None,
            energy=EnergyBreakdown.from_dict(data["energy"]) if "energy" in data else None,
            area=AreaBreakdown.from_dict(data["area"]) if "area" in data else None,
            accuracy=data.get("accuracy"), gpu=data.get("gpu"),
            extra={k: v for k, v in data.items() if k not in SECTIONS},
        )

    def write(self, path: str | Path) -> Path:
        """Write ``result.json`` atomically."""
        return write_json_atomic(path, self.to_dict())

    @classmethod
    def read(cls, path: str | Path) -> RunResult:
        """Read and validate a ``result.json`` file."""
        return cls.from_dict(read_result_file(path), str(path))
