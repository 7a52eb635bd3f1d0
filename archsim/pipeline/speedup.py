"""``archsim speedup``: a run compared with a GPU, plus its design sweep and the paper checks.

The speed-up study is an ordinary run (the same steps, options and numbers as ``archsim run --no-accuracy``) with
three steps inserted before ``assemble``:

* ``measure`` — with ``--measure``, the network's layers timed on a local CUDA GPU next to the model's figures;
* ``design_sweep`` — design points around the chip (crossbar size, RAPA replicas, ADC sharing): the bundled sweep
  file ``sweeps/speedup-design.yaml`` expanded around this run and run through the sweep engine
  (:mod:`archsim.sweep.design`, passed in by the command); rows go to the ``design_sweep`` section of result.json;
* ``paper_checks`` — the RPU headline (Gokmen & Vlasov 2016: ~30,000x a 2016 CPU, 84,000 GOPS/W) measured by the
  event engine training the paper's ~1e9-weight network on the bundled RPU chip
  (:func:`archsim.validation.rpu_checks`), and RAPA's n_t-fold acceleration on this workload's convolutions
  (replicas as given, else the mapper's ``auto``), simulated with and without replicas; added to the ``gpu``
  section's ``paper_checks``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from archsim.errors import ArchsimError
from archsim.gpu.compare import attach_measurement
from archsim.gpu.measure import measure
from archsim.gpu.model import layer_work_from_workload
from archsim.pipeline.options import Replicas, RunOptions
from archsim.pipeline.run import POINT_STEPS, RUN_STEPS, insert_step, run
from archsim.pipeline.state import RunState
from archsim.pipeline.steps import notify
from archsim.pipeline.types import Step, Steps
from archsim.validation import rapa_check, rpu_checks


def point_options(options: RunOptions, overrides: tuple[str, ...], replicas: Replicas) -> RunOptions:
    """The options of one design point: the run's options with extra overrides and the point's replicas."""
    return dataclasses.replace(options, overrides=(*options.overrides, *overrides), replicas=replicas,
                               accuracy="off", stats_path=None, progress=False)


def step_measure(state: RunState) -> None:
    """With ``--measure``: time the workload's layers on a local CUDA GPU and record it next to the model."""
    o = state.options
    if o.gpu is None or not o.gpu.measure or state.gpu is None:
        return
    baseline = state.gpu["baseline"]
    m = measure(layer_work_from_workload(state.need_workload()), mode=o.mode, precision=o.gpu.precision,
                batch_size=int(baseline["batch_size"]))
    if m.time_ns_per_batch is None:
        notify(state, f"--measure: nothing measured ({m.reason})")
    state.gpu = attach_measurement(state.gpu, m)


def step_paper_checks(state: RunState) -> None:
    """The RPU headline and RAPA's acceleration, added to the ``gpu`` section's ``paper_checks``."""
    o = state.options
    if state.gpu is None:
        return
    checks: list[Any] = list(rpu_checks())
    try:
        with_replicas = run(point_options(o, (), o.replicas if o.replicas is not None else "auto"),
                            steps=POINT_STEPS)
        without = run(point_options(o, (), None), steps=POINT_STEPS)
    except ArchsimError as exc:
        notify(state, f"RAPA check skipped: {exc.message}")
    else:
        if with_replicas.mapping is None or with_replicas.timing is None or without.timing is None:
            raise RuntimeError("speedup: the RAPA check needs mapped and simulated points")
        conv = [lm for lm in with_replicas.mapping.layers if lm.vectors_per_sample > 1]
        if conv:
            base = without.timing.throughput_samples_per_s
            simulated = with_replicas.timing.throughput_samples_per_s / base if base else None
            checks.append(rapa_check({lm.layer: lm.vectors_per_sample for lm in conv},
                                     {lm.layer: lm.n_replicas for lm in conv}, simulated))
    section = dict(state.gpu)
    section["paper_checks"] = [*section.get("paper_checks", []), *(c.to_dict() for c in checks)]
    section["paper_checks_lines"] = [*section.get("paper_checks_lines", []),
                                     *(line for c in checks for line in c.lines())]
    state.gpu = section


def speedup_steps(*, design_sweep: Step | None = None) -> Steps:
    """The steps of ``archsim speedup``: the run's steps plus measure, the design sweep and the paper checks.

    ``design_sweep`` is the step that runs the design points (:func:`archsim.sweep.design.step_design_sweep`;
    the sweep engine sits above the run path, so the command passes it in); None skips the sweep.
    """
    steps = insert_step(RUN_STEPS, "measure", step_measure, after="gpu")
    if design_sweep is not None:
        steps = insert_step(steps, "design_sweep", design_sweep, after="measure")
    return insert_step(steps, "paper_checks", step_paper_checks,
                       after="design_sweep" if design_sweep is not None else "measure")
