"""Digital units: NM/BM scaling, partial-sum accumulation, shift-and-add, activation, pooling, pulse
probabilities.

A tile's digital unit serves one job at a time (its ``count`` instances work on the job together, so its
rate is ``count x throughput``); a job of ``{action: ops}`` takes ``job_latency_ns + ops / ops_per_ns``. Jobs
are booked by interval (:class:`~archsim.engine.server.Calendar`): a layer books the later stages of a step
(its activation after its shift-and-add) ahead of time, and a job booked for now takes an earlier gap
instead of queueing behind them. Units of one tile work in parallel, so jobs for different op kinds (the
shift-and-add of one layer, the pooling of another) overlap. Each action is counted separately, per
layer, so the cost model can price them differently.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from archsim.engine.component import Component
from archsim.engine.env import SimEnvironment
from archsim.engine.server import Calendar
from archsim.engine.spec import DigitalSpec


class DigitalUnit(Component):
    """A tile's digital post-processing unit."""

    def __init__(self, env: SimEnvironment, name: str, parent: Component | None, spec: DigitalSpec) -> None:
        super().__init__(env, name, parent)
        self.spec = spec
        self.server = Calendar()
        self._jobs: dict[tuple[int, str], list[Any]] = {}

    def run_job(self, ops: Mapping[str, float], layer: str, at: int | None = None) -> tuple[int, int]:
        """Queue one job of ``{action: ops}`` at tick ``at`` (default now); return its ``(start, end)``."""
        total = float(sum(ops.values()))
        now = int(self.env.now) if at is None else at
        if total <= 0:
            return now, now
        ticks = self.env.to_ticks(self.spec.job_ns(total))
        start, end = self.server.reserve(now, ticks, int(self.env.now))
        for action, n in ops.items():
            self.count(action, n, layer)
        self.add_busy(ticks)
        return start, end

    def run_ticks(self, ops: Mapping[str, float], ticks: int, layer: str) -> tuple[int, int]:
        """:meth:`run_job` for a job whose time is already known (``ticks``); repeated jobs are counted once
        per distinct job and expanded in :meth:`flush`."""
        return self.run_entry(self.entry(ops, layer), ticks, self.env._now)

    def entry(self, ops: Mapping[str, float], layer: str) -> list[Any]:
        """The record ``[ops, times run]`` of a repeated job (:meth:`run_entry` runs it; hot paths keep it)."""
        key = (id(ops), layer)
        found = self._jobs.get(key)
        if found is None:
            found = self._jobs[key] = [ops, 0]
        return found

    def run_entry(self, entry: list[Any], ticks: int, at: int) -> tuple[int, int]:
        """Book the job of ``entry`` (:meth:`entry`), taking ``ticks``, from tick ``at`` (now or later); return its
        ``(start, end)``."""
        entry[1] += 1
        self._busy += ticks
        return self.server.reserve(at, ticks, self.env._now)

    def flush(self) -> None:  # noqa: D102 - expands the repeated jobs into counts first
        for (_, layer), entry in self._jobs.items():
            ops, n = entry
            if n:
                for action, k in ops.items():
                    self.count(action, k * n, layer)
                entry[1] = 0  # handed over (entries held by hot paths stay valid)
        super().flush()
