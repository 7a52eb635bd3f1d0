"""The workload model: a network as a directed acyclic graph of layers with inferred shapes and exact counts.

Shapes are per sample, channel-first, without the batch dimension: images ``(C, H, W)``, vectors ``(F,)``,
sequences ``(T, F)``. Every network starts at an implicit ``input`` layer whose output shape is the
workload's ``input_shape``.

Analog layers (``linear``, ``conv2d``, ``lstm``) are the ones mapped onto crossbars. Each is one logical
weight matrix of ``matrix_in`` inputs × ``matrix_out`` outputs (bias row not included) applied to
``vectors_per_sample`` input vectors per sample:

* ``linear``: ``in_features × out_features``; one vector per sample for a ``(F,)`` input, ``T`` for a
  ``(T, F)`` input (the layer is applied at every step);
* ``conv2d`` (im2col): ``k_h·k_w·c_in × c_out``; one vector per output pixel, ``out_h·out_w``;
* ``lstm`` (combined weight on ``[x_t, h_{t-1}]``, as aihwkit's ``AnalogLSTMCellCombinedWeight``):
  ``(in_features + hidden_size) × 4·hidden_size``; one vector per time step. Gate non-linearities and
  products are digital. The bias is one vector of ``4·hidden_size`` (PyTorch keeps two, b_ih and b_hh,
  and so counts 4·hidden_size more parameters).

Counts: ``n_weights`` includes biases (``n_biases``); ``macs_per_sample`` counts the multiply-accumulates
of the weight matrix only (``matrix_in · matrix_out · vectors_per_sample``), not bias adds, pooling or
element-wise work. Mixed pooling has one learnable mixing parameter per channel, counted in ``n_weights``
(digital, not analog). Output sizes use floor division: ``out = (in + 2·pad − k) // stride + 1``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import networkx as nx

from archsim.errors import WorkloadError

__all__ = ["ANALOG_KINDS", "Layer", "LayerKind", "Workload"]


class LayerKind(str, Enum):
    """Layer types of a workload (the ``kind:`` of a layer in YAML)."""

    INPUT = "input"
    LINEAR = "linear"
    CONV2D = "conv2d"
    LSTM = "lstm"
    MAXPOOL = "maxpool"
    AVGPOOL = "avgpool"
    MIXEDPOOL = "mixedpool"
    RELU = "relu"
    SIGMOID = "sigmoid"
    TANH = "tanh"
    LRN = "lrn"
    FLATTEN = "flatten"
    ADD = "add"
    SOFTMAX = "softmax"


#: Layer kinds whose weights sit on crossbars.
ANALOG_KINDS = frozenset({LayerKind.LINEAR, LayerKind.CONV2D, LayerKind.LSTM})


@dataclass(frozen=True, kw_only=True)
class Layer:
    """One layer with its inferred shapes and derived counts (kind-specific fields are None elsewhere)."""

    name: str
    """Unique layer name (a node of :attr:`Workload.graph`)."""
    kind: LayerKind
    """Layer type."""
    inputs: tuple[str, ...]
    """Names of the layers feeding this one (``()`` for the input layer)."""
    in_shape: tuple[int, ...]
    """Shape of the (first) input, per sample."""
    out_shape: tuple[int, ...]
    """Shape of the output, per sample."""
    in_features: int | None = None
    """linear / lstm: input vector length."""
    out_features: int | None = None
    """linear: output vector length."""
    in_channels: int | None = None
    """conv2d / pooling: input channels."""
    out_channels: int | None = None
    """conv2d: output channels (filters)."""
    kernel_size: tuple[int, int] | None = None
    """conv2d / pooling: (k_h, k_w)."""
    stride: tuple[int, int] | None = None
    """conv2d / pooling: (s_h, s_w)."""
    padding: tuple[int, int] | None = None
    """conv2d / pooling: zero padding (p_h, p_w) on each side."""
    hidden_size: int | None = None
    """lstm: hidden state size H."""
    return_sequences: bool | None = None
    """lstm: output every step ``(T, H)`` (True) or the last one ``(H,)``."""
    bias: bool = False
    """Whether the layer has a bias vector (analog layers)."""
    lrn_size: int | None = None
    """lrn: number of neighbouring channels."""
    lrn_alpha: float | None = None
    """lrn: scale α."""
    lrn_beta: float | None = None
    """lrn: exponent β."""
    lrn_k: float | None = None
    """lrn: additive constant k."""
    n_weights: int = 0
    """Trainable parameters including biases."""
    n_biases: int = 0
    """Bias parameters (included in n_weights)."""
    macs_per_sample: int = 0
    """Weight multiply-accumulates per sample (forward)."""
    matrix_in: int = 0
    """Analog layers: rows of the logical weight matrix (inputs, bias row excluded)."""
    matrix_out: int = 0
    """Analog layers: columns of the logical weight matrix (outputs)."""
    vectors_per_sample: int = 0
    """Analog layers: input vectors (MVMs) per sample; conv: output pixels, linear: 1 (or T), lstm: T."""

    @property
    def is_analog(self) -> bool:
        """True for linear, conv2d and lstm layers (mapped onto crossbars)."""
        return self.kind in ANALOG_KINDS

    @property
    def out_size(self) -> int:
        """Elements of the output per sample."""
        n = 1
        for s in self.out_shape:
            n *= s
        return n

    @property
    def in_size(self) -> int:
        """Elements of the (first) input per sample."""
        n = 1
        for s in self.in_shape:
            n *= s
        return n

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready row of the per-layer table (None fields left out)."""
        out: dict[str, Any] = {"name": self.name, "kind": self.kind.value, "inputs": list(self.inputs),
                               "in_shape": list(self.in_shape), "out_shape": list(self.out_shape),
                               "is_analog": self.is_analog, "n_weights": self.n_weights,
                               "n_biases": self.n_biases, "macs_per_sample": self.macs_per_sample}
        if self.is_analog:
            out.update(matrix_in=self.matrix_in, matrix_out=self.matrix_out,
                       vectors_per_sample=self.vectors_per_sample, bias=self.bias)
        for key in ("in_features", "out_features", "in_channels", "out_channels", "kernel_size", "stride",
                    "padding", "hidden_size", "return_sequences", "lrn_size", "lrn_alpha", "lrn_beta", "lrn_k"):
            value = getattr(self, key)
            if value is not None:
                out[key] = list(value) if isinstance(value, tuple) else value
        return out


