"""ONNX import, one small graph per operator: shapes, counts and the functional model's output against numpy."""

from __future__ import annotations

import math

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from archsim.layers import AnalogModule  # noqa: E402
from archsim.nn.network import build_network, fp_tile_factory  # noqa: E402
from archsim.workload import load_workload  # noqa: E402

RNG = np.random.default_rng(0)


def _model(tmp_path, nodes, x_shape, y_shape, inits=(), opset=20, name="g"):
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, *x_shape])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(np.asarray(v), k) for k, v in inits])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    path = tmp_path / f"{name}.onnx"
    onnx.save(model, str(path))
    return path


def _run(path, x, weights=()):
    """Import, build the floating-point network, program ``weights`` ({layer: (w, b)}) and run x."""
    wl = load_workload(path)
    net = build_network(wl, make_tile=fp_tile_factory, seed=0)
    for module in net.analog_layers():
        if module.name in dict(weights):
            w, b = dict(weights)[module.name]
            for g, unit in enumerate(module.units):
                rows = w.shape[0] // len(module.units)
                unit.set_weights(w[g * rows : (g + 1) * rows].reshape(rows, -1), None if b is None else b[g * rows : (g + 1) * rows])
    return wl, net.forward(x.astype(np.float32), train=False)


def _conv_ref(x, w, b, stride, pads, dilation, groups):
    n, c, h, wd = x.shape
    m, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    ho = (h + pads[0] + pads[2] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    wo = (wd + pads[1] + pads[3] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    y = np.zeros((n, m, ho, wo))
    mg = m // groups
    for o in range(m):
        g = o // mg
        for i in range(ho):
            for j in range(wo):
                patch = xp[:, g * cg : (g + 1) * cg, i * stride[0] : i * stride[0] + dilation[0] * (kh - 1) + 1 : dilation[0],
                           j * stride[1] : j * stride[1] + dilation[1] * (kw - 1) + 1 : dilation[1]]
                y[:, o, i, j] = (patch * w[o]).sum(axis=(1, 2, 3)) + (b[o] if b is not None else 0)
    return y


@pytest.mark.parametrize("groups,dilation,pads,stride", [(1, 1, [1, 1, 1, 1], 1), (2, 1, [0, 1, 2, 0], 2),
                                                         (4, 2, [2, 2, 2, 2], 1), (1, 1, [0, 0, 0, 0], 2)])
def test_conv_groups_dilation_asymmetric_pads(tmp_path, groups, dilation, pads, stride):
    w = RNG.standard_normal((4, 4 // groups, 3, 3)).astype(np.float32)
    b = RNG.standard_normal(4).astype(np.float32)
    node = helper.make_node("Conv", ["x", "w", "b"], ["y"], name="conv", group=groups, dilations=[dilation] * 2,
                            pads=pads, strides=[stride] * 2, kernel_shape=[3, 3])
    path = _model(tmp_path, [node], [4, 7, 7], None, [("w", w), ("b", b)])
    x = RNG.standard_normal((2, 4, 7, 7))
    wl, y = _run(path, x, {"conv": (w.reshape(4, -1), b)})
    ref = _conv_ref(x, w, b, (stride,) * 2, pads, (dilation,) * 2, groups)
    assert wl.layer("conv").n_weights == w.size + 4 and wl.layer("conv").n_groups == groups
    assert wl.layer("conv").macs_per_sample == ref.shape[2] * ref.shape[3] * 4 * (4 // groups) * 9
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-4)


def test_depthwise_conv_and_batchnorm_folding(tmp_path):
    w = RNG.standard_normal((3, 1, 3, 3)).astype(np.float32)
    bn = [RNG.random(3).astype(np.float32) + 0.5 for _ in range(4)]
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="dw", group=3, pads=[1] * 4, kernel_shape=[3, 3]),
             helper.make_node("BatchNormalization", ["c", "g", "beta", "mu", "var"], ["y"], name="bn")]
    inits = [("w", w), ("g", bn[0]), ("beta", bn[1]), ("mu", bn[2]), ("var", bn[3])]
    path = _model(tmp_path, nodes, [3, 5, 5], None, inits)
    wl = load_workload(path)
    assert [lay.kind for lay in wl.layers] == ["input", "conv2d"]  # folded: the conv gains a bias
    assert wl.layer("dw").n_weights == 27 + 3 and wl.layer("dw").matrix_in == 9 and wl.layer("dw").n_groups == 3


def test_batchnorm_kept_when_it_cannot_fold(tmp_path):
    bn = [RNG.random(3).astype(np.float32) + 0.5 for _ in range(4)]
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="relu"),
             helper.make_node("BatchNormalization", ["r", "g", "beta", "mu", "var"], ["y"], name="bn", epsilon=1e-3)]
    path = _model(tmp_path, nodes, [3, 4, 4], None, [("g", bn[0]), ("beta", bn[1]), ("mu", bn[2]), ("var", bn[3])])
    wl = load_workload(path)
    net = build_network(wl, make_tile=fp_tile_factory)
    mod = net.layer("bn")
    mod.gamma[:], mod.beta[:], mod.running_mean[:], mod.running_var[:] = bn
    x = RNG.standard_normal((2, 3, 4, 4))
    y = net.forward(x.astype(np.float32), train=False)
    r = np.maximum(x, 0)
    ref = (r - bn[2][:, None, None]) / np.sqrt(bn[3][:, None, None] + 1e-3) * bn[0][:, None, None] + bn[1][:, None, None]
    assert wl.layer("bn").n_weights == 6
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-5)


