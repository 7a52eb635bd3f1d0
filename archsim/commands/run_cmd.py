"""``archsim run HW.yaml WORKLOAD.yaml``: the whole job - accuracy, runtime, energy, area, GPU comparison.

1. Accuracy (the functional model, on this run's mapping): with ``--mode training`` the network is
   trained on the analog tiles for the workload's default epochs on its default dataset, next to a
   floating-point baseline; with ``--mode inference`` (an inference chip) it is trained in floating
   point and programmed onto the analog tiles after every epoch, where the test set is evaluated.
   Its per-layer statistics (bound-management passes, pulse-train lengths) feed the event engine.
   It runs by default when its estimated time is within a budget (150 s, about two minutes on
   2 cores, by a fixed cost model); longer ones (the bundled CNNs on synthetic data, LeNet training)
   are skipped with one line on stderr and ``accuracy: {"skipped": reason}`` in result.json.
   ``--accuracy`` forces it, ``--epochs`` / ``--limit-train`` shorten it, ``--no-accuracy`` turns it
   off; ``--stats RESULT.json`` takes the statistics from an earlier run instead (and skips it).
2. The event engine and the cost model: runtime, energy and area of inference or training.
3. The GPU comparison (``--gpu``, ``--no-gpu``).

Writes ``result.json``, ``report.html``, ``hwconfig.resolved.yaml`` and ``workload.yaml`` into the run
folder (default ``reports/<hw>-<workload>-<mode>``) and prints a short summary with the report's path.
"""

from __future__ import annotations

import argparse
from typing import Any

from archsim.commands.common import (
    add_accuracy,
    add_gpu,
    add_inputs,
    add_mapping,
    add_output,
    add_parser,
    add_simulation,
    options_from_args,
)
from archsim.commands.status import OK
from archsim.pipeline import run as run_pipeline
from archsim.pipeline.state import RunState
from archsim.report.data import fmt_pct, fmt_si

GROUPS = ("simulation", "mapping", "accuracy", "gpu", "output")
"""The flag groups of ``archsim run`` (and of ``archsim speedup``, a run plus its sweep)."""


def add_run_flags(parser: argparse.ArgumentParser, *, set_example: str, accuracy_default: str = "auto",
                  gpu_optional: bool = True, what: str = "<mode>") -> None:
    """The inputs and the flags of :data:`GROUPS`, in that order."""
    add_inputs(parser, set_example=set_example)
    add_simulation(parser)
    add_mapping(parser)
    add_accuracy(parser, default=accuracy_default)
    add_gpu(parser, optional=gpu_optional)
    add_output(parser, what=what)


def register(subparsers: Any) -> None:
    """Add the ``run`` subcommand."""
    p = add_parser(subparsers, "run", help="simulate accuracy, runtime, energy and area of a workload on a chip",
                   doc=__doc__)
    add_run_flags(p, set_example="chip.n_tiles=256")
    p.set_defaults(func=run)


def _fmt_time(ns: float) -> str:
    return fmt_si(ns * 1e-9, "s", digits=4)


def _fmt_energy(pj: float) -> str:
    return fmt_si(pj * 1e-12, "J", digits=4)


def _accuracy_line(acc: dict[str, Any] | None, requested: str) -> str:
    """One summary line: analog vs FP test accuracy, or why there is none."""
    if acc is None:
        return "  accuracy  not run (--no-accuracy)" if requested == "off" else "  accuracy  not run"
    if "skipped" in acc:
        return "  accuracy  skipped (over the time budget of a default run; --accuracy forces it)" \
            if "budget" in str(acc["skipped"]) else f"  accuracy  skipped: {acc['skipped']}"
    analog = (acc.get("analog") or {}).get("test_accuracy") or [None]
    fp = (acc.get("fp") or {}).get("test_accuracy") or [None]
    kind = (acc.get("settings") or {}).get("kind", "training")
    how = "trained on the analog tiles" if kind == "training" else "FP-trained, programmed onto the tiles"
    epochs = acc.get("epochs")
    return (f"  accuracy  analog {fmt_pct(analog[-1])} vs FP {fmt_pct(fp[-1])} test accuracy ({how}; "
            f"{acc.get('dataset')}, {epochs} epoch{'' if epochs == 1 else 's'}, {acc.get('n_train')} samples)")


def run(args: argparse.Namespace) -> int:
    """Run the pipeline and print a summary."""
    state = run_pipeline(options_from_args(args, command="run", groups=GROUPS))
    print_summary(state)
    return OK


def print_summary(state: RunState) -> None:
    """The short summary of a run on stdout."""
    options = state.options
    t, e, a, m, hw, wl = state.timing, state.energy, state.area, state.mapping, state.hw, state.workload
    if t is None or e is None or a is None or m is None or hw is None or wl is None:
        raise RuntimeError("run: the summary needs a simulated, priced run")
    print(f"{hw.name} x {wl.name}: {options.mode}, batch {options.batch}, "
          f"pipeline {'on' if options.pipeline else 'off'}")
    print(f"  mapping   {m.n_tiles_used} tiles, {m.n_crossbars_used} crossbars, utilisation {m.utilisation:.1%}")
    print(f"  runtime   {_fmt_time(t.makespan_ns)} total, {_fmt_time(t.latency_ns_per_sample)} latency/sample, "
          f"{t.throughput_samples_per_s:.4g} samples/s")
    print(f"  energy    {_fmt_energy(e.total_pj)} total, {_fmt_energy(e.total_pj / options.batch)}/sample "
          f"(leakage {e.leakage_total_pj / e.total_pj:.1%})" if e.total_pj > 0 else "  energy    0")
    print(f"  area      {a.chip_area_um2 / 1e6:.4g} mm^2, peak power {a.chip_power_mw / 1e3:.4g} W")
    print(_accuracy_line(state.accuracy, options.accuracy))
    if state.gpu is not None:
        speedup, ratio = state.gpu["speedup"], state.gpu["energy_ratio"]
        if speedup is not None:
            line = f"  gpu       vs {state.gpu['baseline']['gpu']}: speed-up {speedup:.4g}x"
            print(line + (f", energy ratio {ratio:.4g}x" if ratio is not None else ""))
    print(f"  wrote     {state.written['result']}")
    if "report" in state.written:
        print(f"  report    {state.written['report']}")
