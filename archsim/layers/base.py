"""The layer-kind interface: one frozen dataclass per kind of layer, registered in :attr:`LayerSpec.KINDS`.

A *kind* (``linear``, ``conv2d``, ``batchnorm``, ...) is a subclass of :class:`LayerSpec` whose fields are exactly
the YAML keys of that kind (the strict loader builds ``layers:`` entries as a tagged union over the registry, so a
class registered from anywhere, a test module included, is loadable by its ``kind:``). The subclass is the one
definition of everything archsim knows about the kind:

* **checks and shape inference** — :meth:`LayerSpec.infer` takes the per-sample shapes of the layer's inputs and
  returns an :class:`Inferred`: output shape, exact weight and multiply-accumulate counts, and for analog kinds the
  logical weight matrix (``matrix_in`` × ``matrix_out`` per group, ``n_groups`` groups) and the input vectors per
  sample; a bad input raises :class:`LayerError` naming the YAML key;
* **the functional module** — :meth:`LayerSpec.build` returns a :class:`~archsim.layers.module.Module` with
  forward and backward in float32 numpy; analog kinds receive their matrix units (crossbar tiles or the
  floating-point baseline) through the :class:`~archsim.layers.module.BuildContext`, so this package never
  imports the tile numerics;
* **digital work for the engine** — :meth:`LayerSpec.digital_ops` gives ``{DigitalOp value: ops per sample}`` of
  one cycle (``forward`` or ``backward``), and :meth:`LayerSpec.moved_elements` the activation elements the layer
  reads and writes per sample;
* **row dataflow** — :meth:`LayerSpec.input_rows` says which rows of an input each output row needs (the mapper's
  line-buffer pipelining, :mod:`archsim.mapping.rows`): by default row by row for an image-to-image layer of
  the same height and the whole input otherwise; windowed kinds (convolution, pooling) state their window;
* **GPU work** — :meth:`LayerSpec.gpu_work` says what the layer asks of a GPU (:class:`GpuWork`).

Shapes are per sample, channel-first, without the batch dimension: images ``(C, H, W)``, vectors ``(F,)``,
sequences ``(T, F)``; attention tensors ``(heads, T, d)``. "Per sample" always means per input sample of the
network (one image, one sequence).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Union

from archsim.errors import WorkloadError
from archsim.hwconfig.schema import DigitalOp
from archsim.registry import Registry

if TYPE_CHECKING:
    from archsim.layers.module import BuildContext, Module

__all__ = ["CYCLES", "AnalogLayerSpec", "ConvShape", "GpuWork", "GpuWorkSize", "Inferred", "IntPair", "LayerError",
           "LayerSpec", "LayerView", "Shape", "SourceLayerSpec", "add_ops", "numel", "pair", "window_rows"]

Shape = tuple[int, ...]
IntPair = Union[int, tuple[int, int]]

#: The cycles whose digital work a kind describes (the update cycle's digital work is the crossbar periphery's).
CYCLES = ("forward", "backward")

#: GPU kernel classes of :class:`GpuWork`.
GPU_KERNELS = ("matmul", "elementwise", "view")
"""GPU kernel classes: dense products, one pass over the tensors, or nothing (a view)."""

OP_ACTIVATION = DigitalOp.ACTIVATION.value
OP_POOLING = DigitalOp.POOLING.value
OP_NORMALIZATION = DigitalOp.NORMALIZATION.value
OP_ELEMENTWISE = DigitalOp.ELEMENTWISE.value


class LayerError(WorkloadError):
    """A layer whose fields do not fit its inputs; the workload builder adds file, line and layer.

    Args:
        message: what is wrong (expected, got).
        key: the YAML key of the layer the problem is about, if one.
        hint: how to fix it.
    """

    def __init__(self, message: str, *, key: str | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.key = key


def numel(shape: Shape) -> int:
    """Elements of a per-sample shape."""
    return int(math.prod(shape))


def pair(value: IntPair | None, default: tuple[int, int] | None = None) -> tuple[int, int]:
    """``3`` -> ``(3, 3)``; ``[3, 2]`` -> ``(3, 2)``; None -> ``default``."""
    if value is None:
        if default is None:
            raise ValueError("pair: no value and no default")
        return default
    if isinstance(value, int):
        return (value, value)
    return (int(value[0]), int(value[1]))


def window_rows(in_rows: int, out_row: int, *, kernel: int, stride: int, pad_top: int,
                dilation: int = 1) -> tuple[int, int]:
    """Input rows ``first .. end - 1`` that output row ``out_row`` of a sliding window covers (clipped to the
    ``in_rows`` rows of the input; padding rows are not input rows): the window of output row ``i`` starts at
    input row ``i·stride − pad_top`` and reaches ``dilation·(kernel − 1) + 1`` rows."""
    start = out_row * stride - pad_top
    reach = dilation * (kernel - 1) + 1
    return max(0, min(in_rows, start)), max(0, min(in_rows, start + reach))


def add_ops(into: dict[str, float], ops: Mapping[str, float]) -> dict[str, float]:
    """Add ``ops`` into ``into`` (per op kind) and return ``into``."""
    for op, n in ops.items():
        into[op] = into.get(op, 0.0) + n
    return into


@dataclass(frozen=True, kw_only=True)
class Inferred:
    """What shape inference derives for one layer (counts are exact integers, per sample)."""

    out_shape: Shape
    """Per-sample output shape."""
    n_weights: int = 0
    """Trainable parameters including biases."""
    n_biases: int = 0
    """Bias parameters (included in ``n_weights``)."""
    macs_per_sample: int = 0
    """Multiply-accumulates per sample (forward): weight MACs for analog kinds, activation products for
    ``matmul``; bias adds, pooling and element-wise work are not MACs."""
    matrix_in: int = 0
    """Analog kinds: inputs of one group's logical weight matrix (bias row excluded)."""
    matrix_out: int = 0
    """Analog kinds: outputs of one group's logical weight matrix."""
    n_groups: int = 1
    """Analog kinds: independent weight matrices applied side by side (grouped convolution); 1 otherwise."""
    vectors_per_sample: int = 0
    """Analog kinds: input vectors (MVMs) per sample and group; conv: output pixels, linear: 1 (or T), lstm: T."""
    bias: bool = False
    """Whether the layer has a bias vector."""
    attrs: Mapping[str, Any] = field(default_factory=dict)
    """Kind-specific resolved fields for the per-layer table (``in_features``, ``kernel_size`` as pairs, ...)."""


