"""``archsim speedup``'s design sweep: the bundled ``sweeps/speedup-design.yaml`` around the study's own chip.

The sweep file varies crossbar size, RAPA replicas and ADC sharing one at a time around the base point; here its
hardware and workload are the speed-up run's, and every point starts from the run's own options (its ``--set``
overrides, mode, batch, replicas and GPU baseline; the accuracy step off). The points run serially in this process
through the sweep engine (:class:`~archsim.sweep.executors.SerialExecutor`, nothing written) with the steps of a
design point plus ``assemble``, so every number comes from the point's result dict; the rows land in the
``design_sweep`` section of result.json.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from archsim.pipeline.run import POINT_STEPS
from archsim.pipeline.state import RunState
from archsim.pipeline.steps import step_assemble
from archsim.pipeline.types import Steps
from archsim.sweep.executors import SerialExecutor
from archsim.sweep.expand import Point, expand
from archsim.sweep.point import PointRecord
from archsim.sweep.spec import load_sweep

DESIGN_SWEEP = "speedup-design"
"""The bundled sweep file of the design points."""

DESIGN_STEPS: Steps = (*POINT_STEPS, ("assemble", step_assemble))
"""A design point: simulated, priced, compared with the GPU and assembled into a result dict; nothing written."""


def _row(point: Point, record: PointRecord, n_base_overrides: int, replicas: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"label": point.label, "overrides": list(point.overrides[n_base_overrides:]),
                           "replicas": replicas}
    if record.status != "ok" or record.result is None:
        return {**row, "error": record.error}
    result = record.result
    gpu = result.get("gpu")
    if not isinstance(gpu, dict):
        raise RuntimeError("speedup: a design point needs the gpu step")
    return {**row, "n_tiles_used": result["mapping"]["totals"]["n_tiles_used"], "analog": gpu["analog"],
            "speedup": gpu["speedup"], "energy_ratio": gpu["energy_ratio"]}


def step_design_sweep(state: RunState) -> None:
    """Run the design points around the run's chip; rows (or a point's error) in ``extra["design_sweep"]``."""
    o = state.options
    base = dataclasses.replace(o, accuracy="off", stats_path=None, progress=False)
    sweep = load_sweep(DESIGN_SWEEP)
    if o.workload_path is None:
        raise RuntimeError("speedup: the design sweep needs a workload")
    points = expand(sweep, hardware=[o.hw_path], workloads=[o.workload_path], base=base, file_options=False)
    unique: dict[str, Point] = {}
    for p in points:
        unique.setdefault(p.key, p)
    with SerialExecutor(base=base, steps=DESIGN_STEPS, keep_result=True) as executor:
        records = {p.key: r for p, r in executor.run(list(unique.values()), None)}
    state.extra["design_sweep"] = [_row(p, records[p.key], len(o.overrides), p.run_options(base).replicas)
                                   for p in points]


__all__ = ["DESIGN_STEPS", "DESIGN_SWEEP", "step_design_sweep"]
