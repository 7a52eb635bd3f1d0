"""GPU roofline model: calibration against published ResNet-50 throughputs and model invariants."""

from __future__ import annotations

import json

import pytest

from archsim.errors import ConfigError
from archsim.gpu.load import GPU_DIR, load_gpu
from archsim.gpu.model import LayerWork, predict

# NVIDIA DeepLearningExamples ResNet-50 v1.5, PyTorch, one GPU, batch 256 (architecture-anchors §6.2).
PUBLISHED_TRAINING = {
    ("v100", "fp32"): 367,
    ("v100", "amp"): 1200,
    ("a100", "fp32"): 938,  # TF32
    ("a100", "amp"): 2470,
}
# Not used for calibration: an independent check of the same factors on the forward pass.
PUBLISHED_INFERENCE = {("v100", "fp32"): 1261, ("v100", "amp"): 3382}


@pytest.mark.parametrize(("gpu", "precision"), sorted(PUBLISHED_TRAINING))
def test_gpu_resnet50_training_within_25_percent(resnet50, gpu, precision):
    result = predict(load_gpu(gpu), resnet50, mode="training", precision=precision, batch_size=256)
    published = PUBLISHED_TRAINING[(gpu, precision)]
    assert result.throughput_samples_per_s == pytest.approx(published, rel=0.25)


@pytest.mark.parametrize(("gpu", "precision"), sorted(PUBLISHED_INFERENCE))
def test_gpu_resnet50_inference_independent_check(resnet50, gpu, precision):
    result = predict(load_gpu(gpu), resnet50, mode="inference", precision=precision, batch_size=256)
    assert result.throughput_samples_per_s == pytest.approx(PUBLISHED_INFERENCE[(gpu, precision)], rel=0.25)


def test_gpu_resnet50_counts(resnet50):
    assert sum(w.macs_per_sample for w in resnet50) == pytest.approx(4.09e9, rel=0.01)
    result = predict(load_gpu("a100"), resnet50, mode="training", precision="amp")
    # training ≈ 3 × forward FLOP (the first conv has no backward-data pass)
    assert result.flop_per_sample == pytest.approx(24.5e9, rel=0.02)
    assert result.peak_time_ns_per_batch < result.time_ns_per_batch
    # the achieved fraction is in the range architecture-anchors §6.3 derives (≈0.15–0.25 on tensor cores)
    assert 0.12 < result.achieved_tflops / 312 < 0.3


def test_gpu_training_phases_and_first_layer(resnet50):
    result = predict(load_gpu("v100"), resnet50, mode="training", precision="fp32")
    phases = {layer.layer: [p.phase for p in layer.phases] for layer in result.layers}
    assert phases["conv1"] == ["forward", "backward_weights", "optimizer"]
    assert phases["s2b0.conv1"] == ["forward", "backward_data", "backward_weights", "optimizer"]
    assert phases["relu1"] == ["forward", "backward_data"]
    inference = predict(load_gpu("v100"), resnet50, mode="inference", precision="fp32")
    assert all([p.phase for p in layer.phases] == ["forward"] for layer in inference.layers)


def _mlp() -> list[LayerWork]:
    return [
        LayerWork(
            name="fc1",
            kind="linear",
            macs_per_sample=784 * 256,
            n_weights=785 * 256,
            in_elems_per_sample=784,
            out_elems_per_sample=256,
            needs_input_grad=False,
        ),
        LayerWork(name="sig1", kind="sigmoid", in_elems_per_sample=256, out_elems_per_sample=256),
        LayerWork(
            name="fc2",
            kind="linear",
            macs_per_sample=256 * 128,
            n_weights=257 * 128,
            in_elems_per_sample=256,
            out_elems_per_sample=128,
        ),
        LayerWork(name="flat", kind="flatten", in_elems_per_sample=128, out_elems_per_sample=128),
    ]


