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
        self.latency = env.to_ticks(spec.latency_ns)
        """Ticks an access takes after its port time."""
        self.lines: dict[str, LineBuffer] = {}
        self._ticks: dict[float, int] = {}

    def access(self, nbytes: float, action: str, layer: str, at: int | None = None) -> int:
        """Move ``nbytes`` through the port (``read_bytes`` or ``write_bytes``) from tick ``at`` (default now);
        return the tick the access completes."""
        return self.move(nbytes, self.account(action, layer), self.env._now if at is None else at)

    def move(self, nbytes: float, acc: list[float], at: int) -> int:
        """:meth:`access` counted on the account ``acc`` (:meth:`Component.account`), from tick ``at``."""
        if nbytes <= 0:
            return at
        ticks = self._ticks.get(nbytes)
        if ticks is None:
            ticks = self._ticks[nbytes] = self.env.to_ticks(self.spec.access_ns(nbytes))
        end = self.port.reserve(at, ticks, self.env._now)[1]
        acc[0] += nbytes
        self._busy += ticks
        return end + self.latency

    def port_ticks(self, nbytes: float) -> int:
        """Ticks an access of ``nbytes`` holds the port (for callers that book it themselves: reserve
        :attr:`port` for them, count the bytes and :meth:`add_busy` them, then add :attr:`latency`)."""
        return self.env.to_ticks(self.spec.access_ns(nbytes))


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

    __slots__ = ("env", "_arrived", "_waiters")

    def __init__(self, env: SimEnvironment) -> None:
        self.env = env
        self._arrived: dict[int, tuple[list[int], list[int]]] = {}
        """Per sample: cumulative row counts and the ticks they are there (both increasing)."""
        self._waiters: dict[int, list[tuple[int, simpy.Event]]] = {}

    def rows(self, sample: int) -> int:
        """Rows of ``sample`` arrived by now."""
        found = self._arrived.get(sample)
        if not found or not found[0]:
            return 0
        rows, ticks = found
        k = bisect.bisect_right(ticks, self.env._now)
        return rows[k - 1] if k else 0

    def wait(self, sample: int, rows: int) -> simpy.Event | None:
        """None when ``rows`` rows of ``sample`` are there, else an event that fires when they are."""
        if rows <= 0:
            return None
        env = self.env
        found = self._arrived.get(sample)
        if found is not None:
            have, ticks = found
            if have and have[-1] >= rows:
                tick = ticks[bisect.bisect_left(have, rows)]
                now = env._now
                return None if tick <= now else env.timeout(tick - now)
        event = env.event()
        waiting = self._waiters.get(sample)
        if waiting is None:
            self._waiters[sample] = [(rows, event)]
        else:
            waiting.append((rows, event))
        return event

    def add(self, sample: int, rows: int, tick: int | None = None) -> None:
        """Record that the rows of ``sample`` up to ``rows`` (cumulative) are there at ``tick`` (default now)."""
        env = self.env
        now = env._now
        if tick is None or tick < now:
            tick = now
        found = self._arrived.get(sample)
        if found is None:
            have, ticks = found = self._arrived[sample] = ([], [])
        else:
            have, ticks = found
            if have:
                if rows <= have[-1]:
                    return
                if tick < ticks[-1]:
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
                        timer = env.timeout(tick - now)
                        timer.callbacks.append(lambda _, ev=event: ev.succeed())
                else:
                    keep.append((need, event))
            if keep:
                self._waiters[sample] = keep
            else:
                del self._waiters[sample]

    def forget(self, sample: int) -> None:
        """Drop the record of ``sample`` (it is complete everywhere)."""
        self._arrived.pop(sample, None)
