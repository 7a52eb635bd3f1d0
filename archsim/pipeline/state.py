"""The state of one run while its steps execute: what each step read and produced."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archsim.gpu.schema import GPUConfig
from archsim.hwconfig.schema import HardwareConfig
from archsim.mapping.model import Mapping
from archsim.pipeline.options import RunOptions
from archsim.results.energy import AreaBreakdown, EnergyBreakdown
from archsim.results.run import RunResult
from archsim.results.run_folder import RunFolder
from archsim.results.stats import LayerStats
from archsim.results.timing import ActionCounts, TimingResult
from archsim.workload.model import Workload


@dataclass(kw_only=True)
class RunState:
    """Everything the steps of one run produce (mutable while the pipeline runs; each step sets its own fields)."""

    options: RunOptions
    """The options of the run (bundled names already resolved to paths)."""
    hw: HardwareConfig | None = None
    """Set by ``load``."""
    workload: Workload | None = None
    """Set by ``load`` (None when the run has no workload)."""
    gpu_config: GPUConfig | None = None
    """Set by ``load`` when the run compares with a GPU."""
    mapping: Mapping | None = None
    """Set by ``map``."""
    layer_stats: dict[str, LayerStats] = field(default_factory=dict)
    """Per-layer statistics for the engine: from the accuracy step, from ``--stats``, or empty (defaults)."""
    stats_source: str = "defaults"
    """Where ``layer_stats`` came from."""
    accuracy: dict[str, Any] | None = None
    """The ``accuracy`` section (set by ``accuracy``; ``{"skipped": reason}`` when skipped)."""
    timing: TimingResult | None = None
    """Set by ``simulate``."""
    counts: ActionCounts | None = None
    """Set by ``simulate``."""
    energy: EnergyBreakdown | None = None
    """Set by ``cost``."""
    area: AreaBreakdown | None = None
    """Set by ``cost``."""
    gpu: dict[str, Any] | None = None
    """The ``gpu`` section (set by ``gpu``)."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Further sections, copied into result.json by ``assemble`` (e.g. ``sweep`` and ``paper_checks``)."""
    result: RunResult | None = None
    """Set by ``assemble``."""
    run_folder: RunFolder | None = None
    """Set by ``output``: the run folder, written by ``write`` and ``report``, swapped into place by ``commit``."""
    out_dir: Path | None = None
    """The run folder's path (set by ``output``)."""
    written: dict[str, Path] = field(default_factory=dict)
    """Files written, by role (``result``, ``report``, ``hwconfig``, ``workload``)."""
    started: float = field(default_factory=time.perf_counter)
    """``time.perf_counter()`` at the start of the run."""
    step_seconds: dict[str, float] = field(default_factory=dict)
    """Wall time of every step that ran."""

    def need_hw(self) -> HardwareConfig:
        """The loaded hardware (an internal error if a step runs before ``load``)."""
        if self.hw is None:
            raise RuntimeError("pipeline: a step needs the hardware before the load step ran")
        return self.hw

    def need_workload(self) -> Workload:
        """The loaded workload."""
        if self.workload is None:
            raise RuntimeError("pipeline: a step needs the workload, but this run has none")
        return self.workload

    def need_mapping(self) -> Mapping:
        """The mapping."""
        if self.mapping is None:
            raise RuntimeError("pipeline: a step needs the mapping before the map step ran")
        return self.mapping
