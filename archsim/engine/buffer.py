"""Tile buffers: finite capacity with back-pressure, and a bandwidth-limited port.

A :class:`TileBuffer` holds whole entries (one per sample's activations for a layer input) in a
``simpy.Store(capacity=entries)``: a producer's :meth:`put` blocks while the buffer is full, which
stalls the producer (back-pressure) until the consumer :meth:`get`\\ s an entry. Writing and reading
charge ``bytes / bandwidth`` on the buffer port (``simpy.Resource(capacity=1)``) and count
``write_bytes`` / ``read_bytes``.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from archsim.engine.component import Component
from archsim.engine.env import SimEnvironment
from archsim.engine.spec import BufferSpec


class TileBuffer(Component):
    """A finite buffer of whole entries with a bandwidth-limited port.

    Args:
        entries: how many entries fit (at least 1).
    """

    def __init__(self, env: SimEnvironment, name: str, parent: Component | None, spec: BufferSpec,
                 entries: int) -> None:
        super().__init__(env, name, parent)
        self.spec = spec
        self.store = simpy.Store(env, capacity=max(1, int(entries)))
        self.port = simpy.Resource(env, capacity=1)

    def entries_for(self, nbytes_per_entry: float, share: int = 1) -> int:
        """How many entries of ``nbytes_per_entry`` fit in ``1/share`` of the capacity (at least 1)."""
        if nbytes_per_entry <= 0:
            return max(1, self.store.capacity)
        return max(1, int(self.spec.capacity_bytes // max(1, share) // nbytes_per_entry))

    def access(self, nbytes: float, action: str) -> Generator[Any, Any, None]:
        """Move ``nbytes`` through the port (``action``: ``read_bytes`` or ``write_bytes``)."""
        if nbytes <= 0:
            return
        with self.port.request() as req:
            yield req
            ticks = self.env.to_ticks(nbytes / self.spec.bandwidth_bytes_per_ns)
            yield self.env.timeout(ticks)
            self.count(action, nbytes)
            self.add_busy(ticks)

    def put(self, item: Any, nbytes: float = 0.0) -> Generator[Any, Any, None]:
        """Store ``item`` (blocks while full), then write ``nbytes`` through the port."""
        self.trace("put_wait")
        yield self.store.put(item)
        self.trace("put_done")
        yield from self.access(nbytes, "write_bytes")

    def get(self, nbytes: float = 0.0) -> Generator[Any, Any, Any]:
        """Take the oldest entry (waits while empty) and read ``nbytes`` through the port."""
        item = yield self.store.get()
        self.trace("get_done")
        yield from self.access(nbytes, "read_bytes")
        return item
