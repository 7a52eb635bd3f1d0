"""The steps of a run: load -> map -> accuracy -> stats -> simulate -> cost -> gpu -> assemble -> write -> report.

Each step is a function ``step(state: RunState) -> None`` that reads what earlier steps put on the
:class:`~archsim.pipeline.state.RunState` and sets its own fields. A command picks the steps it needs
(:mod:`archsim.pipeline.run`); a new step is ``f(state) -> None`` inserted with
:func:`archsim.pipeline.run.insert_step`.

The **accuracy** step runs the functional model on the run's own Mapping (the seam between the two models) and
sets ``state.accuracy`` (the ``accuracy`` section) and ``state.layer_stats``; the ``stats`` step keeps statistics
already present, so the engine times exactly what the functional model measured:

- ``--mode training``: the network is trained on the analog tiles for the workload's default epochs
  (``--epochs``) on its default dataset, with the floating-point twin next to it;
- ``--mode inference`` (what an inference chip does): the network is trained in floating point and programmed
  onto the analog tiles after every epoch, where the test set is evaluated; forward BM passes feed the engine.

Skip policy (:mod:`archsim.pipeline.policy`): ``accuracy="on"`` always runs it, ``"off"`` never, ``"auto"`` only
when the estimated wall time is within ``accuracy_budget_s``; otherwise ``state.accuracy`` becomes
``{"skipped": reason}`` and one line goes to ``options.notify`` — never a silent skip. ``--stats FILE`` also skips
an automatic accuracy run (the statistics come from the file).
"""

from __future__ import annotations

import hashlib
import platform
import time
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

from archsim import __version__
from archsim.cost import area_breakdown, price
from archsim.cost.energy import price_layers
from archsim.cost.merit import merit_section
from archsim.engine import simulate
from archsim.errors import ArchsimWarning, SimulationError
from archsim.gpu.compare import gpu_section_for_run
from archsim.gpu.load import load_gpu
from archsim.hwconfig.checks import check_mode
from archsim.hwconfig.load import load_hardware
from archsim.hwconfig.resolve import dump_resolved
from archsim.loader import non_default, to_raw
from archsim.mapping import map_workload
from archsim.nn.deploy import evaluate_inference_workload
from archsim.nn.tile_array import MappingOptions
from archsim.nn.train import train_workload
from archsim.pipeline.policy import dataset_sizes, estimate_accuracy_seconds
from archsim.pipeline.state import RunState
from archsim.report.html import render_result
from archsim.results.io import dumps
from archsim.results.run import RunResult
from archsim.results.run_folder import RunFolder, default_run_dir
from archsim.results.stats import load_layer_stats
from archsim.validation import rapa_check
from archsim.workload.load import load_workload, workload_text
from archsim.workload.model import Workload


def _sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def notify(state: RunState, message: str) -> None:
    """One notice line: to ``options.notify`` (the CLI's stderr), else as an :class:`ArchsimWarning`."""
    if state.options.notify is not None:
        state.options.notify(message)
    else:
        warnings.warn(message, ArchsimWarning, stacklevel=3)


# -- inputs -----------------------------------------------------------------------------------------
def step_load(state: RunState) -> None:
    """Load and validate the hardware (with overrides), the workload and the GPU baseline (the options were checked
    by :func:`archsim.pipeline.run`)."""
    o = state.options
    state.hw = load_hardware(o.hw_path, o.overrides)
    if o.workload_path is not None:
        state.workload = load_workload(o.workload_path)
    check_mode(state.hw, o.mode, state.workload)  # e.g. training on a chip without an update path
    if o.gpu is not None:
        state.gpu_config = load_gpu(o.gpu.name)  # a bad --gpu fails here, before minutes of simulation


def step_map(state: RunState) -> None:
    """Split, replicate and place the workload (:func:`archsim.mapping.map_workload`)."""
    o = state.options
    state.mapping = map_workload(state.need_hw(), state.need_workload(), replicas=o.replicas, placement=o.placement,
                                 analog_bias=o.analog_bias, tile_budget=o.tile_budget, mode=o.mode)


