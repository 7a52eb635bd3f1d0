"""Kernel-level roofline model of a GPU running the same network, with host launch overhead.

Model (one batch of ``B`` samples; every layer kind lists its kernels, :mod:`archsim.gpu.kinds`):

* **Kernels.** Inference runs each layer's forward kernels; training adds backward-data (skipped for
  layers whose input needs no gradient), backward-weights and one optimizer kernel per layer with
  weights. Element-wise layers (batch norm, activations, residual adds, dropout, softmax, layer norm)
  are memory-bound kernels of their own in an eager framework; a fusing stack (TensorRT) folds the
  ``fusable`` ones into the neighbouring matrix product. PyTorch AMP adds one weight-cast kernel per
  weight layer and forward; NCHW tensors on tensor cores add two transpose kernels per convolution
  phase (cuDNN computes in NHWC).
* **Kernel time.** ``t = max(FLOP / (peak · e_c), bytes / (bandwidth · e_mem)) + kernel_us``:
  ``peak`` is the precision's datasheet peak (TF32/FP16/INT8 tensor cores, FP32 CUDA cores on Volta),
  ``e_c`` the fitted achieved fraction (``efficiency.tensor``, or ``efficiency.fp32`` on Volta),
  ``e_mem`` the fitted fraction of DRAM bandwidth, ``kernel_us`` a fitted fixed GPU-side cost per kernel.
  The *peak-only* time (efficiencies 1, no fixed costs) is reported next to it as a lower bound.
* **Host launch overhead.** An eager framework issues kernels one after another, ``host_dispatch_us``
  each, asynchronously: kernel ``i`` starts at ``max(end of kernel i-1, (i+1) · host_dispatch_us)``.
  A large batch hides the dispatch behind the GPU work; at batch 1 the GPU waits for the host and the
  batch takes ``≈ kernels · host_dispatch_us`` (the result says so: ``launch_bound``). A fusing engine
  (TensorRT, CUDA graphs) enqueues the whole network at once: no per-kernel host cost.
* **Energy.** Kernel time × ``power.busy_w`` + waiting time × ``power.idle_w`` (published
  measurements; the YAML names them). The energy at TDP while busy is reported next to it.

Fitted parameters (``efficiency.*``, ``overheads.*``) come from :mod:`archsim.gpu.fit` on the fit subset
of :mod:`archsim.gpu.published`; ``docs/validation.md`` lists every held-out error.

Assumptions and limits: one kernel per layer and phase (cuDNN's algorithm choice, split-K and
multi-kernel convolutions are inside the fitted efficiency); no overlap between kernels; no data
loading; batch fits in memory; the weights of a kernel are read once. Workloads without batch-norm
layers (archsim's workload files fold it) are predicted without batch-norm kernels.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from archsim.errors import ConfigError
from archsim.gpu.kinds import KernelContext, KernelSpec, cost_of
from archsim.gpu.schema import ELEM_BYTES, MODES, PRECISIONS, GPUConfig
from archsim.gpu.work import LayerWork

__all__ = [
    "OPTIMIZERS",
    "STACKS",
    "GPULayerResult",
    "GPUResult",
    "LayerWork",
    "OptimizerCost",
    "PhaseCost",
    "Stack",
    "layer_work_from_workload",
    "predict",
]

#: A kernel-time share of the batch above which the result calls the comparison launch-bound.
LAUNCH_BOUND_FRACTION = 0.5


@dataclass(frozen=True, kw_only=True)
class Stack:
    """How a software stack turns layers into kernels."""

    name: str
    """Stack name (``pytorch``, ``tensorrt``)."""
    description: str
    """What the stack stands for."""
    fuse_elementwise: bool
    """Fusable element-wise layers run inside the matrix-product epilogue (no kernel of their own)."""
    host_dispatch: bool
    """Every kernel is issued by the host (eager framework), ``overheads.host_dispatch_us`` each."""
    weight_casts: bool
    """AMP casts the FP32 master weights every forward (one kernel per weight layer)."""
    training: bool
    """The stack can train."""


#: Software stacks the model knows.
STACKS: dict[str, Stack] = {
    "pytorch": Stack(
        name="pytorch",
        description="eager PyTorch (cuDNN/cuBLAS kernels, one kernel per layer and phase, host-issued)",
        fuse_elementwise=False,
        host_dispatch=True,
        weight_casts=True,
        training=True,
    ),
    "tensorrt": Stack(
        name="tensorrt",
        description="TensorRT engine (batch norm folded, activation/add fused into convolutions, "
        "whole engine enqueued at once)",
        fuse_elementwise=True,
        host_dispatch=False,
        weight_casts=False,
        training=False,
    ),
}


@dataclass(frozen=True, kw_only=True)
class OptimizerCost:
    """DRAM traffic of one optimizer update per weight (FP32 state)."""

    bytes_per_weight: float
    """Bytes read and written per weight."""
    flop_per_weight: float
    """Operations per weight."""


#: Optimizers: SGD with momentum reads weight, gradient, momentum and writes weight and momentum
#: (5 × 4 B); Adam reads weight, gradient, two moments and writes weight and two moments (7 × 4 B);
#: LAMB adds a second pass over weight and update for the trust ratio (9 × 4 B).
OPTIMIZERS: dict[str, OptimizerCost] = {
    "sgd": OptimizerCost(bytes_per_weight=20.0, flop_per_weight=4.0),
    "adam": OptimizerCost(bytes_per_weight=28.0, flop_per_weight=12.0),
    "lamb": OptimizerCost(bytes_per_weight=36.0, flop_per_weight=16.0),
}

LAYOUTS = ("nhwc", "nchw")


@dataclass(frozen=True, kw_only=True)
class PhaseCost:
    """Predicted cost of one kernel of one layer, for a whole batch."""

    phase: str
    """Kernel label (``forward``, ``backward_data``, ``backward_weights``, ``optimizer``, ``forward.cast``,
    ``forward.transpose_in``, ...)."""
    flop: float
    """Floating-point (or integer) operations for the batch."""
    bytes: float
    """DRAM bytes moved for the batch."""
    time_ns: float
    """Wall time this kernel adds to the batch: waiting for the host, then running."""
    gpu_time_ns: float
    """Time the kernel runs on the GPU (incl. its fixed ``kernel_us``)."""
    peak_time_ns: float
    """Peak-only roofline time (no efficiency factors, no fixed costs)."""
    launch_ns: float
    """Launch-overhead part of ``time_ns``: host wait plus the fixed GPU-side kernel cost."""
    bound: str
    """What limits the kernel: ``compute``, ``memory`` or ``launch``."""


@dataclass(frozen=True, kw_only=True)
class GPULayerResult:
    """One layer's predicted cost, per sample (batch cost / batch size)."""

    layer: str
    """Layer name."""
    kind: str
    """Layer kind."""
    phases: tuple[PhaseCost, ...]
    """Per-kernel costs for the batch."""
    time_ns_per_sample: float
    """Predicted wall time per sample, all kernels (host waits included)."""
    energy_pj_per_sample: float
    """Predicted energy per sample, all kernels."""
    flop_per_sample: float
    """Operations per sample, all kernels."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "layer": self.layer,
            "kind": self.kind,
            "time_ns_per_sample": self.time_ns_per_sample,
            "energy_pj_per_sample": self.energy_pj_per_sample,
            "flop_per_sample": self.flop_per_sample,
            "phases": {
                p.phase: {
                    "flop": p.flop,
                    "bytes": p.bytes,
                    "time_ns": p.time_ns,
                    "gpu_time_ns": p.gpu_time_ns,
                    "peak_time_ns": p.peak_time_ns,
                    "launch_ns": p.launch_ns,
                    "bound": p.bound,
                }
                for p in self.phases
            },
        }


@dataclass(frozen=True, kw_only=True)
class GPUResult:
    """Predicted GPU time and energy of one network: per layer and total."""

    gpu: str
    """GPU name."""
    gpu_description: str
    """GPU model (board, memory)."""
    mode: str
    """``training`` or ``inference``."""
    precision: str
    """``fp32``, ``amp`` or ``int8``."""
    batch_size: int
    """Batch size of the prediction."""
    stack: str
    """Software stack (``pytorch``, ``tensorrt``)."""
    layout: str
    """Activation layout of the convolutions (``nhwc``, ``nchw``)."""
    layers: tuple[GPULayerResult, ...]
    """Per-layer results."""
    time_ns_per_batch: float
    """Predicted time of one batch (one training step or one inference batch)."""
    gpu_busy_ns_per_batch: float
    """Time kernels run on the GPU during one batch."""
    host_wait_ns_per_batch: float
    """Time the GPU waits for the host to issue kernels during one batch."""
    peak_time_ns_per_batch: float
    """Peak-only roofline time of one batch (lower bound)."""
    energy_pj_per_batch: float
    """Predicted energy of one batch (measured busy and idle power × modelled times)."""
    energy_pj_per_batch_at_tdp: float
    """Energy of one batch if the GPU drew its TDP while busy and ``idle_w`` while waiting."""
    flop_per_sample: float
    """Operations per sample in this mode."""
    n_kernels: int
    """Kernels launched per batch."""
    power_scope: str = ""
    """What the measured power includes (from the GPU file)."""
    measured_time_ns_per_batch: float | None = None
    """Measured time of one batch on a real GPU (``--measure``), or None."""
    measurement: Mapping[str, Any] = field(default_factory=dict)
    """The ``--measure`` record (device, per-layer measured times, or why nothing was measured)."""

    @property
    def time_ns_per_sample(self) -> float:
        """Predicted time per sample."""
        return self.time_ns_per_batch / self.batch_size

    @property
    def energy_pj_per_sample(self) -> float:
        """Predicted energy per sample."""
        return self.energy_pj_per_batch / self.batch_size

    @property
    def throughput_samples_per_s(self) -> float:
        """Predicted samples per second."""
        return 1e9 / self.time_ns_per_sample if self.time_ns_per_sample > 0 else math.inf

    @property
    def achieved_tflops(self) -> float:
        """Operations per second achieved, in TFLOP/s."""
        return self.flop_per_sample / self.time_ns_per_sample / 1e3 if self.time_ns_per_sample else 0.0

    @property
    def tops_per_w(self) -> float:
        """Achieved tera-operations per joule (= TOPS/W)."""
        return self.flop_per_sample / self.energy_pj_per_sample if self.energy_pj_per_sample else 0.0

    @property
    def host_wait_fraction(self) -> float:
        """Share of the batch time the GPU waits for kernel launches."""
        return self.host_wait_ns_per_batch / self.time_ns_per_batch if self.time_ns_per_batch else 0.0

    @property
    def launch_bound(self) -> bool:
        """Whether launch overhead (host waits and fixed per-kernel costs) dominates the batch time."""
        fixed = sum(p.launch_ns for layer in self.layers for p in layer.phases)
        return self.time_ns_per_batch > 0 and fixed / self.time_ns_per_batch > LAUNCH_BOUND_FRACTION

    @property
    def launch_fraction(self) -> float:
        """Share of the batch time spent on launch overhead (host waits + fixed per-kernel GPU cost)."""
        fixed = sum(p.launch_ns for layer in self.layers for p in layer.phases)
        return fixed / self.time_ns_per_batch if self.time_ns_per_batch else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the ``gpu.baseline`` part of result.json)."""
        return {
            "gpu": self.gpu,
            "gpu_description": self.gpu_description,
            "mode": self.mode,
            "precision": self.precision,
            "batch_size": self.batch_size,
            "stack": self.stack,
            "layout": self.layout,
            "time_ns_per_batch": self.time_ns_per_batch,
            "gpu_busy_ns_per_batch": self.gpu_busy_ns_per_batch,
            "host_wait_ns_per_batch": self.host_wait_ns_per_batch,
            "host_wait_fraction": self.host_wait_fraction,
            "launch_fraction": self.launch_fraction,
            "launch_bound": self.launch_bound,
            "n_kernels": self.n_kernels,
            "peak_time_ns_per_batch": self.peak_time_ns_per_batch,
            "energy_pj_per_batch": self.energy_pj_per_batch,
            "energy_pj_per_batch_at_tdp": self.energy_pj_per_batch_at_tdp,
            "time_ns_per_sample": self.time_ns_per_sample,
            "energy_pj_per_sample": self.energy_pj_per_sample,
            "throughput_samples_per_s": self.throughput_samples_per_s,
            "flop_per_sample": self.flop_per_sample,
            "achieved_tflops": self.achieved_tflops,
            "tops_per_w": self.tops_per_w,
            "basis": {
                "time": "modelled: kernel roofline with efficiencies and per-kernel costs fitted to published "
                "throughputs (docs/validation.md)",
                "energy": f"modelled times x measured power ({self.power_scope})",
                "measured_time": "measured on this machine (--measure)"
                if self.measured_time_ns_per_batch is not None
                else "not measured",
            },
            "measured_time_ns_per_batch": self.measured_time_ns_per_batch,
            "measurement": dict(self.measurement),
            "layers": [layer.to_dict() for layer in self.layers],
        }


