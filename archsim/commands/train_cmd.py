"""``archsim train HW.yaml WORKLOAD.yaml``: train a network on simulated analog tiles and report accuracy.

Trains the workload's network on the hardware's crossbar tiles (numerics from ``crossbar.rpu``,
weight splits from the mapping) with SGD, tests it after every epoch and writes ``DIR/result.json``
with an ``accuracy`` section: per-epoch train/test loss and accuracy of the analog network (and of
the floating-point baseline with ``--fp``) and ``layer_stats`` per analog layer (mean bound-management
passes, BL histogram, pulses per update) for ``archsim run --stats``. A progress bar (epoch, loss,
accuracy, ETA) goes to stderr; stdout gets a short summary.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from archsim.cli import OK
from archsim.commands.common import add_inputs
from archsim.errors import ConfigError


def register(subparsers: Any) -> None:
    """Add the ``train`` subcommand."""
    p = subparsers.add_parser(
        "train",
        help="train a workload on simulated analog tiles; report accuracy",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_inputs(p, set_example="crossbar.rpu.forward.out_noise=0")
    p.add_argument("--epochs", type=int, default=None, help="epochs (default: the workload's default_epochs)")
    p.add_argument("--batch-size", type=int, default=1, help="mini-batch size (default 1, as in the papers)")
    p.add_argument("--lr", type=float, default=0.01, help="SGD learning rate (default 0.01)")
    p.add_argument("--weight-decay", type=float, default=0.0, help="L2 weight decay (default 0)")
    p.add_argument(
        "--dataset",
        default=None,
        metavar="SPEC",
        help="digits | synthetic | idx:PATH | text | text:PATH (default: the workload's dataset)",
    )
    p.add_argument("--fp", action="store_true", help="also train the floating-point baseline")
    p.add_argument("--fp-only", action="store_true", help="train only the floating-point network")
    p.add_argument("--seed", type=int, default=0, help="run seed (default 0)")
    p.add_argument(
        "--limit-train", type=int, default=None, metavar="N", help="use the first N training samples"
    )
    p.add_argument("--limit-test", type=int, default=None, metavar="N", help="use the first N test samples")
    p.add_argument(
        "--replicas", default=None, metavar="auto|LAYER=N,...", help="RAPA kernel replicas per conv layer"
    )
    p.add_argument(
        "--rapa-scheme",
        default="random",
        choices=("random", "random_fixed", "image", "image_pad", "alternate", "perforated"),
        help="tiling scheme of replicated conv layers (default random)",
    )
    p.add_argument(
        "--votes", type=int, default=1, metavar="K", help="also test with a majority vote over K draws"
    )
    p.add_argument(
        "--digital-bias", action="store_true",
        help="add biases digitally (default: an extra crossbar row, as archsim run maps them)"
    )
    p.add_argument(
        "--weight-scaling-omega",
        type=float,
        default=0.0,
        metavar="W",
        help="aihwkit weight scaling: tiles hold W/alpha with alpha = max|W|/W (0 = off)",
    )
    p.add_argument(
        "--weight-scaling-columnwise", action="store_true", help="one weight scale per output column"
    )
    p.add_argument("--learn-out-scaling", action="store_true", help="learn a digital output scale per layer")
    p.add_argument(
        "--no-mapping",
        action="store_true",
        help="split layers by the crossbar size only (skip placement on the chip)",
    )
    p.add_argument(
        "-o",
        "--output",
        default=None,
        metavar="DIR",
        help="output folder for result.json (default reports/<hw>-<workload>-train)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def _replicas(text: str | None) -> Any:
    if text is None:
        return None
    try:
        from archsim.mapping import parse_replicas
    except ImportError:  # pragma: no cover - mapping is part of the package
        parse_replicas = None
    if parse_replicas is not None:
        return parse_replicas(text)
    if text == "auto":
        return "auto"
    out = {}
    for item in text.split(","):
        name, _, n = item.partition("=")
        if not n.strip().isdigit():
            raise ConfigError(f"--replicas: expected LAYER=N, got {item!r}")
        out[name.strip()] = int(n)
    return out


def run(args: argparse.Namespace) -> int:
    """Load, train, write result.json, print a summary."""
    from archsim import __version__
    from archsim.hwconfig import load_hardware
    from archsim.nn.tile_array import MappingOptions
    from archsim.nn.train import train_workload
    from archsim.results.io import write_json_atomic
    from archsim.workload import load_workload

    t0 = time.perf_counter()
    hw = load_hardware(args.hw, args.overrides)
    workload = load_workload(args.workload)
    result = train_workload(
        hw,
        workload,
        dataset=args.dataset,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
        fp_baseline=args.fp or args.fp_only,
        fp_only=args.fp_only,
        limit_train=args.limit_train,
        limit_test=args.limit_test,
        progress=not args.no_progress,
        replicas=_replicas(args.replicas),
        rapa_scheme=args.rapa_scheme,
        voting_draws=args.votes,
        use_mapping=not args.no_mapping,
        weight_decay=args.weight_decay,
        analog_bias=not args.digital_bias,
        options=MappingOptions(
            weight_scaling_omega=args.weight_scaling_omega,
            weight_scaling_columnwise=args.weight_scaling_columnwise,
            learn_out_scaling=args.learn_out_scaling,
        ),
    )
    out_dir = Path(args.output) if args.output else Path("reports") / f"{hw.name}-{workload.name}-train"
    meta = {
        "archsim_version": __version__,
        "command": "train",
        "argv": sys.argv[1:],
        "seed": args.seed,
        "hwconfig": {"name": hw.name, "path": str(args.hw)},
        "workload": {"name": workload.name, "path": str(args.workload)},
        "wall_s": time.perf_counter() - t0,
    }
    path = write_json_atomic(out_dir / "result.json", {"meta": meta, "accuracy": result.to_dict()})
    for label, curves in (("analog", result.analog), ("fp", result.fp)):
        if curves is not None:
            print(
                f"{label:>6}: test accuracy {curves.test_accuracy[-1]:.4f}  test loss {curves.test_loss[-1]:.4f}"
                f"  train loss {curves.train_loss[-1]:.4f}  ({curves.epochs} epochs)"
            )
    for key, value in sorted(result.extras.items()):
        print(f"{key}: {value:.4f}")
    print(f"{result.n_train} train / {result.n_test} test samples of {result.dataset}; wrote {path}")
    return OK
