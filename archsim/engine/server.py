"""A FIFO resource whose users know how long they will hold it.

:class:`Server` is ``simpy.Resource(capacity=k)`` with a first-come-first-served queue, collapsed for the
common case where a user knows its hold time when it asks: ``reserve(at, duration)`` returns the
``(start, end)`` it would get from the resource (``start = max(at, earliest free unit)``), so a request,
its wait and its hold cost one SimPy event (the caller's timeout to ``end``) instead of three. With
``at == env.now`` for every call this is exactly the resource's behaviour (a test compares the two); a
call with ``at`` in the future (a packet reserving the links ahead on its path) is served in call order,
which is first-come-first-served by injection time.

It accumulates what the reports need: busy time, number of holds, total and maximum wait.
"""

from __future__ import annotations

import bisect
import heapq


class _Holds:
    """What a resource reports of its reservations (times in integer ticks)."""

    __slots__ = ("busy", "holds", "max_wait", "total_wait")

    def __init__(self) -> None:
        self.busy = 0
        """Ticks any unit was held (summed over units)."""
        self.holds = 0
        """Reservations made."""
        self.total_wait = 0
        """Ticks reservations waited beyond their ``at``."""
        self.max_wait = 0
        """Longest wait of one reservation."""


class Server(_Holds):
    """``capacity`` identical units served first come, first served (times in integer ticks)."""

    __slots__ = ("capacity", "_free", "_free_at")

    def __init__(self, capacity: int = 1) -> None:
        super().__init__()
        self.capacity = capacity
        self._free_at = 0
        self._free: list[int] = [0] * capacity

    @property
    def free_at(self) -> int:
        """Earliest time a unit is free."""
        return self._free_at if self.capacity == 1 else self._free[0]

    def reserve(self, at: int, duration: int) -> tuple[int, int]:
        """Hold one unit for ``duration`` ticks from the earliest free time at or after ``at``."""
        if self.capacity == 1:
            start = at if at > self._free_at else self._free_at
            end = start + duration
            self._free_at = end
        else:
            first = self._free[0]
            start = at if at > first else first
            end = start + duration
            heapq.heapreplace(self._free, end)
        wait = start - at
        self.total_wait += wait
        if wait > self.max_wait:
            self.max_wait = wait
        self.busy += duration
        self.holds += 1
        return start, end


PRUNE_AT = 64
"""Bookings a :class:`Calendar` keeps before it forgets the past ones on its append path."""


class Calendar(_Holds):
    """A one-unit resource booked by interval: a reservation takes the earliest gap at or after ``at``.

    For resources that are booked ahead of time by some users (a buffer port written when a packet will
    arrive) and at once by others (a crossbar group reading its inputs now): a booking for the future no
    longer blocks one for now, as a FIFO :class:`Server` would. Bookings that ended by ``now`` can never
    delay a reservation again; they are forgotten before a search for a gap, and otherwise once enough of
    them have collected (a reservation after every booking, the common case, needs none of them).
    """

    __slots__ = ("_starts", "_ends")

    def __init__(self) -> None:
        super().__init__()
        self._starts: list[int] = []
        self._ends: list[int] = []

    @property
    def free_at(self) -> int:
        """End of the last booking."""
        return self._ends[-1] if self._ends else 0

    def reserve(self, at: int, duration: int, now: int) -> tuple[int, int]:
        """Book ``duration`` ticks in the earliest gap at or after ``at`` (bookings ending by ``now`` are
        forgotten)."""
        ends = self._ends
        if not ends or at >= ends[-1]:  # after every booking (the common case): no wait, no search
            end = at + duration
            if len(ends) >= PRUNE_AT and ends[0] <= now:
                drop = bisect.bisect_right(ends, now)  # bookings do not overlap: ends are sorted too
                del self._starts[:drop]
                del ends[:drop]
            self._starts.append(at)
            ends.append(end)
            self.busy += duration
            self.holds += 1
            return at, end
        starts = self._starts
        if ends[0] <= now:
            drop = bisect.bisect_right(ends, now)
            del starts[:drop]
            del ends[:drop]
        start = at
        k = bisect.bisect_right(ends, at)
        n = len(starts)
        while k < n:
            if start + duration <= starts[k]:
                break
            if ends[k] > start:
                start = ends[k]
            k += 1
        starts.insert(k, start)
        ends.insert(k, start + duration)
        wait = start - at
        if wait:
            self.total_wait += wait
            if wait > self.max_wait:
                self.max_wait = wait
        self.busy += duration
        self.holds += 1
        return start, start + duration
