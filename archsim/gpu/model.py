"""Roofline model of a GPU running the same network, per layer and per training phase.

Model (one batch of ``B`` samples, one kernel per layer and phase):

* **Phases.** Inference runs ``forward``. Training runs ``forward``, ``backward_data`` (input gradient;
  skipped for the first weight layer, whose input needs no gradient), ``backward_weights`` (weight
  gradient) and ``optimizer`` (SGD with momentum, FP32 master weights) for layers with weights.
  Layers without weights (activations, pooling, add, softmax) have ``forward`` and ``backward_data``;
  ``flatten`` and ``input`` are views and cost nothing.
* **Work.** A weight layer with ``M`` MACs per sample does ``2·M·B`` FLOP in each of forward,
  backward-data and backward-weights (training ≈ 3× forward, research/architecture-anchors.md §6.3).
  Bytes moved: activations in and out (``B`` × elements × bytes/element) plus the weights once.
  Elementwise layers read their input and write their output (backward: read the output gradient and
  the saved input, write the input gradient). The optimizer step reads weight, gradient and momentum
  and writes weight and momentum in FP32 (20 bytes/weight; AMP adds the FP16 weight copy, +2).
* **Time.** ``t = max(FLOP / (peak · eff_compute), bytes / (bandwidth · eff_memory)) + steps · launch``
  where the efficiencies are the GPU's calibrated achieved fractions and ``steps`` is the number of
  sequential kernels (1, or the time steps of an LSTM). The *peak-only* roofline time
  (efficiencies = 1, no launch cost) is reported next to it as a lower bound.
* **Energy.** Busy time × ``busy_power_fraction · tdp_w`` + launch gaps × ``idle_power_w``.

Assumptions and limits: no batch-norm layers unless the workload lists them (their memory time is
absorbed by the calibrated efficiencies); no overlap between kernels; no data loading; perfect
caching of the weights within a kernel; a batch that fits in memory. Calibrated on ResNet-50 v1.5
training (NVIDIA DeepLearningExamples, one GPU, batch 256); tests check the model reproduces those
throughputs within 25 % and the independent inference figures.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from archsim.errors import ConfigError
from archsim.gpu.schema import MODES, PRECISIONS, GPUConfig
from archsim.layers import gpu_kernel_of

#: GPU kernel classes a layer kind asks for (:class:`archsim.layers.GpuWork`): dense products, one pass over
#: the tensors, or nothing (views and the input placeholder).
KERNELS = ("matmul", "elementwise", "view")

PHASES = ("forward", "backward_data", "backward_weights", "optimizer")

#: Bytes per optimizer-updated weight: FP32 weight, gradient, momentum read; weight, momentum written.
_OPT_BYTES_FP32 = 20
_OPT_BYTES_AMP = 22


@dataclass(frozen=True, kw_only=True)
class LayerWork:
    """What one layer asks of a GPU, per sample (independent of the workload classes)."""

    name: str
    """Layer name."""
    kind: str
    """Layer kind (``linear``, ``conv2d``, ``relu``, ...)."""
    kernel: str = ""
    """What the kind runs as (:data:`KERNELS`): ``matmul``, ``elementwise`` or ``view`` (free); empty = the
    kind's own (``GPU_KERNEL`` of its registered class), for work described by hand."""
    macs_per_sample: int = 0
    """Multiply-accumulates per sample (forward)."""
    n_weights: int = 0
    """Trainable parameters (incl. biases)."""
    in_elems_per_sample: int = 0
    """Input activation elements per sample (all inputs together)."""
    out_elems_per_sample: int = 0
    """Output activation elements per sample."""
    sequential_steps: int = 1
    """Kernels that must run one after another per phase (time steps of an LSTM; 1 otherwise)."""
    needs_input_grad: bool = True
    """False for layers whose input is the network input (no backward-data pass in training)."""
    gemm_m_per_sample: int = 0
    """Rows of the equivalent matrix product per sample (conv: output pixels; 0: unknown)."""
    gemm_k: int = 0
    """Inner dimension of the equivalent matrix product (``matrix_in``; 0: unknown)."""
    gemm_n: int = 0
    """Columns of the equivalent matrix product (``matrix_out``; 0: unknown)."""

    def __post_init__(self) -> None:
        if not self.kernel:
            object.__setattr__(self, "kernel", gpu_kernel_of(self.kind))
        if self.kernel not in KERNELS:
            raise ConfigError(f"layer {self.name}: GPU kernel {self.kernel!r}; expected one of {', '.join(KERNELS)}")


