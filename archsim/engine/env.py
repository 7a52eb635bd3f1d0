"""The simulation environment: SimPy plus integer ticks, counters, busy time, trace and timeline.

:class:`SimEnvironment` extends :class:`simpy.Environment` with everything a run needs and nothing
global, so several environments coexist in one process (tests, sweeps). Time is an integer number of
ticks (default 1 tick = 1 ps); every latency is converted with :meth:`to_ticks` (round half up, never
below 0), and reports convert back with :meth:`to_ns`. This keeps event ordering free of floating-point
drift. Components only *count* actions, each attributed to the layer that caused it (``counts`` and
``layer_counts``), and accumulate busy time; pricing happens later in :mod:`archsim.cost`.

The timeline has one bar per layer, phase and sample, from the first busy instant to the last, with the
busy time inside it (crossbars or digital units working): waiting for a lock before the first chunk is not
in the bar, and waits between chunks are in the bar but not in its busy time.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import simpy

from archsim.errors import SimulationError


class SimEnvironment(simpy.Environment):
    """A SimPy environment with an integer time base, action counters and an optional trace.

    Args:
        tick_ps: picoseconds per tick (positive integer).
        seed: seed of the run's single :class:`numpy.random.Generator`.
        trace: when true, :meth:`trace` records ``(scope, event, time_ticks)`` tuples (tests).
        timeline_limit: maximum number of Gantt-chart entries kept.
    """

    def __init__(self, *, tick_ps: int = 1, seed: int = 0, trace: bool = False,
                 timeline_limit: int = 5000) -> None:
        super().__init__(initial_time=0)
        # simpy binds its event factories (timeout, event, process, ...) to the instance only for attributes of
        # the instance's own class; bind those of simpy.Environment too, or every env.timeout(...) goes
        # through a descriptor that builds a new bound method
        for name, attr in vars(simpy.Environment).items():
            if isinstance(attr, simpy.core.BoundClass):
                setattr(self, name, getattr(self, name))
        if not isinstance(tick_ps, int) or tick_ps <= 0:
            raise SimulationError(f"engine: tick_ps: expected a positive integer, got {tick_ps!r}")
        self.tick_ps = tick_ps
        self._per_ns = 1000.0 / tick_ps
        self.rng = np.random.default_rng(seed)
        self.counts: defaultdict[tuple[str, str], float] = defaultdict(float)
        self.layer_counts: defaultdict[tuple[str, str, str], float] = defaultdict(float)
        self.busy_ticks: defaultdict[str, int] = defaultdict(int)
        self.units: dict[str, int] = {}
        self.tracing = trace
        self.trace_log: list[tuple[str, str, int]] = []
        self.timeline: list[tuple[str, str, int, int, int, int]] = []
        self.timeline_limit = timeline_limit
        self.timeline_dropped = 0
        self._open: dict[tuple[str, str], dict[int, list[int]]] = {}
        self.n_events = 0

    # -- time base -------------------------------------------------------------------------------
    def to_ticks(self, ns: float) -> int:
        """Convert nanoseconds to an integer number of ticks (round half up; negative is an error)."""
        if ns < 0 or not math.isfinite(ns):
            raise SimulationError(f"engine: latency {ns!r} ns: expected a finite value >= 0")
        return int(ns * self._per_ns + 0.5)

    def to_ns(self, ticks: float) -> float:
        """Convert ticks to nanoseconds."""
        return ticks * self.tick_ps / 1000.0

    # -- bookkeeping -----------------------------------------------------------------------------
    def count(self, scope: str, action: str, n: float, layer: str) -> None:
        """Record that component ``scope`` performed ``action`` ``n`` times on behalf of ``layer``."""
        self.counts[(scope, action)] += n
        self.layer_counts[(layer, scope, action)] += n

    def trace(self, scope: str, event: str) -> None:
        """Record ``(scope, event, now)`` when tracing is on."""
        if self.tracing:
            self.trace_log.append((scope, event, int(self.now)))

    def busy(self, layer: str, phase: str, sample: int, start: int, end: int) -> None:
        """Add a busy interval of ``layer``'s ``phase`` for ``sample``: the sample's bar runs from its first busy
        instant to its last and records the time inside it that something was busy (the union of the
        intervals; waits for data, for crossbars or for units are not busy)."""
        add_busy(self.bars(layer, phase), sample, start, end)

    def bars(self, layer: str, phase: str) -> dict[int, list[int]]:
        """The open timeline bars of ``layer``'s ``phase`` by sample, for :func:`add_busy` (hot paths keep it)."""
        key = (layer, phase)
        found = self._open.get(key)
        if found is None:
            found = self._open[key] = {}
        return found

    def close_timeline(self) -> None:
        """Emit one bar per layer, phase and sample (kept up to ``timeline_limit``, in order of start)."""
        bars = [((layer, phase, sample), bar) for (layer, phase), by_sample in self._open.items()
                for sample, bar in by_sample.items()]
        for key, bar in sorted(bars, key=lambda kv: (kv[1][0], kv[0])):
            if len(self.timeline) < self.timeline_limit:
                busy = bar[4] + bar[3] - bar[2]
                self.timeline.append((key[0], key[1], key[2], bar[0], bar[1], min(busy, bar[1] - bar[0])))
            else:
                self.timeline_dropped += 1
        self._open.clear()

    def run_all(self) -> None:
        """Process every scheduled event, counting them (``n_events``)."""
        step = self.step
        n = 0
        try:
            while True:
                step()
                n += 1
        except simpy.core.EmptySchedule:
            pass
        self.n_events += n


def add_busy(bars: dict[int, list[int]], sample: int, start: int, end: int) -> None:
    """:meth:`SimEnvironment.busy` on the bars of one layer and phase (:meth:`SimEnvironment.bars`).

    A bar is ``[first, last, segment start, segment end, busy before the segment]``: intervals arrive roughly in
    time order, so the union is kept as the closed busy time plus the segment still growing."""
    if end <= start:
        return
    bar = bars.get(sample)
    if bar is None:
        bars[sample] = [start, end, start, end, 0]
        return
    if start < bar[0]:
        bar[0] = start
    if end > bar[1]:
        bar[1] = end
    if start <= bar[3]:  # overlaps or touches the current busy segment
        if start < bar[2]:
            bar[2] = start
        if end > bar[3]:
            bar[3] = end
    else:
        bar[4] += bar[3] - bar[2]
        bar[2], bar[3] = start, end
