"""The one run path: every command is :func:`run` with its own list of steps.

| command | steps |
|---|---|
| ``validate`` | load, (map) |
| ``map`` | load, map |
| ``train`` | load, output, map, accuracy (forced, training), stats, assemble, write, commit |
| ``run`` | load, output, map, accuracy, stats, simulate, cost, gpu, assemble, write, report, commit |
| ``speedup`` | the ``run`` steps with the GPU measurement, the design sweep and the paper checks before assemble |

``output`` checks the run folder before any work; ``write`` and ``report`` write into a staging folder that
``commit`` swaps into place (:mod:`archsim.results.run_folder`), so a run folder always holds one whole run.

A design-sweep point is a run of :data:`POINT_STEPS` (no accuracy, no files) with the point's overrides, so a
point and an ordinary ``archsim run --no-accuracy`` of the same design give the same timing and energy.

Garbage collection. Every step but the accuracy step runs with Python's cycle collector paused (its state is
restored when the run ends or fails): those steps do bounded work
whose short-lived objects reference counting frees, while the collector would traverse the run's long-lived
objects (workload, mapping, plan, results) again and again. Measured on an ``isaac-2016`` x ``resnet18`` sweep
point (``benchmarks/bench_sweep.py``'s points, two-core machine): 57 ms of a 480 ms point went to the collector
in a plain process and 83 ms of 525 ms in a Dask worker, whose own objects it traverses too. The accuracy step
(training epochs, long evaluation loops) keeps the collector, so a long training run's memory stays bounded.
"""

from __future__ import annotations

import dataclasses
import gc
import time
from collections.abc import Sequence

from archsim.loader import resolve_path
from archsim.pipeline.options import RunOptions
from archsim.pipeline.state import RunState
from archsim.pipeline.steps import (
    step_accuracy,
    step_assemble,
    step_commit,
    step_cost,
    step_gpu,
    step_load,
    step_map,
    step_output,
    step_report,
    step_simulate,
    step_stats,
    step_write,
)
from archsim.pipeline.types import Step, Steps

RUN_STEPS: Steps = (("load", step_load), ("output", step_output), ("map", step_map), ("accuracy", step_accuracy),
                    ("stats", step_stats), ("simulate", step_simulate), ("cost", step_cost), ("gpu", step_gpu),
                    ("assemble", step_assemble), ("write", step_write), ("report", step_report),
                    ("commit", step_commit))
"""The steps of ``archsim run``."""

POINT_STEPS: Steps = (("load", step_load), ("map", step_map), ("stats", step_stats), ("simulate", step_simulate),
                      ("cost", step_cost), ("gpu", step_gpu))
"""One design point: simulated, priced and compared, nothing written."""

MAP_STEPS: Steps = (("load", step_load), ("map", step_map))
"""``archsim map`` (and ``archsim validate`` with a workload)."""

LOAD_STEPS: Steps = (("load", step_load),)
"""``archsim validate`` of a hardware file alone."""

COLLECTED_STEPS: frozenset[Step] = frozenset({step_accuracy})
"""Steps that run with Python's cycle collector on (the others pause it; see the module docstring)."""

TRAIN_STEPS: Steps = (("load", step_load), ("output", step_output), ("map", step_map), ("accuracy", step_accuracy),
                      ("stats", step_stats), ("assemble", step_assemble), ("write", step_write),
                      ("commit", step_commit))
"""``archsim train``: the accuracy step of ``archsim run`` on the same mapping, written without timing."""


def default_steps() -> list[tuple[str, Step]]:
    """The steps of ``archsim run`` as a list (to insert into)."""
    return list(RUN_STEPS)


def insert_step(steps: Sequence[tuple[str, Step]], name: str, step: Step, *, after: str) -> list[tuple[str, Step]]:
    """A copy of ``steps`` with ``(name, step)`` inserted after the step called ``after``.

    Raises:
        ValueError: if no step is called ``after``.
    """
    names = [n for n, _ in steps]
    if after not in names:
        raise ValueError(f"no step named {after!r}; steps: {names}")
    i = names.index(after) + 1
    return [*steps[:i], (name, step), *steps[i:]]


def run(options: RunOptions, *, steps: Sequence[tuple[str, Step]] | None = None) -> RunState:
    """Run ``steps`` (default: :data:`RUN_STEPS`) on a fresh :class:`RunState` and return it."""
    # Bundled names ("isaac-2016") become the bundled files' paths once, so every step sees real files.
    options = dataclasses.replace(
        options, hw_path=resolve_path(options.hw_path, "hwconfigs"),
        workload_path=None if options.workload_path is None else resolve_path(options.workload_path, "workloads"))
    options.check()  # every flag-set value, before any file is read or any generator seeded
    state = RunState(options=options)
    collecting = gc.isenabled()
    try:
        for name, step in (steps if steps is not None else RUN_STEPS):
            t0 = time.perf_counter()
            if step in COLLECTED_STEPS and collecting:
                gc.enable()
            else:
                gc.disable()
            step(state)
            state.step_seconds[name] = time.perf_counter() - t0
    finally:
        if collecting:
            gc.enable()
        if state.run_folder is not None:
            state.run_folder.abort()  # a run that stopped before its commit step leaves the previous run as it was
    return state
