"""Measured mode (--measure): per-layer timing through a backend, tested with a fake backend on CPU."""

from __future__ import annotations

import pytest

from archsim.gpu import measure as measure_mod
from archsim.gpu.measure import Measurement, default_backend, measure
from archsim.gpu.networks import resnet50_v15
from archsim.gpu.timing import PhaseTimes
from archsim.layers.base import ConvShape


def test_gpu_measure_times_every_layer_with_its_shape(mlp, fake_backend):
    fake = fake_backend()
    m = measure(mlp, mode="training", precision="amp", batch_size=4, backend=fake)
    assert m.device == "fake-gpu" and m.reason == ""
    assert list(m.layers) == ["fc1", "sig1", "fc2"]  # flatten costs nothing
    assert fake.calls == [
        ("matmul", 1, 4, 784, 256, "amp", True, True),
        ("ew", 4 * 256, "amp", True),
        ("matmul", 1, 4, 256, 128, "amp", True, True),
    ]
    assert m.layers["fc1"] == PhaseTimes(forward_ns=4 * 784 * 256 * 1e-6, backward_ns=2 * 4 * 784 * 256 * 1e-6)
    assert m.time_ns_per_batch == pytest.approx(sum(t.forward_ns + t.backward_ns for t in m.layers.values()))


def test_gpu_measure_uses_the_same_convolutions_and_no_backward_in_inference(fake_backend):
    fake = fake_backend()
    layers = resnet50_v15()
    m = measure(layers, mode="inference", precision="fp32", batch_size=2, backend=fake)
    convs = [c for c in fake.calls if c[0] == "conv"]
    assert len(convs) == 53 and all(c[2:] == (2, "fp32", False) for c in convs)
    assert convs[0][1] == ConvShape(in_channels=3, out_channels=64, kernel=(7, 7), stride=(2, 2), padding=(3, 3),
                                       in_hw=(224, 224))
    assert all(t.backward_ns == 0 for t in m.layers.values())
    assert len(m.layers) == len(layers)


def test_gpu_measure_attention_products_per_head(bert_large_squad, fake_backend):
    fake = fake_backend()
    measure(bert_large_squad[:8], mode="training", precision="amp", batch_size=2, backend=fake)
    scores = next(c for c in fake.calls if c[0] == "matmul" and not c[-1])
    assert scores == ("matmul", 2 * 16, 384, 64, 384, "amp", True, False)  # QK^T per sample and head


def test_gpu_measure_record_puts_model_and_measured_side_by_side(mlp, fake_backend):
    m = measure(mlp, mode="inference", precision="fp32", batch_size=1, backend=fake_backend())
    d = m.to_dict({"fc1": 1234.0})
    assert d["device"] == "fake-gpu" and d["layers"]["fc1"]["model_ns"] == 1234.0
    assert d["layers"]["fc1"]["measured_ns"] == pytest.approx(784 * 256 * 1e-6)
    assert "model_ns" not in d["layers"]["sig1"]


def test_gpu_measure_without_torch_or_cuda_says_why(mlp, monkeypatch, fake_backend):
    monkeypatch.setattr(measure_mod, "default_backend", lambda device="cuda": (None, "PyTorch is not installed"))
    m = measure(mlp, batch_size=4)
    assert m == Measurement(time_ns_per_batch=None, reason="PyTorch is not installed")
    int8 = measure(mlp, precision="int8", batch_size=4, backend=fake_backend())
    assert int8.time_ns_per_batch is None and "INT8" in int8.reason


def test_gpu_default_backend_reports_the_missing_piece():
    backend, reason = default_backend()
    try:
        import torch
    except ImportError:
        assert backend is None and reason == "PyTorch is not installed"
        return
    if not torch.cuda.is_available():
        assert backend is None and reason == "no CUDA device visible to PyTorch"
    else:
        assert reason == "" and backend.device_name()


def test_gpu_torch_backend_on_cpu(mlp):
    """Optional: the real PyTorch backend on the CPU (skipped when PyTorch is not installed)."""
    torch = pytest.importorskip("torch")
    backend = measure_mod.TorchBackend(torch=torch, device="cpu", repeats=1, warmup=0)
    m = measure(mlp + list(resnet50_v15()[:2]), mode="training", precision="fp32", batch_size=2, backend=backend)
    assert m.device == "cpu" and m.time_ns_per_batch > 0
    assert all(t.forward_ns > 0 and t.backward_ns > 0 for t in m.layers.values())
