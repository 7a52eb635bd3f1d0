"""``archsim run HW.yaml WORKLOAD.yaml``: simulate runtime, energy and area of inference or training.

Writes ``reports/NAME/result.json`` (meta, hardware, workload, mapping, timing with an event timeline,
counts, energy, area), ``hwconfig.resolved.yaml`` and ``workload.yaml``, and prints a short summary.
Per-layer bound-management passes and pulse-train lengths come from ``--stats RESULT.json`` (a training
run's ``accuracy.layer_stats``) or the documented defaults.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import Any

from archsim.cli import OK


def register(subparsers: Any) -> None:
    """Add the ``run`` subcommand."""
    p = subparsers.add_parser("run", help="simulate runtime, energy and area of a workload on a chip",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("hw", metavar="HW.yaml", help="hardware description")
    p.add_argument("workload", metavar="WORKLOAD.yaml", help="workload description")
    p.add_argument("--gpu", default="a100", metavar="NAME|PATH",
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
    p.add_argument("--replicas", default=None, metavar="auto|LAYER=N,...",
                   help="kernel replicas: 'auto' or per layer (default: none)")
    p.add_argument("--placement", choices=("greedy", "in-order"), default="greedy",
                   help="placement strategy (default: greedy)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a hardware field, e.g. --set chip.n_tiles=256 (repeatable)")
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


def run(args: argparse.Namespace) -> int:
    """Run the pipeline of :mod:`archsim.api` and print a summary."""
    from archsim import api
    from archsim.mapping import parse_replicas

    argv = getattr(args, "argv", None) or sys.argv
    options = api.RunOptions(
        hw_path=args.hw, workload_path=args.workload, mode=args.mode, batch=args.batch,
        pipeline=args.pipeline == "on", update_every=args.batch if args.update == "batch" else 1,
        stats_path=args.stats, seed=args.seed, overrides=tuple(args.overrides),
        out_dir=args.output, replicas=parse_replicas(args.replicas), placement=args.placement,
        command=" ".join(shlex.quote(a) for a in argv), gpu=None if args.no_gpu else args.gpu,
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
