"""The options of one run: the single options object every command builds (``run``, ``train``, ``speedup``,
``map``, ``validate``, and each point of a sweep).

Every command turns its flags into one :class:`RunOptions` and calls :func:`archsim.pipeline.run` with its own
list of steps, so the same chip, network and flags give the same mapping, the same network and the same numbers
whichever command asked. :meth:`RunOptions.check` validates the values a flag can get wrong, naming the flag
(``--batch: expected an integer >= 1, got 0``), before any file is read.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from archsim.errors import ConfigError
from archsim.gpu.model import STACKS
from archsim.gpu.schema import PRECISIONS as GPU_PRECISIONS

MODES = ("inference", "training")
"""Run modes: the forward cycle alone, or forward, backward and update."""

ACCURACY_SETTINGS = ("on", "off", "auto")
"""``on``: always run the accuracy step; ``off``: never; ``auto``: when its estimate is within the budget."""

BIAS_PLACEMENTS = ("analog", "digital")
"""Where a layer's bias lives: an extra crossbar row driven by 1 (``analog``) or added after the ADC."""

PRECISIONS = GPU_PRECISIONS
"""GPU precision: ``amp`` (FP16/BF16 tensor cores, mixed precision), ``fp32`` (TF32 on Ampere and later) or
``int8`` (inference)."""

GPU_STACKS = tuple(STACKS)
"""GPU software stacks the GPU model knows (eager ``pytorch``, ``tensorrt``)."""

RAPA_SCHEMES = ("random", "random_fixed", "image", "image_pad", "alternate", "perforated")
"""Patch-to-replica assignments of replicated conv layers (Rasch et al. 2019)."""

ACCURACY_BUDGET_S = 150.0
"""Largest estimated accuracy-step wall time (s) that ``accuracy="auto"`` runs without being asked (about two
minutes on 2 cores: every bundled MLP, the LSTM and LeNet inference; not the CNNs)."""

Replicas = str | Mapping[str, int] | None
"""Kernel replicas for the mapper: None (none), ``"auto"`` (RAPA balancing) or ``{layer: n_t}``."""


#: Most samples one run simulates (``--batch``): the event engine keeps per-sample state, and at about 1,000
#: samples/s on a small chip a million samples is a quarter of an hour; 1e9 ran out of memory before starting.
MAX_BATCH = 1_000_000


def _positive_int(flag: str, value: object, *, optional: bool = False, maximum: int | None = None) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{flag}: expected an integer >= 1, got {value!r}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{flag}: expected an integer in [1, {maximum:,}], got {value:,}")


