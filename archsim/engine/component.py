"""Component base class: a named node of the hardware tree with a dotted scope.

A slimmed-down desmod component: ``name``, ``parent``, ``children``, a dotted ``scope``
(``chip.tile3.adc``) and :meth:`count` to record actions. Each concrete component (crossbar, ADC pool,
DAC bank, digital unit, buffer, link, router, off-chip interface) owns its behaviour and counts its own
actions, attributed to the layer it works for. Components never price anything; :mod:`archsim.cost`
does, from the counts. Busy time is accumulated with :meth:`add_busy` and reported per scope as
utilisation.
"""

from __future__ import annotations

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
        self._acc: dict[tuple[str, str], list[float]] = {}
        self._busy = 0
        if parent is not None:
            parent.children.append(self)
        env.units[self.scope] = units

    def account(self, action: str, layer: str) -> list[float]:
        """The running total ``[n]`` of ``action`` for ``layer`` on this component. Hot paths look it up once and
        add to ``[0]`` (what :meth:`count` does, without the lookup); totals that stay zero are not reported."""
        key = (action, layer)
        acc = self._acc.get(key)
        if acc is None:
            acc = self._acc[key] = [0.0]
        return acc

    def count(self, action: str, n: float, layer: str) -> None:
        """Record that this component performed ``action`` ``n`` times for ``layer``."""
        if n:
            self.account(action, layer)[0] += n

    def add_busy(self, ticks: int) -> None:
        """Accumulate ``ticks`` of busy time on this component."""
        self._busy += ticks

    def flush(self) -> None:
        """Hand the counts and busy time accumulated here to the environment (at the end of the run)."""
        env = self.env
        for (action, layer), acc in sorted(self._acc.items()):
            if acc[0]:
                env.count(self.scope, action, acc[0], layer)
                acc[0] = 0.0  # handed over (accounts held by hot paths stay valid)
        if self._busy:
            env.busy_ticks[self.scope] += self._busy
            self._busy = 0

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