def test_gemm_and_matmul_with_bias_add(tmp_path):
    w = RNG.standard_normal((5, 6)).astype(np.float32)
    b = RNG.standard_normal(5).astype(np.float32)
    w2 = RNG.standard_normal((5, 3)).astype(np.float32)
    b2 = RNG.standard_normal(3).astype(np.float32)
    nodes = [helper.make_node("Gemm", ["x", "w", "b"], ["h"], name="fc1", transB=1),
             helper.make_node("MatMul", ["h", "w2"], ["m"], name="fc2"),
             helper.make_node("Add", ["m", "b2"], ["y"], name="fc2_bias")]
    path = _model(tmp_path, nodes, [6], None, [("w", w), ("b", b), ("w2", w2), ("b2", b2)])
    x = RNG.standard_normal((2, 6))
    wl, y = _run(path, x, {"fc1": (w, b), "fc2": (w2.T, b2)})
    assert [lay.kind for lay in wl.layers] == ["input", "linear", "linear"]
    assert wl.total_weights == 35 + 18 and wl.n_classes == 3
    np.testing.assert_allclose(y, (x @ w.T + b) @ w2 + b2, rtol=1e-4, atol=1e-4)


def test_matmul_of_two_activations_is_digital(tmp_path):
    nodes = [helper.make_node("Transpose", ["x"], ["xt"], name="t", perm=[0, 2, 1]),
             helper.make_node("MatMul", ["x", "xt"], ["y"], name="gram")]
    path = _model(tmp_path, nodes, [4, 3], None)
    x = RNG.standard_normal((2, 4, 3))
    wl, y = _run(path, x)
    lay = wl.layer("gram")
    assert lay.kind == "matmul" and not lay.is_analog and lay.macs_per_sample == 4 * 3 * 4
    assert lay.digital_ops("forward") == {"elementwise": 2 * 48} and lay.gpu_work().kernel == "matmul"
    np.testing.assert_allclose(y, x @ x.transpose(0, 2, 1), rtol=1e-5, atol=1e-5)


def _erf(v):
    return np.vectorize(math.erf)(v)


