"""Orchestration of one run as a pipeline of small steps: load -> map -> accuracy -> stats -> simulate
-> cost -> gpu -> assemble -> write -> report.

Each step is a function ``step(state: RunState) -> None`` that reads what earlier steps put on the
:class:`RunState` and sets its own fields; :func:`run` executes a list of ``(name, step)`` pairs in order
and records each step's wall time. :func:`default_steps` is the list ``archsim run`` uses.

The **accuracy** step (:func:`step_accuracy`, ``archsim.crossbar``) runs the functional model on the
run's own Mapping (the seam) and sets ``state.accuracy`` (the ``accuracy`` section) and
``state.layer_stats``; the ``stats`` step keeps statistics already present (``meta.stats_source`` =
``"accuracy"``), so the engine times exactly what the functional model measured:

- ``--mode training``: the network is trained on the analog tiles for the workload's default epochs
  (``--epochs``) on its default dataset, with the floating-point baseline next to it
  (:func:`archsim.nn.train.train_workload`); BM passes, BL and pulses feed the engine.
- ``--mode inference`` (what an inference chip does): the network is trained in floating point and
  programmed onto the analog tiles after every epoch, where the test set is evaluated
  (:func:`archsim.nn.deploy.evaluate_inference_workload`); forward BM passes feed the engine.

Skip policy: ``RunOptions.accuracy`` is ``True`` (always), ``False`` (never: no ``accuracy`` section) or
``"auto"`` (what ``archsim run`` does by default): the step runs only when the estimated wall time of
the accuracy run (:func:`archsim.nn.deploy.estimate_accuracy_seconds`, a fixed cost model, so
the decision is deterministic) is at most ``accuracy_budget_s`` (:data:`ACCURACY_BUDGET_S`, 150 s).
Otherwise ``state.accuracy`` becomes ``{"skipped": reason}`` and one line goes to ``options.notify``
(the CLI prints it on stderr; without it an :class:`~archsim.errors.ArchsimWarning`) — never a silent
skip. ``--stats FILE`` also skips an automatic accuracy run (the statistics come from the file).

Extending: a step is ``f(state) -> None``; add one with :func:`insert_step`. The **gpu** step sets
``state.gpu`` (``RunOptions.gpu``: GPU config name or path, None = skip); **report** renders
``report.html`` next to ``state.written["result"]``. Any other new section: put it in
``state.extra[name]``; ``assemble`` copies it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from archsim import __version__
from archsim.errors import ConfigError
from archsim.results.energy import AreaBreakdown, EnergyBreakdown
from archsim.results.io import write_text_atomic
from archsim.results.run import RunResult
from archsim.results.stats import LayerStats
from archsim.results.timing import ActionCounts, TimingResult

MODES = ("inference", "training")

#: Largest estimated accuracy-run wall time (s) that ``accuracy="auto"`` runs without being asked
#: (about two minutes on 2 cores: every bundled MLP, the LSTM and LeNet inference; not the CNNs).
ACCURACY_BUDGET_S = 150.0


@dataclass(frozen=True, kw_only=True)
class RunOptions:
    """What to run (the arguments of ``archsim run``)."""

    hw_path: str | Path
    """Hardware YAML."""
    workload_path: str | Path
    """Workload YAML."""
    mode: str = "inference"
    """``inference`` (forward cycle) or ``training`` (forward, backward, update)."""
    batch: int = 1
    """Samples to simulate (and the mini-batch size)."""
    pipeline: bool = True
    """Pipeline samples across layers."""
    update_every: int = 1
    """Training: samples per weight update (1 = per sample; ``batch`` = one update per mini-batch)."""
    stats_path: str | Path | None = None
    """result.json of a training run whose ``accuracy.layer_stats`` set BM passes and BL."""
    seed: int = 0
    """Seed of the run's random generator."""
    overrides: tuple[str, ...] = ()
    """``KEY=VALUE`` hardware overrides (``--set``)."""
    out_dir: str | Path | None = None
    """Run folder; None = ``reports/<hw>-<workload>-<mode>``."""
    replicas: Any = None
    """Kernel replicas for the mapper: None, ``"auto"`` or ``{layer: n_t}``."""
    placement: str = "greedy"
    """Placement strategy for the mapper."""
    analog_bias: bool = True
    """Biases on an extra crossbar row (True) or digital."""
    timeline_limit: int = 5000
    """Maximum Gantt-chart entries kept in ``timing.timeline``."""
    accuracy: bool | str = False
    """Accuracy step: True (always), False (never) or ``"auto"`` (when within ``accuracy_budget_s``;
    the default of ``archsim run``)."""
    epochs: int | None = None
    """Epochs for the accuracy step (None = the workload's ``default_epochs``)."""
    lr: float = 0.01
    """SGD learning rate of the accuracy step's training."""
    train_batch: int = 1
    """Mini-batch size of the accuracy step's training (1 = per sample, as in the papers)."""
    limit_train: int | None = None
    """Accuracy step: use only the first N training samples (None = all)."""
    limit_test: int | None = None
    """Accuracy step: use only the first N test samples (None = all)."""
    accuracy_budget_s: float = ACCURACY_BUDGET_S
    """Estimated seconds up to which ``accuracy="auto"`` runs the accuracy step."""
    progress: bool = False
    """Show the accuracy step's progress bar on stderr."""
    notify: Callable[[str], None] | None = None
    """Where one-line notices go (the CLI prints them on stderr); None = ``warnings.warn``."""
    gpu: str | None = None
    """GPU baseline to compare with, when the pipeline has a gpu step (None = skip)."""
    command: str = ""
    """The command line, recorded in ``meta``."""


