"""One converter per ONNX operator (registered in :data:`OPS`): ``convert(node, importer)`` emits archsim layers.

Conventions (see :mod:`archsim.workload.onnx_import.convert`): shapes are batch-1 ONNX shapes with a known batch
axis; per-sample axes drop it. Weights are never imported (a workload has none), only their shapes.

* **Conv** → ``conv2d`` (groups, dilations, strides, asymmetric ``pads``; ``auto_pad`` NOTSET or VALID).
* **Gemm**, and **MatMul** with a constant right operand → ``linear`` (a following **Add** of a constant vector
  becomes its bias); **MatMul** of two activations → ``matmul`` (digital).
* **BatchNormalization** → folded into the preceding ``conv2d``/``linear`` (which gains a bias) when importing for
  inference and the producer feeds nothing else; otherwise a digital ``batchnorm``.
* **Relu**, **LeakyRelu**, **Clip** (ReLU6), **Sigmoid**, **Tanh**, **Gelu** (``approximate`` none or tanh; and the
  exact form older opsets spell out, ``x·0.5·(1 + Erf(x/√2))``, fused into one ``gelu``),
  **Softmax**, **LayerNormalization**, **MaxPool**, **AveragePool**, **GlobalAveragePool**.
* **Add**, **Mul** (constant operands become ``parameter`` layers; a scalar factor becomes ``scale``), **Div** by a
  scalar, **Concat**, **Split** (one ``slice`` per output), **Reshape**, **Flatten**, **Squeeze**, **Unsqueeze**,
  **Transpose**; **Identity** and **Dropout** are dropped; **Constant** gives a value.
* **LSTM** (forward direction, default activations, no clip, no initial state) → ``lstm``.
* **Gather** of rows of a constant table → ``embedding`` (token ids, or the constant positions/rows of positional and
  token-type embeddings).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from archsim.registry import Registry
from archsim.workload.onnx_import.convert import Act, Importer, Unsupported
from archsim.workload.onnx_import.graph import Constant

Converter = Callable[[Any, Importer], None]
OPS: Registry[Converter] = Registry("ONNX operator")
"""Converters by ONNX operator type."""


def op(*names: str) -> Callable[[Converter], Converter]:
    """Register a converter under one or more operator types."""
    def wrap(fn: Converter) -> Converter:
        for name in names:
            OPS.register(name, fn)
        return fn
    return wrap


def _padding(pads: list[int]) -> Any:
    """ONNX 2-D ``pads`` [top, left, bottom, right] as the shortest YAML form."""
    top, left, bottom, right = (int(p) for p in pads)
    if top == bottom and left == right:
        return top if top == left else [top, left]
    return [top, left, bottom, right]


def _pair(values: list[int]) -> Any:
    a, b = (int(v) for v in values)
    return a if a == b else [a, b]


def _window(node: Any, imp: Importer, kernel: list[int], *, pool: bool = False) -> dict[str, Any]:
    strides = list(imp.attr(node, "strides", [1, 1]))
    pads = list(imp.attr(node, "pads", [0, 0, 0, 0]))
    auto = imp.attr(node, "auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else str(auto)
    if auto not in ("NOTSET", "VALID"):
        raise Unsupported(f"auto_pad {auto} (give explicit pads)")
    if auto == "VALID":
        pads = [0, 0, 0, 0]
    if len(kernel) != 2 or len(strides) != 2 or len(pads) != 4:
        raise Unsupported(f"only 2-D windows are supported, got kernel {kernel}")
    out: dict[str, Any] = {"kernel_size": _pair(kernel)}
    if strides != [1, 1] or (pool and strides != kernel):  # a pool's stride defaults to its kernel, ONNX's to 1
        out["stride"] = _pair(strides)
    if any(pads):
        out["padding"] = _padding(pads)
    return out


def _image(x: Act) -> None:
    if len(x.shape) != 4 or x.batch_axis != 0:
        raise Unsupported(f"expects an image batch [N, C, H, W], got {list(x.shape)}")


# -- analog kinds ---------------------------------------------------------------------------------------------


@op("Conv")
def conv(node: Any, imp: Importer) -> None:
    x = imp.act(node, 0)
    _image(x)
    w = imp.const(node, 1)
    assert w is not None
    if len(w.shape) != 4:
        raise Unsupported(f"only 2-D convolutions are supported, weight shape {list(w.shape)}")
    groups = int(imp.attr(node, "group", 1))
    dil = list(imp.attr(node, "dilations", [1, 1]))
    fields = {"out_channels": int(w.shape[0]), **_window(node, imp, list(imp.attr(node, "kernel_shape", w.shape[2:])))}
    if dil != [1, 1]:
        fields["dilation"] = _pair(dil)
    if groups != 1:
        fields["groups"] = groups
    fields["bias"] = imp.has(node, 2)
    imp.emit(node, "conv2d", [x], **fields)


@op("Gemm")
def gemm(node: Any, imp: Importer) -> None:
    x = imp.act(node, 0)
    if int(imp.attr(node, "transA", 0)):
        raise Unsupported("transA = 1 (the activation must be the left operand, untransposed)")
    w = imp.const(node, 1)
    assert w is not None
    n_out = int(w.shape[0] if int(imp.attr(node, "transB", 0)) else w.shape[1])
    imp.emit(node, "linear", [x], out_features=n_out, bias=imp.has(node, 2))


@op("MatMul")
def matmul(node: Any, imp: Importer) -> None:
    a = imp.act(node, 0)
    if imp.is_const(node, 1):
        w = imp.const(node, 1)
        assert w is not None
        if len(w.shape) != 2:
            raise Unsupported(f"a constant right operand must be a matrix, got shape {list(w.shape)}")
        if a.batch_axis != 0 or len(a.sample) not in (1, 2):
            raise Unsupported(f"a weight product needs an input [N, F] or [N, T, F], got {list(a.shape)}")
        imp.emit(node, "linear", [a], out_features=int(w.shape[1]), bias=False)
        return
    b = imp.act(node, 1)
    for t in (a, b):
        if t.batch_axis != 0:
            raise Unsupported("the batch must be the first axis of both operands")
    imp.emit(node, "matmul", [a, b])


@op("LSTM")
def lstm(node: Any, imp: Importer) -> None:
    x = imp.act(node, 0)
    for i, what in ((4, "sequence_lens"), (5, "initial_h"), (6, "initial_c"), (7, "P (peepholes)")):
        if imp.has(node, i):
            raise Unsupported(f"{what} is not supported")
    direction = imp.attr(node, "direction", b"forward")
    direction = direction.decode() if isinstance(direction, bytes) else str(direction)
    if direction != "forward":
        raise Unsupported(f"direction {direction} (only forward)")
    if imp.attr(node, "clip") is not None or int(imp.attr(node, "input_forget", 0)):
        raise Unsupported("clip and input_forget are not supported")
    acts = imp.attr(node, "activations")
    if acts is not None and [a.decode() if isinstance(a, bytes) else a for a in acts] != ["Sigmoid", "Tanh", "Tanh"]:
        raise Unsupported(f"activations {acts} (only the default Sigmoid, Tanh, Tanh)")
    layout = int(imp.attr(node, "layout", 0))
    if x.batch_axis != (1 if layout == 0 else 0) or len(x.shape) != 3:
        raise Unsupported(f"input {list(x.shape)} does not match layout {layout}")
    hidden = int(imp.attr(node, "hidden_size"))
    used = [i for i, name in enumerate(node.output) if name and imp.uses.get(name, 0)]
    if 2 in used:
        raise Unsupported("the cell state output Y_c is not supported")
    if 0 in used and 1 in used:
        raise Unsupported("both Y and Y_h are used (archsim's lstm returns one of them)")
    seq = 0 in used or not used
    out = 0 if seq else 1
    name = imp.emit(node, "lstm", [x], output=None, hidden_size=hidden, return_sequences=seq,
                    bias=imp.has(node, 3))
    target = imp.out_shape(node, out)
    if out == 0:
        axis = 2 if layout == 0 else 0  # Y: [T, dirs, N, H] or [N, T, dirs, H]
    else:
        axis = 1 if layout == 0 else 0  # Y_h: [dirs, N, H] or [N, dirs, H]
    sample = target[:axis] + target[axis + 1 :]
    produced = (x.sample[0], hidden) if seq else (hidden,)
    if sample != produced:
        name = imp.emit(node, "reshape", [Act(name, (1, *produced), 0)], suffix=".out", output=None,
                        shape=list(sample))
    imp.values[node.output[out]] = Act(name, target, axis)


# -- batch norm, bias adds ---------------------------------------------------------------------------------


def _foldable(imp: Importer, tensor: str, x: Act) -> dict[str, Any] | None:
    """The conv2d/linear layer producing ``tensor`` when nothing else reads it (a fold target), else None."""
    layer = imp.by_name.get(x.layer)
    if layer is None or layer["kind"] not in ("conv2d", "linear") or not imp.single_use(x, tensor):
        return None
    return layer


@op("BatchNormalization")
def batchnorm(node: Any, imp: Importer) -> None:
    x = imp.act(node, 0)
    if int(imp.attr(node, "training_mode", 0)) or len([o for o in node.output if o]) > 1:
        raise Unsupported("training_mode outputs (running statistics) are not supported")
    if x.batch_axis != 0 or len(x.shape) < 2:
        raise Unsupported(f"expects [N, C, ...], got {list(x.shape)}")
    producer = _foldable(imp, node.input[0], x) if imp.fold_batchnorm else None
    if producer is not None:
        producer["bias"] = True  # γ/σ scales the weights, β − γμ/σ becomes the bias
        imp.alias(node, x)
        return
    eps = float(imp.attr(node, "epsilon", 1e-5))
    momentum = 1.0 - float(imp.attr(node, "momentum", 0.9))  # ONNX weighs the old estimate, archsim the new batch
    imp.emit(node, "batchnorm", [x], eps=eps, momentum=round(momentum, 12))


def _bias_vector(c: Constant, n: int, channel_first: bool) -> bool:
    if int(np.prod(c.shape)) != n:
        return False
    shape = [d for d in c.shape]
    if channel_first:
        return shape in ([n], [n, 1, 1], [1, n, 1, 1])
    return shape[-1] == n and all(d == 1 for d in shape[:-1])


# -- element-wise -------------------------------------------------------------------------------------------


def _operands(node: Any, imp: Importer) -> tuple[Act, list[Act | int]]:
    """The first activation operand and every operand as an Act (constants as their input index)."""
    ops: list[Act | int] = []
    first: Act | None = None
    for i in range(len(node.input)):
        if imp.is_const(node, i):
            ops.append(i)
        else:
            a = imp.act(node, i)
            ops.append(a)
            first = first or a
    if first is None:
        raise Unsupported("all operands are constants (fold them before export)")
    return first, ops


@op("Add")
def add(node: Any, imp: Importer) -> None:
    x, operands = _operands(node, imp)
    consts = [o for o in operands if isinstance(o, int)]
    if len(operands) == 2 and len(consts) == 1:
        c = imp.const(node, consts[0])
        assert c is not None
        layer = _foldable(imp, node.input[1 - consts[0]], x)
        if layer is not None and not layer.get("bias", True):
            n = layer["out_features"] if layer["kind"] == "linear" else layer["out_channels"]
            if _bias_vector(c, n, layer["kind"] == "conv2d"):
                layer["bias"] = True
                imp.alias(node, x)
                return
        if c.value is not None and c.value.size == 1:
            raise Unsupported("adding a scalar constant is not supported")
    acts = [o if isinstance(o, Act) else imp.parameter(node, o, x) for o in operands]
    for a in acts[1:]:
        if a.sample != x.sample:
            raise Unsupported(f"broadcasting add of {list(x.sample)} and {list(a.sample)} (per sample)")
    imp.emit(node, "add", acts)


def _scalar(imp: Importer, node: Any, i: int) -> float | None:
    c = imp.const(node, i)
    if c is not None and c.value is not None and c.value.size == 1:
        return float(c.value.reshape(()))
    return None


@op("Mul")
def mul(node: Any, imp: Importer) -> None:
    x, operands = _operands(node, imp)
    if len(operands) == 2:
        for i in (0, 1):
            if isinstance(operands[i], int) and (factor := _scalar(imp, node, i)) is not None:
                imp.emit(node, "scale", [x], factor=factor)
                return
    acts = [o if isinstance(o, Act) else imp.parameter(node, o, x) for o in operands]
    imp.emit(node, "mul", acts)


@op("Div")
def div(node: Any, imp: Importer) -> None:
    x = imp.act(node, 0)
    factor = _scalar(imp, node, 1) if imp.is_const(node, 1) else None
    if factor is None or factor == 0:
        raise Unsupported("only division by a non-zero scalar constant is supported")
    imp.emit(node, "scale", [x], factor=1.0 / factor)


def _unary(kind: str, **fixed: Any) -> Converter:
    def convert(node: Any, imp: Importer) -> None:
        imp.emit(node, kind, [imp.act(node, 0)], **fixed)
    return convert


OPS.register("Relu", _unary("relu"))
OPS.register("Sigmoid", _unary("sigmoid"))
OPS.register("Tanh", _unary("tanh"))


@op("LeakyRelu")
def leaky_relu(node: Any, imp: Importer) -> None:
    imp.emit(node, "leaky_relu", [imp.act(node, 0)], alpha=float(imp.attr(node, "alpha", 0.01)))


@op("Clip")
def clip(node: Any, imp: Importer) -> None:
    x = imp.act(node, 0)
    if imp.view.opset >= 11:
        lo = _scalar(imp, node, 1) if imp.has(node, 1) else None
        hi = _scalar(imp, node, 2) if imp.has(node, 2) else None
    else:
        lo, hi = imp.attr(node, "min"), imp.attr(node, "max")
    if lo is None or hi is None:
        raise Unsupported("Clip needs both a constant min and max (ReLU6: 0 and 6)")
    imp.emit(node, "clip", [x], min=float(lo), max=float(hi))


@op("Gelu")
def gelu(node: Any, imp: Importer) -> None:
    approx = imp.attr(node, "approximate", b"none")
    approx = approx.decode() if isinstance(approx, bytes) else str(approx)
    fields = {"approximate": approx} if approx != "none" else {}
    imp.emit(node, "gelu", [imp.act(node, 0)], **fields)


def _only_consumer(imp: Importer, tensor: str, op_type: str) -> Any:
    users = imp.consumers.get(tensor, [])
    if len(users) != 1 or users[0].op_type != op_type or not users[0].name:
        raise Unsupported("Erf outside the exact GELU pattern x·0.5·(1 + erf(x/√2)) is not supported")
    return users[0]


def _other(node: Any, tensor: str) -> str:
    return node.input[1] if node.input[0] == tensor else node.input[0]


@op("Erf")
def erf_gelu(node: Any, imp: Importer) -> None:
    """The exact GELU as older exporters write it: ``x · 0.5 · (1 + erf(x / √2))`` (Div or Mul by 1/√2, Erf, Add 1,
    two Muls in either order) becomes one ``gelu`` layer."""
    scaled = node.input[0]
    pre = imp.producer.get(scaled)
    if pre is None or pre.op_type not in ("Div", "Mul"):
        raise Unsupported("Erf outside the exact GELU pattern x·0.5·(1 + erf(x/√2)) is not supported")
    k = 1 if imp.is_const(pre, 1) else 0
    factor = _scalar(imp, pre, k)
    x_name = pre.input[1 - k]
    if factor is None or not np.isclose(factor if pre.op_type == "Mul" else 1.0 / factor, 1.0 / np.sqrt(2.0), rtol=1e-4):
        raise Unsupported("Erf outside the exact GELU pattern x·0.5·(1 + erf(x/√2)) is not supported")
    add = _only_consumer(imp, node.output[0], "Add")
    one = imp.values.get(_other(add, node.output[0]))
    if not isinstance(one, Constant) or one.value is None or not np.allclose(one.value, 1.0):
        raise Unsupported("Erf outside the exact GELU pattern x·0.5·(1 + erf(x/√2)) is not supported")
    first = _only_consumer(imp, add.output[0], "Mul")
    second = _only_consumer(imp, first.output[0], "Mul")
    operands = {_other(first, add.output[0]), _other(second, first.output[0])}
    half = [n for n in operands if n != x_name]
    value = imp.values.get(half[0]) if len(half) == 1 else None
    if x_name not in operands or not isinstance(value, Constant) or value.value is None or \
            not np.allclose(value.value, 0.5):
        raise Unsupported("Erf outside the exact GELU pattern x·0.5·(1 + erf(x/√2)) is not supported")
    x = imp.values.get(x_name)
    if not isinstance(x, Act):
        raise Unsupported("the GELU's input is not an activation")
    imp.fused.update({add.name, first.name, second.name})
    name = imp.emit(node, "gelu", [x], output=None)
    imp.bind(second, 0, name)


@op("Softmax")
def softmax(node: Any, imp: Importer) -> None:
    x = imp.act(node, 0)
    rank = len(x.shape)
    axis = int(imp.attr(node, "axis", -1 if imp.view.opset >= 13 else 1))
    if imp.view.opset < 13 and axis % rank != rank - 1:
        raise Unsupported(f"opset {imp.view.opset} Softmax over axes {axis}.. (coerced to 2-D) is not supported")
    a = x.sample_axis(axis)
    fields = {} if a == len(x.sample) - 1 else {"axis": a}
    imp.emit(node, "softmax", [x], **fields)


@op("LayerNormalization")
def layernorm(node: Any, imp: Importer) -> None:
    x = imp.act(node, 0)
    axis = int(imp.attr(node, "axis", -1))
    a = x.sample_axis(axis)
    if axis % len(x.shape) <= x.batch_axis:
        raise Unsupported("normalises across the batch axis")
    imp.emit(node, "layernorm", [x], axis=a, eps=float(imp.attr(node, "epsilon", 1e-5)))


# -- pooling ----------------------------------------------------------------------------------------------


@op("MaxPool")
def maxpool(node: Any, imp: Importer) -> None:
    x = imp.act(node, 0)
    _image(x)
    if int(imp.attr(node, "ceil_mode", 0)) or list(imp.attr(node, "dilations", [1, 1])) != [1, 1]:
        raise Unsupported("ceil_mode and dilations are not supported")
    if len(node.output) > 1 and node.output[1]:
        raise Unsupported("the Indices output is not supported")
    imp.emit(node, "maxpool", [x], **_window(node, imp, list(imp.attr(node, "kernel_shape")), pool=True))


@op("AveragePool")
def avgpool(node: Any, imp: Importer) -> None:
    x = imp.act(node, 0)
    _image(x)
    if int(imp.attr(node, "ceil_mode", 0)):
        raise Unsupported("ceil_mode is not supported")
    fields = _window(node, imp, list(imp.attr(node, "kernel_shape")), pool=True)
    if "padding" in fields and not int(imp.attr(node, "count_include_pad", 0)):
        fields["count_include_pad"] = False
    imp.emit(node, "avgpool", [x], **fields)


@op("GlobalAveragePool")
def global_avgpool(node: Any, imp: Importer) -> None:
    x = imp.act(node, 0)
    _image(x)
    imp.emit(node, "global_avgpool", [x])


# -- rearranging values ---------------------------------------------------------------------------------------


def _reshape_to_output(node: Any, imp: Importer, x: Act, axis: int) -> None:
    """Emit a ``flatten``/``reshape`` to the node's ONNX output shape (nothing when per-sample equal); the batch is
    axis ``axis`` of the output."""
    shape = imp.out_shape(node)
    if not 0 <= axis < len(shape) or shape[axis] != 1:
        raise Unsupported(f"the output {list(shape)} moves or merges the batch axis")
    sample = shape[:axis] + shape[axis + 1 :]
    if sample == x.sample:
        imp.values[node.output[0]] = Act(x.layer, shape, axis)
        return
    if len(sample) == 1 and sample[0] == int(np.prod(x.sample)):
        imp.emit(node, "flatten", [x], batch_axis=axis)
    else:
        imp.emit(node, "reshape", [x], shape=list(sample), batch_axis=axis)


def _axes(node: Any, imp: Importer, rank: int) -> list[int]:
    axes = imp.attr(node, "axes")
    if axes is None and imp.has(node, 1):
        axes = [int(a) for a in imp.const_value(node, 1).reshape(-1)]
    if axes is None:
        raise Unsupported("axes must be given")
    return sorted(int(a) % rank for a in axes)


@op("Reshape", "Flatten")
def reshape(node: Any, imp: Importer) -> None:
    x = imp.act(node, 0)
    if x.batch_axis != 0:
        raise Unsupported("reshaping a tensor whose batch is not the first axis")
    if node.op_type == "Flatten" and int(imp.attr(node, "axis", 1)) < 1:
        raise Unsupported("Flatten at axis 0 merges the batch")
    _reshape_to_output(node, imp, x, 0)


@op("Squeeze")
def squeeze(node: Any, imp: Importer) -> None:
    x = imp.act(node, 0)
    axes = _axes(node, imp, len(x.shape))
    if x.batch_axis in axes:
        raise Unsupported("squeezes the batch axis")
    _reshape_to_output(node, imp, x, x.batch_axis - sum(1 for a in axes if a < x.batch_axis))


@op("Unsqueeze")
def unsqueeze(node: Any, imp: Importer) -> None:
    x = imp.act(node, 0)
    rank = len(x.shape) + (len(imp.attr(node, "axes")) if imp.attr(node, "axes") is not None
                           else int(imp.const_value(node, 1).size))
    axes = _axes(node, imp, rank)
    kept = [p for p in range(rank) if p not in axes]
    _reshape_to_output(node, imp, x, kept[x.batch_axis])


@op("Transpose")
def transpose(node: Any, imp: Importer) -> None:
    x = imp.act(node, 0)
    rank = len(x.shape)
    perm = [int(p) for p in imp.attr(node, "perm", list(reversed(range(rank))))]
    out_batch = perm.index(x.batch_axis)
    sample_perm = [p - (1 if p > x.batch_axis else 0) for p in perm if p != x.batch_axis]
    target = imp.out_shape(node)
    if sample_perm == sorted(sample_perm):
        imp.values[node.output[0]] = Act(x.layer, target, out_batch)
        return
    imp.emit(node, "transpose", [x], perm=sample_perm, batch_axis=out_batch)


@op("Concat")
def concat(node: Any, imp: Importer) -> None:
    x, operands = _operands(node, imp)
    acts = [o if isinstance(o, Act) else imp.parameter(node, o, x) for o in operands]
    axis = x.sample_axis(int(imp.attr(node, "axis")))
    imp.emit(node, "concat", acts, axis=axis)


@op("Split")
def split(node: Any, imp: Importer) -> None:
    x = imp.act(node, 0)
    onnx_axis = int(imp.attr(node, "axis", 0))
    axis = x.sample_axis(onnx_axis)
    size = x.sample[axis]
    sizes = imp.attr(node, "split")
    if sizes is None and imp.has(node, 1):
        sizes = [int(v) for v in imp.const_value(node, 1).reshape(-1)]
    if sizes is None:
        n = len(node.output)
        sizes = [-(-size // n)] * n
        sizes[-1] = size - sum(sizes[:-1])
    start = 0
    for i, (out, length) in enumerate(zip(node.output, sizes)):
        if out and imp.uses.get(out, 0):
            imp.emit(node, "slice", [x], suffix=f".{i}", output=i, axis=axis, start=start, stop=start + int(length))
        start += int(length)


def _drop(node: Any, imp: Importer) -> None:
    if imp.is_const(node, 0):  # exporters copy shared initializers through Identity nodes
        imp.values[node.output[0]] = imp.values[node.input[0]]
        return
    imp.alias(node, imp.act(node, 0))


OPS.register("Identity", _drop)
OPS.register("Dropout", _drop)


@op("Constant")
def constant(node: Any, imp: Importer) -> None:
    tensor = imp.attr(node, "value")
    if tensor is None:
        raise Unsupported("only Constant nodes with a tensor 'value' are supported")
    value = imp.view.onnx.numpy_helper.to_array(tensor)
    imp.values[node.output[0]] = Constant(tuple(value.shape), value)


@op("Gather")
def gather(node: Any, imp: Importer) -> None:
    if int(imp.attr(node, "axis", 0)) != 0:
        raise Unsupported("only row lookups (axis 0) are supported")
    table = imp.const(node, 0)
    if table is None or len(table.shape) != 2:
        raise Unsupported("the data must be a constant table [rows, dim]")
    fields: dict[str, Any] = {"num_embeddings": int(table.shape[0]), "embedding_dim": int(table.shape[1])}
    if not imp.is_const(node, 1):
        imp.emit(node, "embedding", [imp.act(node, 1)], **fields)
        return
    idx = imp.const_value(node, 1).reshape(-1)
    network_input = imp.values[imp.view.input.name]
    if network_input.sample != (idx.size,):
        raise Unsupported(f"constant indices of length {idx.size} need a network input of shape [{idx.size}]")
    if np.array_equal(idx, np.arange(idx.size)):
        fields["lookup"] = "position"
    elif np.all(idx == idx[0]):
        fields.update(lookup="constant", index=int(idx[0]))
    else:
        raise Unsupported("constant indices other than positions 0..T-1 or one repeated row")
    imp.emit(node, "embedding", [network_input], **fields)