@pytest.mark.parametrize("op,attrs,ref", [
    ("Relu", {}, lambda x: np.maximum(x, 0)),
    ("Sigmoid", {}, lambda x: 1 / (1 + np.exp(-x))),
    ("Tanh", {}, np.tanh),
    ("LeakyRelu", {"alpha": 0.2}, lambda x: np.where(x > 0, x, 0.2 * x)),
    ("Gelu", {}, lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2)))),
    ("Gelu", {"approximate": "tanh"}, lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))),
    ("Softmax", {"axis": -1}, lambda x: np.exp(x) / np.exp(x).sum(-1, keepdims=True)),
    ("Softmax", {"axis": 1}, lambda x: np.exp(x) / np.exp(x).sum(1, keepdims=True)),
])
def test_elementwise_activations(tmp_path, op, attrs, ref):
    nodes = [helper.make_node(op, ["x"], ["a"], name="act", **attrs), helper.make_node("Identity", ["a"], ["y"])]
    # a Tanh after the op keeps a softmax from being the (identity) network output
    nodes = [helper.make_node(op, ["x"], ["a"], name="act", **attrs), helper.make_node("Tanh", ["a"], ["y"], name="out")]
    path = _model(tmp_path, nodes, [3, 5], None)
    x = RNG.standard_normal((2, 3, 5)) * 2
    _, y = _run(path, x)
    np.testing.assert_allclose(y, np.tanh(ref(x)), rtol=1e-5, atol=1e-5)


def test_clip_relu6_and_scale(tmp_path):
    nodes = [helper.make_node("Clip", ["x", "lo", "hi"], ["c"], name="relu6"),
             helper.make_node("Mul", ["c", "k"], ["m"], name="scale"),
             helper.make_node("Div", ["m", "d"], ["y"], name="div")]
    inits = [("lo", np.float32(0)), ("hi", np.float32(6)), ("k", np.float32(3)), ("d", np.float32(2))]
    path = _model(tmp_path, nodes, [7], None, inits)
    x = RNG.standard_normal((2, 7)) * 8
    wl, y = _run(path, x)
    assert [lay.kind for lay in wl.layers[1:]] == ["clip", "scale", "scale"]
    np.testing.assert_allclose(y, np.clip(x, 0, 6) * 1.5, rtol=1e-6)


def test_layernorm(tmp_path):
    g, b = RNG.standard_normal(4).astype(np.float32), RNG.standard_normal(4).astype(np.float32)
    node = helper.make_node("LayerNormalization", ["x", "g", "b"], ["y"], name="ln", axis=-1, epsilon=1e-5)
    path = _model(tmp_path, [node], [3, 4], None, [("g", g), ("b", b)])
    wl = load_workload(path)
    net = build_network(wl, make_tile=fp_tile_factory)
    net.layer("ln").gamma[:], net.layer("ln").beta[:] = g, b
    x = RNG.standard_normal((2, 3, 4))
    y = net.forward(x.astype(np.float32), train=False)
    ref = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5) * g + b
    assert wl.layer("ln").n_weights == 8
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("op,attrs", [("MaxPool", {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 0, 1, 1]}),
                                      ("AveragePool", {"kernel_shape": [2, 2], "strides": [1, 1], "pads": [1, 1, 0, 0]}),
                                      ("AveragePool", {"kernel_shape": [2, 2], "strides": [1, 1], "pads": [1, 1, 0, 0],
                                                       "count_include_pad": 1}),
                                      ("GlobalAveragePool", {})])
