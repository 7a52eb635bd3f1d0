"""What each layer kind asks of a GPU: the kernels it launches per phase and the bytes they move.

A registry (:data:`GPU_KINDS`) maps a layer kind (``conv2d``, ``relu``, ``batchnorm``, ...) to a
:class:`KindCost`. The GPU model (:mod:`archsim.gpu.model`) asks the kind for its kernels and measured mode
asks it how to time the layer; adding a kind is one :func:`register_kind` call (the per-kind ``gpu_work``
of the layer registry plugs in here).

Kernel classes:

* :class:`WeightGemm` — layers with weights that run as matrix products (``linear``, ``conv2d``,
  ``lstm``): forward, backward-data, backward-weights (``2·MACs·B`` FLOP each, training ≈ 3× forward)
  and one optimizer kernel per layer.
* :class:`ActivationGemm` — products of two activations (``matmul``: attention scores ``QKᵀ`` and
  ``softmax·V``): forward and two backward products, no weights.
* :class:`Elementwise` — memory-bound kernels. Their DRAM traffic is given in passes over the layer's
  input and output (``bytes = elem · (c_in · in_elems + c_out · out_elems) · B``); e.g. training batch
  norm reads its input twice (statistics, then normalisation) and writes its output once, ``(2, 1)``.
  ``fusable`` kinds disappear into the neighbouring matrix product's epilogue in a fusing stack
  (TensorRT folds batch norm into the convolution weights and runs bias, activation and residual add
  in the convolution epilogue).
* :class:`Free` — views (``flatten``) and the input placeholder.

Traffic coefficients are derived from what the kernels must read and write (cuDNN/PyTorch kernels,
one DRAM pass per tensor read or written); they are not fitted.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from archsim.gpu.timing import PhaseTimes, TimingBackend
from archsim.gpu.work import LayerWork
from archsim.registry import Registry


@dataclass(frozen=True, kw_only=True)
class KernelSpec:
    """One kernel a layer launches, for a whole batch, before any timing."""

    phase: str
    """Label, unique within the layer (``forward``, ``backward_data``, ``forward.cast``, ...)."""
    flop: float
    """Arithmetic operations (a multiply-accumulate counts 2)."""
    nbytes: float
    """DRAM bytes read and written."""
    matmul: bool
    """True for matrix products (compute peak applies), False for memory-bound kernels."""
    steps: int = 1
    """Sequential launches this kernel stands for (time steps of an LSTM)."""
    count: float = 1.0
    """Fraction of a launch per batch (an optimizer step shared by accumulated micro-batches)."""


@dataclass(frozen=True, kw_only=True)
class KernelContext:
    """What the kind needs to know about the run to list its kernels."""

    batch: int
    """Samples per batch."""
    elem_bytes: int
    """Bytes per activation element."""
    weight_bytes: int
    """Bytes per weight element as the matrix product reads it."""
    training: bool
    """Training (forward, backward, optimizer) or inference (forward)."""
    fuse_elementwise: bool
    """The stack fuses ``fusable`` element-wise layers into matrix-product epilogues."""
    weight_casts: bool
    """The stack casts FP32 master weights to the compute precision every forward (PyTorch AMP)."""
    nchw_transposes: bool
    """FP16 convolutions with NCHW tensors: cuDNN's FP16 tensor-core convolution kernels are NHWC, so it
    transposes input and output around every convolution kernel (two extra memory-bound kernels per
    convolution phase). TF32 has native NCHW tensor-core kernels (cuDNN 8 ``..._nchwkcrs_nchw``), FP32
    on CUDA cores needs none, and a TensorRT engine chooses its own formats."""
    channels_last: bool
    """Activations are NHWC (PyTorch ``channels_last``)."""
    optimizer_bytes_per_weight: float
    """DRAM bytes the optimizer moves per weight (0 in inference)."""
    optimizer_flop_per_weight: float
    """Operations per weight in the optimizer step."""
    optimizer_share: float
    """Optimizer steps per batch (1 / gradient-accumulation steps)."""


class KindCost:
    """Base class: how one layer kind turns into kernels, and how measured mode times it."""

    def kernels(self, work: LayerWork, ctx: KernelContext) -> Iterator[KernelSpec]:
        """Yield the kernels of one layer for one batch."""
        raise NotImplementedError

    def measure(self, work: LayerWork, backend: TimingBackend, *, batch: int, precision: str,
                training: bool) -> PhaseTimes | None:
        """Time the layer on ``backend`` (None: nothing runs); default: one element-wise kernel over
        the output."""
        return backend.time_elementwise(elems=work.out_elems_per_sample * batch, precision=precision,
                                        training=training)


@dataclass(frozen=True)
class Free(KindCost):
    """No kernel: a view or the input placeholder."""

    def kernels(self, work: LayerWork, ctx: KernelContext) -> Iterator[KernelSpec]:
        """Nothing to run."""
        return iter(())

    def measure(self, work: LayerWork, backend: TimingBackend, *, batch: int, precision: str,
                training: bool) -> PhaseTimes | None:
        """Nothing to time."""
        return None


@dataclass(frozen=True)
class WeightGemm(KindCost):
    """Matrix product against weights: ``linear``, ``conv2d``, ``lstm``."""

    is_conv: bool = False
    """Convolution (subject to NCHW transposes on tensor cores)."""

    def measure(self, work: LayerWork, backend: TimingBackend, *, batch: int, precision: str,
                training: bool) -> PhaseTimes | None:
        """The same convolution where the geometry is known, else the equivalent matrix product."""
        if work.conv is not None:
            return backend.time_conv(work.conv, batch=batch, precision=precision, training=training)
        m = max(1, work.gemm_m_per_sample)
        k = work.gemm_k or max(1, work.in_elems_per_sample // m)
        n = work.gemm_n or max(1, work.out_elems_per_sample // m)
        return backend.time_matmul(batches=1, m=batch * m, k=k, n=n, precision=precision, training=training,
                                   weight_grad=True)

    def _transposes(self, label: str, in_elems: float, out_elems: float, ctx: KernelContext) -> Iterator[KernelSpec]:
        if self.is_conv and ctx.nchw_transposes:
            yield KernelSpec(phase=f"{label}.transpose_in", flop=0.0, nbytes=2 * in_elems * ctx.elem_bytes, matmul=False)
            yield KernelSpec(phase=f"{label}.transpose_out", flop=0.0, nbytes=2 * out_elems * ctx.elem_bytes,
                             matmul=False)

    def kernels(self, work: LayerWork, ctx: KernelContext) -> Iterator[KernelSpec]:
        """Cast (AMP), forward, backward-data, backward-weights, optimizer."""
        b = ctx.batch
        in_e, out_e = work.in_elems_per_sample * b, work.out_elems_per_sample * b
        steps = max(1, work.sequential_steps)
        flop = 2.0 * work.macs_per_sample * b
        wbytes = work.n_weights * ctx.weight_bytes
        act = (in_e + out_e) * ctx.elem_bytes
        if ctx.weight_casts and work.n_weights:
            # FP32 master weights read (4 B) and written in FP16 (2 B) before the forward product
            yield KernelSpec(phase="forward.cast", flop=float(work.n_weights), nbytes=6.0 * work.n_weights,
                             matmul=False)
        yield from self._transposes("forward", in_e, out_e, ctx)
        yield KernelSpec(phase="forward", flop=flop, nbytes=act + wbytes, matmul=True, steps=steps)
        if not ctx.training:
            return
        if work.needs_input_grad:
            yield from self._transposes("backward_data", in_e, out_e, ctx)
            yield KernelSpec(phase="backward_data", flop=flop, nbytes=act + wbytes, matmul=True, steps=steps)
        yield from self._transposes("backward_weights", in_e, out_e, ctx)
        yield KernelSpec(phase="backward_weights", flop=flop, nbytes=act + wbytes, matmul=True, steps=steps)
        if work.n_weights:
            yield _optimizer(work.n_weights, ctx)


@dataclass(frozen=True)
class ActivationGemm(KindCost):
    """Product of two activations (attention ``QKᵀ``, ``P·V``): no weights, both inputs get gradients."""

    def measure(self, work: LayerWork, backend: TimingBackend, *, batch: int, precision: str,
                training: bool) -> PhaseTimes | None:
        """The batched product, one per sample and head."""
        return backend.time_matmul(batches=batch * max(1, work.matmul_batch_per_sample),
                                   m=max(1, work.gemm_m_per_sample), k=max(1, work.gemm_k), n=max(1, work.gemm_n),
                                   precision=precision, training=training, weight_grad=False)

    def kernels(self, work: LayerWork, ctx: KernelContext) -> Iterator[KernelSpec]:
        """Forward and, in training, the two operand gradients."""
        b = ctx.batch
        flop = 2.0 * work.macs_per_sample * b
        act = (work.in_elems_per_sample + work.out_elems_per_sample) * b * ctx.elem_bytes
        yield KernelSpec(phase="forward", flop=flop, nbytes=act, matmul=True)
        if ctx.training and work.needs_input_grad:
            yield KernelSpec(phase="backward_a", flop=flop, nbytes=act, matmul=True)
            yield KernelSpec(phase="backward_b", flop=flop, nbytes=act, matmul=True)


@dataclass(frozen=True)
class Elementwise(KindCost):
    """Memory-bound kernel described by DRAM passes over its input and output."""

    forward: tuple[float, float]
    """(input passes, output passes) of the training forward kernel."""
    backward: tuple[float, float] | None
    """(input-sized passes, output-sized passes) of the backward kernel; None: no backward kernel."""
    inference: tuple[float, float] | None = None
    """Forward traffic in inference when it differs (batch norm with running statistics); the literal
    ``(0, 0)`` marks a kind that is the identity in inference (dropout)."""
    fusable: bool = False
    """Folded into the neighbouring matrix product by a fusing stack."""
    channels_last_training: tuple[tuple[float, float], tuple[float, float]] | None = None
    """(forward, backward) traffic in training with NHWC tensors when it differs: PyTorch runs batch
    norm in cuDNN's ``CUDNN_BATCHNORM_SPATIAL_PERSISTENT`` mode for channels-last training (the
    activations stay on chip between the statistics and the normalisation pass), ``SPATIAL`` otherwise."""
    has_weights: bool = False
    """Small per-channel parameters updated by the optimizer (batch norm, layer norm scale and shift)."""

    def kernels(self, work: LayerWork, ctx: KernelContext) -> Iterator[KernelSpec]:
        """Forward, backward and (for normalisations) the optimizer update of their scale and shift."""
        if ctx.fuse_elementwise and self.fusable:
            return
        b = ctx.batch
        in_e, out_e = work.in_elems_per_sample * b, work.out_elems_per_sample * b
        fwd, bwd = self.forward, self.backward
        if ctx.training and ctx.channels_last and self.channels_last_training is not None:
            fwd, bwd = self.channels_last_training
        elif not ctx.training and self.inference is not None:
            fwd = self.inference
        if fwd == (0.0, 0.0):
            return
        yield KernelSpec(phase="forward", flop=float(max(in_e, out_e)),
                         nbytes=(fwd[0] * in_e + fwd[1] * out_e) * ctx.elem_bytes, matmul=False)
        if not ctx.training:
            return
        if bwd is not None and work.needs_input_grad:
            yield KernelSpec(phase="backward_data", flop=float(max(in_e, out_e)),
                             nbytes=(bwd[0] * in_e + bwd[1] * out_e) * ctx.elem_bytes,
                             matmul=False)
        if self.has_weights and work.n_weights:
            yield _optimizer(work.n_weights, ctx)


def _optimizer(n_weights: int, ctx: KernelContext) -> KernelSpec:
    return KernelSpec(phase="optimizer", flop=ctx.optimizer_flop_per_weight * n_weights * ctx.optimizer_share,
                      nbytes=ctx.optimizer_bytes_per_weight * n_weights * ctx.optimizer_share, matmul=False,
                      count=ctx.optimizer_share)


#: Layer kind -> its GPU cost description (the extension point of the GPU model).
GPU_KINDS: Registry[KindCost] = Registry("GPU layer kind")


def register_kind(name: str, cost: KindCost) -> None:
    """Make layer kind ``name`` known to the GPU model.

    Raises:
        ValueError: if ``name`` is already registered with another entry.
    """
    GPU_KINDS.register(name, cost)


def kind_cost(name: str) -> KindCost:
    """The cost description of layer kind ``name``.

    Raises:
        ConfigError: for a kind the GPU model does not know (with the closest match and the known kinds).
    """
    return GPU_KINDS[name]


#: Costs of layer kinds without an entry of their own, by the kind's GPU kernel class (``LayerWork.kernel``).
GENERIC_COSTS: dict[str, KindCost] = {}


def cost_of(work: LayerWork) -> KindCost:
    """The cost description of one layer: its kind's entry in :data:`GPU_KINDS`, else the generic cost of the
    kernel class its layer kind declares (a new kind, even one registered from a test, needs no entry here).

    Raises:
        ConfigError: for an unregistered kind without a kernel class (with the closest match and the known kinds).
    """
    if work.kind in GPU_KINDS or not work.kernel:
        return GPU_KINDS[work.kind]
    if work.kernel == "matmul":
        return GENERIC_COSTS["matmul" if work.n_weights else "activation_matmul"]
    return GENERIC_COSTS[work.kernel]


def known_kinds() -> tuple[str, ...]:
    """Registered layer kinds, sorted."""
    return tuple(sorted(GPU_KINDS.names()))


def is_matmul_kind(name: str) -> bool:
    """Whether ``name`` runs as a matrix product against weights."""
    return isinstance(kind_cost(name), WeightGemm)


for _name in ("input", "flatten"):
    register_kind(_name, Free())
register_kind("linear", WeightGemm())
register_kind("lstm", WeightGemm())
register_kind("conv2d", WeightGemm(is_conv=True))
register_kind("matmul", ActivationGemm())
# activation: read x, write y; backward reads x (or y) and dy, writes dx
for _name in ("relu", "sigmoid", "tanh", "gelu"):
    register_kind(_name, Elementwise(forward=(1, 1), backward=(2, 1), fusable=True))
# residual add: in_elems counts both operands; backward accumulates the two branch gradients (2 reads, 1 write)
register_kind("add", Elementwise(forward=(1, 1), backward=(0, 3), fusable=True))
# training batch norm (cuDNN SPATIAL, NCHW): statistics pass + normalise pass over x, write y; backward: two
# passes over x and dy (reduction, then dx), write dx. Channels-last training (cuDNN SPATIAL_PERSISTENT): one
# pass each. Inference: one pass with running statistics (folded into the convolution by TensorRT).
register_kind("batchnorm", Elementwise(forward=(2, 1), backward=(3, 2), inference=(1, 1), fusable=True,
                                       has_weights=True, channels_last_training=((1, 1), (2, 1))))
# layer norm (row fits on chip): one pass forward; backward reads x and dy, writes dx
register_kind("layernorm", Elementwise(forward=(1, 1), backward=(2, 1), has_weights=True))
# multiply or add by a constant or broadcast tensor (attention scale, attention mask)
register_kind("scale", Elementwise(forward=(1, 1), backward=(1, 1), fusable=True))
register_kind("softmax", Elementwise(forward=(1, 1), backward=(1, 2)))
# dropout: writes y and a mask (about half an element); identity in inference
register_kind("dropout", Elementwise(forward=(1, 1.5), backward=(1, 1.5), inference=(0, 0), fusable=True))
# pooling: backward zero-fills dx and scatters dy
register_kind("maxpool", Elementwise(forward=(1, 1), backward=(2, 1)))
register_kind("avgpool", Elementwise(forward=(1, 1), backward=(2, 1)))
register_kind("mixedpool", Elementwise(forward=(1, 1), backward=(2, 1)))
register_kind("lrn", Elementwise(forward=(2, 1), backward=(3, 2)))
# embedding lookup: gather rows (read and write the output); backward scatters dy into the table gradient
register_kind("embedding", Elementwise(forward=(0, 2), backward=(0, 2), has_weights=True))

GENERIC_COSTS.update({
    "view": Free(),
    "matmul": WeightGemm(),
    "activation_matmul": ActivationGemm(),
    # one pass: read the input, write the output; backward reads dy and x, writes dx
    "elementwise": Elementwise(forward=(1, 1), backward=(2, 1)),
})
