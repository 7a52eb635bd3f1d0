"""Published single-GPU throughputs the GPU model is fitted on (``fit``) and validated against (``held-out``).

Every figure is copied from its source as published; the ``source`` names the document, the revision
and the table, ``date`` is when the figure was published (the commit or results-release date). A
figure published for a multi-GPU system is divided by the GPU count only for MLPerf *Offline*
inference, where the GPUs of a node work on independent samples.

Fit-subset rule: per GPU, from the one source that covers all four GPUs with the same code (Lambda's
DeepLearningExamples runs; the newest software version where there are two), the ResNet-50 training
figures at both precisions (memory-bound kernels dominate them) and the BERT-large SQuAD fine-tuning
figure at AMP (matrix products dominate it), which together separate the compute and the memory
efficiency; plus one batch-1 inference figure per stack where the GPU has one (host launch cost of eager
PyTorch, per-kernel cost of TensorRT). Every other figure is held out: every NVIDIA DeepLearningExamples
and MLPerf large-batch figure, other batch sizes, BERT at FP32, BERT-base, BERT pre-training, inference,
older software versions, TensorRT INT8. History, for the record: a first fit on ResNet-50 alone left the
tensor-core and memory efficiencies degenerate (every ResNet-50 figure has the same compute/memory mix);
a second fit anchored on DeepLearningExamples figures for V100 and A100 gave A100 a held-out median of
19.8 %, its BERT fine-tuning anchor (110.5 seq/s at batch 32) being 27 % below Lambda's (152 seq/s at
batch 112); the Lambda rule above replaced it so that every GPU is anchored on the same benchmark code.
Fitted parameters shared across GPUs are fitted on one GPU's fit set only and say so in the YAML:
``host_dispatch_us`` (a property of the eager framework on its host, identifiable only from V100's
batch-1 figure) and ``kernel_us`` (identifiable only from A100's TensorRT batch-1 figure). The H200 is
the H100's GH100 silicon (same SMs, clocks and tensor cores) with HBM3e memory: it takes H100's
tensor-core efficiency and fits only its memory efficiency, on its most memory-bound figure (ResNet-50
AMP training); its other six figures are held out.

Sources:

* ``DLE-RN50``: NVIDIA DeepLearningExamples, ``PyTorch/Classification/ConvNets/resnet50v1.5/README.md``,
  "Training performance results" and "Inference performance results", NGC pytorch:21.03 container,
  commit 7bdfc81d ("Triton and performance numbers updated", 2021-04-20). Batch sizes and memory
  formats from ``PyTorch/Classification/ConvNets/configs.yml`` of the same commit (DGX-1V AMP: 256,
  NHWC; FP32: 112, NCHW; DGX A100 AMP: 256, NHWC; TF32: 256, NCHW). https://github.com/NVIDIA/DeepLearningExamples
* ``DLE-BERT-20.06``: same repository, ``PyTorch/LanguageModeling/BERT/README.md`` at commit 78ec6802
  (2021-08-27; figures from NGC pytorch:20.06, tables updated 2020-07-04, commit f8b3a63f): DGX-1 16G
  pre-training (LAMB, phase 1 seq 128 with 20 masked positions, phase 2 seq 512 with 80), SQuAD
  fine-tuning and SQuAD inference (seq 384).
* ``DLE-BERT-21.11``: the same README at commit a07d20a1 (2022-05-25; NGC pytorch:21.11): DGX-1 32G and
  DGX A100 80G phase-1 pre-training, SQuAD fine-tuning, A100 SQuAD inference. (Phase-2 figures of this
  revision use length-binned sequences, bin size 64, and are not used: their token count is unknown.)
* ``LAMBDA-v1``: Lambda, github.com/lambdal/deeplearning-benchmark, ``pytorch/pytorch-train-throughput-fp16.csv``
  and ``-fp32.csv`` (batch sizes in ``pytorch-train-bs-*.csv``), DeepLearningExamples code in NGC
  pytorch:22.10-py3, synthetic ImageNet data, default NCHW memory format, BERT SQuAD fine-tuning at
  seq 384. Rows "LambdaCloud V100 16GB" and "H100 80GB SXM5" (commit a8e6d619, 2023-02-14),
  "A100 80GB SXM4" (commit e7fc9785, 2022-12-16).
* ``LAMBDA-v2``: the same repository, ``pytorch/pytorch-train-throughput-v2-fp16.csv`` and ``-fp32.csv``
  (batch sizes in ``pytorch/scripts/config_v2/config_pytorch_80GB.sh`` and ``_140GB.sh``): rows
  "LambdaBM_ENG04_1xH200_140GB_SXM_h200_v2" (commit ec2322ee, 2024-08-02) and
  "LambdaOD_1x_Texas_1xH100_80GB_SXM5_192-222-52-129_v2" (commit 5baf7be2, 2024-09-30).
* ``MLPERF-INF``: MLCommons MLPerf Inference, closed division, NVIDIA submissions, TensorRT INT8 engines
  (``closed/NVIDIA/code/resnet50/tensorrt/ResNet50.py`` builds with INT8 calibration), ``results/<system>/
  resnet50/<scenario>/performance/run_1/mlperf_log_summary.txt`` of github.com/mlcommons/inference_results_v3.0
  (2023-04-05), v4.0 (2024-03-27) and v4.1 (2024-08-28).
"""

