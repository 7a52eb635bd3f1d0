"""GPU baseline descriptions: published peaks plus the few calibrated factors of the roofline model.

A GPU is described by its datasheet peaks (dense, no sparsity), its memory bandwidth and board power,
and three groups of *model* parameters that no datasheet gives and that are therefore calibrated
(see :mod:`archsim.gpu.model` and ``hwconfigs/gpus/*.yaml``):

* ``efficiency``: the fraction of peak compute / bandwidth that real kernels achieve at large batch.
  research/architecture-anchors.md §6.3 derives them from the published ResNet-50 v1.5 throughputs
  (NVIDIA DeepLearningExamples): ≈0.15–0.25 on tensor cores, ≈0.5–0.65 for plain FP32.
* ``launch_overhead_us``: a fixed cost per kernel (launch + framework dispatch). It dominates small
  networks (an MLP at batch 1), which a pure roofline would make look absurdly fast on a GPU.
* ``power``: the board draws ``busy_power_fraction × tdp_w`` while it runs (compute- or memory-bound)
  and ``idle_power_w`` during launch gaps.

Bandwidths are in GB/s (10⁹ bytes per second); compute peaks in TFLOP/s (10¹² FLOP/s, 1 MAC = 2 FLOP).
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Numeric precisions the model knows. ``fp32``: FP32 tensors as PyTorch runs them by default
#: (convolutions and matmuls on TF32 tensor cores where the GPU has them: Ampere and later);
#: ``amp``: automatic mixed precision (FP16/BF16 tensor cores, FP32 master weights).
PRECISIONS = ("fp32", "amp")

#: Modes of the model: inference is the forward pass; training adds backward-data, backward-weights
#: and the optimizer step.
MODES = ("inference", "training")


@dataclass(frozen=True, kw_only=True)
class GPUPeaks:
    """Datasheet peaks of one GPU (dense)."""

    fp32_tflops: float
    """Peak FP32 (CUDA cores) throughput, TFLOP/s."""
    tf32_tflops: float = 0.0
    """Peak TF32 tensor-core throughput, TFLOP/s; 0 where the GPU has no TF32 (Volta)."""
    fp16_tensor_tflops: float
    """Peak FP16/BF16 tensor-core throughput with FP32 accumulation, TFLOP/s."""
    memory_bandwidth_gbps: float
    """Peak DRAM (HBM) bandwidth in GB/s (gigabytes per second)."""
    memory_capacity_gib: float
    """Device memory, GiB."""
    tdp_w: float
    """Board power limit (TDP), W."""


@dataclass(frozen=True, kw_only=True)
class GPUEfficiency:
    """Achieved fraction of the peaks at large batch (calibrated; see the YAML's ``calibration``)."""

    fp32: float
    """Fraction of the FP32 (or TF32 where present) peak reached by convolutions and matmuls."""
    amp: float
    """Fraction of the FP16/BF16 tensor peak reached under automatic mixed precision."""
    memory: float = 0.8
    """Fraction of the DRAM bandwidth reached by memory-bound kernels (elementwise, pooling, optimizer)."""


@dataclass(frozen=True, kw_only=True)
class GPUPower:
    """Board power model: energy = busy time × busy power + launch gaps × idle power."""

    busy_power_fraction: float = 1.0
    """Fraction of TDP drawn while kernels run (1.0: the usual 'GPU at TDP' assumption of the papers)."""
    idle_power_w: float = 50.0
    """Power drawn between kernels (launch gaps), W."""


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
    """Achieved fractions of peak (calibrated)."""
    power: GPUPower = field(default_factory=GPUPower)
    """Board power model."""
    launch_overhead_us: float = 5.0
    """Fixed cost per kernel (launch plus framework dispatch), µs."""
    default_batch: int = 256
    """Batch size used when none is given (the batch of the calibration runs)."""
    sources: dict[str, str] = field(default_factory=dict)
    """Where every number comes from (field → citation)."""
    calibration: dict[str, str] = field(default_factory=dict)
    """How each calibrated factor was obtained (field → derivation)."""

    def compute_tflops(self, precision: str) -> float:
        """Peak matmul throughput (TFLOP/s) that ``precision`` runs on."""
        if precision == "amp":
            return self.peak.fp16_tensor_tflops
        return self.peak.tf32_tflops if self.peak.tf32_tflops > 0 else self.peak.fp32_tflops

    def compute_efficiency(self, precision: str) -> float:
        """Calibrated achieved fraction of :meth:`compute_tflops`."""
        return self.efficiency.amp if precision == "amp" else self.efficiency.fp32
