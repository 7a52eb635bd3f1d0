"""Published network architectures as GPU layer work, for fitting and validating the GPU model.

These describe the networks exactly as the published benchmarks ran them, including the layers that
archsim's workload files do not express yet (batch norm; the transformer layers of BERT). When the
workload set gains these layer kinds, :func:`archsim.gpu.model.layer_work_from_workload` on the
corresponding workload files must give the same work (a test pins the ResNet-50 difference today).

* **ResNet-50 v1.5** (He et al., CVPR 2016; NVIDIA's v1.5 variant puts the stride-2 on the 3×3
  convolution of each down-sampling bottleneck), 224×224: 53 convolutions each followed by batch norm,
  ReLUs, 16 residual adds, max- and average-pool, the 2048→1000 classifier. 4.09 GMAC, 25.56 M
  parameters (torchvision's count).
* **BERT** (Devlin et al., NAACL 2019): BERT-base L=12, H=768, A=12; BERT-large L=24, H=1024, A=16;
  feed-forward 4H, vocabulary 30522, 512 positions, 2 token types (the ``bert_config.json`` of
  NVIDIA DeepLearningExamples). One encoder layer as an eager PyTorch implementation runs it
  (DeepLearningExamples ``modeling.py``): separate Q, K, V projections, ``QKᵀ``, scale, mask, softmax,
  dropout, ``P·V``, output projection, dropout, residual add, layer norm, FFN up-projection, GELU, FFN
  down-projection, dropout, residual add, layer norm. Heads: SQuAD span prediction (H→2 on every
  token) or pre-training (masked-LM transform and vocabulary projection on the ``max_predictions_per_seq``
  masked positions only, next-sentence prediction on the first token).
"""

from __future__ import annotations

from dataclasses import dataclass

from archsim.gpu.work import LayerWork
from archsim.layers.base import ConvShape


def resnet50_v15(*, image: int = 224, batchnorm: bool = True) -> tuple[LayerWork, ...]:
    """ResNet-50 v1.5 at ``image``×``image`` as GPU layer work (batch norm after every convolution)."""
    layers: list[LayerWork] = []
    first = [True]

    def conv(name: str, cin: int, cout: int, k: int, hw_in: int, stride: int) -> int:
        pad = k // 2
        hw_out = (hw_in + 2 * pad - k) // stride + 1
        layers.append(
            LayerWork(
                name=name,
                kind="conv2d",
                macs_per_sample=hw_out * hw_out * cout * cin * k * k,
                n_weights=cin * cout * k * k,
                in_elems_per_sample=cin * hw_in * hw_in,
                out_elems_per_sample=cout * hw_out * hw_out,
                needs_input_grad=not first[0],
                gemm_m_per_sample=hw_out * hw_out,
                gemm_k=cin * k * k,
                gemm_n=cout,
                conv=ConvShape(in_channels=cin, out_channels=cout, kernel=(k, k), stride=(stride, stride),
                                  padding=(pad, pad), in_hw=(hw_in, hw_in)),
            )
        )
        first[0] = False
        if batchnorm:
            n = cout * hw_out * hw_out
            layers.append(LayerWork(name=f"{name}.bn", kind="batchnorm", n_weights=2 * cout,
                                    in_elems_per_sample=n, out_elems_per_sample=n))
        return hw_out

    def ew(name: str, kind: str, elems_in: int, elems_out: int) -> None:
        layers.append(LayerWork(name=name, kind=kind, in_elems_per_sample=elems_in, out_elems_per_sample=elems_out))

    hw = conv("conv1", 3, 64, 7, image, 2)
    ew("relu1", "relu", 64 * hw * hw, 64 * hw * hw)
    pooled = (hw + 2 - 3) // 2 + 1
    ew("maxpool", "maxpool", 64 * hw * hw, 64 * pooled * pooled)
    hw = pooled
    cin = 64
    for stage, (width, blocks) in enumerate(zip((64, 128, 256, 512), (3, 4, 6, 3)), start=1):
        for b in range(blocks):
            stride = 2 if (b == 0 and stage > 1) else 1
            p = f"layer{stage}.{b}"
            conv(f"{p}.conv1", cin, width, 1, hw, 1)
            ew(f"{p}.relu1", "relu", width * hw * hw, width * hw * hw)
            hw2 = conv(f"{p}.conv2", width, width, 3, hw, stride)
            ew(f"{p}.relu2", "relu", width * hw2 * hw2, width * hw2 * hw2)
            conv(f"{p}.conv3", width, 4 * width, 1, hw2, 1)
            if b == 0:
                conv(f"{p}.downsample", cin, 4 * width, 1, hw, stride)
            out = 4 * width * hw2 * hw2
            ew(f"{p}.add", "add", 2 * out, out)
            ew(f"{p}.relu", "relu", out, out)
            cin, hw = 4 * width, hw2
    ew("avgpool", "avgpool", 2048 * hw * hw, 2048)
    layers.append(LayerWork(name="fc", kind="linear", macs_per_sample=2048 * 1000, n_weights=2048 * 1000 + 1000,
                            in_elems_per_sample=2048, out_elems_per_sample=1000, gemm_m_per_sample=1,
                            gemm_k=2048, gemm_n=1000))
    ew("softmax", "softmax", 1000, 1000)
    return tuple(layers)


