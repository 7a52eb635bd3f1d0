"""Workload YAML → :class:`~archsim.workload.model.Workload`, with shape inference and strict errors.

File format (``workloads/*.yaml``)::

    version: 1
    name: mlp-digits
    description: ...
    input_shape: [64]          # (C, H, W), (F,) or (T, F)
    dataset: digits            # default dataset spec
    task: classification       # or sequence
    n_classes: 10
    default_epochs: 10
    layers:
      - {name: fc1, kind: linear, out_features: 32}
      - {name: act1, kind: sigmoid}
      - {name: fc2, kind: linear, out_features: 10, inputs: [act1]}

A layer's ``inputs`` default to the previous layer in the list (the implicit ``input`` layer for the first
one). Only ``add`` takes several inputs. Each layer kind accepts exactly the keys of its spec class below
(unknown keys are errors with the valid ones listed); ``in_features`` / ``in_channels`` may be given and
are then checked against the inferred shape. Errors (unknown layer kind, unknown or dangling inputs,
cycles, shape mismatches, unused layers) are :class:`~archsim.errors.WorkloadError` naming the file, the
line and the layer.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import networkx as nx

from archsim.errors import ConfigError, WorkloadError
from archsim.loader import WORKLOAD, Source, apply_overrides, build_dataclass, parse_yaml, read_input
from archsim.workload.model import Layer, LayerKind, Workload

__all__ = ["load_workload", "load_workload_text", "workload_from_dict"]

SUPPORTED_VERSIONS = (1,)
IntPair = Union[int, tuple[int, int]]


# ------------------------------------------------------------------------------------------------ specs


@dataclass(frozen=True, kw_only=True)
class _Base:
    name: str
    """Unique layer name."""
    inputs: tuple[str, ...] | None = None
    """Producer layers; None = the previous layer in the list."""


@dataclass(frozen=True, kw_only=True)
class LinearSpec(_Base):
    """Fully connected layer y = W x + b."""

    kind: str = "linear"
    out_features: int
    in_features: int | None = None
    bias: bool = True


@dataclass(frozen=True, kw_only=True)
class Conv2dSpec(_Base):
    """2-D convolution (no groups, no dilation)."""

    kind: str = "conv2d"
    out_channels: int
    kernel_size: IntPair
    stride: IntPair = 1
    padding: IntPair = 0
    in_channels: int | None = None
    bias: bool = True


@dataclass(frozen=True, kw_only=True)
class LSTMSpec(_Base):
    """One LSTM layer over a (T, F) sequence."""

    kind: str = "lstm"
    hidden_size: int
    in_features: int | None = None
    return_sequences: bool = True
    bias: bool = True


@dataclass(frozen=True, kw_only=True)
class _PoolBase(_Base):
    kernel_size: IntPair
    stride: IntPair | None = None
    """None = kernel_size."""
    padding: IntPair = 0


@dataclass(frozen=True, kw_only=True)
class MaxPoolSpec(_PoolBase):
    """Max pooling."""

    kind: str = "maxpool"


@dataclass(frozen=True, kw_only=True)
class AvgPoolSpec(_PoolBase):
    """Average pooling (padding counts as zeros)."""

    kind: str = "avgpool"


@dataclass(frozen=True, kw_only=True)
class MixedPoolSpec(_PoolBase):
    """Learnable per-channel mix of max and average pooling (RAPA-ConvNets)."""

    kind: str = "mixedpool"


@dataclass(frozen=True, kw_only=True)
class ReLUSpec(_Base):
    """ReLU."""

    kind: str = "relu"


@dataclass(frozen=True, kw_only=True)
class SigmoidSpec(_Base):
    """Logistic sigmoid."""

    kind: str = "sigmoid"


@dataclass(frozen=True, kw_only=True)
class TanhSpec(_Base):
    """Hyperbolic tangent."""

    kind: str = "tanh"


@dataclass(frozen=True, kw_only=True)
class LRNSpec(_Base):
    """Local response normalisation across channels (AlexNet / Caffe)."""

    kind: str = "lrn"
    size: int = 5
    alpha: float = 1e-4
    beta: float = 0.75
    k: float = 1.0


@dataclass(frozen=True, kw_only=True)
class FlattenSpec(_Base):
    """Flatten (C, H, W) to (C·H·W,)."""

    kind: str = "flatten"


@dataclass(frozen=True, kw_only=True)
class AddSpec(_Base):
    """Element-wise sum of two or more inputs of equal shape (residual joins)."""

    kind: str = "add"


@dataclass(frozen=True, kw_only=True)
class SoftmaxSpec(_Base):
    """Softmax over the last axis."""

    kind: str = "softmax"


LayerSpec = Union[LinearSpec, Conv2dSpec, LSTMSpec, MaxPoolSpec, AvgPoolSpec, MixedPoolSpec, ReLUSpec,
                  SigmoidSpec, TanhSpec, LRNSpec, FlattenSpec, AddSpec, SoftmaxSpec]


@dataclass(frozen=True, kw_only=True)
class WorkloadSpec:
    """The top level of a workload YAML file."""

    version: int = 1
    name: str
    description: str = ""
    input_shape: tuple[int, ...]
    dataset: str = "synthetic"
    task: str = "classification"
    n_classes: int
    default_epochs: int = 10
    layers: tuple[LayerSpec, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.version not in SUPPORTED_VERSIONS or isinstance(self.version, bool):
            raise ConfigError(f"version: expected 1, got {self.version!r}",
                              hint="this archsim reads workload version 1")
        if not self.name:
            raise ConfigError("name: expected a non-empty string, got ''")
        if not self.input_shape or len(self.input_shape) > 3 or min(self.input_shape) < 1:
            raise ConfigError(f"input_shape: expected 1 to 3 positive sizes, got {list(self.input_shape)}")
        if self.task not in ("classification", "sequence"):
            raise ConfigError(f"task: expected classification or sequence, got {self.task!r}")
        if self.n_classes < 1:
            raise ConfigError(f"n_classes: expected an integer >= 1, got {self.n_classes}")
        if self.default_epochs < 1:
            raise ConfigError(f"default_epochs: expected an integer >= 1, got {self.default_epochs}")
        if not self.layers:
            raise ConfigError("layers: expected at least one layer, got none")
        if not self.dataset:
            raise ConfigError("dataset: expected a dataset name, got ''")


# ------------------------------------------------------------------------------------------------ building


def _pair(value: IntPair | None, default: tuple[int, int] | None = None) -> tuple[int, int]:
    if value is None:
        assert default is not None
        return default
    if isinstance(value, int):
        return (value, value)
    return (int(value[0]), int(value[1]))


class _Builder:
    def __init__(self, spec: WorkloadSpec, source: Source) -> None:
        self.spec = spec
        self.source = source

    def fail(self, index: int | None, message: str, hint: str | None = None, key: str | None = None) -> WorkloadError:
        if index is None:
            path: tuple[Any, ...] = ("layers",)
            label = "layers"
        else:
            path = ("layers", index) + ((key,) if key else ())
            label = f"layers[{index}] ({self.spec.layers[index].name})"
        return WorkloadError(f"{self.source.where(path)}: {label}: {message}", hint=hint)

    def build(self) -> Workload:
        spec = self.spec
        names: dict[str, int] = {}
        for i, lay in enumerate(spec.layers):
            if lay.name == "input":
                raise self.fail(i, "the name 'input' is reserved for the network input", key="name")
            if lay.name in names:
                raise self.fail(i, f"duplicate layer name {lay.name!r} (first used by layers[{names[lay.name]}])",
                                key="name")
            names[lay.name] = i
        inputs_of: list[tuple[str, ...]] = []
        for i, lay in enumerate(spec.layers):
            if lay.inputs is None:
                ins: tuple[str, ...] = ("input",) if i == 0 else (spec.layers[i - 1].name,)
            else:
                ins = lay.inputs
                if not ins:
                    raise self.fail(i, "expected at least one input, got an empty list", key="inputs")
            for src in ins:
                if src != "input" and src not in names:
                    close = difflib.get_close_matches(src, ["input", *names], n=1)
                    raise self.fail(i, f"unknown input {src!r}" + (f" (did you mean {close[0]!r}?)" if close else ""),
                                    hint="inputs name earlier layers or 'input'; layers: "
                                         + ", ".join(["input", *names]), key="inputs")
                if src == lay.name:
                    raise self.fail(i, "a layer cannot be its own input", key="inputs")
            if lay.kind == "add":
                if len(ins) < 2:
                    raise self.fail(i, f"add needs at least two inputs, got {len(ins)}", key="inputs")
            elif len(ins) != 1:
                raise self.fail(i, f"{lay.kind} takes one input, got {len(ins)}: {', '.join(ins)}", key="inputs")
            inputs_of.append(ins)
        graph = nx.DiGraph()
        graph.add_node("input")
        for lay, ins in zip(spec.layers, inputs_of, strict=True):
            graph.add_node(lay.name)
            for src in ins:
                graph.add_edge(src, lay.name)
        if not nx.is_directed_acyclic_graph(graph):
            cycle = nx.find_cycle(graph)
            first = min(names[u] for u, _ in cycle if u in names)
            raise self.fail(first, "the layers form a cycle: " + " -> ".join([u for u, _ in cycle] + [cycle[0][0]]),
                            hint="a workload is a directed acyclic graph; check the inputs lists")
        sinks = [n for n in graph.nodes if graph.out_degree(n) == 0]
        if len(sinks) != 1:
            dangling = [n for n in sinks if n != spec.layers[-1].name]
            i = names.get(dangling[0]) if dangling and dangling[0] in names else None
            raise self.fail(i, "output not used by any other layer: " + ", ".join(dangling),
                            hint="a workload has exactly one output (its last layer); connect or remove the layer")
        if sinks[0] != spec.layers[-1].name:
            raise self.fail(len(spec.layers) - 1, f"the network's output is {sinks[0]!r}, not the last layer",
                            hint="list the output layer last")
        layers: dict[str, Layer] = {"input": Layer(name="input", kind=LayerKind.INPUT, inputs=(),
                                                   in_shape=spec.input_shape, out_shape=spec.input_shape)}
        order = [n for n in nx.lexicographical_topological_sort(graph, key=lambda n: names.get(n, -1))]
        for node in order:
            if node == "input":
                continue
            i = names[node]
            layers[node] = self.infer(i, spec.layers[i], inputs_of[i], layers)
        for node in order:
            graph.nodes[node]["layer"] = layers[node]
        final = layers[spec.layers[-1].name]
        if spec.task == "classification" and final.out_shape != (spec.n_classes,):
            raise self.fail(len(spec.layers) - 1, f"the output shape is {list(final.out_shape)}, but n_classes is "
                            f"{spec.n_classes}", hint="a classification network ends in [n_classes]")
        if spec.task == "sequence" and (len(final.out_shape) != 2 or final.out_shape[1] != spec.n_classes):
            raise self.fail(len(spec.layers) - 1, f"the output shape is {list(final.out_shape)}, expected "
                            f"[T, {spec.n_classes}] for a sequence task")
        return Workload(name=spec.name, description=spec.description, input_shape=spec.input_shape,
                        dataset=spec.dataset, task=spec.task, n_classes=spec.n_classes,
                        default_epochs=spec.default_epochs, layers=tuple(layers[n] for n in order), graph=graph)

    def infer(self, i: int, s: Any, ins: tuple[str, ...], layers: dict[str, Layer]) -> Layer:
        src = layers[ins[0]]
        shape = src.out_shape
        kind = LayerKind(s.kind)
        base: dict[str, Any] = {"name": s.name, "kind": kind, "inputs": ins, "in_shape": shape}
        if kind is LayerKind.LINEAR:
            if len(shape) not in (1, 2):
                raise self.fail(i, f"linear expects an input of shape [F] or [T, F], got {list(shape)}",
                                hint="add a flatten layer before it")
            f_in = shape[-1]
            if s.in_features is not None and s.in_features != f_in:
                raise self.fail(i, f"in_features is {s.in_features} but the input has {f_in} features",
                                key="in_features")
            self._positive(i, "out_features", s.out_features)
            vectors = shape[0] if len(shape) == 2 else 1
            nb = s.out_features if s.bias else 0
            return Layer(**base, out_shape=shape[:-1] + (s.out_features,), in_features=f_in,
                         out_features=s.out_features, bias=s.bias, n_weights=f_in * s.out_features + nb,
                         n_biases=nb, macs_per_sample=f_in * s.out_features * vectors, matrix_in=f_in,
                         matrix_out=s.out_features, vectors_per_sample=vectors)
        if kind is LayerKind.CONV2D:
            c, h, w = self._image(i, shape)
            if s.in_channels is not None and s.in_channels != c:
                raise self.fail(i, f"in_channels is {s.in_channels} but the input has {c} channels",
                                key="in_channels")
            self._positive(i, "out_channels", s.out_channels)
            k, st, p = _pair(s.kernel_size), _pair(s.stride), _pair(s.padding)
            oh, ow = self._window(i, (h, w), k, st, p)
            m_in = k[0] * k[1] * c
            nb = s.out_channels if s.bias else 0
            vectors = oh * ow
            return Layer(**base, out_shape=(s.out_channels, oh, ow), in_channels=c, out_channels=s.out_channels,
                         kernel_size=k, stride=st, padding=p, bias=s.bias, n_weights=m_in * s.out_channels + nb,
                         n_biases=nb, macs_per_sample=m_in * s.out_channels * vectors, matrix_in=m_in,
                         matrix_out=s.out_channels, vectors_per_sample=vectors)
        if kind is LayerKind.LSTM:
            if len(shape) != 2:
                raise self.fail(i, f"lstm expects a sequence input [T, F], got {list(shape)}")
            t, f_in = shape
            if s.in_features is not None and s.in_features != f_in:
                raise self.fail(i, f"in_features is {s.in_features} but the input has {f_in} features",
                                key="in_features")
            self._positive(i, "hidden_size", s.hidden_size)
            hsz = s.hidden_size
            m_in, m_out = f_in + hsz, 4 * hsz
            nb = m_out if s.bias else 0
            out = (t, hsz) if s.return_sequences else (hsz,)
            return Layer(**base, out_shape=out, in_features=f_in, hidden_size=hsz,
                         return_sequences=s.return_sequences, bias=s.bias, n_weights=m_in * m_out + nb,
                         n_biases=nb, macs_per_sample=m_in * m_out * t, matrix_in=m_in, matrix_out=m_out,
                         vectors_per_sample=t)
        if kind in (LayerKind.MAXPOOL, LayerKind.AVGPOOL, LayerKind.MIXEDPOOL):
            c, h, w = self._image(i, shape)
            k = _pair(s.kernel_size)
            st = _pair(s.stride, k)
            p = _pair(s.padding)
            if p[0] * 2 > k[0] or p[1] * 2 > k[1]:
                raise self.fail(i, f"padding {list(p)} is more than half the kernel {list(k)}", key="padding")
            oh, ow = self._window(i, (h, w), k, st, p)
            nw = c if kind is LayerKind.MIXEDPOOL else 0
            return Layer(**base, out_shape=(c, oh, ow), in_channels=c, kernel_size=k, stride=st, padding=p,
                         n_weights=nw)
        if kind in (LayerKind.RELU, LayerKind.SIGMOID, LayerKind.TANH, LayerKind.SOFTMAX):
            return Layer(**base, out_shape=shape)
        if kind is LayerKind.LRN:
            self._image(i, shape)
            self._positive(i, "size", s.size)
            return Layer(**base, out_shape=shape, in_channels=shape[0], lrn_size=s.size, lrn_alpha=s.alpha,
                         lrn_beta=s.beta, lrn_k=s.k)
        if kind is LayerKind.FLATTEN:
            return Layer(**base, out_shape=(math.prod(shape),))
        if kind is LayerKind.ADD:
            for other in ins[1:]:
                if layers[other].out_shape != shape:
                    raise self.fail(i, f"add needs inputs of equal shape; {ins[0]!r} gives {list(shape)}, "
                                       f"{other!r} gives {list(layers[other].out_shape)}", key="inputs")
            return Layer(**base, out_shape=shape)
        raise self.fail(i, f"unsupported layer kind {s.kind!r}")  # pragma: no cover - union is exhaustive

    def _positive(self, i: int, key: str, value: int) -> None:
        if value < 1:
            raise self.fail(i, f"{key}: expected an integer >= 1, got {value}", key=key)

    def _image(self, i: int, shape: tuple[int, ...]) -> tuple[int, int, int]:
        if len(shape) != 3:
            raise self.fail(i, f"{self.spec.layers[i].kind} expects an image input [C, H, W], got {list(shape)}")
        return shape[0], shape[1], shape[2]

    def _window(self, i: int, hw: tuple[int, int], k: tuple[int, int], st: tuple[int, int],
                p: tuple[int, int]) -> tuple[int, int]:
        for name, pair in (("kernel_size", k), ("stride", st)):
            if min(pair) < 1:
                raise self.fail(i, f"{name}: expected sizes >= 1, got {list(pair)}", key=name)
        if min(p) < 0:
            raise self.fail(i, f"padding: expected sizes >= 0, got {list(p)}", key="padding")
        out = []
        for dim, size in enumerate(hw):
            span = size + 2 * p[dim] - k[dim]
            if span < 0:
                raise self.fail(i, f"kernel {list(k)} is larger than the padded input {size + 2 * p[dim]} "
                                   f"(input {list(hw)}, padding {list(p)})", key="kernel_size")
            out.append(span // st[dim] + 1)
        return out[0], out[1]


def workload_from_dict(raw: Any, source: Source | str = "<workload>") -> Workload:
    """Build a :class:`Workload` from raw YAML-like data.

    Raises:
        ConfigError: on a malformed file (unknown keys, wrong types, unknown layer kind).
        WorkloadError: on a malformed network (shapes, inputs, cycles).
    """
    src = source if isinstance(source, Source) else Source(str(source))
    if not isinstance(raw, dict):
        raise WorkloadError(f"{src.where(())}: expected a mapping at the top level")
    if "version" not in raw:
        raise WorkloadError(f"{src.name}:1: missing key 'version'", hint="add 'version: 1' at the top of the file")
    try:
        spec = build_dataclass(raw, WorkloadSpec, src)
    except ConfigError as exc:
        raise WorkloadError(exc.message, hint=exc.hint) from None
    return _Builder(spec, src).build()


def load_workload(path: str | Path, overrides: Sequence[str] = ()) -> Workload:
    """Load and check a workload (``workloads/*.yaml``).

    Raises:
        WorkloadError: on any problem, naming file, line and layer.
    """
    try:
        raw, source = read_input(path, WORKLOAD)
        raw = apply_overrides(raw, overrides, source) if overrides and isinstance(raw, dict) else raw
    except ConfigError as exc:
        raise WorkloadError(exc.message, hint=exc.hint) from None
    return workload_from_dict(raw, source)


def load_workload_text(text: str, name: str = "<string>") -> Workload:
    """Like :func:`load_workload` for YAML text (tests, notebooks)."""
    try:
        raw, source = parse_yaml(text, name)
    except ConfigError as exc:
        raise WorkloadError(exc.message, hint=exc.hint) from None
    return workload_from_dict(raw, source)

