"""Off-chip memory interface: latency, bandwidth and several outstanding requests.

A request (read or write of ``B`` bytes) takes one of ``max_outstanding`` request slots, waits the access
latency, then moves its data over the interface's pins, which carry one transfer at a time at the
interface's bandwidth; the slot is released when the data has moved. So ``k <= max_outstanding`` requests
issued together overlap their latencies and finish ``latency + B / bw, latency + 2 B / bw, ...``, where one
slot would give ``k * (latency + B / bw)``. Counts ``read_bytes`` / ``write_bytes`` per layer; busy time is
the pins' data time.
"""

from __future__ import annotations

from archsim.engine.component import Component
from archsim.engine.env import SimEnvironment
from archsim.engine.server import Server
from archsim.engine.spec import OffchipSpec


class OffChipMemory(Component):
    """The chip's off-chip memory interface."""

    def __init__(self, env: SimEnvironment, name: str, parent: Component | None, spec: OffchipSpec) -> None:
        super().__init__(env, name, parent)
        self.spec = spec
        self.slots = Server(spec.max_outstanding)
        self.pins = Server(1)
        self._latency = env.to_ticks(spec.latency_ns)
        self._data: dict[float, int] = {}

    def access(self, nbytes: float, action: str, layer: str, at: int | None = None) -> int:
        """Issue a request of ``nbytes`` (``read_bytes`` or ``write_bytes``) at tick ``at`` (default now);
        return the tick its data has moved."""
        return self.move(nbytes, self.account(action, layer), self.env._now if at is None else at)

    def move(self, nbytes: float, acc: list[float], at: int) -> int:
        """:meth:`access` counted on the account ``acc`` (:meth:`Component.account`), issued at tick ``at``."""
        if nbytes <= 0:
            return at
        slots = self.slots
        slot_free = slots.free_at
        slot_start = at if at > slot_free else slot_free
        data = self._data.get(nbytes)
        if data is None:
            data = self._data[nbytes] = self.env.to_ticks(nbytes / self.spec.bandwidth_bytes_per_ns)
        data_end = self.pins.reserve(slot_start + self._latency, data)[1]
        slots.reserve(at, data_end - slot_start)
        acc[0] += nbytes
        self._busy += data
        return data_end