def _prod(shape: Iterable[int] | None) -> int:
    out = 1
    for s in shape or ():
        out *= int(s)
    return out


def _pair(value: Any) -> tuple[int, int] | None:
    if value is None:
        return None
    if isinstance(value, Sequence) and not isinstance(value, str):
        return (int(value[0]), int(value[1]))
    return (int(value), int(value))


def layer_work_from_workload(workload: Any) -> tuple[LayerWork, ...]:
    """Describe a :class:`archsim.workload.Workload`'s layers for the GPU model.

    A loop over the layer kinds (:mod:`archsim.layers`): each layer's kind says its GPU work
    (``Layer.gpu_work()``: kernel class, MACs, weights, sequential steps, GEMM and convolution shape); the graph
    gives the activation elements in and out and whether the layer needs an input gradient (something upstream
    has trainable parameters).
    """
    layers = tuple(workload.layers)
    out_elems = {layer.name: _prod(layer.out_shape) for layer in layers}
    has_weights_upstream: dict[str, bool] = {}
    works = []
    for layer in layers:
        work = layer.gpu_work()
        inputs = tuple(layer.inputs)
        upstream = any(has_weights_upstream.get(i, False) for i in inputs)
        has_weights_upstream[layer.name] = upstream or layer.n_weights > 0
        in_elems = sum(out_elems[i] for i in inputs) if inputs else _prod(layer.in_shape)
        works.append(LayerWork.of_layer(work, name=layer.name, kind=layer.kind, n_weights=layer.n_weights,
                                        in_elems_per_sample=in_elems, out_elems_per_sample=out_elems[layer.name],
                                        needs_input_grad=upstream))
    return tuple(works)