from __future__ import annotations

from dataclasses import dataclass

from archsim.errors import ConfigError
from archsim.gpu.networks import BERT_CONFIGS, bert, resnet50_v15
from archsim.gpu.work import LayerWork

ROLES = ("fit", "held-out")


@dataclass(frozen=True, kw_only=True)
class PublishedFigure:
    """One published throughput and the exact setup it was measured in."""

    id: str
    """Unique key (``gpu/network/mode/precision/batch/source``)."""
    gpu: str
    """GPU file name (``v100``, ``a100``, ``h100``, ``h200``)."""
    network: str
    """``resnet50``, ``bert-base`` or ``bert-large``."""
    task: str
    """``classification``, ``pretraining`` or ``squad``."""
    mode: str
    """``training`` or ``inference``."""
    precision: str
    """``fp32`` (TF32 on Ampere and later), ``amp`` or ``int8``."""
    batch_size: int
    """Samples per GPU and step (the micro-batch where gradients are accumulated)."""
    throughput: float
    """Published samples (images or sequences) per second per GPU."""
    source: str
    """Source key (see the module docstring) plus the table or row."""
    date: str
    """Publication date of the figure (ISO)."""
    role: str
    """``fit`` or ``held-out``."""
    stack: str = "pytorch"
    """Software stack it ran on."""
    layout: str = "nhwc"
    """Convolution memory format."""
    optimizer: str = "sgd"
    """Optimizer of a training figure."""
    accumulation_steps: int = 1
    """Micro-batches per optimizer step."""
    seq_len: int = 0
    """BERT: sequence length."""
    max_predictions: int = 0
    """BERT pre-training: masked positions per sequence."""
    note: str = ""
    """What else differs (board variant, per-GPU division)."""

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ConfigError(f"{self.id}: role: expected one of {', '.join(ROLES)}, got {self.role!r}")

    def layers(self) -> tuple[LayerWork, ...]:
        """The network as GPU layer work."""
        if self.network == "resnet50":
            return resnet50_v15()
        return bert(BERT_CONFIGS[self.network], seq_len=self.seq_len, head=self.task,
                    max_predictions=self.max_predictions)


def _rn50(gpu: str, mode: str, precision: str, batch: int, value: float, source: str, date: str, role: str,
          **kw: object) -> PublishedFigure:
    return PublishedFigure(id=f"{gpu}/resnet50/{mode}/{precision}/b{batch}/{source.split()[0]}", gpu=gpu,
                           network="resnet50", task="classification", mode=mode, precision=precision,
                           batch_size=batch, throughput=value, source=source, date=date, role=role, **kw)


def _bert(gpu: str, net: str, task: str, mode: str, precision: str, batch: int, seq: int, value: float,
          source: str, date: str, role: str, **kw: object) -> PublishedFigure:
    opt = {"pretraining": "lamb", "squad": "adam"}[task]
    return PublishedFigure(id=f"{gpu}/{net}/{task}{seq}/{mode}/{precision}/b{batch}/{source.split()[0]}", gpu=gpu,
                           network=net, task=task, mode=mode, precision=precision, batch_size=batch, throughput=value,
                           source=source, date=date, role=role, seq_len=seq, optimizer=opt, **kw)


def _lambda_row(gpu: str, row: str, date: str, figures: dict[str, tuple[int, float]],
                fit: tuple[str, ...]) -> list[PublishedFigure]:
    """The six training figures of one row of Lambda's benchmark (``LAMBDA-v1``/``-v2``): ResNet-50 (NCHW) and
    BERT-base/-large SQuAD fine-tuning (seq 384), at FP32 and AMP. ``figures`` maps ``network/precision`` to
    (batch, samples/s); the keys in ``fit`` are fitted on, the others held out."""
    out = []
    for key, (batch, value) in figures.items():
        net, precision = key.split("/")
        role = "fit" if key in fit else "held-out"
        if net == "resnet50":
            out.append(_rn50(gpu, "training", precision, batch, value, row, date, role, layout="nchw"))
        else:
            out.append(_bert(gpu, net, "squad", "training", precision, batch, 384, value, row, date, role))
    return out