@dataclass(frozen=True, kw_only=True)
class ConvShape:
    """Geometry of a 2-D convolution, for timing the same convolution on a real GPU."""

    in_channels: int
    """Input channels."""
    out_channels: int
    """Output channels (filters)."""
    kernel: tuple[int, int]
    """(k_h, k_w)."""
    stride: tuple[int, int]
    """(s_h, s_w)."""
    padding: tuple[int, int]
    """Zero padding (top, left) on each side; an asymmetric padding's bottom/right are not kept."""
    in_hw: tuple[int, int]
    """Input height and width."""
    groups: int = 1
    """Grouped convolution (1: dense)."""


@dataclass(frozen=True, kw_only=True)
class GpuWorkSize:
    """How much one layer asks of a GPU, per sample: the sizes its kernels' roofline times are computed from."""

    macs_per_sample: int = 0
    """Multiply-accumulates per sample (forward; matmul kernels)."""
    n_weights: int = 0
    """Trainable parameters the optimizer updates (incl. biases)."""
    sequential_steps: int = 1
    """Kernels that must run one after another per phase (time steps of an LSTM; 1 otherwise)."""
    gemm_m_per_sample: int = 0
    """Rows of the equivalent matrix product per sample (conv: output pixels; 0: unknown)."""
    gemm_k: int = 0
    """Inner dimension of the equivalent matrix product (``matrix_in``; 0: unknown)."""
    gemm_n: int = 0
    """Columns of the equivalent matrix product (``matrix_out``; 0: unknown)."""
    matmul_batch_per_sample: int = 0
    """Products of two activations (``matmul`` layers): independent products per sample (attention heads); each
    is ``gemm_m_per_sample × gemm_k`` by ``gemm_k × gemm_n``."""
    conv: ConvShape | None = None
    """Convolutions: the geometry (when known)."""


@dataclass(frozen=True, kw_only=True)
class GpuWork(GpuWorkSize):
    """What one layer asks of a GPU, per sample (the GPU roofline turns it into time and energy)."""

    kernel: str
    """``matmul`` (dense products: forward, input-gradient and weight/second-operand-gradient products),
    ``elementwise`` (one pass over the tensors) or ``view`` (free: a reshape or the input placeholder)."""

    def __post_init__(self) -> None:
        if self.kernel not in GPU_KERNELS:
            raise ValueError(f"GpuWork.kernel: expected one of {', '.join(GPU_KERNELS)}, got {self.kernel!r}")


@dataclass(frozen=True, kw_only=True)
class LayerView(Inferred):
    """One layer as its kind's methods read it: its name, inputs and input shapes, and what inference derived
    (:class:`archsim.workload.Layer` adds the kind and the spec)."""

    name: str
    """Unique layer name (a node of the workload graph)."""
    inputs: tuple[str, ...]
    """Names of the layers feeding this one (``()`` for the input layer and parameters)."""
    in_shape: Shape
    """Shape of the first input, per sample (the output shape for the input layer)."""
    in_shapes: tuple[Shape, ...] = ()
    """Shapes of all inputs, per sample."""