def _check_args(gpu: GPUConfig, mode: str, precision: str, stack: str, layout: str, optimizer: str,
                accumulation_steps: Any) -> Stack:
    if mode not in MODES:
        raise ConfigError(f"--mode: expected one of {', '.join(MODES)}, got {mode!r}")
    if precision not in PRECISIONS:
        raise ConfigError(f"--precision: expected one of {', '.join(PRECISIONS)}, got {precision!r}")
    if stack not in STACKS:
        raise ConfigError(f"--gpu-stack: expected one of {', '.join(STACKS)}, got {stack!r}")
    if layout not in LAYOUTS:
        raise ConfigError(f"layout: expected one of {', '.join(LAYOUTS)}, got {layout!r}")
    if optimizer not in OPTIMIZERS:
        raise ConfigError(f"optimizer: expected one of {', '.join(OPTIMIZERS)}, got {optimizer!r}")
    if isinstance(accumulation_steps, bool) or not isinstance(accumulation_steps, int) or accumulation_steps < 1:
        raise ConfigError(f"accumulation_steps: expected a positive integer, got {accumulation_steps!r}")
    st = STACKS[stack]
    if mode == "training" and not st.training:
        raise ConfigError(f"--gpu-stack {stack}: inference only, got --mode training", hint="use --gpu-stack pytorch")
    if precision == "int8" and mode == "training":
        raise ConfigError("--precision int8: inference only, got --mode training", hint="use amp or fp32")
    if precision == "int8" and not st.fuse_elementwise:
        raise ConfigError(f"--precision int8: needs the tensorrt stack, got {stack}", hint="add --gpu-stack tensorrt")
    gpu.compute_tops(precision)  # INT8 on Volta fails here
    return st


