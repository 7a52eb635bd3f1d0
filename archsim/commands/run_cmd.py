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
import shlex
import sys
from typing import Any

from archsim.cli import OK
from archsim.commands.common import add_inputs
from archsim.errors import ConfigError

#: GPU baseline of ``archsim run`` unless --gpu names another.
GPU_DEFAULT = "a100"


def register(subparsers: Any) -> None:
    """Add the ``run`` subcommand."""
    p = subparsers.add_parser("run", help="simulate runtime, energy and area of a workload on a chip",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_inputs(p, set_example="chip.n_tiles=256")
    p.add_argument("--gpu", default=GPU_DEFAULT, metavar="NAME|PATH",
                   help="GPU baseline to compare with: v100, a100, h100 or a GPU YAML (default: a100)")
    p.add_argument("--no-gpu", action="store_true", help="skip the GPU comparison")
    p.add_argument("--mode", choices=("inference", "training"), default="inference",
                   help="forward cycle only, or forward + backward + update (default: inference)")
    p.add_argument("--batch", type=int, default=1, metavar="N", help="samples to simulate (default: 1)")
    p.add_argument("--pipeline", choices=("on", "off"), default="on",
                   help="pipeline samples across layers (default: on)")
    p.add_argument("--update", choices=("sample", "batch"), default="sample",
                   help="training: apply the pulsed update after every sample or once per batch "
                        "(default: sample)")
    p.add_argument("--stats", metavar="RESULT.json", default=None,
                   help="per-layer statistics (BM passes, BL) from a training run's result.json")
    acc = p.add_mutually_exclusive_group()
    acc.add_argument("--accuracy", dest="accuracy", action="store_const", const=True, default="auto",
                     help="always run the accuracy step, whatever its estimated time (default: run it when "
                          "its estimate is within the budget)")
    acc.add_argument("--no-accuracy", dest="accuracy", action="store_const", const=False,
                     help="skip the accuracy step (statistics from --stats or the defaults)")
    p.add_argument("--epochs", type=int, default=None, metavar="N",
                   help="accuracy: epochs of training (default: the workload's default_epochs)")
    p.add_argument("--lr", type=float, default=None, help="accuracy: SGD learning rate (default: 0.01)")
    p.add_argument("--train-batch", type=int, default=None, metavar="N",
                   help="accuracy: training mini-batch size (default: 1, per-sample SGD as in the papers)")
    p.add_argument("--limit-train", type=int, default=None, metavar="N",
                   help="accuracy: use only the first N training samples (default: all)")
    p.add_argument("--limit-test", type=int, default=None, metavar="N",
                   help="accuracy: use only the first N test samples (default: all)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.add_argument("--replicas", default=None, metavar="auto|LAYER=N,...",
                   help="kernel replicas: 'auto' or per layer (default: none)")
    p.add_argument("--placement", choices=("greedy", "in-order"), default="greedy",
                   help="placement strategy (default: greedy)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    p.add_argument("-o", "--output", metavar="DIR", default=None,
                   help="run folder (default: reports/<hw>-<workload>-<mode>)")
    p.set_defaults(func=run)


def _fmt_time(ns: float) -> str:
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.4g} {unit}"
    return f"{ns:.4g} ns"


def _fmt_energy(pj: float) -> str:
    for unit, scale in (("J", 1e12), ("mJ", 1e9), ("uJ", 1e6), ("nJ", 1e3)):
        if pj >= scale:
            return f"{pj / scale:.4g} {unit}"
    return f"{pj:.4g} pJ"


def _pct(value: Any) -> str:
    return f"{100 * value:.1f} %" if isinstance(value, (int, float)) else "?"