@dataclass(frozen=True, kw_only=True)
class LayerSpec:
    """Base of every layer kind (module docstring). Subclasses declare ``kind: str = "<tag>"`` and their fields."""

    KINDS: ClassVar[Registry[type]] = Registry("layer kind")
    """Registered kinds by tag; the loader builds ``layers:`` entries as a tagged union over it."""
    ANALOG: ClassVar[bool] = False
    """True for kinds whose weights sit on crossbars (mapped by :mod:`archsim.mapping`)."""
    MIN_INPUTS: ClassVar[int] = 1
    """Fewest inputs the kind takes."""
    MAX_INPUTS: ClassVar[int | None] = 1
    """Most inputs the kind takes (None: any number)."""
    GPU_KERNEL: ClassVar[str] = "elementwise"
    """What the kind runs as on a GPU (:data:`GPU_KERNELS`)."""

    kind: str
    """The layer kind (tag of the tagged union)."""
    name: str
    """Unique layer name."""
    inputs: tuple[str, ...] | None = None
    """Producer layers; None = the previous layer in the list (the network input for the first)."""

    # -- shape inference -----------------------------------------------------------------------------
    def infer(self, in_shapes: tuple[Shape, ...]) -> Inferred:
        """Check the fields against the inputs' per-sample shapes and derive shape and counts.

        Raises:
            LayerError: a field that does not fit the inputs.
        """
        raise NotImplementedError(f"layer kind {self.kind!r} does not implement infer()")

    def replicable(self) -> bool:
        """Whether the layer's vectors are independent and may be spread over kernel replicas (RAPA)."""
        return False

    # -- functional model ----------------------------------------------------------------------------
    def build(self, layer: LayerView, ctx: BuildContext) -> Module:
        """The functional module of this layer (forward and backward in float32)."""
        raise NotImplementedError(f"layer kind {self.kind!r} does not implement build()")

    # -- engine --------------------------------------------------------------------------------------
    def digital_ops(self, layer: LayerView, cycle: str) -> dict[str, float]:
        """Digital ops per sample of ``cycle`` (``forward`` or ``backward``), ``{DigitalOp value: ops}``.

        Analog kinds give the digital work around their matrix products that is theirs alone (the LSTM
        gates); partial sums, shift-and-add and noise management are the crossbar periphery's (engine).
        """
        return {}

    def moved_elements(self, layer: LayerView) -> int:
        """Activation elements the layer reads and writes per sample (all inputs plus the output)."""
        return sum(numel(s) for s in layer.in_shapes) + numel(layer.out_shape)

    def input_rows(self, layer: LayerView, in_rows: int, out_row: int) -> tuple[int, int]:
        """Row dataflow: the rows ``first .. end - 1`` of an input of ``in_rows`` rows that
        output row ``out_row`` needs, as ``(first, end)``. A tensor's rows are ``H`` of an image ``(C, H, W)``;
        any other tensor is one row.

        Default: an image-to-image layer whose output has the input's height works row by row (activations,
        element-wise and channel-wise kinds); any other layer needs the whole input (flatten, linear, LSTM,
        global pooling). Windowed kinds override it with :func:`window_rows`.
        """
        if len(layer.out_shape) == 3 and in_rows == layer.out_shape[1]:
            return out_row, out_row + 1
        return 0, in_rows

    # -- GPU -----------------------------------------------------------------------------------------
    def gpu_work(self, layer: LayerView) -> GpuWork:
        """What the layer asks of a GPU (default: one element-wise kernel over its tensors)."""
        return GpuWork(kernel=self.GPU_KERNEL, n_weights=layer.n_weights)

    # -- helpers for subclasses ------------------------------------------------------------------------
    @staticmethod
    def _positive(key: str, value: int) -> None:
        if isinstance(value, bool) or value < 1:
            raise LayerError(f"{key}: expected an integer >= 1, got {value}", key=key)

    def _image(self, shape: Shape) -> tuple[int, int, int]:
        if len(shape) != 3:
            raise LayerError(f"{self.kind} expects an image input [C, H, W], got {list(shape)}")
        return shape[0], shape[1], shape[2]

    def _axis(self, axis: int, rank: int, key: str = "axis") -> int:
        """A per-sample axis (negative counts from the end) as an index in ``[0, rank)``."""
        if not -rank <= axis < rank:
            raise LayerError(f"{key}: expected an axis of a {rank}-d input (between {-rank} and {rank - 1}), "
                             f"got {axis}", key=key)
        return axis % rank


@dataclass(frozen=True, kw_only=True)
class AnalogLayerSpec(LayerSpec):
    """Base of the kinds whose weights sit on crossbars (``linear``, ``conv2d``, ``lstm``): the layer applies its
    logical weight matrix (``matrix_in`` x ``matrix_out``) to ``vectors_per_sample`` input vectors, which a GPU runs
    as one matrix product of that size."""

    ANALOG = True
    GPU_KERNEL = "matmul"

    def gpu_work(self, layer: LayerView) -> GpuWork:
        return GpuWork(kernel=self.GPU_KERNEL, macs_per_sample=layer.macs_per_sample, n_weights=layer.n_weights,
                       gemm_m_per_sample=layer.vectors_per_sample, gemm_k=layer.matrix_in,
                       gemm_n=layer.matrix_out)


@dataclass(frozen=True, kw_only=True)
class SourceLayerSpec(LayerSpec):
    """Base of the kinds without inputs (the network ``input``, ``parameter``): their output is a tensor of a
    stated shape, which a GPU only views."""

    MIN_INPUTS = 0
    MAX_INPUTS = 0
    GPU_KERNEL = "view"