@dataclass(frozen=True, kw_only=True)
class KernelPlan:
    """The kernels of one batch in execution order, before any timing (independent of fitted values)."""

    precision: str
    """Precision the kernels run at."""
    batch: int
    """Samples per batch."""
    host_dispatch: bool
    """Kernels are issued one by one by the host."""
    layer_index: np.ndarray
    """Index into the layer list of each kernel's layer."""
    phases: tuple[str, ...]
    """Each kernel's label."""
    flop: np.ndarray
    """Operations per kernel (matrix products only count against the compute peak)."""
    nbytes: np.ndarray
    """DRAM bytes per kernel."""
    matmul: np.ndarray
    """Whether each kernel is a matrix product."""
    launches: np.ndarray
    """Launches each kernel stands for (sequential steps × share of a launch per batch)."""


@dataclass(frozen=True, kw_only=True)
class Timeline:
    """Kernel times of a plan on a GPU (ns, whole batch)."""

    gpu_ns: np.ndarray
    """Run time of each kernel incl. its fixed cost."""
    peak_ns: np.ndarray
    """Peak-only roofline time of each kernel."""
    wait_ns: np.ndarray
    """Time the GPU waits for the host before each kernel."""
    fixed_ns: np.ndarray
    """Fixed per-kernel GPU cost inside ``gpu_ns``."""
    bound: tuple[str, ...]
    """``compute``, ``memory`` or ``launch`` per kernel."""

    @property
    def batch_ns(self) -> float:
        """Time of the whole batch."""
        return float(self.gpu_ns.sum() + self.wait_ns.sum())