@dataclass(frozen=True, kw_only=True)
class PhaseCost:
    """Predicted cost of one layer in one phase, for a whole batch."""

    phase: str
    """One of :data:`PHASES`."""
    flop: float
    """Floating-point operations for the batch."""
    bytes: float
    """DRAM bytes moved for the batch."""
    time_ns: float
    """Predicted time for the batch, incl. launch overhead."""
    peak_time_ns: float
    """Peak-only roofline time (no efficiency factors, no launch overhead)."""
    launch_ns: float
    """Launch-overhead part of ``time_ns``."""
    bound: str
    """What limits the phase: ``compute``, ``memory`` or ``launch``."""


@dataclass(frozen=True, kw_only=True)
class GPULayerResult:
    """One layer's predicted cost, per sample (batch cost / batch size)."""

    layer: str
    """Layer name."""
    kind: str
    """Layer kind."""
    phases: tuple[PhaseCost, ...]
    """Per-phase costs for the batch."""
    time_ns_per_sample: float
    """Predicted time per sample, all phases."""
    energy_pj_per_sample: float
    """Predicted energy per sample, all phases."""
    flop_per_sample: float
    """FLOP per sample, all phases."""

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
                    "peak_time_ns": p.peak_time_ns,
                    "launch_ns": p.launch_ns,
                    "bound": p.bound,
                }
                for p in self.phases
            },
        }


