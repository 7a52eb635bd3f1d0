"""The simulation environment: SimPy plus integer ticks, counters, busy time, trace and timeline.

:class:`SimEnvironment` extends :class:`simpy.Environment` with everything a run needs and nothing
global, so several environments coexist in one process (tests, sweeps). Time is an integer number of
ticks (default 1 tick = 1 ps); every latency is converted once, at elaboration, with :meth:`to_ticks`
(round half up, never below 0), and reports convert back with :meth:`to_ns`. This keeps event ordering
free of floating-point drift. Components only *count* actions (``counts``) and accumulate busy time;
pricing happens later in :mod:`archsim.cost`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import numpy as np
import simpy

from archsim.errors import SimulationError


class SimEnvironment(simpy.Environment):
    """A SimPy environment with an integer time base, action counters and an optional trace.

    Args:
        tick_ps: picoseconds per tick (positive integer).
        seed: seed of the run's single :class:`numpy.random.Generator`.
        trace: when true, :meth:`trace` records ``(scope, event, time_ticks)`` tuples (tests, fine mode).
        timeline_limit: maximum number of Gantt-chart entries kept.
    """

    def __init__(self, *, tick_ps: int = 1, seed: int = 0, trace: bool = False,
                 timeline_limit: int = 5000) -> None:
        super().__init__(initial_time=0)
        if not isinstance(tick_ps, int) or tick_ps <= 0:
            raise SimulationError(f"engine: tick_ps: expected a positive integer, got {tick_ps!r}")
        self.tick_ps = tick_ps
        self.rng = np.random.default_rng(seed)
        self.counts: defaultdict[tuple[str, str], float] = defaultdict(float)
        self.busy_ticks: defaultdict[str, int] = defaultdict(int)
        self.units: dict[str, int] = {}
        self.tracing = trace
        self.trace_log: list[tuple[str, str, int]] = []
        self.timeline: list[tuple[str, str, int, int, int]] = []
        self.timeline_limit = timeline_limit
        self.timeline_dropped = 0
        self.n_events = 0

    # -- time base -------------------------------------------------------------------------------
    def to_ticks(self, ns: float) -> int:
        """Convert nanoseconds to an integer number of ticks (round half up; negative is an error)."""
        if ns < 0 or not math.isfinite(ns):
            raise SimulationError(f"engine: latency {ns!r} ns: expected a finite value >= 0")
        return int(math.floor(ns * 1000.0 / self.tick_ps + 0.5))

    def to_ns(self, ticks: float) -> float:
        """Convert ticks to nanoseconds."""
        return ticks * self.tick_ps / 1000.0

    # -- bookkeeping -----------------------------------------------------------------------------
    def trace(self, scope: str, event: str) -> None:
        """Record ``(scope, event, now)`` when tracing is on."""
        if self.tracing:
            self.trace_log.append((scope, event, int(self.now)))

    def record(self, layer: str, phase: str, sample: int, start: int, end: int) -> None:
        """Add one Gantt-chart bar (kept up to ``timeline_limit``)."""
        if len(self.timeline) < self.timeline_limit:
            self.timeline.append((layer, phase, sample, start, end))
        else:
            self.timeline_dropped += 1

    def step(self) -> None:  # noqa: D102 - counts processed events
        self.n_events += 1
        super().step()

    def run_all(self, until: Any = None) -> None:
        """Run the simulation; wraps :meth:`simpy.Environment.run`."""
        self.run(until=until)