def plan_kernels(
    gpu: GPUConfig,
    layers: Sequence[LayerWork],
    *,
    mode: str,
    precision: str,
    batch: int,
    stack: str,
    layout: str,
    optimizer: str,
    accumulation_steps: int,
) -> KernelPlan:
    """List the kernels of one batch (arguments as :func:`predict`; they are checked there)."""
    st = STACKS[stack]
    training = mode == "training"
    opt = OPTIMIZERS[optimizer]
    ctx = KernelContext(
        batch=batch,
        elem_bytes=ELEM_BYTES[precision],
        weight_bytes=ELEM_BYTES[precision],
        training=training,
        fuse_elementwise=st.fuse_elementwise,
        weight_casts=st.weight_casts and precision == "amp",
        nchw_transposes=layout == "nchw" and precision == "amp" and not st.fuse_elementwise,
        channels_last=layout == "nhwc",
        optimizer_bytes_per_weight=opt.bytes_per_weight if training else 0.0,
        optimizer_flop_per_weight=opt.flop_per_weight if training else 0.0,
        optimizer_share=1.0 / accumulation_steps,
    )
    # execution order: forward in layer order, backward in reverse, then the optimizer step
    forward: list[tuple[int, KernelSpec]] = []
    backward: list[list[tuple[int, KernelSpec]]] = []
    update: list[tuple[int, KernelSpec]] = []
    for i, w in enumerate(layers):
        bwd_i: list[tuple[int, KernelSpec]] = []
        for k in cost_of(w).kernels(w, ctx):
            if k.phase.startswith("forward"):
                forward.append((i, k))
            elif k.phase == "optimizer":
                update.append((i, k))
            else:
                bwd_i.append((i, k))
        backward.append(bwd_i)
    order = forward + [k for bwd in reversed(backward) for k in bwd] + update
    return KernelPlan(
        precision=precision,
        batch=batch,
        host_dispatch=st.host_dispatch,
        layer_index=np.array([i for i, _ in order], dtype=np.int64),
        phases=tuple(k.phase for _, k in order),
        flop=np.array([k.flop for _, k in order], dtype=np.float64),
        nbytes=np.array([k.nbytes for _, k in order], dtype=np.float64),
        matmul=np.array([k.matmul for _, k in order], dtype=bool),
        launches=np.array([k.steps * k.count for _, k in order], dtype=np.float64),
    )