@dataclass(frozen=True, kw_only=True)
class Workload:
    """A network: its layers in topological order, the graph joining them and its training defaults."""

    name: str
    """Workload name."""
    description: str
    """What the network is and where it comes from."""
    input_shape: tuple[int, ...]
    """Per-sample input shape (C, H, W), (F,) or (T, F)."""
    dataset: str
    """Default dataset spec for training/evaluation (``digits``, ``synthetic``, ``text``, ``idx:PATH``)."""
    task: str
    """``classification`` (one label per sample) or ``sequence`` (one label per time step)."""
    n_classes: int
    """Output classes (vocabulary size for sequence tasks)."""
    default_epochs: int
    """Training epochs when the user gives none."""
    layers: tuple[Layer, ...]
    """All layers in topological order, starting with the implicit ``input`` layer."""
    graph: nx.DiGraph = field(compare=False, repr=False)
    """Edges from producer to consumer; nodes are layer names with a ``layer`` attribute."""

    def layer(self, name: str) -> Layer:
        """The layer called ``name``.

        Raises:
            WorkloadError: if there is no such layer.
        """
        for lay in self.layers:
            if lay.name == name:
                return lay
        raise WorkloadError(f"workload {self.name}: no layer named {name!r}",
                            hint="layers: " + ", ".join(lay.name for lay in self.layers))

    @property
    def analog_layers(self) -> tuple[Layer, ...]:
        """The linear, conv2d and lstm layers, in topological order."""
        return tuple(lay for lay in self.layers if lay.is_analog)

    @property
    def output_layer(self) -> Layer:
        """The final layer (the graph's only sink)."""
        return self.layers[-1]

    @property
    def total_weights(self) -> int:
        """Trainable parameters of all layers, including biases."""
        return sum(lay.n_weights for lay in self.layers)

    @property
    def total_macs_per_sample(self) -> int:
        """Weight multiply-accumulates per sample (forward)."""
        return sum(lay.macs_per_sample for lay in self.layers)

    def to_dict(self) -> dict[str, Any]:
        """The ``workload`` section of result.json: name, input shape, per-layer table, totals."""
        return {
            "name": self.name,
            "description": self.description,
            "input_shape": list(self.input_shape),
            "dataset": self.dataset,
            "task": self.task,
            "n_classes": self.n_classes,
            "default_epochs": self.default_epochs,
            "layers": [lay.to_dict() for lay in self.layers],
            "total_weights": self.total_weights,
            "total_macs_per_sample": self.total_macs_per_sample,
            "analog_layers": len(self.analog_layers),
            "analog_weights": sum(lay.n_weights for lay in self.analog_layers),
        }
