"""Digital units: NM/BM scaling, partial-sum accumulation, activation, pooling, pulse probabilities.

A tile's digital unit is a ``simpy.Resource(capacity=1)``: one job at a time, each job taking
``job_latency_ns + ops / ops_per_ns``. A job is a dict ``{action: ops}`` (``accumulate``, ``scale``,
``activation``, ``pool``, ``pulse_prob``, ``elementwise``); each action is counted separately so the
cost model can price them differently.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from typing import Any

import simpy

from archsim.engine.component import Component
from archsim.engine.env import SimEnvironment
from archsim.engine.spec import DigitalSpec


class DigitalUnit(Component):
    """A tile's digital post-processing unit."""

    def __init__(self, env: SimEnvironment, name: str, parent: Component | None, spec: DigitalSpec) -> None:
        super().__init__(env, name, parent)
        self.spec = spec
        self.resource = simpy.Resource(env, capacity=1)

    def run_job(self, ops: Mapping[str, float]) -> Generator[Any, Any, None]:
        """Process one job of ``{action: ops}``; waits for the unit, then holds it for the job time."""
        total = float(sum(ops.values()))
        if total <= 0:
            return
        with self.resource.request() as req:
            yield req
            ticks = self.env.to_ticks(self.spec.job_ns(total))
            self.trace("job_start")
            yield self.env.timeout(ticks)
            self.trace("job_end")
            for action, n in ops.items():
                if n:
                    self.count(action, n)
            self.add_busy(ticks)
