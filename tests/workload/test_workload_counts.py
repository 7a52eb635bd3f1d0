"""Exact weight and MAC counts of every bundled workload, against independent arithmetic and papers."""

from __future__ import annotations

from pathlib import Path

import pytest

from archsim.loader import bundled_files
from archsim.workload import Workload, load_workload

WORKLOADS = bundled_files("workloads")
REQUIRED = {"mlp-784-256-128-10", "lenet-gokmen-2017", "rapa-cnn3", "lstm-char", "vgg8-cifar", "resnet18",
            "resnet50", "alexnet", "mlp-digits"}


def _conv(c_in: int, c_out: int, k: int, bias: bool = True) -> int:
    return c_in * k * k * c_out + (c_out if bias else 0)


def test_required_workloads_are_bundled() -> None:
    assert REQUIRED <= {p.stem for p in WORKLOADS}


@pytest.mark.parametrize("path", WORKLOADS, ids=[p.stem for p in WORKLOADS])
def test_bundled_workload_loads(path: Path) -> None:
    w = load_workload(path)
    assert w.name == path.stem and w.description and w.dataset and w.default_epochs >= 1
    assert w.layers[0].kind == "input"
    assert w.total_weights == sum(lay.n_weights for lay in w.layers)
    for lay in w.analog_layers:
        assert lay.macs_per_sample == lay.n_groups * lay.matrix_in * lay.matrix_out * lay.vectors_per_sample
        assert lay.n_weights == lay.n_groups * lay.matrix_in * lay.matrix_out + lay.n_biases
    assert set(w.graph.nodes) == {lay.name for lay in w.layers}


def test_rapa_cnn3_conv_weights() -> None:
    w = load_workload("workloads/rapa-cnn3.yaml")
    convs = [lay for lay in w.layers if lay.kind == "conv2d"]
    assert [c.n_weights for c in convs] == [2432, 25632, 51264]
    assert sum(c.n_weights for c in convs) == 79_328  # Rasch et al. 2019
    assert [c.vectors_per_sample for c in convs] == [1024, 256, 64]  # n_p per layer
    assert [c.macs_per_sample for c in convs] == [1024 * 75 * 32, 256 * 800 * 32, 64 * 800 * 64]
    # RAPA tiled (16, 4, 1): 192,704 conv weights
    assert sum(n * c.n_weights for n, c in zip((16, 4, 1), convs)) == 192_704
    assert w.layer("fc").matrix_in == 1024


def test_gokmen_vlasov_mlp() -> None:
    w = load_workload("workloads/mlp-784-256-128-10.yaml")
    assert w.total_weights == 256 * 785 + 128 * 257 + 10 * 129 == 235_146
    assert [(lay.matrix_in, lay.matrix_out) for lay in w.analog_layers] == [(784, 256), (256, 128), (128, 10)]


def test_lenet_2017() -> None:
    w = load_workload("workloads/lenet-gokmen-2017.yaml")
    assert [lay.n_weights for lay in w.analog_layers] == [16 * 26, 32 * 401, 128 * 513, 10 * 129]
    assert w.total_weights == 80_202
    assert [lay.vectors_per_sample for lay in w.analog_layers] == [576, 64, 1, 1]
    assert w.layer("fc1").attrs["in_features"] == 512


def test_vgg8_matches_neurosim() -> None:
    w = load_workload("workloads/vgg8-cifar.yaml")
    no_bias = sum(lay.n_weights - lay.n_biases for lay in w.layers)
    assert no_bias == 12_973_440  # NeuroSim VGG-8: 12.97 M weights
    assert w.total_macs_per_sample == 615_917_568  # 615.9 M MACs


def test_resnets_match_torchvision() -> None:
    r18 = load_workload("workloads/resnet18.yaml")
    r50 = load_workload("workloads/resnet50.yaml")
    # torchvision parameter counts minus batch-norm (2 per BN channel): 9,600 and 53,120
    assert r18.total_weights == 11_689_512 - 9_600
    assert r50.total_weights == 25_557_032 - 53_120
    assert r18.total_macs_per_sample == 1_814_073_344  # torchvision: 1.81 GFLOPS (MACs)
    assert r50.total_macs_per_sample == 4_089_184_256  # 4.09 G MAC (torchvision's model card)
    assert len(r50.analog_layers) == 54  # 53 convolutions + FC
    adds = [lay for lay in r50.layers if lay.kind == "add"]
    assert len(adds) == 16 and all(len(a.inputs) == 2 for a in adds)
    assert r50.layer("conv1").vectors_per_sample == 112 * 112


def test_alexnet_matches_torchvision() -> None:
    w = load_workload("workloads/alexnet.yaml")
    assert w.total_weights == 61_100_840
    assert w.layer("conv1").out_shape == (64, 55, 55)
    assert w.layer("fc6").attrs["in_features"] == 256 * 6 * 6
    assert w.total_macs_per_sample == 714_188_480


def test_lstm_char() -> None:
    w = load_workload("workloads/lstm-char.yaml")
    l1, l2, fc = w.analog_layers
    assert (l1.matrix_in, l1.matrix_out, l1.vectors_per_sample) == (48 + 64, 256, 32)
    assert l1.n_weights == 112 * 256 + 256 and l2.matrix_in == 128
    assert fc.vectors_per_sample == 32 and w.output_layer.out_shape == (32, 48)
    assert w.task == "sequence"


def test_tiny_workload(tiny_workload: Workload) -> None:
    assert [lay.name for lay in tiny_workload.analog_layers] == ["fc1", "fc2"]
    assert tiny_workload.total_weights == 8 * 8 + 8 + 8 * 4 + 4
    assert tiny_workload.to_dict()["total_macs_per_sample"] == 96
