"""Fixtures for the GPU-model tests: published architectures as GPU layer work and a small MLP."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from archsim.gpu.model import LayerWork
from archsim.gpu.networks import BERT_LARGE, bert, resnet50_v15
from archsim.gpu.timing import PhaseTimes
from archsim.layers.base import ConvShape


def mlp_layers() -> list[LayerWork]:
    """784-256-128 MLP with a sigmoid and a flatten (a launch-bound network at batch 1)."""
    return [
        LayerWork(name="fc1", kind="linear", macs_per_sample=784 * 256, n_weights=785 * 256,
                  in_elems_per_sample=784, out_elems_per_sample=256, needs_input_grad=False,
                  gemm_m_per_sample=1, gemm_k=784, gemm_n=256),
        LayerWork(name="sig1", kind="sigmoid", in_elems_per_sample=256, out_elems_per_sample=256),
        LayerWork(name="fc2", kind="linear", macs_per_sample=256 * 128, n_weights=257 * 128,
                  in_elems_per_sample=256, out_elems_per_sample=128, gemm_m_per_sample=1, gemm_k=256, gemm_n=128),
        LayerWork(name="flat", kind="flatten", in_elems_per_sample=128, out_elems_per_sample=128),
    ]


@pytest.fixture(scope="session")
def resnet50() -> tuple[LayerWork, ...]:
    """ResNet-50 v1.5 with batch norm."""
    return resnet50_v15()


@pytest.fixture(scope="session")
def bert_large_squad() -> tuple[LayerWork, ...]:
    """BERT-large with the SQuAD head at sequence length 384."""
    return bert(BERT_LARGE, seq_len=384, head="squad")


@pytest.fixture
def mlp() -> list[LayerWork]:
    """The small MLP."""
    return mlp_layers()


@dataclass
class FakeBackend:
    """Times proportional to the work, and a log of every call."""

    calls: list = field(default_factory=list)

    def device_name(self) -> str:
        return "fake-gpu"

    def time_conv(self, geometry: ConvShape, *, batch, precision, training):
        self.calls.append(("conv", geometry, batch, precision, training))
        out_hw = (geometry.in_hw[0] + 2 * geometry.padding[0] - geometry.kernel[0]) // geometry.stride[0] + 1
        macs = batch * out_hw * out_hw * geometry.out_channels * geometry.in_channels * geometry.kernel[0] ** 2
        return PhaseTimes(forward_ns=macs * 1e-6, backward_ns=2 * macs * 1e-6 if training else 0.0)

    def time_matmul(self, *, batches, m, k, n, precision, training, weight_grad):
        self.calls.append(("matmul", batches, m, k, n, precision, training, weight_grad))
        t = batches * m * k * n * 1e-6
        return PhaseTimes(forward_ns=t, backward_ns=2 * t if training else 0.0)

    def time_elementwise(self, *, elems, precision, training):
        self.calls.append(("ew", elems, precision, training))
        return PhaseTimes(forward_ns=elems * 1e-3, backward_ns=elems * 2e-3 if training else 0.0)


@pytest.fixture
def fake_backend() -> type[FakeBackend]:
    """The fake timing backend class (``fake_backend()`` makes one)."""
    return FakeBackend