def _dle_bert(gpu: str, release: str, date: str, system: str, *,
              pretraining: tuple[tuple[str, int, int, float, int], ...] = (),
              squad_training: tuple[tuple[str, int, float], ...] = (),
              squad_inference: tuple[tuple[str, int, float], ...] = (), note: str = "") -> list[PublishedFigure]:
    """The BERT-large figures of one system in one revision of the DeepLearningExamples BERT README, all held out:
    ``pretraining`` rows (precision, micro-batch, seq, samples/s, accumulation steps; 20 masked positions at seq 128,
    80 at seq 512), SQuAD fine-tuning and inference rows (precision, batch, samples/s; seq 384)."""
    kw = {"note": note} if note else {}
    out = [_bert(gpu, "bert-large", "pretraining", "training", precision, batch, seq, value,
                 f"{release} pre-training {system}", date, "held-out", accumulation_steps=steps,
                 max_predictions={128: 20, 512: 80}[seq], **kw)
           for precision, batch, seq, value, steps in pretraining]
    for mode, what, rows in (("training", "SQuAD fine-tuning", squad_training),
                             ("inference", "SQuAD inference", squad_inference)):
        out += [_bert(gpu, "bert-large", "squad", mode, precision, batch, 384, value, f"{release} {what} {system}",
                      date, "held-out", **kw) for precision, batch, value in rows]
    return out


_LAMBDA_FIT = ("resnet50/fp32", "resnet50/amp", "bert-large/amp")
"""The fit subset of a Lambda row (module docstring: both ResNet-50 precisions, BERT-large at AMP)."""
_DLE_RN50 = "DLE-RN50"
_D_RN50 = "2021-04-20"
_BERT20 = "DLE-BERT-20.06"
_D_BERT20 = "2020-07-04"
_BERT21 = "DLE-BERT-21.11"
_D_BERT21 = "2022-05-25"
_V100_32G = "V100 SXM2 32 GB board (same GPU, larger memory)"


def _v100() -> list[PublishedFigure]:
    g = "v100"
    out = [
        _rn50(g, "training", "fp32", 112, 367, f"{_DLE_RN50} DGX-1 16GB 1 GPU", _D_RN50, "held-out", layout="nchw"),
        _rn50(g, "training", "amp", 256, 1200, f"{_DLE_RN50} DGX-1 16GB 1 GPU", _D_RN50, "held-out"),
        _rn50(g, "inference", "amp", 256, 3382, f"{_DLE_RN50} inference DGX-1 1x V100 16GB", _D_RN50, "held-out"),
        _rn50(g, "inference", "fp32", 1, 96, f"{_DLE_RN50} inference DGX-1 1x V100 16GB", _D_RN50, "fit",
              layout="nchw"),
    ]
    fp32_inf = {2: 196, 4: 386, 8: 709, 16: 1023, 32: 1127, 64: 1200, 128: 1229, 256: 1261}
    amp_inf = {1: 78, 2: 154, 4: 300, 8: 595, 16: 1178, 32: 2146, 64: 2984, 128: 3249}
    for b, v in fp32_inf.items():
        out.append(_rn50(g, "inference", "fp32", b, v, f"{_DLE_RN50} inference DGX-1 1x V100 16GB", _D_RN50,
                         "held-out", layout="nchw"))
    for b, v in amp_inf.items():
        out.append(_rn50(g, "inference", "amp", b, v, f"{_DLE_RN50} inference DGX-1 1x V100 16GB", _D_RN50,
                         "held-out"))
    out += _lambda_row(g, "LAMBDA-v1 row 'LambdaCloud V100 16GB'", "2023-02-14",
                       {"resnet50/fp32": (128, 369), "resnet50/amp": (256, 833), "bert-base/fp32": (24, 42),
                        "bert-base/amp": (48, 189), "bert-large/fp32": (8, 12), "bert-large/amp": (16, 57)},
                       fit=_LAMBDA_FIT)
    # DGX-1 16G, NGC 20.06: pre-training phase 1 and 2 (micro-batch = batch / accumulation steps)
    out += _dle_bert(g, _BERT20, _D_BERT20, "DGX-1 16G",
                     pretraining=(("fp32", 8, 128, 40, 8192), ("amp", 16, 128, 164, 4096), ("fp32", 2, 512, 9, 16384),
                                  ("amp", 4, 512, 34, 8192)),
                     squad_training=(("fp32", 4, 9), ("amp", 10, 50)),
                     squad_inference=(("fp32", 8, 42), ("amp", 8, 153)))
    # DGX-1 32G, NGC 21.11
    out += _dle_bert(g, _BERT21, _D_BERT21, "DGX-1 32G",
                     pretraining=(("fp32", 32, 128, 50, 128), ("amp", 64, 128, 224, 64)),
                     squad_training=(("fp32", 8, 12), ("amp", 16, 52)), note=_V100_32G)
    return out