def time_plan(plan: KernelPlan, gpu: GPUConfig) -> Timeline:
    """Time every kernel of ``plan`` on ``gpu`` and lay them on the host-issue timeline.

    Kernel ``i`` is issued at ``I_i = host_dispatch · (launches up to and including i)`` and starts at
    ``max(end_{i-1}, I_i)``; with ``C_i`` the cumulative run time this is
    ``end_i = C_i + max_{j≤i}(I_j − C_{j−1})``, evaluated with a running maximum.
    """
    compute_peak = gpu.compute_tops(plan.precision) * 1e3  # operations per ns
    bw = gpu.peak.memory_bandwidth_gbps  # bytes per ns
    # element-wise kernels run on CUDA cores; their arithmetic never limits them next to DRAM traffic
    t_compute = np.where(plan.matmul, plan.flop / (compute_peak * gpu.compute_efficiency(plan.precision)), 0.0)
    t_memory = plan.nbytes / (bw * gpu.efficiency.memory)
    fixed = plan.launches * gpu.overheads.kernel_us * 1e3
    busy = np.maximum(t_compute, t_memory)
    gpu_ns = busy + fixed
    peak_ns = np.maximum(np.where(plan.matmul, plan.flop / compute_peak, 0.0), plan.nbytes / bw)
    if plan.host_dispatch and len(gpu_ns):
        issue = np.cumsum(plan.launches) * gpu.overheads.host_dispatch_us * 1e3
        c = np.cumsum(gpu_ns)
        c_prev = c - gpu_ns
        end = c + np.maximum.accumulate(np.maximum(issue - c_prev, 0.0))
        start = end - gpu_ns
        wait = start - np.concatenate(([0.0], end[:-1]))
    else:
        wait = np.zeros_like(gpu_ns)
    bound = tuple(
        "launch" if (w > g or f > b) else ("compute" if tc >= tm else "memory")
        for w, g, f, b, tc, tm in zip(wait, gpu_ns, fixed, busy, t_compute, t_memory)
    )
    return Timeline(gpu_ns=gpu_ns, peak_ns=peak_ns, wait_ns=np.maximum(wait, 0.0), fixed_ns=fixed, bound=bound)


def check_arguments(gpu: GPUConfig, *, mode: str, precision: str, batch: Any, stack: str, layout: str,
                    optimizer: str, accumulation_steps: Any) -> int:
    """Validate :func:`predict`'s arguments; return the batch size.

    Raises:
        ConfigError: see :func:`predict`.
    """
    _check_args(gpu, mode, precision, stack, layout, optimizer, accumulation_steps)
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise ConfigError(f"--batch: expected a positive integer, got {batch!r}")
    return batch


