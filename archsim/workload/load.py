"""Workload YAML → :class:`~archsim.workload.model.Workload`, with shape inference and strict errors.

File format (``workloads/*.yaml``)::

    version: 1
    name: mlp-digits
    description: ...
    input_shape: [64]          # (C, H, W), (F,) or (T, F)
    dataset: digits            # default dataset spec (checked at load time)
    task: classification       # or sequence, or features
    n_classes: 10
    default_epochs: 10
    layers:
      - {name: fc1, kind: linear, out_features: 32}
      - {name: act1, kind: sigmoid}
      - {name: fc2, kind: linear, out_features: 10, inputs: [act1]}

A layer's ``inputs`` default to the previous layer in the list (the implicit ``input`` layer for the first
one; none for kinds that take no inputs, such as ``parameter``). Each layer kind (:mod:`archsim.layers`, one
module per kind, registered in ``LayerSpec.KINDS``) accepts exactly the keys of its spec class (unknown keys are
errors with the valid ones listed) and says how many inputs it takes; ``in_features`` / ``in_channels`` may be
given and are then checked against the inferred shape. Errors (unknown layer kind, unknown or dangling inputs,
cycles, shape mismatches, unused layers, an unknown or missing dataset) are :class:`~archsim.errors.WorkloadError`
naming the file, the line and the layer. A path ending in ``.onnx`` is imported (:mod:`archsim.workload.onnx_import`)
and then checked exactly like a YAML file.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import networkx as nx

from archsim.datasets import check_dataset_spec
from archsim.errors import ArchsimError, ConfigError, WorkloadError
from archsim.layers import Inferred, InputSpec, LayerError, LayerSpec
from archsim.loader import WORKLOAD, Source, apply_overrides, build_dataclass, parse_yaml, read_input
from archsim.workload.model import Layer, ModelSource, Workload

__all__ = ["TASKS", "WorkloadSpec", "load_onnx_workload", "load_workload", "load_workload_text", "workload_from_dict",
           "workload_text"]

SUPPORTED_VERSIONS = (1,)
TASKS = ("classification", "sequence", "features")


@dataclass(frozen=True, kw_only=True)
class WorkloadSpec:
    """The top level of a workload YAML file."""

    version: int = 1
    """File format version (1)."""
    name: str
    """Workload name."""
    description: str = ""
    """What the network is and where it comes from."""
    input_shape: tuple[int, ...]
    """Per-sample input shape."""
    dataset: str = "synthetic"
    """Default dataset spec (``digits``, ``synthetic``, ``idx:PATH``, ``text``, ``text:PATH``)."""
    task: str = "classification"
    """``classification``, ``sequence`` or ``features``."""
    n_classes: int | None = None
    """Output classes (required for classification and sequence tasks)."""
    default_epochs: int = 10
    """Training epochs when the user gives none."""
    source: ModelSource | None = None
    """The model an imported workload came from."""
    layers: tuple[LayerSpec, ...] = field(default_factory=tuple)
    """The layers, in order (a tagged union over the registered layer kinds)."""

    def __post_init__(self) -> None:
        if self.version not in SUPPORTED_VERSIONS or isinstance(self.version, bool):
            raise ConfigError(f"version: expected 1, got {self.version!r}",
                              hint="this archsim reads workload version 1")
        if not self.name:
            raise ConfigError("name: expected a non-empty string, got ''")
        if not self.input_shape or len(self.input_shape) > 3 or min(self.input_shape) < 1:
            raise ConfigError(f"input_shape: expected 1 to 3 positive sizes, got {list(self.input_shape)}")
        if self.task not in TASKS:
            raise ConfigError(f"task: expected classification, sequence or features, got {self.task!r}")
        if self.n_classes is None and self.task != "features":
            raise ConfigError(f"n_classes: a {self.task} workload needs n_classes",
                              hint="add 'n_classes: N' (the size of the output's last axis)")
        if self.n_classes is not None and self.n_classes < 1:
            raise ConfigError(f"n_classes: expected an integer >= 1, got {self.n_classes}")
        if self.default_epochs < 1:
            raise ConfigError(f"default_epochs: expected an integer >= 1, got {self.default_epochs}")
        if not self.layers:
            raise ConfigError("layers: expected at least one layer, got none")
        if not self.dataset:
            raise ConfigError("dataset: expected a dataset name, got ''")
        try:
            check_dataset_spec(self.dataset)
        except ArchsimError as exc:
            raise ConfigError(f"dataset: {exc.message}", hint=exc.hint) from None


# ------------------------------------------------------------------------------------------------ building


def _count(n: int) -> str:
    return {0: "no", 1: "one", 2: "two", 3: "three"}.get(n, str(n))


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

    def _inputs(self, i: int, lay: LayerSpec, names: dict[str, int]) -> tuple[str, ...]:
        lo, hi = lay.MIN_INPUTS, lay.MAX_INPUTS
        if lay.inputs is None:
            ins: tuple[str, ...] = () if hi == 0 else ("input",) if i == 0 else (self.spec.layers[i - 1].name,)
        else:
            ins = lay.inputs
            if not ins and lo > 0:
                raise self.fail(i, "expected at least one input, got an empty list", key="inputs")
        for src in ins:
            if src != "input" and src not in names:
                close = difflib.get_close_matches(src, ["input", *names], n=1)
                raise self.fail(i, f"unknown input {src!r}" + (f" (did you mean {close[0]!r}?)" if close else ""),
                                hint="inputs name earlier layers or 'input'; layers: "
                                     + ", ".join(["input", *names]), key="inputs")
            if src == lay.name:
                raise self.fail(i, "a layer cannot be its own input", key="inputs")
        if len(ins) < lo:
            raise self.fail(i, f"{lay.kind} needs at least {_count(lo)} inputs, got {len(ins)}", key="inputs")
        if hi is not None and len(ins) > hi:
            takes = "no inputs" if hi == 0 else f"{_count(hi)} input{'s' if hi > 1 else ''}"
            raise self.fail(i, f"{lay.kind} takes {takes}, got {len(ins)}: {', '.join(ins)}", key="inputs")
        return ins

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
        inputs_of = [self._inputs(i, lay, names) for i, lay in enumerate(spec.layers)]
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
        shape = tuple(spec.input_shape)
        layers: dict[str, Layer] = {"input": Layer(name="input", kind="input", spec=InputSpec(shape=shape), inputs=(),
                                                   in_shape=shape, out_shape=shape)}
        order = [n for n in nx.lexicographical_topological_sort(graph, key=lambda n: names.get(n, -1))]
        for node in order:
            if node == "input":
                continue
            i = names[node]
            layers[node] = self.infer(i, spec.layers[i], inputs_of[i], layers)
        for node in order:
            graph.nodes[node]["layer"] = layers[node]
        final = layers[spec.layers[-1].name]
        last = len(spec.layers) - 1
        if spec.task == "classification" and final.out_shape != (spec.n_classes,):
            raise self.fail(last, f"the output shape is {list(final.out_shape)}, but n_classes is "
                            f"{spec.n_classes}", hint="a classification network ends in [n_classes]")
        if spec.task == "sequence" and (len(final.out_shape) != 2 or final.out_shape[1] != spec.n_classes):
            raise self.fail(last, f"the output shape is {list(final.out_shape)}, expected "
                            f"[T, {spec.n_classes}] for a sequence task")
        n_classes = spec.n_classes if spec.n_classes is not None else final.out_shape[-1]
        if spec.task == "features" and n_classes != final.out_shape[-1]:
            raise self.fail(last, f"n_classes is {n_classes} but the output's last size is {final.out_shape[-1]}",
                            hint="a features workload may leave n_classes out")
        return Workload(name=spec.name, description=spec.description, input_shape=spec.input_shape,
                        dataset=spec.dataset, task=spec.task, n_classes=n_classes,
                        default_epochs=spec.default_epochs, layers=tuple(layers[n] for n in order), graph=graph,
                        source=spec.source)

    def infer(self, i: int, s: LayerSpec, ins: tuple[str, ...], layers: dict[str, Layer]) -> Layer:
        in_shapes = tuple(layers[src].out_shape for src in ins)
        try:
            got = s.infer(in_shapes)
        except LayerError as exc:
            raise self.fail(i, exc.message, hint=exc.hint, key=exc.key) from None
        facts = {f.name: getattr(got, f.name) for f in fields(Inferred)}
        facts["attrs"] = dict(got.attrs)
        return Layer(name=s.name, kind=s.kind, spec=s, inputs=ins, in_shape=in_shapes[0] if in_shapes else got.out_shape,
                     in_shapes=in_shapes, **facts)


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


def load_onnx_workload(path: str | Path, *, name: str | None = None, fold_batchnorm: bool = True) -> Workload:
    """Import an ONNX model as a workload (:mod:`archsim.workload.onnx_import`) and check it like a YAML file.

    Raises:
        WorkloadError: a model archsim cannot import (one line listing every problem), or a converted layer whose
            per-sample shape differs from ONNX's (a bug to report).
    """
    from archsim.workload.onnx_import import onnx_to_raw

    raw, expected = onnx_to_raw(path, name=name, fold_batchnorm=fold_batchnorm)
    workload = workload_from_dict(raw, Source(str(path)))
    for layer in workload.layers:
        want = expected.get(layer.name)
        if want is not None and tuple(want) != layer.out_shape:
            raise WorkloadError(f"{path}: layer {layer.name!r}: archsim infers the shape {list(layer.out_shape)} "
                                f"but ONNX infers {list(want)}",
                                hint="this is an import bug; please report it with the model")
    return workload


def workload_text(path: str | Path) -> str:
    """The workload file's YAML text as a run folder keeps it: the file itself, or an ONNX model's import."""
    if str(path).lower().endswith(".onnx"):
        from archsim.workload.onnx_import import onnx_to_raw, to_yaml

        raw, _ = onnx_to_raw(path)
        return to_yaml(raw, f"Imported by archsim from {Path(path).name}.")
    return Path(path).read_text(encoding="utf-8")


def load_workload(path: str | Path, overrides: Sequence[str] = ()) -> Workload:
    """Load and check a workload (``workloads/*.yaml``, or an ONNX model ``*.onnx``, imported).

    Raises:
        WorkloadError: on any problem, naming file, line and layer.
    """
    if str(path).lower().endswith(".onnx"):
        if overrides:
            raise WorkloadError(f"{path}: --set overrides apply to YAML workloads",
                                hint="import the model to YAML first (archsim import MODEL.onnx -o NAME.yaml)")
        return load_onnx_workload(path)
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

