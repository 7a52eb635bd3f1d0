"""``archsim train HW.yaml WORKLOAD.yaml``: train a network on simulated analog tiles and report accuracy.

The accuracy step of ``archsim run --mode training --accuracy``, on the same mapping (same weight splits, bias
placement and replicas), with nothing timed: the network is trained on the hardware's crossbar tiles (numerics
from crossbar.rpu) with SGD, tested after every epoch, next to its floating-point twin (--no-fp skips it), and
DIR/result.json gets the accuracy section (per-epoch train/test loss and accuracy, layer_stats per analog layer
for ``archsim run --stats``) beside the hardware, workload and mapping sections. A progress bar goes to stderr;
stdout gets a short summary.
"""

from __future__ import annotations

import argparse
from typing import Any

from archsim.commands.common import add_inputs, add_mapping, add_output, add_parser, add_training, options_from_args
from archsim.commands.status import OK
from archsim.pipeline import TRAIN_STEPS
from archsim.pipeline import run as run_pipeline

GROUPS = ("mapping", "training", "output")
"""The flag groups of ``archsim train``."""


def register(subparsers: Any) -> None:
    """Add the ``train`` subcommand."""
    p = add_parser(subparsers, "train", help="train a workload on simulated analog tiles; report accuracy",
                   doc=__doc__)
    add_inputs(p, set_example="crossbar.rpu.forward.out_noise=0")
    add_mapping(p)
    add_training(p)
    add_output(p, what="train")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load, map, train, write result.json, print a summary."""
    state = run_pipeline(options_from_args(args, command="train", groups=GROUPS, mode="training", accuracy="on"),
                         steps=TRAIN_STEPS)
    acc = state.accuracy
    if acc is None or "skipped" in acc:
        raise RuntimeError("train: the accuracy step did not run")
    for label in ("analog", "fp"):
        curves = acc.get(label)
        if curves:
            print(f"{label:>6}: test accuracy {curves['test_accuracy'][-1]:.4f}  test loss "
                  f"{curves['test_loss'][-1]:.4f}  train loss {curves['train_loss'][-1]:.4f}  "
                  f"({len(curves['test_accuracy'])} epochs)")
    for key, value in sorted(acc.get("extras", {}).items()):
        print(f"{key}: {value:.4f}")
    print(f"{acc['n_train']} train / {acc['n_test']} test samples of {acc['dataset']}; wrote {state.written['result']}")
    return OK