@dataclass(frozen=True, kw_only=True)
class BertConfig:
    """Architecture hyper-parameters of a BERT encoder."""

    name: str
    """``bert-base`` or ``bert-large``."""
    layers: int
    """Encoder layers L."""
    hidden: int
    """Hidden size H."""
    heads: int
    """Attention heads A."""
    intermediate: int
    """Feed-forward size (4H)."""
    vocab: int = 30522
    """WordPiece vocabulary."""
    positions: int = 512
    """Position embeddings."""
    token_types: int = 2
    """Segment embeddings."""


BERT_BASE = BertConfig(name="bert-base", layers=12, hidden=768, heads=12, intermediate=3072)
BERT_LARGE = BertConfig(name="bert-large", layers=24, hidden=1024, heads=16, intermediate=4096)
BERT_CONFIGS = {c.name: c for c in (BERT_BASE, BERT_LARGE)}

#: Task heads of :func:`bert`.
BERT_HEADS = ("squad", "pretraining")


def bert(config: BertConfig, *, seq_len: int, head: str, max_predictions: int = 0) -> tuple[LayerWork, ...]:
    """A BERT encoder with ``head`` (``squad`` or ``pretraining``) at sequence length ``seq_len``.

    Args:
        config: the architecture (:data:`BERT_BASE`, :data:`BERT_LARGE`).
        seq_len: tokens per sequence (all positions computed: the padded length).
        head: ``squad`` (span start/end logits on every token) or ``pretraining`` (masked LM on
            ``max_predictions`` positions per sequence plus next-sentence prediction).
        max_predictions: masked positions per sequence for the pre-training head.

    Raises:
        ValueError: for an unknown head.
    """
    if head not in BERT_HEADS:
        raise ValueError(f"head: expected one of {', '.join(BERT_HEADS)}, got {head!r}")
    h, s, a, f = config.hidden, seq_len, config.heads, config.intermediate
    tok = s * h
    scores = a * s * s
    out: list[LayerWork] = []

    def lin(name: str, n_in: int, n_out: int, rows: int, grad: bool = True) -> None:
        out.append(LayerWork(name=name, kind="linear", macs_per_sample=rows * n_in * n_out,
                             n_weights=n_in * n_out + n_out, in_elems_per_sample=rows * n_in,
                             out_elems_per_sample=rows * n_out, needs_input_grad=grad, gemm_m_per_sample=rows,
                             gemm_k=n_in, gemm_n=n_out))

    def ew(name: str, kind: str, n_in: int, n_out: int | None = None, n_weights: int = 0) -> None:
        out.append(LayerWork(name=name, kind=kind, in_elems_per_sample=n_in,
                             out_elems_per_sample=n_in if n_out is None else n_out, n_weights=n_weights))

    def mm(name: str, macs: int, n_in: int, n_out: int, m: int, k: int, n: int) -> None:
        out.append(LayerWork(name=name, kind="matmul", macs_per_sample=macs, in_elems_per_sample=n_in,
                             out_elems_per_sample=n_out, gemm_m_per_sample=m, gemm_k=k, gemm_n=n,
                             matmul_batch_per_sample=a))

    # embeddings: word, position and token-type lookups summed, then layer norm and dropout
    out.append(LayerWork(name="embeddings", kind="embedding",
                         n_weights=(config.vocab + config.positions + config.token_types) * h,
                         in_elems_per_sample=s, out_elems_per_sample=tok, needs_input_grad=False))
    ew("embeddings.add", "add", 3 * tok, tok)
    ew("embeddings.layernorm", "layernorm", tok, n_weights=2 * h)
    ew("embeddings.dropout", "dropout", tok)
    d = h // a
    for i in range(config.layers):
        p = f"layer{i}"
        for proj in ("query", "key", "value"):
            lin(f"{p}.attention.{proj}", h, h, s)
        mm(f"{p}.attention.scores", s * s * h, 2 * tok, scores, s, d, s)
        ew(f"{p}.attention.scale", "scale", scores)
        ew(f"{p}.attention.mask", "scale", scores)
        ew(f"{p}.attention.softmax", "softmax", scores)
        ew(f"{p}.attention.dropout", "dropout", scores)
        mm(f"{p}.attention.context", s * s * h, scores + tok, tok, s, s, d)
        lin(f"{p}.attention.output", h, h, s)
        ew(f"{p}.attention.output.dropout", "dropout", tok)
        ew(f"{p}.attention.output.add", "add", 2 * tok, tok)
        ew(f"{p}.attention.output.layernorm", "layernorm", tok, n_weights=2 * h)
        lin(f"{p}.intermediate", h, f, s)
        ew(f"{p}.intermediate.gelu", "gelu", s * f)
        lin(f"{p}.output", f, h, s)
        ew(f"{p}.output.dropout", "dropout", tok)
        ew(f"{p}.output.add", "add", 2 * tok, tok)
        ew(f"{p}.output.layernorm", "layernorm", tok, n_weights=2 * h)
    if head == "squad":
        lin("qa_outputs", h, 2, s)
        ew("qa_outputs.softmax", "softmax", 2 * s)
    else:
        m = max_predictions
        # masked LM on the gathered masked positions: transform (dense, GELU, layer norm), then the
        # vocabulary projection (weights tied to the word embedding; its bias and gradient counted here)
        lin("mlm.transform", h, h, m)
        ew("mlm.transform.gelu", "gelu", m * h)
        ew("mlm.transform.layernorm", "layernorm", m * h, n_weights=2 * h)
        lin("mlm.decoder", h, config.vocab, m)
        ew("mlm.softmax", "softmax", m * config.vocab)
        lin("nsp.pooler", h, h, 1)
        ew("nsp.pooler.tanh", "tanh", h)
        lin("nsp.classifier", h, 2, 1)
    return tuple(out)
