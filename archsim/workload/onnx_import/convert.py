"""The ONNX → workload conversion: walk the graph's nodes in order and emit archsim layers.

Every activation tensor is an :class:`Act` — the archsim layer that produces it, its full (batch-1) ONNX shape and
its batch axis; constants (initializers, ``Constant`` nodes) are :class:`~archsim.workload.onnx_import.graph.Constant`.
Each operator has one converter in :data:`archsim.workload.onnx_import.ops.OPS` (a registry: a new operator is one
function). A converter that meets an attribute or an input it cannot express raises :class:`Unsupported`; the walk
goes on (the outputs of that node are skipped), and at the end every problem is reported in one line, together
with every operator type that has no converter at all — an import never half-succeeds.

After the walk, layers that do not lead to the graph's output are dropped, and each layer's per-sample output
shape from archsim's own shape inference is checked against ONNX's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from archsim.errors import WorkloadError
from archsim.workload.onnx_import.graph import Constant, ModelView

__all__ = ["Act", "Importer", "Unsupported"]


class Unsupported(Exception):
    """A node archsim cannot import (the message says which attribute or input and why)."""


@dataclass(frozen=True)
class Act:
    """An activation tensor: the layer producing it, its full batch-1 ONNX shape and its batch axis."""

    layer: str
    shape: tuple[int, ...]
    batch_axis: int

    @property
    def sample(self) -> tuple[int, ...]:
        """Per-sample shape (the batch axis removed)."""
        return self.shape[: self.batch_axis] + self.shape[self.batch_axis + 1 :]

    def sample_axis(self, axis: int) -> int:
        """An ONNX axis of this tensor as a per-sample axis.

        Raises:
            Unsupported: an axis out of range or the batch axis itself.
        """
        rank = len(self.shape)
        if not -rank <= axis < rank:
            raise Unsupported(f"axis {axis} out of range for a {rank}-d tensor")
        a = axis % rank
        if a == self.batch_axis:
            raise Unsupported(f"operates along the batch axis ({axis})")
        return a - 1 if a > self.batch_axis else a


_POISON = object()


class Importer:
    """State of one conversion (module docstring)."""

    def __init__(self, view: ModelView, *, fold_batchnorm: bool = True) -> None:
        self.view = view
        self.fold_batchnorm = fold_batchnorm
        self.values: dict[str, Any] = dict(view.constants)
        self.values[view.input.name] = Act("input", (1, *view.input_shape), 0)
        self.layers: list[dict[str, Any]] = []
        self.by_name: dict[str, dict[str, Any]] = {}
        self.uses: dict[str, int] = {}
        self.consumers: dict[str, list[Any]] = {}
        self.producer: dict[str, Any] = {}
        for node in view.graph.node:
            for name in node.input:
                if name:
                    self.uses[name] = self.uses.get(name, 0) + 1
                    self.consumers.setdefault(name, []).append(node)
            for name in node.output:
                self.producer[name] = node
        self.fused: set[str] = set()
        """Names of nodes a converter has absorbed into a layer it emitted (a decomposed GELU)."""
        for out in view.graph.output:
            self.uses[out.name] = self.uses.get(out.name, 0) + 1
        self.problems: list[tuple[str, str, str]] = []
        self._taken: set[str] = {"input"}
        self._node: Any = None

    # -- names and values -------------------------------------------------------------------------------------
    def node_label(self, node: Any) -> str:
        """The node's name as users see it in messages."""
        return node.name or f"{node.op_type} #{list(self.view.graph.node).index(node)}"

    def _layer_name(self, node: Any, suffix: str = "") -> str:
        base = node.name or (node.output[0] if node.output else node.op_type.lower())
        base = re.sub(r"[^A-Za-z0-9_.\-]+", ".", base).strip(".") or node.op_type.lower()
        base += suffix
        name, k = base, 1
        while name in self._taken:
            k += 1
            name = f"{base}_{k}"
        self._taken.add(name)
        return name

    def has(self, node: Any, i: int) -> bool:
        """Whether input ``i`` of ``node`` is given."""
        return i < len(node.input) and bool(node.input[i])

    def act(self, node: Any, i: int = 0) -> Act:
        """Input ``i`` of ``node`` as an activation.

        Raises:
            Unsupported: when it is a constant or missing.
        """
        if not self.has(node, i):
            raise Unsupported(f"input {i} is missing")
        value = self.values.get(node.input[i])
        if isinstance(value, Act):
            return value
        if isinstance(value, Constant):
            raise Unsupported(f"input {i} ({node.input[i]!r}) is a constant where archsim expects an activation")
        raise Unsupported(f"input {i} ({node.input[i]!r}) is produced by nothing archsim knows")

    def const(self, node: Any, i: int) -> Constant | None:
        """Input ``i`` of ``node`` as a constant, or None when it is not given.

        Raises:
            Unsupported: when it is an activation.
        """
        if not self.has(node, i):
            return None
        value = self.values.get(node.input[i])
        if isinstance(value, Constant):
            return value
        raise Unsupported(f"input {i} ({node.input[i]!r}) must be a constant (an initializer)")

    def const_value(self, node: Any, i: int) -> Any:
        """The value of a small constant input, or None when the input is not given."""
        c = self.const(node, i)
        if c is None:
            return None
        if c.value is None:
            raise Unsupported(f"input {i} ({node.input[i]!r}) must be a small constant with stored values")
        return c.value

    def is_const(self, node: Any, i: int) -> bool:
        """Whether input ``i`` is a constant."""
        return self.has(node, i) and isinstance(self.values.get(node.input[i]), Constant)

    def attr(self, node: Any, name: str, default: Any = None) -> Any:
        """Attribute ``name`` of ``node`` as a Python value."""
        for a in node.attribute:
            if a.name == name:
                return self.view.onnx.helper.get_attribute_value(a)
        return default

    def single_use(self, act: Act, tensor: str) -> bool:
        """True when ``tensor`` (produced by ``act.layer``) feeds exactly one node and is not a graph output, and no
        other tensor is bound to the same layer."""
        if sum(1 for v in self.values.values() if isinstance(v, Act) and v.layer == act.layer) > 1:
            return False
        return self.uses.get(tensor, 0) == 1

    # -- emitting ---------------------------------------------------------------------------------------------
    def emit(self, node: Any, kind: str, inputs: list[Act], *, suffix: str = "", output: int | None = 0,
             batch_axis: int | None = None, **fields: Any) -> str:
        """Add a layer; bind ``node.output[output]`` to it (None: bind nothing). Returns the layer's name."""
        name = self._layer_name(node, suffix)
        layer = {"name": name, "kind": kind, "inputs": [a.layer for a in inputs], **fields}
        self.layers.append(layer)
        self.by_name[name] = layer
        if output is not None:
            self.bind(node, output, name, batch_axis)
        return name

    def out_shape(self, node: Any, i: int = 0) -> tuple[int, ...]:
        """ONNX's (batch-1) shape of output ``i``.

        Raises:
            Unsupported: when shape inference could not tell.
        """
        shape = self.view.shape(node.output[i])
        if shape is None:
            raise Unsupported(f"ONNX shape inference gives no static shape for output {node.output[i]!r}")
        return shape

    def bind(self, node: Any, i: int, layer: str, batch_axis: int | None = None) -> Act:
        """Bind output ``i`` of ``node`` to ``layer`` with its ONNX shape; the batch axis is ``batch_axis`` or that
        of the node's first activation input."""
        shape = self.out_shape(node, i)
        if batch_axis is None:
            first = next((v for n in node.input if n and isinstance(v := self.values.get(n), Act)), None)
            batch_axis = first.batch_axis if first is not None else 0
        if batch_axis >= len(shape) or shape[batch_axis] != 1:
            raise Unsupported(f"output {node.output[i]!r} of shape {list(shape)} has no batch axis of size 1 at "
                              f"axis {batch_axis} (the batch is mixed into another axis)")
        act = Act(layer, shape, batch_axis)
        self.values[node.output[i]] = act
        return act

    def alias(self, node: Any, act: Act, i: int = 0) -> None:
        """Bind output ``i`` of ``node`` to an existing activation (Identity, Dropout, a folded layer)."""
        self.values[node.output[i]] = act

    def parameter(self, node: Any, i: int, like: Act) -> Act:
        """A constant operand of an element-wise op or concat as a ``parameter`` layer (a learned tensor)."""
        c = self.const(node, i)
        assert c is not None
        shape = tuple(c.shape)
        rank = len(like.shape)
        if len(shape) == rank and shape[like.batch_axis] == 1:
            sample = shape[: like.batch_axis] + shape[like.batch_axis + 1 :]
        elif len(shape) < rank:
            sample = shape
        else:
            raise Unsupported(f"constant {node.input[i]!r} of shape {list(shape)} varies along the batch axis")
        name = self.emit(node, "parameter", [], suffix=f".const{i}", output=None, shape=list(sample))
        return Act(name, (1, *sample), 0)

    # -- the walk ---------------------------------------------------------------------------------------------
    def run(self, ops: Any) -> tuple[list[dict[str, Any]], dict[str, tuple[int, ...]], Act]:
        """Convert every node; return the layers leading to the output, their expected per-sample shapes and the
        output activation.

        Raises:
            WorkloadError: one line listing every operator and attribute archsim cannot import.
        """
        graph = self.view.graph
        missing: dict[str, list[str]] = {}
        for node in graph.node:
            if node.op_type not in ops or node.domain not in ("", "ai.onnx"):
                missing.setdefault(f"{node.domain}::{node.op_type}" if node.domain not in ("", "ai.onnx")
                                   else node.op_type, []).append(self.node_label(node))
        expected: dict[str, tuple[int, ...]] = {}
        if not missing:
            for node in graph.node:  # constants first: a fused pattern may look ahead at them
                if node.op_type == "Constant":
                    try:
                        ops["Constant"](node, self)
                    except Unsupported as exc:
                        self.problems.append((node.op_type, self.node_label(node), str(exc)))
            for node in graph.node:
                if node.op_type == "Constant":
                    continue
                if node.name and node.name in self.fused:
                    continue
                if any(self.values.get(n) is _POISON for n in node.input if n):
                    for out in node.output:
                        self.values[out] = _POISON
                    continue
                start = len(self.layers)
                try:
                    ops[node.op_type](node, self)
                except Unsupported as exc:
                    self.problems.append((node.op_type, self.node_label(node), str(exc)))
                    del self.layers[start:]
                    for out in node.output:
                        self.values[out] = _POISON
                    continue
                for out in node.output:
                    act = self.values.get(out)
                    if isinstance(act, Act) and act.layer != "input":
                        expected[act.layer] = act.sample
        if missing or self.problems:
            parts = [f"{op} (node {', '.join(names[:3])}{f' and {len(names) - 3} more' if len(names) > 3 else ''})"
                     for op, names in sorted(missing.items())]
            parts += [f"{op} (node {name}: {why})" for op, name, why in self.problems]
            what = "unsupported ONNX operators" if missing else "unsupported ONNX nodes"
            raise WorkloadError(f"{self.view.file}: {what}: " + "; ".join(parts),
                                hint="archsim imports " + ", ".join(sorted(ops.names())))
        if len(graph.output) != 1:
            raise WorkloadError(f"{self.view.file}: expected one graph output, got {len(graph.output)}",
                                hint="a workload has one output; export the model with a single output tensor")
        out = self.values.get(graph.output[0].name)
        if not isinstance(out, Act) or out.layer == "input":
            raise WorkloadError(f"{self.view.file}: the graph output {graph.output[0].name!r} is not computed by "
                                "any layer archsim imports")
        return self._prune(out.layer), expected, out

    def _prune(self, output: str) -> list[dict[str, Any]]:
        keep = {output}
        for layer in reversed(self.layers):
            if layer["name"] in keep:
                keep.update(layer["inputs"])
        return [layer for layer in self.layers if layer["name"] in keep]