def predict(
    gpu: GPUConfig,
    layers: Sequence[LayerWork],
    *,
    mode: str = "training",
    precision: str = "amp",
    batch_size: int | None = None,
    stack: str = "pytorch",
    layout: str = "nhwc",
    optimizer: str = "sgd",
    accumulation_steps: int = 1,
) -> GPUResult:
    """Predict the GPU's time and energy for ``layers`` (see the module docstring for the model).

    Args:
        gpu: the GPU description.
        layers: per-layer work in execution order.
        mode: ``inference`` or ``training``.
        precision: ``fp32``, ``amp`` or ``int8`` (TensorRT inference).
        batch_size: samples per batch (default: the GPU file's ``default_batch``).
        stack: software stack, ``pytorch`` (eager) or ``tensorrt`` (fused inference engine).
        layout: activation layout of the convolutions, ``nhwc`` (channels-last) or ``nchw``.
        optimizer: ``sgd`` (momentum), ``adam`` or ``lamb``.
        accumulation_steps: micro-batches per optimizer step (gradient accumulation).

    Raises:
        ConfigError: for an unknown mode, precision, stack, layout, optimizer or layer kind, a
            non-positive batch, INT8 on a GPU without INT8 tensor cores or training on TensorRT.
    """
    batch = check_arguments(
        gpu,
        mode=mode,
        precision=precision,
        batch=batch_size if batch_size is not None else gpu.default_batch,
        stack=stack,
        layout=layout,
        optimizer=optimizer,
        accumulation_steps=accumulation_steps,
    )
    plan = plan_kernels(gpu, layers, mode=mode, precision=precision, batch=batch, stack=stack, layout=layout,
                        optimizer=optimizer, accumulation_steps=accumulation_steps)
    tl = time_plan(plan, gpu)
    busy_w, idle_w = gpu.power.busy_w, gpu.power.idle_w
    per_layer: dict[int, list[tuple[PhaseCost, float]]] = {}
    for n, i in enumerate(plan.layer_index.tolist()):
        wait, t_gpu = float(tl.wait_ns[n]), float(tl.gpu_ns[n])
        cost = PhaseCost(phase=plan.phases[n], flop=float(plan.flop[n]), bytes=float(plan.nbytes[n]),
                         time_ns=wait + t_gpu, gpu_time_ns=t_gpu, peak_time_ns=float(tl.peak_ns[n]),
                         launch_ns=wait + float(tl.fixed_ns[n]), bound=tl.bound[n])
        per_layer.setdefault(i, []).append((cost, (t_gpu * busy_w + wait * idle_w) * 1e3))  # ns·W = 1e3 pJ
    results = []
    for i, w in enumerate(layers):
        entries = per_layer.get(i)
        if not entries:
            continue
        phases = tuple(c for c, _ in entries)
        results.append(
            GPULayerResult(
                layer=w.name,
                kind=w.kind,
                phases=phases,
                time_ns_per_sample=sum(c.time_ns for c in phases) / batch,
                energy_pj_per_sample=sum(e for _, e in entries) / batch,
                flop_per_sample=sum(c.flop for c in phases) / batch,
            )
        )
    busy_total, wait_total = float(tl.gpu_ns.sum()), float(tl.wait_ns.sum())
    return GPUResult(
        gpu=gpu.name,
        gpu_description=gpu.description,
        mode=mode,
        precision=precision,
        batch_size=batch,
        stack=stack,
        layout=layout,
        layers=tuple(results),
        time_ns_per_batch=busy_total + wait_total,
        gpu_busy_ns_per_batch=busy_total,
        host_wait_ns_per_batch=wait_total,
        peak_time_ns_per_batch=float(tl.peak_ns.sum()),
        energy_pj_per_batch=(busy_total * busy_w + wait_total * idle_w) * 1e3,
        energy_pj_per_batch_at_tdp=(busy_total * gpu.peak.tdp_w + wait_total * idle_w) * 1e3,
        flop_per_sample=float(plan.flop.sum()) / batch,
        n_kernels=round(float(plan.launches.sum())),
        power_scope=gpu.power.scope,
    )
