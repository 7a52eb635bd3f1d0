"""archsim.engine: the time half of archsim — a SimPy model of tiles, converters, digital units, buffers
and the interconnect executing a Mapping (../shared/DESIGN.md).

``simulate(mapping, hw, *, mode, batch, pipeline, stats, workload, seed) -> (TimingResult, ActionCounts)``
lowers the Mapping and HardwareConfig to engine specs (:mod:`.build`), runs the coarse-event schedule
(:mod:`.schedule`) and returns timing and action counts; the cost model prices the counts. The engine
never imports :mod:`archsim.crossbar`; data-dependent timing arrives as
:class:`~archsim.results.stats.LayerStats`.
"""

from __future__ import annotations

from collections.abc import Mapping as MappingABC
from typing import Any

from archsim.engine.build import build_plan
from archsim.engine.schedule import RunPlan
from archsim.engine.simulate import simulate_plan
from archsim.results.stats import LayerStats
from archsim.results.timing import ActionCounts, TimingResult

__all__ = ["RunPlan", "build_plan", "simulate", "simulate_plan"]


def simulate(mapping: Any, hw: Any, *, mode: str = "inference", batch: int = 1, pipeline: bool = True,
             stats: MappingABC[str, LayerStats] | None = None, workload: Any = None, seed: int = 0,
             tick_ps: int = 1, timeline_limit: int = 5000, fine: bool = False,
             update_every: int = 1) -> tuple[TimingResult, ActionCounts]:
    """Simulate ``mapping`` on ``hw``; see :func:`archsim.engine.build.build_plan` for the arguments."""
    plan = build_plan(mapping, hw, mode=mode, batch=batch, pipeline=pipeline, stats=stats, workload=workload,
                      fine=fine, update_every=update_every)
    timing, counts, _ = simulate_plan(plan, seed=seed, tick_ps=tick_ps, timeline_limit=timeline_limit)
    return timing, counts
