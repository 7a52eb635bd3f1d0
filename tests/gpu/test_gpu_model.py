"""GPU kernel model: kernels per layer kind and stack, the host-issue timeline, energy, errors."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from archsim.errors import ConfigError
from archsim.gpu.kinds import known_kinds, register_kind
from archsim.gpu.load import load_gpu
from archsim.gpu.model import LayerWork, layer_work_from_workload, plan_kernels, predict, time_plan
from archsim.gpu.networks import resnet50_v15

ROOT = Path(__file__).resolve().parents[2]


def _plan(gpu, layers, **kw):
    args = {"mode": "training", "precision": "amp", "batch": 8, "stack": "pytorch", "layout": "nhwc",
            "optimizer": "sgd", "accumulation_steps": 1, **kw}
    return plan_kernels(gpu, layers, **args)


def test_gpu_resnet50_counts(resnet50):
    convs = [w for w in resnet50 if w.kind == "conv2d"]
    assert len(convs) == 53 and sum(w.kind == "batchnorm" for w in resnet50) == 53
    assert sum(w.macs_per_sample for w in resnet50) == 4_089_184_256  # 4.09 GMAC (torchvision: 4.09 GFLOPS)
    assert sum(w.n_weights for w in resnet50) == 25_557_032  # torchvision resnet50 parameter count


def test_gpu_bert_large_counts(bert_large_squad):
    # BERT-large: 24 layers, 335 M parameters with the SQuAD head (Devlin et al.: 340 M, incl. the pooler)
    assert sum(w.n_weights for w in bert_large_squad) == 334_094_338
    # per token: 24 x 12 H^2 = 302 M weight MACs; attention: 24 x 2 x S x H per token at S = 384
    assert sum(w.macs_per_sample for w in bert_large_squad) == 384 * (24 * 12 * 1024**2 + 24 * 2 * 384 * 1024
                                                                      + 2 * 1024)


def test_gpu_training_kernels_and_order(resnet50):
    gpu = load_gpu("v100")
    plan = _plan(gpu, resnet50, precision="fp32", layout="nchw")
    first = [p for i, p in zip(plan.layer_index, plan.phases) if resnet50[i].name == "conv1"]
    assert first == ["forward", "backward_weights", "optimizer"]  # the input needs no gradient
    s2 = [p for i, p in zip(plan.layer_index, plan.phases) if resnet50[i].name == "layer1.0.conv1"]
    assert s2 == ["forward", "backward_data", "backward_weights", "optimizer"]
    bn = [p for i, p in zip(plan.layer_index, plan.phases) if resnet50[i].name == "layer1.0.conv1.bn"]
    assert bn == ["forward", "backward_data", "optimizer"]
    # execution order: all forwards, then backwards from the last layer, then the optimizer step
    n_fwd = sum(p.startswith("forward") for p in plan.phases)
    assert all(p.startswith("forward") for p in plan.phases[:n_fwd])
    assert plan.layer_index[n_fwd] == len(resnet50) - 1  # backward starts at the last layer (softmax)
    assert all(p == "optimizer" for p in plan.phases[-(53 + 53 + 1):])
    # FP32 on Volta: no casts, no transposes (CUDA cores)
    assert not any("cast" in p or "transpose" in p for p in plan.phases)


def test_gpu_amp_casts_and_nchw_transposes(resnet50):
    a100 = load_gpu("a100")
    amp_nhwc = Counter(p.split(".")[-1] for p in _plan(a100, resnet50).phases)
    assert amp_nhwc["cast"] == 54  # one FP32->FP16 weight cast per weight layer and forward
    assert amp_nhwc["transpose_in"] == 0
    amp_nchw = Counter(p.split(".")[-1] for p in _plan(a100, resnet50, layout="nchw").phases)
    # FP16 convolutions in NCHW: transpose in/out around the forward, backward-data and backward-weights
    assert amp_nchw["transpose_in"] == amp_nchw["transpose_out"] == 53 * 3 - 1  # conv1 has no backward-data
    tf32_nchw = Counter(p.split(".")[-1] for p in _plan(a100, resnet50, precision="fp32", layout="nchw").phases)
    assert tf32_nchw["transpose_in"] == 0 and tf32_nchw["cast"] == 0  # TF32 has native NCHW kernels


def test_gpu_batchnorm_traffic_depends_on_layout(resnet50):
    gpu = load_gpu("a100")
    bn = next(i for i, w in enumerate(resnet50) if w.kind == "batchnorm")
    elems = resnet50[bn].out_elems_per_sample * 8 * 2  # batch 8, FP16
    for layout, fwd, bwd in (("nchw", 3, 5), ("nhwc", 2, 3)):  # cuDNN SPATIAL vs SPATIAL_PERSISTENT passes
        plan = _plan(gpu, resnet50, layout=layout)
        rows = {p: b for i, p, b in zip(plan.layer_index, plan.phases, plan.nbytes) if i == bn}
        assert rows["forward"] == fwd * elems and rows["backward_data"] == bwd * elems
    inference = _plan(gpu, resnet50, mode="inference")
    rows = {p: b for i, p, b in zip(inference.layer_index, inference.phases, inference.nbytes) if i == bn}
    assert rows == {"forward": 2 * elems}


def test_gpu_tensorrt_fuses_elementwise(resnet50):
    gpu = load_gpu("h100")
    plan = _plan(gpu, resnet50, mode="inference", precision="int8", stack="tensorrt")
    kinds = Counter(resnet50[i].kind for i in plan.layer_index)
    assert kinds == {"conv2d": 53, "maxpool": 1, "avgpool": 1, "linear": 1, "softmax": 1}
    assert not plan.host_dispatch
    assert plan.nbytes[0] == (3 * 224 * 224 + 64 * 112 * 112) * 8 + 3 * 64 * 49  # INT8: 1 byte per element


def _naive_timeline(gpu_ns, launches, dispatch_ns):
    """Obvious loop: kernel i starts when the previous one ended and the host has issued it."""
    end = issue = 0.0
    waits = []
    for t, n in zip(gpu_ns, launches):
        issue += n * dispatch_ns
        start = max(end, issue)
        waits.append(start - end)
        end = start + t
    return end, waits


def test_gpu_timeline_matches_the_naive_recurrence(resnet50, mlp):
    for gpu_name, layers, batch in (("v100", mlp, 1), ("v100", resnet50, 1), ("a100", resnet50, 64)):
        gpu = load_gpu(gpu_name)
        plan = _plan(gpu, layers, batch=batch)
        tl = time_plan(plan, gpu)
        end, waits = _naive_timeline(tl.gpu_ns, plan.launches, gpu.overheads.host_dispatch_us * 1e3)
        assert tl.batch_ns == pytest.approx(end, rel=1e-12)
        np.testing.assert_allclose(tl.wait_ns, waits, rtol=1e-9, atol=1e-6)


def test_gpu_timeline_closed_form():
    """Two kernels of 10 µs and one of 1 µs issued every 4 µs: the GPU waits 4 µs for the first only."""
    gpu = load_gpu("v100", ["overheads.host_dispatch_us=4", "overheads.kernel_us=0", "efficiency.memory=1"])
    bw = gpu.peak.memory_bandwidth_gbps  # bytes per ns
    layers = [LayerWork(name=n, kind="relu", in_elems_per_sample=int(e), out_elems_per_sample=int(e))
              for n, e in (("a", 10_000 * bw / 8), ("b", 10_000 * bw / 8), ("c", 1_000 * bw / 8))]
    r = predict(gpu, layers, mode="inference", precision="fp32", batch_size=1)
    # each relu reads and writes 4-byte elements: 8 B per element -> 10 µs, 10 µs, 1 µs
    assert r.gpu_busy_ns_per_batch == pytest.approx(21_000, rel=1e-6)
    assert r.host_wait_ns_per_batch == pytest.approx(4_000, rel=1e-6)
    assert r.time_ns_per_batch == pytest.approx(25_000, rel=1e-6)
    assert [layer.phases[0].bound for layer in r.layers] == ["memory", "memory", "memory"]


def test_gpu_small_network_is_launch_bound_at_batch_1(mlp):
    gpu = load_gpu("a100")
    r = predict(gpu, mlp, mode="training", precision="fp32", batch_size=1)
    assert [layer.layer for layer in r.layers] == ["fc1", "sig1", "fc2"]  # flatten is free
    assert r.n_kernels == 3 + 2 + 4  # fc1: fwd, bwd-w, opt; sig1: fwd, bwd; fc2: fwd, bwd-d, bwd-w, opt
    assert r.launch_bound and r.host_wait_fraction > 0.8
    # the GPU waits for the host: the batch takes n_kernels x host_dispatch_us (+ the last kernel)
    assert r.time_ns_per_batch == pytest.approx(r.n_kernels * gpu.overheads.host_dispatch_us * 1e3, rel=0.02)
    big = predict(gpu, resnet50_v15(), mode="training", precision="amp", batch_size=256)
    assert not big.launch_bound and big.host_wait_fraction < 0.05


def test_gpu_energy_is_busy_and_idle_power(mlp, resnet50):
    gpu = load_gpu("h100")
    for layers, batch in ((mlp, 1), (resnet50, 32)):
        r = predict(gpu, layers, mode="training", precision="amp", batch_size=batch)
        expected = (r.gpu_busy_ns_per_batch * gpu.power.busy_w + r.host_wait_ns_per_batch * gpu.power.idle_w) * 1e3
        assert r.energy_pj_per_batch == pytest.approx(expected, rel=1e-12)
        assert sum(layer.energy_pj_per_sample for layer in r.layers) * batch == pytest.approx(expected, rel=1e-9)
        at_tdp = (r.gpu_busy_ns_per_batch * gpu.peak.tdp_w + r.host_wait_ns_per_batch * gpu.power.idle_w) * 1e3
        assert r.energy_pj_per_batch_at_tdp == pytest.approx(at_tdp, rel=1e-12)
        assert sum(layer.time_ns_per_sample for layer in r.layers) * batch == pytest.approx(r.time_ns_per_batch)


def test_gpu_every_parameter_changes_the_result(resnet50, mlp):
    base = load_gpu("a100")
    cases = [
        (["efficiency.tensor=0.5"], resnet50, dict(precision="amp", batch_size=256)),
        (["efficiency.memory=0.5"], resnet50, dict(precision="amp", batch_size=256)),
        (["overheads.host_dispatch_us=30"], mlp, dict(precision="amp", batch_size=1)),
        (["overheads.kernel_us=1"], resnet50, dict(mode="inference", precision="int8", batch_size=1,
                                                   stack="tensorrt")),
        (["peak.tf32_tflops=100"], resnet50, dict(precision="fp32", batch_size=256)),
        (["peak.memory_bandwidth_gbps=1000"], resnet50, dict(precision="amp", batch_size=256)),
    ]
    for override, layers, kw in cases:
        kw = {"mode": "training", **kw}
        a = predict(base, layers, **kw).time_ns_per_batch
        b = predict(load_gpu("a100", override), layers, **kw).time_ns_per_batch
        assert a != b, override
    v100 = predict(load_gpu("v100"), resnet50, precision="fp32", batch_size=64).time_ns_per_batch
    assert v100 != predict(load_gpu("v100", ["efficiency.fp32=0.5"]), resnet50, precision="fp32",
                           batch_size=64).time_ns_per_batch
    for override in (["power.busy_w=200"], ["power.idle_w=10"], ["peak.tdp_w=500"]):
        r0 = predict(base, mlp, batch_size=1)
        r1 = predict(load_gpu("a100", override), mlp, batch_size=1)
        assert (r0.energy_pj_per_batch, r0.energy_pj_per_batch_at_tdp) != (r1.energy_pj_per_batch,
                                                                             r1.energy_pj_per_batch_at_tdp)


def test_gpu_batching_amortises_launches(mlp):
    gpu = load_gpu("v100")
    t = [predict(gpu, mlp, mode="inference", batch_size=b).throughput_samples_per_s for b in (1, 16, 256)]
    assert t[0] < t[1] < t[2]


def test_gpu_accumulation_shares_the_optimizer(bert_large_squad):
    gpu = load_gpu("a100")
    one = predict(gpu, bert_large_squad, optimizer="lamb", batch_size=32)
    many = predict(gpu, bert_large_squad, optimizer="lamb", batch_size=32, accumulation_steps=64)
    opt = [p for layer in one.layers for p in layer.phases if p.phase == "optimizer"]
    opt64 = [p for layer in many.layers for p in layer.phases if p.phase == "optimizer"]
    assert sum(p.bytes for p in opt) == pytest.approx(64 * sum(p.bytes for p in opt64))
    assert sum(p.bytes for p in opt) == pytest.approx(36 * 334_094_338)  # LAMB: 9 x 4 B per weight
    assert many.time_ns_per_batch < one.time_ns_per_batch


def test_gpu_lstm_steps_multiply_launches():
    gpu = load_gpu("v100")
    work = LayerWork(name="l", kind="lstm", macs_per_sample=1000, n_weights=100, in_elems_per_sample=10,
                     out_elems_per_sample=10)
    r1 = predict(gpu, [work], mode="inference", batch_size=1, stack="tensorrt")
    r50 = predict(gpu, [dataclasses.replace(work, sequential_steps=50)], mode="inference", batch_size=1,
                  stack="tensorrt")
    assert r50.n_kernels == 50
    assert r50.time_ns_per_batch - r1.time_ns_per_batch == pytest.approx(49 * gpu.overheads.kernel_us * 1e3)


def test_gpu_workload_file_matches_the_published_architecture_without_batchnorm():
    """workloads/resnet50.yaml has no batch-norm layers (archsim folds them); its GPU work equals the
    published architecture without BN, and the missing BN kernels are this much of a training step."""
    from archsim.workload.load import load_workload

    works = layer_work_from_workload(load_workload(ROOT / "workloads" / "resnet50.yaml"))
    no_bn = resnet50_v15(batchnorm=False)
    assert sum(w.macs_per_sample for w in works) == sum(w.macs_per_sample for w in no_bn)
    assert sum(w.n_weights for w in works) == sum(w.n_weights for w in no_bn)
    gpu = load_gpu("a100")
    t_file = predict(gpu, works, precision="amp", batch_size=256).time_ns_per_batch
    t_ref = predict(gpu, no_bn, precision="amp", batch_size=256).time_ns_per_batch
    assert t_file == pytest.approx(t_ref, rel=0.005)  # same convolutions; the file's head is conv + softmax-free
    t_bn = predict(gpu, resnet50_v15(), precision="amp", batch_size=256).time_ns_per_batch
    assert t_bn / t_file == pytest.approx(1.3204, abs=0.001)  # batch norm is 24 % of the step on A100 AMP
    conv = next(w for w in works if w.name == "layer1.0.conv2")
    assert conv.conv is not None and conv.conv.kernel == (3, 3) and conv.conv.in_hw == (56, 56)


def test_gpu_result_to_dict_is_json(resnet50):
    d = predict(load_gpu("h100"), resnet50[:5], mode="training").to_dict()
    text = json.dumps(d, allow_nan=False)
    back = json.loads(text)
    assert back["layers"][0]["phases"]["forward"]["bound"] in {"compute", "memory", "launch"}
    assert d["throughput_samples_per_s"] > 0 and d["tops_per_w"] > 0
    assert d["stack"] == "pytorch" and "measured" in d["basis"]["energy"]
    assert d["basis"]["measured_time"] == "not measured"


def test_gpu_unknown_kind_is_an_error_and_kinds_register():
    gpu = load_gpu("v100")
    with pytest.raises(ConfigError, match=r"unknown GPU layer kind 'relux' \(did you mean 'relu'\?\)"):
        predict(gpu, [LayerWork(name="w", kind="relux")])
    with pytest.raises(ValueError, match=r"GPU layer kind 'relu' is registered twice"):
        register_kind("relu", object())  # type: ignore[arg-type]
    assert {"batchnorm", "layernorm", "matmul", "gelu", "embedding"} <= set(known_kinds())


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"mode": "train"}, "--mode: expected one of inference, training"),
        ({"precision": "int4"}, "--precision: expected one of fp32, amp, int8"),
        ({"batch_size": -3}, "--batch: expected a positive integer"),
        ({"stack": "onnx"}, "--gpu-stack: expected one of pytorch, tensorrt"),
        ({"layout": "chw"}, "layout: expected one of nhwc, nchw"),
        ({"optimizer": "rmsprop"}, "optimizer: expected one of sgd, adam, lamb"),
        ({"accumulation_steps": 0}, "accumulation_steps: expected a positive integer"),
        ({"stack": "tensorrt"}, "--gpu-stack tensorrt: inference only"),
        ({"precision": "int8"}, "--precision int8: inference only"),
        ({"precision": "int8", "mode": "inference"}, "--precision int8: needs the tensorrt stack"),
        ({"precision": "int8", "mode": "inference", "stack": "tensorrt"}, "v100 has no INT8 tensor cores"),
    ],
)
def test_gpu_predict_rejects_bad_arguments(mlp, kwargs, match):
    with pytest.raises(ConfigError, match=match):
        predict(load_gpu("v100"), mlp, **kwargs)
