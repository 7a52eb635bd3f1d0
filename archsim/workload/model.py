"""The workload model: a network as a directed acyclic graph of layers with inferred shapes and exact counts.

Shapes are per sample, channel-first, without the batch dimension: images ``(C, H, W)``, vectors ``(F,)``,
sequences ``(T, F)``. Every network starts at an implicit ``input`` layer whose output shape is the
workload's ``input_shape``.

What a layer *is* comes from its kind (:mod:`archsim.layers`: one module per kind, registered in
``LayerSpec.KINDS``); a :class:`Layer` holds its spec (the YAML fields) and what shape inference derived.
Analog layers (kinds with ``ANALOG``: ``linear``, ``conv2d``, ``lstm``) are the ones mapped onto crossbars. Each
is ``n_groups`` logical weight matrices of ``matrix_in`` inputs × ``matrix_out`` outputs (bias row not included;
``n_groups`` > 1 only for grouped convolutions) applied to ``vectors_per_sample`` input vectors per sample:

* ``linear``: ``in_features × out_features``; one vector per sample for a ``(F,)`` input, ``T`` for a
  ``(T, F)`` input (the layer is applied at every step);
* ``conv2d`` (im2col): ``k_h·k_w·c_in/groups × c_out/groups``; one vector per output pixel, ``out_h·out_w``;
* ``lstm`` (combined weight on ``[x_t, h_{t-1}]``, as aihwkit's ``AnalogLSTMCellCombinedWeight``):
  ``(in_features + hidden_size) × 4·hidden_size``; one vector per time step. Gate non-linearities and
  products are digital. The bias is one vector of ``4·hidden_size`` (PyTorch keeps two, b_ih and b_hh,
  and so counts 4·hidden_size more parameters).

Counts: ``n_weights`` includes biases (``n_biases``) and the trainable parameters of digital layers (batch and
layer norm γ/β, embedding tables, mixed-pooling mixes); ``macs_per_sample`` counts the multiply-accumulates of the
weight matrices (``n_groups · matrix_in · matrix_out · vectors_per_sample``) and of activation products
(``matmul``), not bias adds, pooling or element-wise work. Output sizes use floor division:
``out = (in + pad_begin + pad_end − dilation·(k − 1) − 1) // stride + 1``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from archsim.errors import WorkloadError
from archsim.layers import GpuWork, LayerSpec, LayerView, numel

__all__ = ["Layer", "ModelSource", "Workload"]


@dataclass(frozen=True, kw_only=True)
class Layer(LayerView):
    """One layer: its spec (YAML fields), its inferred shapes and its derived counts (the fields of
    :class:`archsim.layers.LayerView`)."""

    kind: str
    """Layer kind (the ``kind:`` of the layer in YAML; ``input`` for the network input)."""
    spec: LayerSpec = field(repr=False)
    """The layer's fields as loaded (the kind's dataclass)."""

    @property
    def is_analog(self) -> bool:
        """True for kinds whose weights sit on crossbars (linear, conv2d, lstm)."""
        return self.spec.ANALOG

    @property
    def replicable(self) -> bool:
        """Whether the layer's vectors may be spread over kernel replicas (RAPA)."""
        return self.spec.replicable()

    @property
    def out_size(self) -> int:
        """Elements of the output per sample."""
        return numel(self.out_shape)

    @property
    def in_size(self) -> int:
        """Elements of the (first) input per sample."""
        return numel(self.in_shape)

    def digital_ops(self, cycle: str) -> dict[str, float]:
        """``{DigitalOp value: ops per sample}`` of ``cycle`` (``forward``/``backward``), from the kind."""
        return self.spec.digital_ops(self, cycle)

    def moved_elements(self) -> int:
        """Activation elements read and written per sample, from the kind."""
        return self.spec.moved_elements(self)

    def gpu_work(self) -> GpuWork:
        """What the layer asks of a GPU, from the kind."""
        return self.spec.gpu_work(self)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready row of the per-layer table."""
        out: dict[str, Any] = {"name": self.name, "kind": self.kind, "inputs": list(self.inputs),
                               "in_shape": list(self.in_shape), "out_shape": list(self.out_shape),
                               "is_analog": self.is_analog, "n_weights": self.n_weights,
                               "n_biases": self.n_biases, "macs_per_sample": self.macs_per_sample}
        if self.is_analog:
            out.update(matrix_in=self.matrix_in, matrix_out=self.matrix_out,
                       vectors_per_sample=self.vectors_per_sample, bias=self.bias)
            if self.n_groups != 1:
                out["n_groups"] = self.n_groups
        for key, value in self.attrs.items():
            out[key] = list(value) if isinstance(value, tuple) else value
        return out


@dataclass(frozen=True, kw_only=True)
class ModelSource:
    """Where an imported workload came from (``source:`` in YAML)."""

    format: str = "onnx"
    """Exchange format of the source model."""
    file: str
    """File name of the source model."""
    graph: str = ""
    """Graph (model) name inside the file."""
    producer: str = ""
    """Tool that wrote the file (``producer_name`` and version)."""
    opset: int = 0
    """Default-domain operator set version."""


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
    """``classification`` (one label per sample), ``sequence`` (one label per time step) or ``features`` (the
    output is a representation, no labels: no accuracy step)."""
    n_classes: int
    """Output classes (vocabulary size for sequence tasks; the output's last size for ``features``)."""
    default_epochs: int
    """Training epochs when the user gives none."""
    layers: tuple[Layer, ...]
    """All layers in topological order, starting with the implicit ``input`` layer."""
    graph: nx.DiGraph = field(compare=False, repr=False)
    """Edges from producer to consumer; nodes are layer names with a ``layer`` attribute."""
    source: ModelSource | None = None
    """The model an imported workload came from, or None."""

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
        """The layers mapped onto crossbars, in topological order."""
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
        """Multiply-accumulates per sample (forward)."""
        return sum(lay.macs_per_sample for lay in self.layers)

    def to_dict(self) -> dict[str, Any]:
        """The ``workload`` section of result.json: name, input shape, per-layer table, totals."""
        out: dict[str, Any] = {
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
        if self.source is not None:
            out["source"] = {"format": self.source.format, "file": self.source.file, "graph": self.source.graph,
                             "producer": self.source.producer, "opset": self.source.opset}
        return out