def test_pooling(tmp_path, op, attrs):
    node = helper.make_node(op, ["x"], ["y"], name="pool", **attrs)
    path = _model(tmp_path, [node], [2, 5, 6], None)
    x = RNG.standard_normal((2, 2, 5, 6))
    _, y = _run(path, x)
    if op == "GlobalAveragePool":
        ref = x.mean(axis=(2, 3), keepdims=True)
    else:
        k, s, p = attrs["kernel_shape"], attrs["strides"], attrs["pads"]
        fill = -np.inf if op == "MaxPool" else 0.0
        xp = np.pad(x, ((0, 0), (0, 0), (p[0], p[2]), (p[1], p[3])), constant_values=fill)
        ones = np.pad(np.ones_like(x), ((0, 0), (0, 0), (p[0], p[2]), (p[1], p[3])))
        ho, wo = (xp.shape[2] - k[0]) // s[0] + 1, (xp.shape[3] - k[1]) // s[1] + 1
        ref = np.zeros((2, 2, ho, wo))
        for i in range(ho):
            for j in range(wo):
                win = xp[:, :, i * s[0] : i * s[0] + k[0], j * s[1] : j * s[1] + k[1]]
                if op == "MaxPool":
                    ref[:, :, i, j] = win.max(axis=(2, 3))
                else:
                    n = k[0] * k[1] if attrs.get("count_include_pad") else ones[:, :, i * s[0] : i * s[0] + k[0],
                                                                              j * s[1] : j * s[1] + k[1]].sum(axis=(2, 3))
                    ref[:, :, i, j] = win.sum(axis=(2, 3)) / n
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-6)


def test_shape_ops_concat_split_transpose_reshape(tmp_path):
    nodes = [helper.make_node("Split", ["x", "sizes"], ["a", "b"], name="split", axis=1),
             helper.make_node("Transpose", ["b"], ["bt"], name="tr", perm=[0, 2, 1]),
             helper.make_node("Reshape", ["bt", "shape"], ["br"], name="rs"),
             helper.make_node("Flatten", ["a"], ["af"], name="fa", axis=1),
             helper.make_node("Unsqueeze", ["af", "ax"], ["au"], name="un"),
             helper.make_node("Squeeze", ["au", "ax"], ["as_"], name="sq"),
             helper.make_node("Concat", ["as_", "br"], ["y"], name="cat", axis=1)]
    inits = [("sizes", np.array([1, 3])), ("shape", np.array([1, 12])), ("ax", np.array([2]))]
    path = _model(tmp_path, nodes, [4, 4], None, inits)
    x = RNG.standard_normal((2, 4, 4))
    wl, y = _run(path, x)
    ref = np.concatenate([x[:, :1].reshape(2, -1), x[:, 1:].transpose(0, 2, 1).reshape(2, 12)], axis=1)
    assert wl.output_layer.out_shape == (16,)
    np.testing.assert_allclose(y, ref)


def test_constant_operands_become_parameters(tmp_path):
    pos = RNG.standard_normal((1, 3, 4)).astype(np.float32)
    cls = RNG.standard_normal((1, 1, 4)).astype(np.float32)
    nodes = [helper.make_node("Add", ["x", "pos"], ["p"], name="pos_add"),
             helper.make_node("Concat", ["cls", "p"], ["y"], name="cat", axis=1)]
    path = _model(tmp_path, nodes, [3, 4], None, [("pos", pos), ("cls", cls)])
    wl = load_workload(path)
    assert sorted(lay.kind for lay in wl.layers) == ["add", "concat", "input", "parameter", "parameter"]
    assert wl.total_weights == 12 + 4 and wl.output_layer.out_shape == (4, 4)


def test_lstm(tmp_path):
    h, f, t = 5, 3, 4
    w = RNG.standard_normal((1, 4 * h, f)).astype(np.float32)
    r = RNG.standard_normal((1, 4 * h, h)).astype(np.float32)
    b = RNG.standard_normal((1, 8 * h)).astype(np.float32)
    nodes = [helper.make_node("Transpose", ["x"], ["xt"], name="to_tbf", perm=[1, 0, 2]),
             helper.make_node("LSTM", ["xt", "w", "r", "b"], ["yseq", "yh"], name="lstm", hidden_size=h),
             helper.make_node("Squeeze", ["yh", "ax"], ["y"], name="last")]
    path = _model(tmp_path, nodes, [t, f], None, [("w", w), ("r", r), ("b", b), ("ax", np.array([0]))])
    wl = load_workload(path)
    lay = wl.layer("lstm")
    assert lay.kind == "lstm" and lay.out_shape == (h,) and lay.matrix_in == f + h and lay.vectors_per_sample == t
    assert wl.output_layer.out_shape == (h,)


