"""Flags shared by the commands, and the one translation of flags into :class:`~archsim.pipeline.RunOptions`.

Every command that takes a chip and a network adds the groups it needs (the same flag has the same name, meaning
and default in every command) and builds its options with :func:`options_from_args`, so ``run``, ``train``,
``speedup``, ``map`` and ``validate`` map, train and simulate the same design the same way.
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
from typing import Any

from archsim.errors import ConfigError
from archsim.mapping import parse_replicas
from archsim.pipeline.options import (
    BIAS_PLACEMENTS,
    GPU_STACKS,
    PRECISIONS,
    RAPA_SCHEMES,
    GpuOptions,
    RunOptions,
    TrainingOptions,
)

GPU_DEFAULT = "a100"
"""GPU baseline of ``run`` and ``speedup`` unless ``--gpu`` names another."""


def plain(doc: str | None) -> str:
    """A docstring as plain help text: reStructuredText roles and literals (``x``, :func:`x`) become plain words."""
    text = doc or ""
    text = re.sub(r":[a-z]+:`~?([^`]+)`", lambda m: m.group(1).rsplit(".", 1)[-1], text)
    return text.replace("``", "")


def add_parser(subparsers: Any, name: str, *, help: str, doc: str | None) -> argparse.ArgumentParser:
    """A subcommand parser with the module docstring (as plain text) as description and ``--debug``."""
    parser = subparsers.add_parser(name, help=help, description=plain(doc), allow_abbrev=False,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show tracebacks for archsim errors (also accepted before the command)")
    return parser


def add_inputs(parser: argparse.ArgumentParser, *, workload: str = "required",
               set_example: str = "chip.n_tiles=256") -> None:
    """The positional ``HW.yaml [WORKLOAD.yaml]`` pair and the repeatable ``--set KEY=VALUE`` override."""
    parser.add_argument("hw", metavar="HW.yaml", help="hardware description (a path or a bundled name)")
    parser.add_argument("workload", metavar="WORKLOAD.yaml", nargs=None if workload == "required" else "?",
                        help="workload description (a path or a bundled name)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help=f"override a hardware field, e.g. --set {set_example} (repeatable)")


def add_simulation(parser: argparse.ArgumentParser, *, mode_default: str | None = "inference") -> None:
    """What the event engine simulates: mode, samples, pipelining, update granularity."""
    parser.add_argument("--mode", choices=("inference", "training"), default=mode_default,
                        help="forward cycle only, or forward + backward + update (default: "
                             + (mode_default or "training for chips whose update path is on, else inference") + ")")
    parser.add_argument("--batch", type=int, default=1, metavar="N", help="samples to simulate (default: 1)")
    parser.add_argument("--pipeline", choices=("on", "off"), default="on",
                        help="pipeline samples across layers (default: on)")
    parser.add_argument("--update", choices=("sample", "batch"), default="sample",
                        help="training: apply the pulsed update after every sample or once per batch "
                             "(default: sample)")


def add_mapping(parser: argparse.ArgumentParser) -> None:
    """How the workload is split, replicated and placed."""
    parser.add_argument("--replicas", default=None, metavar="auto|LAYER=N,...",
                        help="kernel replicas: 'auto' (RAPA balancing under the chip's budget) or per layer "
                             "(default: none)")
    parser.add_argument("--placement", choices=("greedy", "in-order"), default="greedy",
                        help="placement strategy (default: greedy by traffic)")
    parser.add_argument("--tile-budget", type=int, default=None, metavar="N",
                        help="with --replicas auto: replicate only as far as N tiles allow (default: the chip)")
    parser.add_argument("--bias", choices=BIAS_PLACEMENTS, default="analog",
                        help="biases on an extra crossbar row driven by 1, or added digitally after the ADC "
                             "(default: analog)")


def add_training(parser: argparse.ArgumentParser) -> None:
    """How the accuracy step trains."""
    parser.add_argument("--epochs", type=int, default=None, metavar="N",
                        help="epochs (default: the workload's default_epochs)")
    parser.add_argument("--lr", type=float, default=0.01, help="SGD learning rate (default: 0.01)")
    parser.add_argument("--train-batch", type=int, default=1, metavar="N",
                        help="training mini-batch size (default: 1, per-sample SGD as in the papers)")
    parser.add_argument("--limit-train", type=int, default=None, metavar="N",
                        help="use only the first N training samples (default: all)")
    parser.add_argument("--limit-test", type=int, default=None, metavar="N",
                        help="use only the first N test samples (default: all)")
    parser.add_argument("--dataset", default=None, metavar="SPEC",
                        help="digits | synthetic | idx:PATH | text | text:PATH (default: the workload's)")
    parser.add_argument("--weight-decay", type=float, default=0.0, help="L2 weight decay (default: 0)")
    parser.add_argument("--no-fp", action="store_true",
                        help="do not train the floating-point twin of the network (default: train it)")
    parser.add_argument("--fp-only", action="store_true", help="train only the floating-point network")
    parser.add_argument("--rapa-scheme", default="random", choices=RAPA_SCHEMES,
                        help="patch assignment of replicated conv layers (default: random)")
    parser.add_argument("--votes", type=int, default=1, metavar="K",
                        help="also test with a majority vote over K draws (default: 1)")
    parser.add_argument("--weight-scaling-omega", type=float, default=0.0, metavar="W",
                        help="aihwkit weight scaling: tiles hold W/alpha with alpha = max|W|/W (default: 0, off)")
    parser.add_argument("--weight-scaling-columnwise", action="store_true",
                        help="one weight scale per output column")
    parser.add_argument("--learn-out-scaling", action="store_true", help="learn a digital output scale per layer")


def add_accuracy(parser: argparse.ArgumentParser, *, default: str = "auto") -> None:
    """Whether the accuracy step runs, and where layer statistics come from."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--accuracy", dest="accuracy", action="store_const", const="on", default=default,
                       help="always run the accuracy step, whatever its estimated time"
                            + (" (default: when its estimate is within the budget)" if default == "auto" else ""))
    group.add_argument("--no-accuracy", dest="accuracy", action="store_const", const="off",
                       help="skip the accuracy step (statistics from --stats or the defaults)"
                            + (" (the default here)" if default == "off" else ""))
    parser.add_argument("--stats", metavar="RESULT.json", default=None,
                        help="per-layer statistics (BM passes, BL) from an earlier run's result.json")
    add_training(parser)