def _accuracy_line(acc: dict[str, Any] | None, requested: Any) -> str:
    """One summary line: analog vs FP test accuracy, or why there is none."""
    if acc is None:
        return "  accuracy  not run (--no-accuracy)" if requested is False else "  accuracy  not run"
    if "skipped" in acc:
        return "  accuracy  skipped (over the time budget of a default run; --accuracy forces it)" \
            if "budget" in str(acc["skipped"]) else f"  accuracy  skipped: {acc['skipped']}"
    analog = (acc.get("analog") or {}).get("test_accuracy") or [None]
    fp = (acc.get("fp") or {}).get("test_accuracy") or [None]
    kind = (acc.get("settings") or {}).get("kind", "training")
    how = "trained on the analog tiles" if kind == "training" else "FP-trained, programmed onto the tiles"
    epochs = acc.get("epochs")
    return (f"  accuracy  analog {_pct(analog[-1])} vs FP {_pct(fp[-1])} test accuracy ({how}; "
            f"{acc.get('dataset')}, {epochs} epoch{'' if epochs == 1 else 's'}, {acc.get('n_train')} samples)")


def run(args: argparse.Namespace) -> int:
    """Run the pipeline of :mod:`archsim.api` and print a summary."""
    from archsim import api
    from archsim.mapping import parse_replicas

    argv = getattr(args, "argv", None) or sys.argv
    accuracy_flags = [flag for flag, value in (("--epochs", args.epochs), ("--lr", args.lr),
                                               ("--train-batch", args.train_batch),
                                               ("--limit-train", args.limit_train),
                                               ("--limit-test", args.limit_test)) if value is not None]
    if args.accuracy is False and accuracy_flags:
        raise ConfigError(f"{', '.join(accuracy_flags)}: set the accuracy step, which --no-accuracy turns off",
                          hint="drop --no-accuracy, or drop the accuracy options")
    if args.no_gpu and args.gpu != GPU_DEFAULT:
        raise ConfigError(f"--gpu {args.gpu}: contradicts --no-gpu", hint="give one of them")
    options = api.RunOptions(
        hw_path=args.hw, workload_path=args.workload, mode=args.mode, batch=args.batch,
        pipeline=args.pipeline == "on", update_every=args.batch if args.update == "batch" else 1,
        stats_path=args.stats, seed=args.seed, overrides=tuple(args.overrides),
        out_dir=args.output, replicas=parse_replicas(args.replicas), placement=args.placement,
        command=" ".join(shlex.quote(a) for a in argv), gpu=None if args.no_gpu else args.gpu,
        accuracy=args.accuracy, epochs=args.epochs, lr=0.01 if args.lr is None else args.lr,
        train_batch=1 if args.train_batch is None else args.train_batch,
        limit_train=args.limit_train, limit_test=args.limit_test, progress=not args.no_progress,
        notify=lambda message: print(f"archsim: {message}", file=sys.stderr, flush=True),
    )
    state = api.run(options)
    t, e, a, m = state.timing, state.energy, state.area, state.mapping
    assert t is not None and e is not None and a is not None
    print(f"{state.hw.name} x {state.workload.name}: {options.mode}, batch {options.batch}, "
          f"pipeline {'on' if options.pipeline else 'off'}")
    print(f"  mapping   {m.n_tiles_used} tiles, {m.n_crossbars_used} crossbars, "
          f"utilisation {m.utilisation:.1%}")
    print(f"  runtime   {_fmt_time(t.makespan_ns)} total, "
          f"{_fmt_time(t.latency_ns_per_sample)} latency/sample, "
          f"{t.throughput_samples_per_s:.4g} samples/s")
    print(f"  energy    {_fmt_energy(e.total_pj)} total, {_fmt_energy(e.total_pj / options.batch)}/sample "
          f"(leakage {e.leakage_total_pj / e.total_pj:.1%})" if e.total_pj > 0 else "  energy    0")
    print(f"  area      {a.chip_area_um2 / 1e6:.4g} mm^2, peak power {a.chip_power_mw / 1e3:.4g} W")
    print(_accuracy_line(state.accuracy, options.accuracy))
    if state.gpu:
        speedup, ratio = state.gpu.get("speedup"), state.gpu.get("energy_ratio")
        gpu_name = state.gpu.get("baseline", {}).get("gpu", options.gpu)
        if speedup is not None:
            line = f"  gpu       vs {gpu_name}: speed-up {speedup:.4g}x"
            print(line + (f", energy ratio {ratio:.4g}x" if ratio is not None else ""))
    print(f"  wrote     {state.written['result']}")
    if "report" in state.written:
        print(f"  report    {state.written['report']}")
    return OK
