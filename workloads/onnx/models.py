"""ONNX graphs of published networks, built with ``onnx.helper`` (structure only: no weights are downloaded).

Weights are initializers whose bytes are not stored (an external-data reference to a file that is not shipped),
so a graph carries every layer's shape and no values; small constants (reshape targets, split sizes, clip bounds,
scalars, position indices) are stored inline. ``python workloads/onnx/generate.py`` imports each graph with
``archsim import`` into ``workloads/<name>.yaml``.

Architectures (the layer lists follow the papers and the reference implementations named in each function):

* :func:`mobilenet_v2` — Sandler et al., "MobileNetV2: Inverted Residuals and Linear Bottlenecks", CVPR 2018,
  Table 2 (width 1.0, 224×224), as torchvision's ``mobilenet_v2``: BN after every conv, ReLU6, dropout before
  the classifier.
* :func:`vgg16` — Simonyan & Zisserman, "Very Deep Convolutional Networks for Large-Scale Image Recognition",
  ICLR 2015, configuration D, as torchvision's ``vgg16`` (no BN).
* :func:`vit_b16` — Dosovitskiy et al., "An Image is Worth 16x16 Words", ICLR 2021, ViT-Base/16 at 224×224, as
  torchvision's ``vit_b_16`` (pre-LN blocks, class token, learned positional embedding, exact GELU, LN ε = 1e-6).
* :func:`bert_base` — Devlin et al., "BERT: Pre-training of Deep Bidirectional Transformers", NAACL 2019,
  BERT-base (L = 12, H = 768, A = 12, 30,522-token vocabulary, 512 positions, 2 segments) at sequence length 128,
  as Hugging Face's ``BertModel`` (post-LN, exact GELU, LN ε = 1e-12, tanh pooler on the first token).
* :func:`resnet50` — He et al., "Deep Residual Learning for Image Recognition", CVPR 2016, v1.5 (stride on the
  3×3 conv) as torchvision's ``resnet50``; ``batchnorm=False`` leaves batch norm out (as ``workloads/resnet50.yaml``
  models it: folded, no bias), ``True`` puts BN after every conv.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 20


class Graph:
    """A small builder of one ONNX graph."""

    def __init__(self, name: str, input_shape: list[int], *, elem_type: int = TensorProto.FLOAT) -> None:
        self.name = name
        self.nodes: list[Any] = []
        self.inits: list[Any] = []
        self.input = helper.make_tensor_value_info("input", elem_type, [1, *input_shape])
        self._n = 0

    def _uid(self, base: str) -> str:
        self._n += 1
        return f"{base}_{self._n}"

    def weight(self, name: str, shape: list[int]) -> str:
        """A weight initializer with its shape and no stored values."""
        t = TensorProto()
        t.name, t.data_type = name, TensorProto.FLOAT
        t.dims.extend(shape)
        t.data_location = TensorProto.EXTERNAL
        entry = t.external_data.add()
        entry.key, entry.value = "location", "weights-not-included.bin"
        self.inits.append(t)
        return name

    def const(self, name: str, value: Any, dtype: Any = np.int64) -> str:
        """A small constant stored inline."""
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def node(self, op: str, inputs: list[str], name: str, n_outputs: int = 1, **attrs: Any) -> str:
        """Add a node; returns its (first) output tensor."""
        outs = [f"{name}:out"] + [f"{name}:out{i}" for i in range(1, n_outputs)]
        self.nodes.append(helper.make_node(op, inputs, outs, name=name, **attrs))
        return outs[0]

    def model(self, output: str, out_shape: list[int]) -> Any:
        out = helper.make_tensor_value_info(output, TensorProto.FLOAT, out_shape)
        graph = helper.make_graph(self.nodes, self.name, [self.input], [out], self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                                  producer_name="archsim workloads/onnx/models.py")
        model.ir_version = 9
        return model

    # -- layers --------------------------------------------------------------------------------------------
    def conv(self, x: str, name: str, c_in: int, c_out: int, k: int, *, stride: int = 1, pad: int = 0,
             groups: int = 1, bias: bool = True) -> str:
        ins = [x, self.weight(f"{name}.weight", [c_out, c_in // groups, k, k])]
        if bias:
            ins.append(self.weight(f"{name}.bias", [c_out]))
        return self.node("Conv", ins, name, kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4,
                         group=groups)

    def bn(self, x: str, name: str, c: int) -> str:
        ins = [x] + [self.weight(f"{name}.{p}", [c]) for p in ("weight", "bias", "running_mean", "running_var")]
        return self.node("BatchNormalization", ins, name, epsilon=1e-5, momentum=0.9)

    def gemm(self, x: str, name: str, n_in: int, n_out: int) -> str:
        return self.node("Gemm", [x, self.weight(f"{name}.weight", [n_out, n_in]), self.weight(f"{name}.bias", [n_out])],
                         name, transB=1)

    def linear(self, x: str, name: str, n_in: int, n_out: int) -> str:
        """MatMul by a weight plus a bias Add (how exporters write a linear layer on sequences)."""
        y = self.node("MatMul", [x, self.weight(f"{name}.weight", [n_in, n_out])], f"{name}.matmul")
        return self.node("Add", [y, self.weight(f"{name}.bias", [n_out])], name)

    def layernorm(self, x: str, name: str, d: int, eps: float) -> str:
        return self.node("LayerNormalization", [x, self.weight(f"{name}.weight", [d]), self.weight(f"{name}.bias", [d])],
                         name, axis=-1, epsilon=eps)

    def reshape(self, x: str, name: str, shape: list[int]) -> str:
        return self.node("Reshape", [x, self.const(f"{name}.shape", shape)], name)


def mobilenet_v2(num_classes: int = 1000) -> Any:
    """MobileNetV2 1.0 at 224×224 (module docstring)."""
    g = Graph("mobilenet_v2", [3, 224, 224])

    def conv_bn(x: str, name: str, c_in: int, c_out: int, k: int, stride: int = 1, groups: int = 1,
                relu6: bool = True) -> str:
        y = g.conv(x, f"{name}.conv", c_in, c_out, k, stride=stride, pad=(k - 1) // 2, groups=groups, bias=False)
        y = g.bn(y, f"{name}.bn", c_out)
        if relu6:
            y = g.node("Clip", [y, g.const(f"{name}.min", 0.0, np.float32), g.const(f"{name}.max", 6.0, np.float32)],
                       f"{name}.relu6")
        return y

    x = conv_bn("input", "features.0", 3, 32, 3, stride=2)
    c_in = 32
    k = 1
    for t, c, n, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
                       (6, 320, 1, 1)]:
        for i in range(n):
            stride = s if i == 0 else 1
            name = f"features.{k}"
            hidden = c_in * t
            y = x
            if t != 1:
                y = conv_bn(y, f"{name}.expand", c_in, hidden, 1)
            y = conv_bn(y, f"{name}.dw", hidden, hidden, 3, stride=stride, groups=hidden)
            y = conv_bn(y, f"{name}.project", hidden, c, 1, relu6=False)
            if stride == 1 and c_in == c:
                y = g.node("Add", [x, y], f"{name}.add")
            x, c_in, k = y, c, k + 1
    x = conv_bn(x, "features.18", 320, 1280, 1)
    x = g.node("GlobalAveragePool", [x], "pool")
    x = g.node("Flatten", [x], "flatten", axis=1)
    x = g.node("Dropout", [x], "dropout")
    x = g.gemm(x, "classifier", 1280, num_classes)
    return g.model(x, [1, num_classes])


def vgg16(num_classes: int = 1000) -> Any:
    """VGG-16 (configuration D) at 224×224 (module docstring)."""
    g = Graph("vgg16", [3, 224, 224])
    x, c_in, i = "input", 3, 0
    for block in ([64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]):
        for c in block:
            x = g.conv(x, f"features.{i}", c_in, c, 3, pad=1)
            x = g.node("Relu", [x], f"features.{i + 1}")
            c_in, i = c, i + 2
        x = g.node("MaxPool", [x], f"features.{i}", kernel_shape=[2, 2], strides=[2, 2])
        i += 1
    x = g.node("Flatten", [x], "flatten", axis=1)
    for j, (a, b) in enumerate([(512 * 7 * 7, 4096), (4096, 4096)]):
        x = g.gemm(x, f"classifier.{3 * j}", a, b)
        x = g.node("Relu", [x], f"classifier.{3 * j + 1}")
        x = g.node("Dropout", [x], f"classifier.{3 * j + 2}")
    x = g.gemm(x, "classifier.6", 4096, num_classes)
    return g.model(x, [1, num_classes])


def _attention(g: Graph, x: str, name: str, t: int, d: int, heads: int) -> str:
    """Multi-head self-attention on [1, T, D]: Q, K, V projections, scaled dot products, softmax, output."""
    dh = d // heads
    q = g.linear(x, f"{name}.query", d, d)
    k = g.linear(x, f"{name}.key", d, d)
    v = g.linear(x, f"{name}.value", d, d)
    q = g.node("Transpose", [g.reshape(q, f"{name}.q_heads", [1, t, heads, dh])], f"{name}.q_t", perm=[0, 2, 1, 3])
    k = g.node("Transpose", [g.reshape(k, f"{name}.k_heads", [1, t, heads, dh])], f"{name}.k_t", perm=[0, 2, 3, 1])
    v = g.node("Transpose", [g.reshape(v, f"{name}.v_heads", [1, t, heads, dh])], f"{name}.v_t", perm=[0, 2, 1, 3])
    scores = g.node("MatMul", [q, k], f"{name}.scores")
    scores = g.node("Mul", [scores, g.const(f"{name}.scale", 1.0 / np.sqrt(dh), np.float32)], f"{name}.scaled")
    probs = g.node("Softmax", [scores], f"{name}.softmax", axis=-1)
    ctx = g.node("MatMul", [probs, v], f"{name}.context")
    ctx = g.node("Transpose", [ctx], f"{name}.ctx_t", perm=[0, 2, 1, 3])
    ctx = g.reshape(ctx, f"{name}.merge", [1, t, d])
    return g.linear(ctx, f"{name}.out", d, d)


def vit_b16(num_classes: int = 1000) -> Any:
    """ViT-Base/16 at 224×224 (module docstring)."""
    d, heads, mlp, depth, t = 768, 12, 3072, 12, 197
    g = Graph("vit_b_16", [3, 224, 224])
    x = g.conv("input", "conv_proj", 3, d, 16, stride=16)
    x = g.reshape(x, "patches", [1, d, 196])
    x = g.node("Transpose", [x], "tokens", perm=[0, 2, 1])
    x = g.node("Concat", [g.weight("class_token", [1, 1, d]), x], "cat_cls", axis=1)
    x = g.node("Add", [x, g.weight("encoder.pos_embedding", [1, t, d])], "pos")
    x = g.node("Dropout", [x], "encoder.dropout")
    for i in range(depth):
        name = f"encoder.layers.{i}"
        y = g.layernorm(x, f"{name}.ln_1", d, 1e-6)
        y = _attention(g, y, f"{name}.self_attention", t, d, heads)
        x = g.node("Add", [x, y], f"{name}.add_1")
        y = g.layernorm(x, f"{name}.ln_2", d, 1e-6)
        y = g.linear(y, f"{name}.mlp.0", d, mlp)
        y = g.node("Gelu", [y], f"{name}.mlp.1")
        y = g.linear(y, f"{name}.mlp.3", mlp, d)
        x = g.node("Add", [x, y], f"{name}.add_2")
    x = g.layernorm(x, "encoder.ln", d, 1e-6)
    cls = g.node("Split", [x, g.const("split_sizes", [1, t - 1])], "split_cls", n_outputs=2, axis=1)
    x = g.node("Squeeze", [cls, g.const("squeeze_axes", [1])], "cls_token")
    x = g.gemm(x, "heads.head", d, num_classes)
    return g.model(x, [1, num_classes])


def bert_base(seq_len: int = 128) -> Any:
    """BERT-base (BertModel: embeddings, 12 encoder layers, pooler) at ``seq_len`` tokens (module docstring)."""
    d, heads, ffn, depth = 768, 12, 3072, 12
    g = Graph("bert_base_uncased", [seq_len], elem_type=TensorProto.INT64)
    words = g.node("Gather", [g.weight("embeddings.word_embeddings.weight", [30522, d]), "input"],
                   "embeddings.word_embeddings")
    pos = g.node("Gather", [g.weight("embeddings.position_embeddings.weight", [512, d]),
                            g.const("position_ids", [list(range(seq_len))])], "embeddings.position_embeddings")
    seg = g.node("Gather", [g.weight("embeddings.token_type_embeddings.weight", [2, d]),
                            g.const("token_type_ids", [[0] * seq_len])], "embeddings.token_type_embeddings")
    x = g.node("Add", [words, pos], "embeddings.add_position")
    x = g.node("Add", [x, seg], "embeddings.add_token_type")
    x = g.layernorm(x, "embeddings.LayerNorm", d, 1e-12)
    for i in range(depth):
        name = f"encoder.layer.{i}"
        y = _attention(g, x, f"{name}.attention", seq_len, d, heads)
        x = g.layernorm(g.node("Add", [y, x], f"{name}.attention.residual"), f"{name}.attention.LayerNorm", d, 1e-12)
        y = g.node("Gelu", [g.linear(x, f"{name}.intermediate.dense", d, ffn)], f"{name}.intermediate.gelu")
        y = g.linear(y, f"{name}.output.dense", ffn, d)
        x = g.layernorm(g.node("Add", [y, x], f"{name}.output.residual"), f"{name}.output.LayerNorm", d, 1e-12)
    first = g.node("Split", [x, g.const("split_first", [1, seq_len - 1])], "pooler.first_token", n_outputs=2,
                   axis=1)
    first = g.node("Squeeze", [first, g.const("squeeze_axes", [1])], "pooler.squeeze")
    x = g.node("Tanh", [g.gemm(first, "pooler.dense", d, d)], "pooler.activation")
    return g.model(x, [1, d])


def resnet50(batchnorm: bool = False, num_classes: int = 1000) -> Any:
    """ResNet-50 v1.5 at 224×224 (module docstring)."""
    g = Graph("resnet50", [3, 224, 224])

    def conv(x: str, name: str, c_in: int, c_out: int, k: int, stride: int = 1, relu: bool = True) -> str:
        y = g.conv(x, name, c_in, c_out, k, stride=stride, pad=(k - 1) // 2, bias=False)
        if batchnorm:
            y = g.bn(y, name.replace("conv", "bn") + ("" if "conv" in name else ".bn"), c_out)
        return g.node("Relu", [y], f"{name}.relu") if relu else y

    x = conv("input", "conv1", 3, 64, 7, stride=2)
    x = g.node("MaxPool", [x], "maxpool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    c_in = 64
    for stage, (width, blocks, stride) in enumerate([(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)], start=1):
        for b in range(blocks):
            s = stride if b == 0 else 1
            name = f"layer{stage}.{b}"
            y = conv(x, f"{name}.conv1", c_in, width, 1)
            y = conv(y, f"{name}.conv2", width, width, 3, stride=s)
            y = conv(y, f"{name}.conv3", width, 4 * width, 1, relu=False)
            short = conv(x, f"{name}.downsample", c_in, 4 * width, 1, stride=s, relu=False) if b == 0 else x
            x = g.node("Relu", [g.node("Add", [y, short], f"{name}.add")], f"{name}.relu")
            c_in = 4 * width
    x = g.node("GlobalAveragePool", [x], "avgpool")
    x = g.node("Flatten", [x], "flatten", axis=1)
    x = g.gemm(x, "fc", 2048, num_classes)
    return g.model(x, [1, num_classes])


MODELS = {"mobilenetv2": mobilenet_v2, "vgg16": vgg16, "vit-b16": vit_b16, "bert-base": bert_base}
"""The bundled imports: workload name -> graph builder."""

DESCRIPTIONS = {
    "mobilenetv2": "MobileNetV2 1.0 at 224x224 (Sandler et al., CVPR 2018, Table 2; torchvision mobilenet_v2 layout): "
                   "inverted residual blocks with depthwise 3x3 convolutions, ReLU6, global average pool, FC "
                   "1280->1000.",
    "vgg16": "VGG-16, configuration D (Simonyan & Zisserman, ICLR 2015, Table 1; torchvision vgg16 layout), "
             "224x224: 13 3x3 convolutions, 5 max pools, FC 25088->4096->4096->1000.",
    "vit-b16": "ViT-B/16 (Dosovitskiy et al., ICLR 2021, Table 1; torchvision vit_b_16 layout), 224x224: 16x16 "
               "patches, class token, learned positional embedding, 12 pre-LN blocks (D 768, 12 heads, MLP 3072, "
               "exact GELU), head 768->1000.",
    "bert-base": "BERT-base encoder (Devlin et al., NAACL 2019; Hugging Face BertModel layout) at sequence length "
                 "128: word/position/segment embeddings, 12 post-LN layers (H 768, 12 heads, FFN 3072, exact GELU), "
                 "tanh pooler on the first token; the attention's activation products run on digital units.",
}
"""What each bundled network is, with its source."""

TASKS = {"bert-base": "features"}
"""Import ``--task`` of networks whose output is not a class vector (BERT's pooled features)."""


def save(model: Any, path: str) -> None:
    """Write ``model`` (its weights stay references to a file that is not written)."""
    onnx.save(model, path)