def add_gpu(parser: argparse.ArgumentParser, *, optional: bool = True) -> None:
    """The GPU baseline."""
    parser.add_argument("--gpu", default=None, metavar="NAME|PATH",
                        help=f"GPU baseline: v100, a100, h100, h200 or a GPU YAML (default: {GPU_DEFAULT})")
    if optional:
        parser.add_argument("--no-gpu", action="store_true", help="skip the GPU comparison")
    parser.add_argument("--precision", choices=PRECISIONS, default="amp",
                        help="GPU precision: amp (FP16/BF16 tensor cores), fp32 (TF32 on Ampere+) or int8 "
                             "(inference) (default: amp)")
    parser.add_argument("--gpu-stack", choices=GPU_STACKS, default="pytorch",
                        help="GPU software stack the model assumes: eager pytorch or a tensorrt engine "
                             "(default: pytorch)")
    parser.add_argument("--gpu-batch", type=int, default=None, metavar="N",
                        help="GPU batch size (default: the GPU file's default_batch)")


def add_output(parser: argparse.ArgumentParser, *, what: str) -> None:
    """Run folder, seed and progress."""
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("-o", "--output", metavar="DIR", default=None,
                        help=f"run folder (default: reports/<hw>-<workload>-{what})")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars on stderr")


def options_from_args(args: argparse.Namespace, *, command: str, groups: tuple[str, ...],
                      **fixed: Any) -> RunOptions:
    """The :class:`RunOptions` of a command's flags.

    Args:
        args: the parsed flags.
        command: the command's name (names the default run folder and is recorded in ``meta``).
        groups: the flag groups the command added (``simulation``, ``mapping``, ``accuracy``, ``training``,
            ``gpu``, ``output``); a flag of a group the command lacks keeps the option's default.
        fixed: options the command decides itself (``mode="training"`` for ``train``).
    """
    a = vars(args)
    values: dict[str, Any] = {"hw_path": a["hw"], "workload_path": a.get("workload"),
                              "overrides": tuple(a["overrides"]), "command": command,
                              "command_line": " ".join(shlex.quote(x) for x in sys.argv),
                              "notify": lambda message: print(f"archsim: {message}", file=sys.stderr, flush=True)}
    if "simulation" in groups:
        values.update(mode=a["mode"] or "inference", batch=a["batch"], pipeline=a["pipeline"] == "on",
                      update=a["update"])
    if "mapping" in groups:
        values.update(replicas=parse_replicas(a["replicas"]), placement=a["placement"],
                      tile_budget=a["tile_budget"], bias=a["bias"])
    if "accuracy" in groups:
        given = [flag for flag, name in (("--epochs", "epochs"), ("--limit-train", "limit_train"),
                                         ("--limit-test", "limit_test"), ("--dataset", "dataset"))
                 if a[name] is not None]
        if a["accuracy"] == "off" and given:
            raise ConfigError(f"{', '.join(given)}: set the accuracy step, which --no-accuracy turns off",
                              hint="drop --no-accuracy, or drop the accuracy options")
        values.update(accuracy=a["accuracy"], stats_path=a["stats"])
    if "accuracy" in groups or "training" in groups:
        values["training"] = TrainingOptions(
            epochs=a["epochs"], lr=a["lr"], batch=a["train_batch"], limit_train=a["limit_train"],
            limit_test=a["limit_test"], dataset=a["dataset"], weight_decay=a["weight_decay"],
            fp_baseline=not a["no_fp"], fp_only=a["fp_only"], rapa_scheme=a["rapa_scheme"], votes=a["votes"],
            weight_scaling_omega=a["weight_scaling_omega"], weight_scaling_columnwise=a["weight_scaling_columnwise"],
            learn_out_scaling=a["learn_out_scaling"])
    if "gpu" in groups:
        if a.get("no_gpu"):
            if a["gpu"] is not None:
                raise ConfigError(f"--gpu {a['gpu']}: contradicts --no-gpu", hint="give one of them")
            values["gpu"] = None
        else:
            values["gpu"] = GpuOptions(name=a["gpu"] or GPU_DEFAULT, precision=a["precision"], batch=a["gpu_batch"],
                                       stack=a["gpu_stack"], measure=a.get("measure", False))
    else:
        values["gpu"] = None
    if "output" in groups:
        values.update(seed=a["seed"], out_dir=a["output"], progress=not a["no_progress"])
    values.update(fixed)
    return RunOptions(**values)
