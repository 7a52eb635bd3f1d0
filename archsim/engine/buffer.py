"""Tile buffers: finite capacity shared by the layers that receive data on the tile, a port with bandwidth
and latency, and row counters the layer processes wait on.

Capacity. A tile's buffer (``capacity_bytes x count``) is divided among the layers that receive rows on
the tile (their *line buffers*), in proportion to the bytes per sample each receives there; a layer's
share is its :class:`LineBuffer`. A producer reserves space in the consumer's line buffer before it sends
a row and the consumer frees it once no later step needs the row (the kernel window has moved past it;
in training, only after the sample's update, which needs the layer's inputs). When the space is not free:

- the producer waits (flow control) while the share can hold the layer's working set (the rows one step
  needs), under both spill policies;
- with ``spill: offchip`` a layer whose share is smaller than its working set keeps what fits and sends the
  rest of each row to off-chip memory, reading it back (off-chip read + network) before the step that
  needs it: traffic, time and energy are counted on the layer;
- with ``spill: stall`` such a share is an error at elaboration (no spill path).

Port. Every write and read of the buffer holds its port for ``bytes / bandwidth`` and adds ``latency_ns``
(first come, first served); counts ``write_bytes`` / ``read_bytes`` per layer.
"""

from __future__ import annotations

import bisect
from collections import deque

import simpy

from archsim.engine.component import Component
from archsim.engine.env import SimEnvironment
from archsim.engine.server import Calendar
from archsim.engine.spec import BufferSpec


class TileBuffer(Component):
    """A tile's activation buffer: a port and the line buffers of the layers receiving on the tile."""

    def __init__(self, env: SimEnvironment, name: str, parent: Component | None, spec: BufferSpec) -> None:
        super().__init__(env, name, parent)
        self.spec = spec
        self.port = Calendar()
        self._latency = env.to_ticks(spec.latency_ns)
        self.lines: dict[str, LineBuffer] = {}
        self._ticks: dict[float, int] = {}

    def access(self, nbytes: float, action: str, layer: str, at: int | None = None) -> int:
        """Move ``nbytes`` through the port (``read_bytes`` or ``write_bytes``) from tick ``at`` (default now);
        return the tick the access completes."""
        now = int(self.env.now) if at is None else at
        if nbytes <= 0:
            return now
        ticks = self._ticks.get(nbytes)
        if ticks is None:
            ticks = self._ticks[nbytes] = self.env.to_ticks(self.spec.access_ns(nbytes))
        _, end = self.port.reserve(now, ticks, int(self.env.now))
        self.count(action, nbytes, layer)
        self.add_busy(ticks)
        return end + self._latency


class LineBuffer:
    """One layer's share of one tile buffer: bytes reserved by producers, freed by the consumer."""

    __slots__ = ("env", "layer", "quota", "used", "peak", "working_set", "_waiters")

    def __init__(self, env: SimEnvironment, layer: str, quota: float, working_set: float) -> None:
        self.env = env
        self.layer = layer
        self.quota = quota
        """Bytes of the tile buffer this layer may hold."""
        self.working_set = working_set
        """Bytes one step of the layer needs at once on this tile."""
        self.used = 0.0
        self.peak = 0.0
        self._waiters: deque[tuple[float, simpy.Event]] = deque()

    @property
    def spills(self) -> bool:
        """True when the share cannot hold the working set (rows partly go off-chip)."""
        return self.quota + 1e-9 < self.working_set

    def reserve(self, nbytes: float) -> simpy.Event | None:
        """Reserve ``nbytes``; None when granted now, else an event that fires when it is (FIFO)."""
        if not self._waiters and self.used + nbytes <= self.quota + 1e-9:
            self.used += nbytes
            if self.used > self.peak:
                self.peak = self.used
            return None
        event = self.env.event()
        self._waiters.append((nbytes, event))
        return event

    def free(self, nbytes: float) -> None:
        """Give back ``nbytes`` and grant waiting reservations in order."""
        self.used -= nbytes
        if self.used < 1e-9:
            self.used = 0.0
        while self._waiters and self.used + self._waiters[0][0] <= self.quota + 1e-9:
            n, event = self._waiters.popleft()
            self.used += n
            if self.used > self.peak:
                self.peak = self.used
            event.succeed()


class RowCounter:
    """Rows of one tensor that have arrived (or will, at a known tick), per sample; processes wait for a
    count. A sender registers ``(rows, tick)`` when it knows the tick its data lands, so arrivals need no
    event of their own; only a process that must wait gets one."""

    __slots__ = ("env", "_rows", "_ticks", "_waiters")

    def __init__(self, env: SimEnvironment) -> None:
        self.env = env
        self._rows: dict[int, list[int]] = {}
        self._ticks: dict[int, list[int]] = {}
        self._waiters: dict[int, list[tuple[int, simpy.Event]]] = {}

    def rows(self, sample: int) -> int:
        """Rows of ``sample`` arrived by now."""
        rows, ticks = self._rows.get(sample), self._ticks.get(sample)
        if not rows:
            return 0
        now = int(self.env.now)
        k = bisect.bisect_right(ticks, now)
        return rows[k - 1] if k else 0

    def _tick_of(self, sample: int, need: int) -> int | None:
        rows = self._rows.get(sample)
        if not rows or rows[-1] < need:
            return None
        return self._ticks[sample][bisect.bisect_left(rows, need)]

    def wait(self, sample: int, rows: int) -> simpy.Event | None:
        """None when ``rows`` rows of ``sample`` are there, else an event that fires when they are."""
        if rows <= 0:
            return None
        tick = self._tick_of(sample, rows)
        now = int(self.env.now)
        if tick is not None:
            return None if tick <= now else self.env.timeout(tick - now)
        event = self.env.event()
        self._waiters.setdefault(sample, []).append((rows, event))
        return event

    def add(self, sample: int, rows: int, tick: int | None = None) -> None:
        """Record that the rows of ``sample`` up to ``rows`` (cumulative) are there at ``tick`` (default now)."""
        now = int(self.env.now)
        tick = now if tick is None or tick < now else tick
        have = self._rows.setdefault(sample, [])
        ticks = self._ticks.setdefault(sample, [])
        if have and rows <= have[-1]:
            return
        if ticks and tick < ticks[-1]:
            tick = ticks[-1]  # a later row is not usable before the earlier ones
        have.append(rows)
        ticks.append(tick)
        waiting = self._waiters.get(sample)
        if waiting:
            keep = []
            for need, event in waiting:
                if need <= rows:
                    if tick <= now:
                        event.succeed()
                    else:
                        timer = self.env.timeout(tick - now)
                        timer.callbacks.append(lambda _, ev=event: ev.succeed())
                else:
                    keep.append((need, event))
            if keep:
                self._waiters[sample] = keep
            else:
                del self._waiters[sample]

    def forget(self, sample: int) -> None:
        """Drop the record of ``sample`` (it is complete everywhere)."""
        self._rows.pop(sample, None)
        self._ticks.pop(sample, None)