def test_gpu_small_network_is_launch_bound_at_batch_1():
    gpu = load_gpu("a100")
    result = predict(gpu, _mlp(), mode="training", precision="fp32", batch_size=1)
    bounds = {p.bound for layer in result.layers for p in layer.phases}
    assert bounds == {"launch"}
    assert [layer.layer for layer in result.layers] == ["fc1", "sig1", "fc2"]  # flatten is free
    n_kernels = sum(len(layer.phases) for layer in result.layers)
    assert result.time_ns_per_batch == pytest.approx(n_kernels * gpu.launch_overhead_us * 1e3, rel=0.15)
    # launch gaps are priced at idle power, busy time at TDP
    t_ns = result.time_ns_per_batch
    assert t_ns * gpu.power.idle_power_w * 1e3 < result.energy_pj_per_batch < t_ns * gpu.peak.tdp_w * 1e3 / 2


def test_gpu_batching_amortises_launches():
    gpu = load_gpu("v100")
    t = [predict(gpu, _mlp(), mode="inference", batch_size=b).throughput_samples_per_s for b in (1, 16, 256)]
    assert t[0] < t[1] < t[2]


def test_gpu_lstm_steps_multiply_launches():
    gpu = load_gpu("v100")
    one = LayerWork(
        name="l",
        kind="lstm",
        macs_per_sample=1000,
        n_weights=100,
        in_elems_per_sample=10,
        out_elems_per_sample=10,
        sequential_steps=1,
    )
    many = LayerWork(
        name="l",
        kind="lstm",
        macs_per_sample=1000,
        n_weights=100,
        in_elems_per_sample=10,
        out_elems_per_sample=10,
        sequential_steps=50,
    )
    r1 = predict(gpu, [one], mode="inference", batch_size=1)
    r50 = predict(gpu, [many], mode="inference", batch_size=1)
    assert r50.time_ns_per_batch == pytest.approx(50 * r1.time_ns_per_batch, rel=0.01)


def test_gpu_result_to_dict_is_json(resnet50):
    d = predict(load_gpu("h100"), resnet50[:5], mode="training").to_dict()
    text = json.dumps(d, allow_nan=False)
    assert json.loads(text)["layers"][0]["phases"]["forward"]["bound"] in {"compute", "memory", "launch"}
    assert d["throughput_samples_per_s"] > 0 and d["tops_per_w"] > 0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"mode": "train"}, "--mode: expected one of inference, training"),
        ({"precision": "int8"}, "--precision: expected one of fp32, amp"),
        ({"batch_size": -3}, "--batch: expected a positive integer"),
    ],
)
def test_gpu_predict_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        predict(load_gpu("v100"), _mlp(), **kwargs)


def test_gpu_measure_is_optional():
    from archsim.gpu.measure import measure

    result = measure(_mlp(), batch_size=4, repeats=1, warmup=0)
    try:
        import torch
    except ImportError:
        assert result.time_ns_per_batch is None and "PyTorch" in result.reason
        return
    if not torch.cuda.is_available():
        assert result.time_ns_per_batch is None and "CUDA" in result.reason
        cpu = measure(_mlp(), batch_size=4, repeats=1, warmup=0, device="cpu")
        assert cpu.time_ns_per_batch > 0
    else:
        assert result.time_ns_per_batch > 0 and result.device


def test_gpu_resnet50_workload_file_matches_calibration(resnet50):
    """The shipped workloads/resnet50.yaml gives the same GPU prediction as the calibration layer list."""
    from archsim.gpu.model import layer_work_from_workload
    from archsim.workload.load import load_workload

    works = layer_work_from_workload(load_workload(GPU_DIR.parent.parent / "workloads" / "resnet50.yaml"))
    for (gpu, precision), published in PUBLISHED_TRAINING.items():
        r = predict(load_gpu(gpu), works, mode="training", precision=precision, batch_size=256)
        assert r.throughput_samples_per_s == pytest.approx(published, rel=0.25)
        ref = predict(load_gpu(gpu), resnet50, mode="training", precision=precision, batch_size=256)
        assert r.throughput_samples_per_s == pytest.approx(ref.throughput_samples_per_s, rel=0.02)
