"""Component base class: a named node of the hardware tree with a dotted scope.

A slimmed-down desmod component (research/style-guide.md §3.5): ``name``, ``parent``, ``children``,
a dotted ``scope`` (``chip.tile3.adc``), :meth:`add_process` to register generator methods, and
:meth:`count` to record actions. Components never price anything; :mod:`archsim.cost` does, from the
counts. Busy time is accumulated with :meth:`add_busy` and reported per scope as utilisation.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import simpy

from archsim.engine.env import SimEnvironment


class Component:
    """A node of the simulated hardware tree.

    Args:
        env: the simulation environment.
        name: the local name (``adc``, ``tile3``).
        parent: the enclosing component, or None for the root.
        units: how many identical hardware units this component stands for (utilisation divides
            busy time by ``units``).
    """

    def __init__(self, env: SimEnvironment, name: str, parent: Component | None = None, *,
                 units: int = 1) -> None:
        self.env = env
        self.name = name
        self.parent = parent
        self.children: list[Component] = []
        self.scope = f"{parent.scope}.{name}" if parent is not None else name
        self.units = units
        if parent is not None:
            parent.children.append(self)
        env.units[self.scope] = units

    def add_process(self, method: Callable[..., Generator[Any, Any, Any]], *args: Any) -> simpy.Process:
        """Start ``method(*args)`` as a SimPy process."""
        return self.env.process(method(*args))

    def count(self, action: str, n: float = 1) -> None:
        """Record that this component performed ``action`` ``n`` times."""
        self.env.counts[(self.scope, action)] += n

    def add_busy(self, ticks: int) -> None:
        """Accumulate ``ticks`` of busy time on this component."""
        self.env.busy_ticks[self.scope] += ticks

    def trace(self, event: str) -> None:
        """Record ``(scope, event, now)`` in the environment's trace (when tracing is on)."""
        self.env.trace(self.scope, event)

    def walk(self) -> list[Component]:
        """This component and all descendants, depth first."""
        out: list[Component] = [self]
        for child in self.children:
            out.extend(child.walk())
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.scope!r})"