@dataclass(kw_only=True)
class RunState:
    """Everything the steps of one run produce (mutable while the pipeline runs)."""

    options: RunOptions
    rng: np.random.Generator
    hw: Any = None
    workload: Any = None
    mapping: Any = None
    layer_stats: dict[str, LayerStats] = field(default_factory=dict)
    stats_source: str = "defaults"
    accuracy: dict[str, Any] | None = None
    timing: TimingResult | None = None
    counts: ActionCounts | None = None
    energy: EnergyBreakdown | None = None
    area: AreaBreakdown | None = None
    gpu: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    result: RunResult | None = None
    out_dir: Path | None = None
    written: dict[str, Path] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)
    step_seconds: dict[str, float] = field(default_factory=dict)


Step = Callable[[RunState], None]


def _sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# -- steps ------------------------------------------------------------------------------------------
def step_load(state: RunState) -> None:
    """Load and validate the hardware (with overrides) and the workload."""
    from archsim.hwconfig import load_hardware
    from archsim.workload import load_workload

    o = state.options
    if o.mode not in MODES:
        raise ConfigError(f"--mode: expected one of {', '.join(MODES)}, got {o.mode!r}")
    if isinstance(o.batch, bool) or not isinstance(o.batch, int) or o.batch < 1:
        raise ConfigError(f"--batch: expected an integer >= 1, got {o.batch!r}")
    if isinstance(o.update_every, bool) or not isinstance(o.update_every, int) or o.update_every < 1:
        raise ConfigError(f"update_every: expected an integer >= 1, got {o.update_every!r}")
    state.hw = load_hardware(o.hw_path, o.overrides)
    state.workload = load_workload(o.workload_path)
    if o.gpu is not None:
        from archsim.gpu.load import load_gpu

        load_gpu(o.gpu)  # a bad --gpu fails here, before minutes of simulation, not in the gpu step


def step_map(state: RunState) -> None:
    """Split, replicate and place the workload (``archsim.mapping.map_workload``)."""
    from archsim.mapping import map_workload

    o = state.options
    state.mapping = map_workload(state.hw, state.workload, replicas=o.replicas, placement=o.placement,
                                 analog_bias=o.analog_bias)


def _note(state: RunState, message: str) -> None:
    if state.options.notify is not None:
        state.options.notify(message)
    else:
        import warnings

        from archsim.errors import ArchsimWarning

        warnings.warn(message, ArchsimWarning, stacklevel=3)


def _accuracy_setting(value: Any) -> str:
    if value is True or value == "on":
        return "on"
    if value is False or value is None or value == "off":
        return "off"
    if value == "auto":
        return "auto"
    raise ConfigError(f"accuracy: expected True, False or 'auto', got {value!r}")