# -- accuracy ---------------------------------------------------------------------------------------
def step_accuracy(state: RunState) -> None:
    """Run the functional model on the run's Mapping; set ``state.accuracy`` and ``state.layer_stats``."""
    o, t = state.options, state.options.training
    if o.accuracy == "off":
        return
    hw, wl = state.need_hw(), state.need_workload()
    if o.stats_path is not None:
        state.accuracy = {"skipped": f"layer statistics come from --stats {o.stats_path}"}
        notify(state, f"accuracy: skipped, layer statistics come from --stats {o.stats_path}")
        return
    epochs = t.epochs if t.epochs is not None else wl.default_epochs
    n_train, n_test, data = dataset_sizes(wl, t.dataset, seed=o.seed, limit_train=t.limit_train,
                                          limit_test=t.limit_test)
    estimate = estimate_accuracy_seconds(wl, mode=o.mode, epochs=epochs, n_train=n_train, n_test=n_test,
                                         inference=hw.crossbar.rpu.inference)
    if o.accuracy == "auto" and estimate > o.accuracy_budget_s:
        what = "analog training" if o.mode == "training" else "floating-point training + analog inference"
        reason = (f"estimated {estimate:.3g} s of {what} ({wl.name}: {epochs} epoch{'s' if epochs != 1 else ''} "
                  f"x {n_train} {t.dataset or wl.dataset} samples) exceeds the {o.accuracy_budget_s:g} s budget of "
                  f"a default run")
        state.accuracy = {"skipped": reason}
        notify(state, f"accuracy: skipped, {reason}; force it with --accuracy or shorten it with --epochs N / "
                      f"--limit-train N")
        return
    common: dict[str, Any] = {
        "dataset": data if data is not None else t.dataset, "epochs": epochs, "batch_size": t.batch, "lr": t.lr,
        "seed": o.seed, "limit_train": t.limit_train, "limit_test": t.limit_test, "progress": o.progress,
        "mapping": state.need_mapping(), "weight_decay": t.weight_decay,
        "options": MappingOptions(weight_scaling_omega=t.weight_scaling_omega,
                                  weight_scaling_columnwise=t.weight_scaling_columnwise,
                                  learn_out_scaling=t.learn_out_scaling),
    }
    if o.mode == "training":
        result = train_workload(hw, wl, fp_baseline=t.fp_baseline or t.fp_only, fp_only=t.fp_only,
                                rapa_scheme=t.rapa_scheme, voting_draws=t.votes, **common)
        section = result.to_dict()
        section["settings"] = {"kind": "training", **section["settings"]}
    else:
        result = evaluate_inference_workload(hw, wl, **common)
        section = result.to_dict()
    state.accuracy = section
    state.layer_stats = dict(result.layer_stats)


def step_stats(state: RunState) -> None:
    """Per-layer statistics: keep those the accuracy step produced, else read ``--stats``, else the defaults."""
    o = state.options
    if state.layer_stats:
        state.stats_source = "accuracy"
    elif o.stats_path is not None:
        state.layer_stats = load_layer_stats(o.stats_path)
        state.stats_source = str(o.stats_path)


# -- time, energy, GPU ------------------------------------------------------------------------------
def step_simulate(state: RunState) -> None:
    """Run the event engine on the mapping.

    An engine error about the hardware (a buffer share too small with no spill path, say) names the hardware file:
    the engine sees the resolved configuration, not the file it came from.
    """
    o = state.options
    try:
        state.timing, state.counts = simulate(
            state.need_mapping(), state.need_hw(), mode=o.mode, batch=o.batch, pipeline=o.pipeline,
            stats=state.layer_stats, seed=o.seed, timeline_limit=o.timeline_limit,
            update_every=o.update_every)
    except SimulationError as exc:
        raise SimulationError(f"{o.hw_path}: {exc.message}", hint=exc.hint) from None


def step_cost(state: RunState) -> None:
    """Price the counts (energy; unused tiles power-gated as the chip says), roll up area and peak power, and the
    figures of merit (peak and achieved TOPS, TOPS/W, TOPS/mm²; the ``merit`` section)."""
    if state.timing is None or state.counts is None:
        raise RuntimeError("pipeline: the cost step needs the simulate step")
    hw, o = state.need_hw(), state.options
    state.energy = replace(price(state.counts, hw, state.timing.makespan_ns,
                                 n_tiles_used=state.need_mapping().n_tiles_used),
                           by_layer_pj=price_layers(state.counts.layers(), hw))
    state.area = area_breakdown(hw)
    state.extra["merit"] = merit_section(hw, ops=ops_per_run(state.need_workload(), o.mode, o.batch),
                                         makespan_ns=state.timing.makespan_ns, energy_pj=state.energy.total_pj)


def ops_per_run(workload: Workload, mode: str, batch: int) -> float:
    """Useful operations of a run: 2 per MAC, times 3 in training (forward, backward, update), times the samples —
    the count both the achieved figures of merit and the GPU comparison use."""
    return 2.0 * workload.total_macs_per_sample * (3 if mode == "training" else 1) * batch


def step_gpu(state: RunState) -> None:
    """Compare with the GPU baseline (``options.gpu``); sets ``state.gpu``. Nothing without a baseline.

    With replicated convolutions, RAPA's analytic n_t-fold acceleration of this mapping is listed as a paper check.
    """
    o = state.options
    if o.gpu is None:
        return
    if state.timing is None or state.energy is None:
        raise RuntimeError("pipeline: the gpu step needs the simulate and cost steps")
    mapping = state.need_mapping()
    replicated = [lm for lm in mapping.layers if lm.vectors_per_sample > 1]
    checks = ([rapa_check({lm.layer: lm.vectors_per_sample for lm in replicated},
                          {lm.layer: lm.n_replicas for lm in replicated})]
              if any(lm.n_replicas > 1 for lm in replicated) else [])
    state.gpu = gpu_section_for_run(state.need_workload(), timing=state.timing.to_dict(),
                                    energy=state.energy.to_dict(batch=o.batch), gpu=o.gpu.name, mode=o.mode,
                                    precision=o.gpu.precision, batch_size=o.gpu.batch, stack=o.gpu.stack,
                                    hw=state.need_hw(), paper_checks=checks)


