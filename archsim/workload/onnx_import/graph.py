"""Reading an ONNX model for import: its one input, its constants and every tensor's shape and batch axis.

Shapes come from ONNX's own shape inference (``onnx.shape_inference``), run on a copy of the graph whose input
batch size is set to 1 (exporters write batch-1 reshape targets); the converters track which axis of each tensor
is the batch (:mod:`archsim.workload.onnx_import.convert`). Large initializers (weights) are replaced by
shape-only external references in that copy, so inference never touches weight bytes; the importer reads only
the dimensions of weights and the values of small constants (shapes, axes, split sizes, scalars).

The model's input must have a static shape apart from a leading batch axis (fixed to 1, or symbolic); every
other dimension given as a name (``dim_param``) or left unknown is a dynamic shape and is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from archsim.errors import WorkloadError

#: Initializers up to this many elements are read as values (shapes, axes, scalars); larger ones by shape only.
SMALL_CONSTANT = 4096


@dataclass(frozen=True)
class Constant:
    """A constant tensor: its shape and, for small ones, its value."""

    shape: tuple[int, ...]
    value: np.ndarray | None


def _onnx() -> Any:
    import onnx  # a declared dependency (pyproject.toml); imported here so YAML-only runs never load it

    return onnx


def _dims(type_proto: Any) -> list[int | str | None]:
    dims: list[int | str | None] = []
    for d in type_proto.tensor_type.shape.dim:
        if d.HasField("dim_value"):
            dims.append(int(d.dim_value))
        elif d.HasField("dim_param"):
            dims.append(d.dim_param)
        else:
            dims.append(None)
    return dims


class ModelView:
    """One ONNX model prepared for import (module docstring)."""

    def __init__(self, model: Any, file: str) -> None:
        onnx = _onnx()
        self.onnx = onnx
        self.file = file
        self.model = model
        self.graph = model.graph
        self.opset = max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=0)
        self.producer = " ".join(p for p in (model.producer_name, model.producer_version) if p)
        self.graph_name = self.graph.name
        self.constants: dict[str, Constant] = {}
        for init in self.graph.initializer:
            self.constants[init.name] = self._constant(init)
        inputs = [i for i in self.graph.input if i.name not in self.constants]
        if len(inputs) != 1:
            names = ", ".join(i.name for i in inputs) or "none"
            raise WorkloadError(f"{file}: expected one graph input, got {len(inputs)} ({names})",
                                hint="a workload has one input; export the model with a single input tensor")
        self.input = inputs[0]
        dims = _dims(self.input.type)
        if not dims:
            raise WorkloadError(f"{file}: input {self.input.name!r} has no shape",
                                hint="export with a fixed input size")
        rest = dims[1:]
        dynamic = [i for i, d in enumerate(rest, start=1) if not isinstance(d, int) or d < 1]
        if dynamic or (isinstance(dims[0], int) and dims[0] != 1):
            shown = "[" + ", ".join(str(d) if d is not None else "?" for d in dims) + "]"
            what = (f"dimension {dynamic[0]} is dynamic" if dynamic
                    else f"the batch dimension is {dims[0]}, expected 1 or symbolic")
            raise WorkloadError(f"{file}: input {self.input.name!r} has a dynamic shape {shown}: {what}",
                                hint="export with fixed sizes (torch.onnx.export with a concrete example input and "
                                     "no dynamic axes other than the batch)")
        self.input_shape = tuple(int(d) for d in rest)  # type: ignore[arg-type]
        self.input_elem_type = self.input.type.tensor_type.elem_type
        self.shapes = self._infer(1)

    def _constant(self, tensor: Any) -> Constant:
        onnx = self.onnx
        shape = tuple(int(d) for d in tensor.dims)
        n = int(np.prod(shape)) if shape else 1
        if n <= SMALL_CONSTANT and not onnx.external_data_helper.uses_external_data(tensor):
            return Constant(shape, onnx.numpy_helper.to_array(tensor))
        return Constant(shape, None)

    def _infer(self, batch: int) -> dict[str, tuple[int, ...]]:
        """Full shapes of every tensor with the input batch set to ``batch``."""
        onnx = self.onnx
        graph = onnx.helper.make_graph(
            list(self.graph.node), self.graph.name,
            [self._input_with_batch(batch)],
            [onnx.helper.make_tensor_value_info(o.name, o.type.tensor_type.elem_type, None) for o in self.graph.output],
            [self._shape_only(t) for t in self.graph.initializer],
        )
        model = onnx.helper.make_model(graph, opset_imports=list(self.model.opset_import),
                                       ir_version=self.model.ir_version)
        try:
            inferred = onnx.shape_inference.infer_shapes(model, strict_mode=False)
        except Exception as exc:  # onnx raises its own InferenceError types
            raise WorkloadError(f"{self.file}: ONNX shape inference failed: {str(exc).splitlines()[0]}",
                                hint="check the model with onnx.checker.check_model") from None
        out: dict[str, tuple[int, ...]] = {self.input.name: (batch, *self.input_shape)}
        for vi in [*inferred.graph.value_info, *inferred.graph.output]:
            dims = _dims(vi.type)
            if dims and all(isinstance(d, int) for d in dims):
                out[vi.name] = tuple(int(d) for d in dims)  # type: ignore[arg-type]
        for name, c in self.constants.items():
            out[name] = c.shape
        return out

    def _input_with_batch(self, batch: int) -> Any:
        onnx = self.onnx
        return onnx.helper.make_tensor_value_info(self.input.name, self.input_elem_type, [batch, *self.input_shape])

    def _shape_only(self, tensor: Any) -> Any:
        onnx = self.onnx
        n = int(np.prod(tensor.dims)) if len(tensor.dims) else 1
        if n <= SMALL_CONSTANT and not onnx.external_data_helper.uses_external_data(tensor):
            return tensor
        stub = onnx.TensorProto()
        stub.name, stub.data_type = tensor.name, tensor.data_type
        stub.dims.extend(tensor.dims)
        stub.data_location = onnx.TensorProto.EXTERNAL
        entry = stub.external_data.add()
        entry.key, entry.value = "location", "shape-only"
        return stub

    def shape(self, tensor: str) -> tuple[int, ...] | None:
        """Full (batch-1) shape of ``tensor``, or None when inference could not tell."""
        return self.shapes.get(tensor)


def load_model(path: str | Path) -> ModelView:
    """Read ``path`` (weights stored outside the file are not loaded: only their shapes are needed).

    Raises:
        WorkloadError: an unreadable file or a model archsim cannot take (several inputs, dynamic shape).
    """
    onnx = _onnx()
    p = Path(path)
    if not p.is_file():
        raise WorkloadError(f"{p}: no such ONNX file")
    try:
        model = onnx.load(str(p), load_external_data=False)
    except Exception as exc:  # protobuf DecodeError and OSError variants
        raise WorkloadError(f"{p}: not a readable ONNX model ({type(exc).__name__}: {str(exc).splitlines()[0]})",
                            hint="pass a .onnx file written by torch.onnx.export or onnx.save") from None
    return ModelView(model, p.name)