@dataclass(frozen=True, kw_only=True)
class GPUResult:
    """Predicted GPU time and energy of one network: per layer and total, per sample."""

    gpu: str
    """GPU name."""
    gpu_description: str
    """GPU model (board, memory)."""
    mode: str
    """``training`` or ``inference``."""
    precision: str
    """``fp32`` or ``amp``."""
    batch_size: int
    """Batch size of the prediction."""
    layers: tuple[GPULayerResult, ...]
    """Per-layer results."""
    time_ns_per_batch: float
    """Predicted time of one batch (one training step or one inference batch)."""
    peak_time_ns_per_batch: float
    """Peak-only roofline time of one batch (lower bound)."""
    energy_pj_per_batch: float
    """Predicted energy of one batch."""
    flop_per_sample: float
    """FLOP per sample in this mode."""
    measured_time_ns_per_batch: float | None = None
    """Measured time of one batch on a real GPU (``--measure``), or None."""

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
        """FLOP per second achieved, in TFLOP/s."""
        return self.flop_per_sample / self.time_ns_per_sample / 1e3 if self.time_ns_per_sample else 0.0

    @property
    def tops_per_w(self) -> float:
        """Achieved tera-operations per joule (= TOPS/W)."""
        return self.flop_per_sample / self.energy_pj_per_sample if self.energy_pj_per_sample else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the ``gpu.baseline`` part of result.json)."""
        return {
            "gpu": self.gpu,
            "gpu_description": self.gpu_description,
            "mode": self.mode,
            "precision": self.precision,
            "batch_size": self.batch_size,
            "time_ns_per_batch": self.time_ns_per_batch,
            "peak_time_ns_per_batch": self.peak_time_ns_per_batch,
            "energy_pj_per_batch": self.energy_pj_per_batch,
            "time_ns_per_sample": self.time_ns_per_sample,
            "energy_pj_per_sample": self.energy_pj_per_sample,
            "throughput_samples_per_s": self.throughput_samples_per_s,
            "flop_per_sample": self.flop_per_sample,
            "achieved_tflops": self.achieved_tflops,
            "tops_per_w": self.tops_per_w,
            "measured_time_ns_per_batch": self.measured_time_ns_per_batch,
            "layers": [layer.to_dict() for layer in self.layers],
        }


def _prod(shape: Iterable[int] | None) -> int:
    out = 1
    for s in shape or ():
        out *= int(s)
    return out


def layer_work_from_workload(workload: Any) -> tuple[LayerWork, ...]:
    """Describe a :class:`archsim.workload.Workload`'s layers for the GPU model.

    A loop over the layer kinds (:mod:`archsim.layers`): each layer's kind says its GPU work
    (``Layer.gpu_work()``: kernel class, MACs, weights, sequential steps, GEMM shape); the graph gives the
    activation elements in and out and whether the layer needs an input gradient (something upstream has
    weights).
    """
    layers = tuple(workload.layers)
    out_elems = {layer.name: _prod(layer.out_shape) for layer in layers}
    works: list[LayerWork] = []
    has_weights_upstream: dict[str, bool] = {}
    for layer in layers:
        work = layer.gpu_work()
        inputs = tuple(layer.inputs)
        upstream = any(has_weights_upstream.get(i, False) for i in inputs)
        has_weights_upstream[layer.name] = upstream or work.n_weights > 0
        in_elems = sum(out_elems[i] for i in inputs) if inputs else _prod(layer.in_shape)
        works.append(
            LayerWork(
                name=layer.name,
                kind=layer.kind,
                kernel=work.kernel,
                macs_per_sample=work.macs_per_sample,
                n_weights=layer.n_weights,
                in_elems_per_sample=in_elems,
                out_elems_per_sample=out_elems[layer.name],
                sequential_steps=work.sequential_steps,
                needs_input_grad=upstream,
                gemm_m_per_sample=work.gemm_m_per_sample,
                gemm_k=work.gemm_k,
                gemm_n=work.gemm_n,
            )
        )
    return tuple(works)


def _phase(gpu: GPUConfig, precision: str, phase: str, flop: float, nbytes: float, steps: int) -> PhaseCost:
    compute_peak = gpu.compute_tflops(precision) * 1e3  # FLOP per ns
    bw_peak = gpu.peak.memory_bandwidth_gbps  # bytes per ns
    t_compute = flop / (compute_peak * gpu.compute_efficiency(precision))
    t_memory = nbytes / (bw_peak * gpu.efficiency.memory)
    launch = steps * gpu.launch_overhead_us * 1e3
    busy = max(t_compute, t_memory)
    bound = "launch" if launch > busy else ("compute" if t_compute >= t_memory else "memory")
    return PhaseCost(
        phase=phase,
        flop=flop,
        bytes=nbytes,
        time_ns=busy + launch,
        peak_time_ns=max(flop / compute_peak, nbytes / bw_peak),
        launch_ns=launch,
        bound=bound,
    )


def predict(
    gpu: GPUConfig,
    layers: Sequence[LayerWork],
    *,
    mode: str = "training",
    precision: str = "amp",
    batch_size: int | None = None,
) -> GPUResult:
    """Predict the GPU's time and energy for ``layers`` (see the module docstring for the model)."""
    if mode not in MODES:
        raise ConfigError(f"--mode: expected one of {', '.join(MODES)}, got {mode!r}")
    if precision not in PRECISIONS:
        raise ConfigError(f"--precision: expected one of {', '.join(PRECISIONS)}, got {precision!r}")
    batch = int(batch_size or gpu.default_batch)
    if batch < 1:
        raise ConfigError(f"--batch: expected a positive integer, got {batch}")
    elem = 2 if precision == "amp" else 4
    busy_w = gpu.power.busy_power_fraction * gpu.peak.tdp_w
    results = []
    total_t = total_peak = total_e = total_flop = 0.0
    for w in layers:
        if w.kernel == "view":
            continue
        phases = []
        act_in = w.in_elems_per_sample * batch * elem
        act_out = w.out_elems_per_sample * batch * elem
        steps = max(1, w.sequential_steps)
        if w.kernel == "matmul":
            mm_flop = 2.0 * w.macs_per_sample * batch
            wbytes = w.n_weights * elem
            phases.append(_phase(gpu, precision, "forward", mm_flop, act_in + act_out + wbytes, steps))
            if mode == "training":
                if w.needs_input_grad:
                    phases.append(
                        _phase(gpu, precision, "backward_data", mm_flop, act_in + act_out + wbytes, steps)
                    )
                phases.append(
                    _phase(gpu, precision, "backward_weights", mm_flop, act_in + act_out + wbytes, steps)
                )
                if w.n_weights:
                    opt_bytes = w.n_weights * (_OPT_BYTES_AMP if precision == "amp" else _OPT_BYTES_FP32)
                    phases.append(_phase(gpu, precision, "optimizer", 4.0 * w.n_weights, opt_bytes, 1))
        else:
            ew_flop = float(max(w.in_elems_per_sample, w.out_elems_per_sample) * batch)
            phases.append(_phase(gpu, precision, "forward", ew_flop, act_in + act_out, steps))
            if mode == "training" and w.needs_input_grad:
                phases.append(_phase(gpu, precision, "backward_data", ew_flop, act_in + 2 * act_out, steps))
        t = sum(p.time_ns for p in phases)
        launch = sum(p.launch_ns for p in phases)
        e_pj = (t - launch) * busy_w * 1e3 + launch * gpu.power.idle_power_w * 1e3  # ns·W = nJ = 1e3 pJ
        flop = sum(p.flop for p in phases)
        results.append(
            GPULayerResult(
                layer=w.name,
                kind=w.kind,
                phases=tuple(phases),
                time_ns_per_sample=t / batch,
                energy_pj_per_sample=e_pj / batch,
                flop_per_sample=flop / batch,
            )
        )
        total_t += t
        total_peak += sum(p.peak_time_ns for p in phases)
        total_e += e_pj
        total_flop += flop
    return GPUResult(
        gpu=gpu.name,
        gpu_description=gpu.description,
        mode=mode,
        precision=precision,
        batch_size=batch,
        layers=tuple(results),
        time_ns_per_batch=total_t,
        peak_time_ns_per_batch=total_peak,
        energy_pj_per_batch=total_e,
        flop_per_sample=total_flop / batch,
    )