# -- output -----------------------------------------------------------------------------------------
def _versions() -> dict[str, str]:
    import networkx
    import numba
    import numpy
    import simpy
    import yaml

    return {"archsim": __version__, "python": platform.python_version(), "numpy": numpy.__version__,
            "numba": numba.__version__, "simpy": simpy.__version__, "networkx": networkx.__version__,
            "pyyaml": yaml.__version__}


def meta_section(state: RunState) -> dict[str, Any]:
    """The ``meta`` section: versions, seed, command, inputs with sha256, wall time per step."""
    o = state.options
    inputs: dict[str, Any] = {"hwconfig": {"name": state.need_hw().name, "path": str(o.hw_path),
                                           "sha256": _sha256(o.hw_path), "overrides": list(o.overrides)}}
    if o.workload_path is not None:
        inputs["workload"] = {"name": state.need_workload().name, "path": str(o.workload_path),
                              "sha256": _sha256(o.workload_path)}
    if o.stats_path is not None:
        inputs["stats"] = {"path": str(o.stats_path), "sha256": _sha256(o.stats_path)}
    return {
        "versions": _versions(), "seed": o.seed, "command": o.command, "command_line": o.command_line,
        "mode": o.mode, "batch": o.batch, "pipeline": o.pipeline, "update_every": o.update_every,
        "inputs": inputs, "stats_source": state.stats_source,
        "wall_time_s": time.perf_counter() - state.started, "step_seconds": dict(state.step_seconds),
        "exception": None,
    }


def step_assemble(state: RunState) -> None:
    """Build the :class:`RunResult` from every section produced so far."""
    hw = state.need_hw()
    hw_section = {"resolved": to_raw(hw), "non_default": non_default(hw), "summary": hw.summary()}
    state.result = RunResult(
        meta=meta_section(state), hardware=hw_section,
        workload=state.workload.to_dict() if state.workload is not None else None,
        mapping=state.mapping.to_dict() if state.mapping is not None else None,
        timing=state.timing, counts=state.counts, energy=state.energy, area=state.area,
        accuracy=state.accuracy, gpu=state.gpu, extra=dict(state.extra),
    )


def default_out_dir(state: RunState) -> Path:
    """``reports/<hw>-<workload>-<mode or command>``, the names sanitised so the folder is inside ``reports/``."""
    o = state.options
    suffix = o.mode if o.command == "run" else o.command
    workload = state.workload.name if state.workload is not None else "hardware"
    return default_run_dir(state.need_hw().name, workload, suffix)


def step_output(state: RunState) -> None:
    """Check, before any work, that the run folder can be written, and clean what killed runs left there
    (:meth:`archsim.results.run_folder.RunFolder.prepare`); nothing is written yet."""
    o = state.options
    state.run_folder = RunFolder.prepare(Path(o.out_dir) if o.out_dir is not None else default_out_dir(state))
    state.out_dir = state.run_folder.target


def _run_folder(state: RunState) -> RunFolder:
    if state.run_folder is None:
        raise RuntimeError("pipeline: the write, report and commit steps need the output step")
    return state.run_folder


def step_write(state: RunState) -> None:
    """Write ``result.json``, ``hwconfig.resolved.yaml`` and ``workload.yaml`` into the (staged) run folder."""
    if state.result is None:
        raise RuntimeError("pipeline: the write step needs the assemble step")
    o, folder = state.options, _run_folder(state)
    state.written["hwconfig"] = folder.write_text("hwconfig.resolved.yaml", dump_resolved(state.need_hw()))
    if o.workload_path is not None:
        state.written["workload"] = folder.write_text("workload.yaml", workload_text(o.workload_path))
    meta = dict(state.result.meta)
    meta["wall_time_s"] = time.perf_counter() - state.started
    meta["step_seconds"] = dict(state.step_seconds)
    state.result = replace(state.result, meta=meta)
    state.written["result"] = folder.write_text("result.json", dumps(state.result.to_dict()))


def step_report(state: RunState) -> None:
    """Render ``report.html`` next to ``result.json`` (``archsim report`` re-renders it from that file alone)."""
    if state.result is None:
        raise RuntimeError("pipeline: the report step needs the write step")
    state.written["report"] = _run_folder(state).write_text("report.html", render_result(state.result.to_dict()))


def step_commit(state: RunState) -> None:
    """Swap the staged run folder into place: the folder now holds this run, whole (the previous one is gone)."""
    state.out_dir = _run_folder(state).commit()


__all__ = [
    "default_out_dir",
    "meta_section",
    "notify",
    "step_accuracy",
    "step_assemble",
    "step_commit",
    "step_cost",
    "step_gpu",
    "step_load",
    "step_map",
    "step_output",
    "step_report",
    "step_simulate",
    "step_stats",
    "step_write",
]
