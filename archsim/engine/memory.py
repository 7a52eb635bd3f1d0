"""Off-chip memory interface: one ``simpy.Resource(capacity=1)`` with latency and bandwidth.

Inputs of the first layers are read from, and outputs of the last layers written to, off-chip memory.
Each transfer holds the interface for ``latency_ns + bytes / bandwidth`` and counts ``read_bytes`` or
``write_bytes``.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from archsim.engine.component import Component
from archsim.engine.env import SimEnvironment
from archsim.engine.spec import OffchipSpec


class OffChipMemory(Component):
    """The chip's off-chip memory interface."""

    def __init__(self, env: SimEnvironment, name: str, parent: Component | None, spec: OffchipSpec) -> None:
        super().__init__(env, name, parent)
        self.spec = spec
        self.resource = simpy.Resource(env, capacity=1)

    def transfer(self, nbytes: float, action: str) -> Generator[Any, Any, None]:
        """Read or write ``nbytes`` (``action`` is ``read_bytes`` or ``write_bytes``)."""
        if nbytes <= 0:
            return
        with self.resource.request() as req:
            yield req
            ticks = self.env.to_ticks(self.spec.transfer_ns(nbytes))
            yield self.env.timeout(ticks)
            self.count(action, nbytes)
            self.add_busy(ticks)
