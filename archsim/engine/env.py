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

import heapq
import math
from collections import defaultdict
from collections.abc import Generator
from types import MethodType
from typing import Any

import numpy as np
import simpy
from simpy.events import NORMAL, Timeout

from archsim.errors import SimulationError

_new_timeout = Timeout.__new__


class _Process(simpy.Process):
    """A :class:`simpy.Process` that is cheaper to resume: its resume callback is bound once (simpy binds it
    anew each time the process waits) and the generator's ``send`` is kept. Same protocol: the process is
    resumed with the value of the event it waited for (a failed event's exception is raised in it), and it
    triggers itself with the generator's return value or the exception that ended it."""

    def __init__(self, env: SimEnvironment, generator: Generator[Any, Any, Any]) -> None:
        if not hasattr(generator, "throw"):
            raise ValueError(f"{generator!r} is not a generator")
        self.env = env
        self.callbacks = []
        self._generator = generator
        self._send = generator.send
        self._resume = MethodType(_Process._resume, self)  # type: ignore[method-assign]
        self._target = simpy.events.Initialize(env, self)

    def _resume(self, event: simpy.Event) -> None:  # type: ignore[override]
        env = self.env
        env._active_proc = self
        while True:
            try:
                event = self._send(event._value) if event._ok else self._raise_in(event)
            except StopIteration as stop:
                self._end(True, stop.value)
                break
            except BaseException as error:
                error.__traceback__ = error.__traceback__.tb_next if error.__traceback__ else None
                self._end(False, error)
                break
            try:
                callbacks = event.callbacks
            except AttributeError:
                raise RuntimeError(f"process {self._generator.__name__} yielded {event!r}, not an event") from None
            if callbacks is not None:  # not processed yet: wait for it
                callbacks.append(self._resume)
                self._target = event
                break
            # already processed: go on with its value at once
        env._active_proc = None

    def _raise_in(self, event: simpy.Event) -> Any:
        """Raise a copy of the failed ``event``'s exception in the generator (the event counts as handled)."""
        event._defused = True
        error = type(event._value)(*event._value.args)
        error.__cause__ = event._value
        return self._generator.throw(error)

    def _end(self, ok: bool, value: Any) -> None:
        """The generator has ended: trigger this process with its return value or exception."""
        self._ok = ok
        self._value = value
        self._target = None  # type: ignore[assignment]
        self.env.schedule(self)


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
        self._push = heapq.heappush

    # -- event factories (simpy's, with fewer calls per event: the hot path of every process) ---------
    def timeout(self, delay: int, value: Any = None) -> Timeout:  # type: ignore[override]
        """A :class:`simpy.Timeout` of ``delay`` ticks (``value`` is its value), scheduled as simpy does."""
        if delay < 0:
            raise ValueError(f"Negative delay {delay}")
        ev = _new_timeout(Timeout)
        ev.env = self
        ev.callbacks = []
        ev._value = value
        ev._delay = delay
        ev._ok = True
        self._push(self._queue, (self._now + delay, NORMAL, next(self._eid), ev))
        return ev

    def process(self, generator: Generator[Any, Any, Any]) -> simpy.Process:  # type: ignore[override]
        """Start ``generator`` as a process (:class:`simpy.Process` semantics)."""
        return _Process(self, generator)

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
        """Process every scheduled event, counting them (``n_events``): :meth:`simpy.Environment.step` in one
        loop (an event that failed with nobody to handle it raises, as in simpy)."""
        queue = self._queue
        pop = heapq.heappop
        n = 0
        while queue:
            self._now, _, _, event = pop(queue)
            callbacks, event.callbacks = event.callbacks, None
            for callback in callbacks:
                callback(event)
            if not event._ok and not hasattr(event, "_defused"):
                exc = type(event._value)(*event._value.args)
                exc.__cause__ = event._value
                raise exc
            n += 1
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