def _choice(flag: str, value: object, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(f"{flag}: expected one of {', '.join(choices)}, got {value!r}")


@dataclass(frozen=True, kw_only=True)
class TrainingOptions:
    """How the accuracy step trains (on the analog tiles in training mode, in floating point for inference)."""

    epochs: int | None = None
    """Epochs (None = the workload's ``default_epochs``)."""
    lr: float = 0.01
    """SGD learning rate."""
    batch: int = 1
    """Mini-batch size (1 = per-sample SGD, as in the RPU papers)."""
    limit_train: int | None = None
    """Use only the first N training samples (None = all)."""
    limit_test: int | None = None
    """Use only the first N test samples (None = all)."""
    dataset: str | None = None
    """Dataset spec (``digits``, ``synthetic``, ``idx:PATH``, ``text``, ``text:PATH``); None = the workload's."""
    weight_decay: float = 0.0
    """L2 weight decay."""
    fp_baseline: bool = True
    """Also train the floating-point twin of the network (same data order, initial weights and seed)."""
    fp_only: bool = False
    """Train only the floating-point network (no analog tiles)."""
    rapa_scheme: str = "random"
    """Patch assignment of replicated conv layers (:data:`RAPA_SCHEMES`)."""
    votes: int = 1
    """Also test with a majority vote over this many draws of the random patch assignment."""
    weight_scaling_omega: float = 0.0
    """aihwkit weight scaling: tiles hold W/α with α = max|W|/ω (0 = off)."""
    weight_scaling_columnwise: bool = False
    """One weight scale per output column instead of one per block."""
    learn_out_scaling: bool = False
    """Learn a digital output scale per layer."""

    def check(self) -> None:
        """Raise a :class:`ConfigError` naming the flag of the first invalid value."""
        _positive_int("--epochs", self.epochs, optional=True)
        _positive_int("--train-batch", self.batch)
        _positive_int("--limit-train", self.limit_train, optional=True)
        _positive_int("--limit-test", self.limit_test, optional=True)
        _positive_int("--votes", self.votes)
        _choice("--rapa-scheme", self.rapa_scheme, RAPA_SCHEMES)
        if not (isinstance(self.lr, (int, float)) and math.isfinite(self.lr) and self.lr > 0):
            raise ConfigError(f"--lr: expected a finite number > 0, got {self.lr!r}")
        for flag, value in (("--weight-decay", self.weight_decay), ("--weight-scaling-omega",
                                                                      self.weight_scaling_omega)):
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ConfigError(f"{flag}: expected a finite number >= 0, got {value!r}")


@dataclass(frozen=True, kw_only=True)
class GpuOptions:
    """The GPU baseline a run compares with."""

    name: str = "a100"
    """A bundled GPU (``v100``, ``a100``, ``h100``, ...) or the path of a GPU YAML."""
    precision: str = "amp"
    """:data:`PRECISIONS`."""
    batch: int | None = None
    """GPU batch size (None = the GPU file's ``default_batch``)."""
    stack: str = "pytorch"
    """:data:`GPU_STACKS`: the software stack the GPU model assumes."""
    measure: bool = False
    """Also time the network's layers on a local CUDA GPU (PyTorch), next to the model."""

    def check(self) -> None:
        """Raise a :class:`ConfigError` naming the flag of the first invalid value."""
        _choice("--precision", self.precision, PRECISIONS)
        _choice("--gpu-stack", self.stack, GPU_STACKS)
        _positive_int("--gpu-batch", self.batch, optional=True)


@dataclass(frozen=True, kw_only=True)
class RunOptions:
    """Everything one run needs: inputs, what to simulate, the accuracy step, the GPU baseline, the output."""

    hw_path: str | Path
    """Hardware YAML (a path or a bundled name)."""
    workload_path: str | Path | None = None
    """Workload YAML (a path or a bundled name); None only for steps that need no workload (``validate``)."""
    overrides: tuple[str, ...] = ()
    """``KEY=VALUE`` hardware overrides (``--set``)."""
    mode: str = "inference"
    """:data:`MODES`."""
    batch: int = 1
    """Samples the event engine simulates."""
    pipeline: bool = True
    """Pipeline samples across layers."""
    update: str = "sample"
    """Training: apply the pulsed update after every ``sample`` or once per ``batch``."""
    replicas: Replicas = None
    """Kernel replicas for the mapper."""
    placement: str = "greedy"
    """Placement strategy of the mapper (``greedy`` by traffic, ``in-order``)."""
    tile_budget: int | None = None
    """With ``replicas="auto"``: replicate only as far as this many tiles allow (None = the whole chip)."""
    bias: str = "analog"
    """:data:`BIAS_PLACEMENTS` — decided by the mapping, used by the accuracy step and the engine alike."""
    stats_path: str | Path | None = None
    """result.json of an earlier run whose ``accuracy.layer_stats`` give BM passes and BL (``--stats``)."""
    seed: int = 0
    """Seed of the run's random generators."""
    accuracy: str = "auto"
    """:data:`ACCURACY_SETTINGS`."""
    accuracy_budget_s: float = ACCURACY_BUDGET_S
    """Estimated seconds up to which ``accuracy="auto"`` runs the accuracy step."""
    training: TrainingOptions = field(default_factory=TrainingOptions)
    """How the accuracy step trains."""
    gpu: GpuOptions | None = field(default_factory=GpuOptions)
    """GPU baseline to compare with; None = no comparison."""
    out_dir: str | Path | None = None
    """Run folder; None = ``reports/<hw>-<workload>-<command>``."""
    command: str = "run"
    """The command that asked (names the default run folder)."""
    command_line: str = ""
    """The command line, recorded in ``meta``."""
    timeline_limit: int = 5000
    """Maximum Gantt-chart entries kept in ``timing.timeline``."""
    progress: bool = False
    """Show progress bars on stderr."""
    notify: Callable[[str], None] | None = None
    """Where one-line notices go (the CLI prints them on stderr); None = ``warnings.warn``."""

    @property
    def update_every(self) -> int:
        """Samples per pulsed update: 1 per sample, ``batch`` per batch."""
        return self.batch if self.update == "batch" else 1

    @property
    def analog_bias(self) -> bool:
        """Biases on an extra crossbar row."""
        return self.bias == "analog"

    def check(self) -> None:
        """Validate every option a flag can set; raise a :class:`ConfigError` naming the flag."""
        _choice("--mode", self.mode, MODES)
        _positive_int("--batch", self.batch, maximum=MAX_BATCH)
        _choice("--update", self.update, ("sample", "batch"))
        _choice("--placement", self.placement, ("greedy", "in-order"))
        _positive_int("--tile-budget", self.tile_budget, optional=True)
        _choice("--bias", self.bias, BIAS_PLACEMENTS)
        _choice("--accuracy", self.accuracy, ACCURACY_SETTINGS)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed < 2**63:
            raise ConfigError(f"--seed: expected an integer in [0, 2^63), got {self.seed!r}")
        if self.replicas is not None and self.replicas != "auto":
            if not isinstance(self.replicas, Mapping) or not all(
                    isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v >= 1
                    for k, v in self.replicas.items()):
                raise ConfigError(f"--replicas: expected 'auto' or {{layer: n >= 1}}, got {self.replicas!r}")
        if self.stats_path is not None and self.accuracy == "on":
            raise ConfigError("--stats and --accuracy: the layer statistics come either from a file or from "
                              "this run's accuracy step", hint="drop one of the two options")
        self.training.check()
        if self.gpu is not None:
            self.gpu.check()