def _a100() -> list[PublishedFigure]:
    g = "a100"
    mlperf = "MLPERF-INF v3.0 DGX-A100_A100-SXM-80GBx1_TRT resnet50"
    out = [
        _rn50(g, "training", "fp32", 256, 938, f"{_DLE_RN50} DGX A100 80GB 1 GPU (TF32)", _D_RN50, "held-out",
              layout="nchw"),
        _rn50(g, "training", "amp", 256, 2470, f"{_DLE_RN50} DGX A100 80GB 1 GPU", _D_RN50, "held-out"),
        _rn50(g, "inference", "int8", 1, 2199.31, f"{mlperf} SingleStream (1 / mean latency)", "2023-04-05", "fit",
              stack="tensorrt"),
        _rn50(g, "inference", "int8", 2048, 42379.3, f"{mlperf} Offline", "2023-04-05", "held-out", stack="tensorrt",
              note="Offline batch chosen by the harness (not in the indexed files); modelled at 2048"),
    ]
    out += _lambda_row(g, "LAMBDA-v1 row 'A100 80GB SXM4'", "2022-12-16",
                       {"resnet50/fp32": (640, 1066), "resnet50/amp": (1280, 1582), "bert-base/fp32": (172, 239),
                        "bert-base/amp": (320, 443), "bert-large/fp32": (64, 75), "bert-large/amp": (112, 152)},
                       fit=_LAMBDA_FIT)
    out += _dle_bert(g, _BERT21, _D_BERT21, "DGX A100 80GB",
                     pretraining=(("fp32", 128, 128, 317, 64), ("amp", 256, 128, 580, 32)),
                     squad_training=(("fp32", 32, 61.5), ("amp", 32, 110.5)),
                     squad_inference=(("fp32", 32, 216), ("amp", 32, 312)))
    return out


def _h100() -> list[PublishedFigure]:
    g = "h100"
    return [
        *_lambda_row(g, "LAMBDA-v2 row 'LambdaOD_1x_Texas_1xH100_80GB_SXM5_192-222-52-129_v2'", "2024-09-30",
                     {"resnet50/fp32": (640, 1895), "resnet50/amp": (1280, 2791), "bert-base/fp32": (172, 432),
                      "bert-base/amp": (320, 858), "bert-large/fp32": (64, 145), "bert-large/amp": (112, 311)},
                     fit=_LAMBDA_FIT),
        # the older software version of the same GPU: held out
        *_lambda_row(g, "LAMBDA-v1 row 'H100 80GB SXM5'", "2023-02-14",
                     {"resnet50/fp32": (640, 1753), "resnet50/amp": (1280, 2616), "bert-base/fp32": (172, 408),
                      "bert-base/amp": (320, 812), "bert-large/fp32": (64, 141), "bert-large/amp": (112, 301)},
                     fit=()),
        _rn50(g, "inference", "int8", 2048, 88714.3, "MLPERF-INF v4.0 DGX-H100_H100-SXM-80GBx1_TRT resnet50 Offline",
              "2024-03-27", "held-out", stack="tensorrt",
              note="Offline batch chosen by the harness (not in the indexed files); modelled at 2048"),
    ]


def _h200() -> list[PublishedFigure]:
    g = "h200"
    return [
        # H100's tensor-core efficiency; only the memory efficiency is fitted, on ResNet-50 AMP (module docstring)
        *_lambda_row(g, "LAMBDA-v2 row 'LambdaBM_ENG04_1xH200_140GB_SXM_h200_v2'", "2024-08-02",
                     {"resnet50/fp32": (1280, 2259), "resnet50/amp": (2560, 3079), "bert-base/fp32": (296, 514),
                      "bert-base/amp": (592, 932), "bert-large/fp32": (96, 181), "bert-large/amp": (192, 350)},
                     fit=("resnet50/amp",)),
        _rn50(g, "inference", "int8", 2048, 756960.0 / 8, "MLPERF-INF v4.1 H200-SXM-141GBx8_TRT resnet Offline",
              "2024-08-28", "held-out", stack="tensorrt",
              note="756,960 samples/s for 8 GPUs / 8; Offline batch modelled at 2048"),
    ]


#: Every published figure, all GPUs.
FIGURES: tuple[PublishedFigure, ...] = tuple(_v100() + _a100() + _h100() + _h200())


def figures_for(gpu: str, role: str | None = None) -> tuple[PublishedFigure, ...]:
    """Published figures of ``gpu`` (optionally only the ``fit`` or ``held-out`` ones)."""
    return tuple(f for f in FIGURES if f.gpu == gpu and (role is None or f.role == role))
