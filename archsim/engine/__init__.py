"""archsim.engine: the time half of archsim — a SimPy model of tiles, converters, digital units, buffers
and the interconnect executing a Mapping.

``simulate(mapping, hw, *, mode, batch, pipeline, stats, seed) -> (TimingResult, ActionCounts)`` lowers the
Mapping and HardwareConfig to a :class:`RunPlan` (:mod:`.build`), runs it on a :class:`~.chip.Chip`
(components in :mod:`.peripherals`, :mod:`.digital`, :mod:`.buffer`, :mod:`.interconnect`, :mod:`.memory`;
layer behaviour in :mod:`.layer`) and returns timing and action counts; the cost model prices the counts.
The engine is built from the Mapping alone and never imports :mod:`archsim.crossbar`; data-dependent
timing arrives as :class:`~archsim.results.stats.LayerStats`.
"""

from __future__ import annotations

from collections.abc import Mapping as MappingABC

from archsim.engine.build import build_plan
from archsim.engine.plan import RunPlan
from archsim.engine.simulate import simulate_plan
from archsim.hwconfig.schema import HardwareConfig
from archsim.mapping import Mapping
from archsim.results.stats import LayerStats
from archsim.results.timing import ActionCounts, TimingResult

__all__ = ["RunPlan", "build_plan", "simulate", "simulate_plan"]


def simulate(mapping: Mapping, hw: HardwareConfig, *, mode: str = "inference", batch: int = 1,
             pipeline: bool = True, stats: MappingABC[str, LayerStats] | None = None, seed: int = 0,
             tick_ps: int = 1, timeline_limit: int = 5000,
             update_every: int = 1) -> tuple[TimingResult, ActionCounts]:
    """Simulate ``mapping`` on ``hw``; see :func:`archsim.engine.build.build_plan` for the arguments."""
    plan = build_plan(mapping, hw, mode=mode, batch=batch, pipeline=pipeline, stats=stats,
                      update_every=update_every)
    timing, counts, _ = simulate_plan(plan, seed=seed, tick_ps=tick_ps, timeline_limit=timeline_limit)
    return timing, counts
