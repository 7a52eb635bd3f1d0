"""GPU baseline descriptions: datasheet peaks, fitted model parameters and measured board/node power.

A GPU is described by three kinds of numbers (``hwconfigs/gpus/*.yaml``):

* **Datasheet** (``peak``): dense peak throughput per precision, DRAM bandwidth and capacity, TDP.
* **Fitted** (``efficiency``, ``overheads``): parameters of the model in :mod:`archsim.gpu.model` that no
  datasheet gives. They are fitted by :mod:`archsim.gpu.fit` on a stated *fit subset* of published
  throughputs (:mod:`archsim.gpu.published`); every other published figure is held out and reported in
  ``docs/validation.md``. The ``calibration`` block of the YAML says which figures each value was fitted on.
* **Measured** (``power``): power drawn while kernels run and while the GPU waits, from a published
  measurement at a stated load (MLPerf Power logs), never the TDP.

Bandwidths are in GB/s (10⁹ bytes per second); compute peaks in TFLOP/s or TOP/s (10¹² per second,
1 MAC = 2 operations).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from archsim.errors import ConfigError

#: Numeric precisions the model knows. ``fp32``: FP32 tensors as PyTorch runs them by default (matrix
#: products on TF32 tensor cores where the GPU has them, Ampere and later; CUDA cores otherwise);
#: ``amp``: FP16/BF16 tensor cores with FP32 master weights (PyTorch automatic mixed precision) or an
#: FP16 TensorRT engine; ``int8``: INT8 tensor cores (TensorRT inference only).
PRECISIONS = ("fp32", "amp", "int8")

#: Modes of the model: inference is the forward pass; training adds backward-data, backward-weights
#: and the optimizer step.
MODES = ("inference", "training")

#: Bytes of one activation element per precision.
ELEM_BYTES = {"fp32": 4, "amp": 2, "int8": 1}


@dataclass(frozen=True, kw_only=True)
class GPUPeaks:
    """Datasheet peaks of one GPU (dense, no sparsity)."""

    fp32_tflops: float
    """Peak FP32 (CUDA cores) throughput, TFLOP/s."""
    tf32_tflops: float = 0.0
    """Peak TF32 tensor-core throughput, TFLOP/s; 0 where the GPU has no TF32 (Volta)."""
    fp16_tensor_tflops: float
    """Peak FP16/BF16 tensor-core throughput with FP32 accumulation, TFLOP/s."""
    int8_tensor_tops: float = 0.0
    """Peak INT8 tensor-core throughput, TOP/s; 0 where the GPU has no INT8 tensor cores (Volta)."""
    memory_bandwidth_gbps: float
    """Peak DRAM (HBM) bandwidth in GB/s (gigabytes per second)."""
    memory_capacity_gib: float
    """Device memory, GiB."""
    tdp_w: float
    """Board power limit (TDP), W. The energy model uses the measured ``power``; the result also reports
    the energy at TDP (the usual assumption of accelerator papers) for comparison."""

    def __post_init__(self) -> None:
        for name in ("fp32_tflops", "fp16_tensor_tflops", "memory_bandwidth_gbps", "memory_capacity_gib", "tdp_w"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"{name}: expected a positive number, got {getattr(self, name)!r}")
        for name in ("tf32_tflops", "int8_tensor_tops"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name}: expected a number >= 0, got {getattr(self, name)!r}")


@dataclass(frozen=True, kw_only=True)
class GPUEfficiency:
    """Achieved fractions of the peaks (fitted; see the YAML's ``calibration``)."""

    tensor: float
    """Fraction of the tensor-core peak (TF32, FP16 or INT8, whichever the precision runs on) that
    convolutions and matrix products reach once they are large enough to fill the GPU."""
    fp32: float
    """Fraction of the FP32 CUDA-core peak reached by convolutions and matrix products on GPUs without
    TF32 (Volta). Unused (and fixed to 1) on GPUs whose FP32 matrix products run on TF32 tensor cores."""
    memory: float
    """Fraction of the DRAM bandwidth reached by memory-bound kernels (normalisation, activations,
    element-wise, optimizer)."""

    def __post_init__(self) -> None:
        for name in ("tensor", "fp32", "memory"):
            value = getattr(self, name)
            if not 0 < value <= 1:
                raise ConfigError(f"{name}: expected a fraction in (0, 1], got {value!r}")


@dataclass(frozen=True, kw_only=True)
class GPUOverheads:
    """Fixed per-kernel costs (fitted)."""

    host_dispatch_us: float
    """Host time to issue one kernel from an eager framework (PyTorch dispatch + CUDA launch), µs.
    Kernels are issued asynchronously: the GPU waits only when it runs ahead of the host."""
    kernel_us: float
    """GPU-side fixed cost of one kernel (launch latency, ramp-up and tail of a kernel), µs."""

    def __post_init__(self) -> None:
        for name in ("host_dispatch_us", "kernel_us"):
            value = getattr(self, name)
            if value < 0:
                raise ConfigError(f"{name}: expected a number >= 0, got {value!r}")


@dataclass(frozen=True, kw_only=True)
class GPUPower:
    """Board power model: energy = busy time × ``busy_w`` + waiting time × ``idle_w`` (measured values)."""

    busy_w: float
    """Power per GPU while kernels run, W (published measurement at a stated load, see ``sources``)."""
    idle_w: float
    """Power per GPU while it waits for the host (launch gaps), W (published measurement)."""
    scope: str
    """What the measured watts include, e.g. ``node wall power per GPU`` (host share included) or
    ``board``; printed with every energy figure."""

    def __post_init__(self) -> None:
        if not self.busy_w > 0 or not self.idle_w >= 0:
            raise ConfigError(f"power: expected busy_w > 0 and idle_w >= 0, got {self.busy_w!r}, {self.idle_w!r}")
        if self.idle_w > self.busy_w:
            raise ConfigError(f"power: idle_w ({self.idle_w}) exceeds busy_w ({self.busy_w})")


@dataclass(frozen=True, kw_only=True)
class GPUConfig:
    """One GPU baseline: ``hwconfigs/gpus/NAME.yaml``."""

    version: int = 1
    """Schema version of the file."""
    name: str
    """Short name used on the command line (``--gpu a100``)."""
    description: str = ""
    """Human-readable model name (board, memory size)."""
    peak: GPUPeaks
    """Datasheet peaks."""
    efficiency: GPUEfficiency
    """Achieved fractions of peak (fitted)."""
    overheads: GPUOverheads
    """Per-kernel fixed costs (fitted)."""
    power: GPUPower
    """Measured power while busy and while waiting."""
    default_batch: int = 256
    """Batch size used when none is given."""
    sources: dict[str, str] = field(default_factory=dict)
    """Where every datasheet and measured number comes from (field → citation)."""
    calibration: dict[str, str] = field(default_factory=dict)
    """How each fitted parameter was obtained (field → fit subset and script)."""

    def __post_init__(self) -> None:
        if self.default_batch < 1:
            raise ConfigError(f"default_batch: expected a positive integer, got {self.default_batch!r}")

    def compute_tops(self, precision: str) -> float:
        """Peak matrix-product throughput (10¹² operations/s) that ``precision`` runs on.

        Raises:
            ConfigError: for INT8 on a GPU without INT8 tensor cores.
        """
        if precision == "amp":
            return self.peak.fp16_tensor_tflops
        if precision == "int8":
            if self.peak.int8_tensor_tops <= 0:
                raise ConfigError(
                    f"--precision int8: {self.name} has no INT8 tensor cores (peak.int8_tensor_tops = 0)",
                    hint="use --precision amp or fp32",
                )
            return self.peak.int8_tensor_tops
        return self.peak.tf32_tflops if self.peak.tf32_tflops > 0 else self.peak.fp32_tflops

    def compute_efficiency(self, precision: str) -> float:
        """Fitted achieved fraction of :meth:`compute_tops` for large matrix products."""
        if precision == "fp32" and self.peak.tf32_tflops <= 0:
            return self.efficiency.fp32
        return self.efficiency.tensor