def test_gather_embeddings(tmp_path):
    table = np.zeros((10, 4), np.float32)
    graph = helper.make_graph(
        [helper.make_node("Gather", ["table", "x"], ["e"], name="words"),
         helper.make_node("Gather", ["ptable", "pos"], ["p"], name="positions"),
         helper.make_node("Add", ["e", "p"], ["y"], name="sum")], "emb",
        [helper.make_tensor_value_info("x", TensorProto.INT64, [1, 6])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(table, "table"), numpy_helper.from_array(np.zeros((8, 4), np.float32), "ptable"),
         numpy_helper.from_array(np.arange(6)[None], "pos")])
    path = tmp_path / "emb.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)]), str(path))
    wl = load_workload(path)
    assert wl.layer("positions").attrs["lookup"] == "position" and wl.total_weights == 40 + 32
    assert wl.task == "features" and wl.output_layer.out_shape == (6, 4)
    net = build_network(wl, make_tile=fp_tile_factory)
    ids = np.array([[1, 2, 3, 4, 5, 9]], np.float32)
    y = net.forward(ids, train=False)
    emb = net.layer("words").table
    np.testing.assert_allclose(y[0], emb[[1, 2, 3, 4, 5, 9]] + net.layer("positions").table[:6], rtol=1e-6)


def test_analog_layers_of_import_train(tmp_path):
    """An imported conv net builds on analog modules and its backward runs (training path)."""
    w = np.zeros((4, 1, 3, 3), np.float32)
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", kernel_shape=[3, 3]),
             helper.make_node("Relu", ["c"], ["r"], name="relu"),
             helper.make_node("GlobalAveragePool", ["r"], ["g"], name="gap"),
             helper.make_node("Flatten", ["g"], ["y"], name="flat")]
    path = _model(tmp_path, nodes, [1, 6, 6], None, [("w", w)])
    wl = load_workload(path)
    net = build_network(wl, make_tile=fp_tile_factory)
    assert isinstance(net.layer("conv"), AnalogModule) and wl.n_classes == 4
    loss, _ = net.train_batch(RNG.random((3, 1, 6, 6)).astype(np.float32), np.array([0, 1, 2]), 0.1)
    assert np.isfinite(loss)


def test_erf_spelled_gelu_is_fused(tmp_path):
    nodes = [helper.make_node("Div", ["x", "sqrt2"], ["d"], name="div"),
             helper.make_node("Erf", ["d"], ["e"], name="erf"),
             helper.make_node("Add", ["e", "one"], ["a"], name="add"),
             helper.make_node("Mul", ["x", "a"], ["m"], name="mul"),
             helper.make_node("Mul", ["m", "half"], ["y"], name="mul_half")]
    inits = [("sqrt2", np.float32(np.sqrt(2))), ("one", np.float32(1)), ("half", np.float32(0.5))]
    path = _model(tmp_path, nodes, [6], None, inits)
    x = RNG.standard_normal((2, 6))
    wl, y = _run(path, x)
    assert [lay.kind for lay in wl.layers] == ["input", "gelu"]
    np.testing.assert_allclose(y, 0.5 * x * (1 + _erf(x / np.sqrt(2))), rtol=1e-5, atol=1e-6)
    bad = _model(tmp_path, nodes[:2] + [helper.make_node("Relu", ["e"], ["y"], name="r")], [6], None, inits[:1],
                 name="bad")
    with pytest.raises(Exception, match=r"Erf \(node erf: Erf outside the exact GELU pattern"):
        load_workload(bad)