def step_accuracy(state: RunState) -> None:
    """Run the functional model on the run's Mapping; set ``state.accuracy`` and ``state.layer_stats``.

    Training mode trains on the analog tiles (with the floating-point baseline); inference mode trains
    in floating point and evaluates the network programmed onto the analog tiles. See the module
    docstring for the skip policy.
    """
    o = state.options
    setting = _accuracy_setting(o.accuracy)
    if setting == "off":
        return
    for name in ("epochs", "train_batch", "limit_train", "limit_test"):
        value = getattr(o, name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ConfigError(f"--{name.replace('_', '-')}: expected an integer >= 1, got {value!r}")
    if o.stats_path is not None:
        if setting == "on":
            raise ConfigError("--stats and --accuracy: the layer statistics come either from a file or from "
                              "this run's accuracy step", hint="drop one of the two options")
        state.accuracy = {"skipped": f"layer statistics come from --stats {o.stats_path}"}
        _note(state, f"accuracy: skipped, layer statistics come from --stats {o.stats_path}")
        return
    from archsim.nn.deploy import (
        dataset_sizes,
        estimate_accuracy_seconds,
        evaluate_inference_workload,
    )
    from archsim.nn.train import train_workload

    wl = state.workload
    epochs = o.epochs if o.epochs is not None else int(getattr(wl, "default_epochs", 1) or 1)
    n_train, n_test, data = dataset_sizes(wl, seed=o.seed, limit_train=o.limit_train, limit_test=o.limit_test)
    inference = getattr(getattr(getattr(state.hw, "crossbar", None), "rpu", None), "inference", None)
    estimate = estimate_accuracy_seconds(wl, mode=o.mode, epochs=epochs, n_train=n_train, n_test=n_test,
                                         inference=inference)
    if setting == "auto" and estimate > o.accuracy_budget_s:
        what = "analog training" if o.mode == "training" else "floating-point training + analog inference"
        reason = (f"estimated {estimate:.3g} s of {what} ({wl.name}: {epochs} epoch{'s' if epochs != 1 else ''} x {n_train} "
                  f"{getattr(wl, 'dataset', '')} samples) exceeds the {o.accuracy_budget_s:g} s budget of a "
                  f"default run")
        state.accuracy = {"skipped": reason}
        _note(state, f"accuracy: skipped, {reason}; force it with --accuracy or shorten it with --epochs N / "
                     f"--limit-train N")
        return
    common = {"dataset": data, "epochs": epochs, "batch_size": o.train_batch, "lr": o.lr, "seed": o.seed,
              "limit_train": o.limit_train, "limit_test": o.limit_test, "progress": o.progress,
              "mapping": state.mapping}
    if o.mode == "training":
        result = train_workload(state.hw, wl, fp_baseline=True, **common)
        section = result.to_dict()
        section["settings"] = {"kind": "training", **section["settings"]}
    else:
        result = evaluate_inference_workload(state.hw, wl, **common)
        section = result.to_dict()
    state.accuracy = section
    state.layer_stats = dict(result.layer_stats)


def step_stats(state: RunState) -> None:
    """Per-layer statistics: keep those an accuracy step produced, else read ``--stats``, else defaults."""
    from archsim.results.stats import load_layer_stats

    o = state.options
    if state.layer_stats:
        state.stats_source = "accuracy"
        return
    if o.stats_path is not None:
        state.layer_stats = load_layer_stats(o.stats_path)
        state.stats_source = str(o.stats_path)


def step_simulate(state: RunState) -> None:
    """Run the event engine."""
    from archsim.engine import simulate

    o = state.options
    state.timing, state.counts = simulate(
        state.mapping, state.hw, mode=o.mode, batch=o.batch, pipeline=o.pipeline, stats=state.layer_stats,
        workload=state.workload, seed=o.seed, timeline_limit=o.timeline_limit, update_every=o.update_every)


def step_cost(state: RunState) -> None:
    """Price the counts (energy) and roll up area and peak power."""
    from archsim.cost import area_breakdown, price

    assert state.timing is not None and state.counts is not None
    state.energy = price(state.counts, state.hw, state.timing.makespan_ns,
                         n_tiles_used=state.mapping.n_tiles_used)
    state.area = area_breakdown(state.hw)


def step_gpu(state: RunState) -> None:
    """Compare with a GPU baseline (``archsim.gpu``): sets ``state.gpu``; skipped without ``options.gpu``."""
    from archsim.gpu.compare import gpu_section_for_run

    o = state.options
    if o.gpu is None:
        return
    assert state.timing is not None and state.energy is not None
    state.gpu = gpu_section_for_run(state.workload, state.mapping, timing=state.timing.to_dict(),
                                    energy=state.energy.to_dict(batch=o.batch), gpu=o.gpu, mode=o.mode)


def _versions() -> dict[str, str]:
    out = {"archsim": __version__, "python": platform.python_version()}
    for name in ("numpy", "numba", "simpy", "networkx", "yaml"):
        module = sys.modules.get(name)
        if module is None:
            try:
                module = __import__(name)
            except ImportError:
                continue
        out["pyyaml" if name == "yaml" else name] = str(getattr(module, "__version__", "?"))
    return out


def meta_section(state: RunState) -> dict[str, Any]:
    """The ``meta`` section: versions, seed, command, inputs with sha256, wall time per step."""
    o = state.options
    inputs: dict[str, Any] = {
        "hwconfig": {"name": state.hw.name if state.hw else None, "path": str(o.hw_path),
                     "sha256": _sha256(o.hw_path), "overrides": list(o.overrides)},
        "workload": {"name": getattr(state.workload, "name", None), "path": str(o.workload_path),
                     "sha256": _sha256(o.workload_path)},
    }
    if o.stats_path is not None:
        inputs["stats"] = {"path": str(o.stats_path), "sha256": _sha256(o.stats_path)}
    return {
        "versions": _versions(), "seed": o.seed, "command": o.command, "mode": o.mode, "batch": o.batch,
        "pipeline": o.pipeline, "update_every": o.update_every, "inputs": inputs,
        "stats_source": state.stats_source,
        "wall_time_s": time.perf_counter() - state.started,
        "step_seconds": dict(state.step_seconds), "exception": None,
    }


def step_assemble(state: RunState) -> None:
    """Build the :class:`RunResult` from every section produced so far."""
    from archsim.loader import non_default, to_raw

    hw_section = {"resolved": to_raw(state.hw), "non_default": non_default(state.hw)}
    if hasattr(state.hw, "summary"):
        hw_section["summary"] = state.hw.summary()
    wl = state.workload
    state.result = RunResult(
        meta=meta_section(state), hardware=hw_section,
        workload=wl.to_dict() if hasattr(wl, "to_dict") else {"name": getattr(wl, "name", None)},
        mapping=state.mapping.to_dict() if state.mapping is not None else None,
        timing=state.timing, counts=state.counts, energy=state.energy, area=state.area,
        accuracy=state.accuracy, gpu=state.gpu, extra=dict(state.extra),
    )


def default_out_dir(state: RunState) -> Path:
    """``reports/<hw>-<workload>-<mode>``."""
    o = state.options
    return Path("reports") / f"{state.hw.name}-{getattr(state.workload, 'name', 'workload')}-{o.mode}"


def step_write(state: RunState) -> None:
    """Write ``result.json``, ``hwconfig.resolved.yaml`` and ``workload.yaml`` into the run folder."""
    from archsim.loader import dump_yaml

    assert state.result is not None
    out = Path(state.options.out_dir) if state.options.out_dir is not None else default_out_dir(state)
    state.out_dir = out
    state.written["hwconfig"] = write_text_atomic(out / "hwconfig.resolved.yaml", dump_yaml(state.hw))
    workload_text = Path(state.options.workload_path).read_text(encoding="utf-8")
    state.written["workload"] = write_text_atomic(out / "workload.yaml", workload_text)
    meta = dict(state.result.meta)
    meta["wall_time_s"] = time.perf_counter() - state.started
    meta["step_seconds"] = dict(state.step_seconds)
    state.result = RunResult(**{**state.result.__dict__, "meta": meta})
    state.written["result"] = state.result.write(out / "result.json")


def step_report(state: RunState) -> None:
    """Render ``report.html`` next to ``result.json`` (``archsim.report``; ``archsim report`` re-renders)."""
    from archsim.report.html import render_result

    assert state.result is not None and state.out_dir is not None
    html = render_result(state.result.to_dict())
    state.written["report"] = write_text_atomic(state.out_dir / "report.html", html)


# -- pipeline ---------------------------------------------------------------------------------------
def default_steps() -> list[tuple[str, Step]]:
    """The steps of ``archsim run``, in order (see the module docstring for where to add more)."""
    return [("load", step_load), ("map", step_map), ("accuracy", step_accuracy), ("stats", step_stats),
            ("simulate", step_simulate), ("cost", step_cost), ("gpu", step_gpu), ("assemble", step_assemble),
            ("write", step_write), ("report", step_report)]


def insert_step(steps: Sequence[tuple[str, Step]], name: str, step: Step, *,
                after: str) -> list[tuple[str, Step]]:
    """A copy of ``steps`` with ``(name, step)`` inserted after the step called ``after``."""
    names = [n for n, _ in steps]
    if after not in names:
        raise ValueError(f"no step named {after!r}; steps: {names}")
    i = names.index(after) + 1
    return [*steps[:i], (name, step), *steps[i:]]


def run(options: RunOptions, *, steps: Sequence[tuple[str, Step]] | None = None) -> RunState:
    """Run ``steps`` (default: :func:`default_steps`) on a fresh :class:`RunState`; return it."""
    from archsim.loader import resolve_path

    # Bundled names ("isaac-2016") become the bundled files' paths once, so every step sees real files.
    options = dataclasses.replace(options, hw_path=resolve_path(options.hw_path, "hwconfigs"),
                                  workload_path=resolve_path(options.workload_path, "workloads"))
    state = RunState(options=options, rng=np.random.default_rng(options.seed))
    for name, step in (steps if steps is not None else default_steps()):
        t0 = time.perf_counter()
        step(state)
        state.step_seconds[name] = time.perf_counter() - t0
    return state
