"""A new layer kind is one module: a toy kind registered here, from a test module alone, goes through workload
loading, shape inference, the functional network (forward and backward), the engine's digital work and the GPU
model without any archsim file knowing it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from archsim.engine.build import digital_layer_ops
from archsim.errors import WorkloadError
from archsim.gpu.load import load_gpu
from archsim.gpu.model import layer_work_from_workload, predict
from archsim.layers import BuildContext, Inferred, LayerError, LayerSpec, LayerView, Module, Shape, numel
from archsim.nn.network import build_network, fp_tile_factory
from archsim.workload import load_workload_text


class Double(Module):
    def forward(self, inputs: list[np.ndarray], train: bool) -> np.ndarray:
        return inputs[0] * self.factor

    def backward(self, grad: np.ndarray) -> list[np.ndarray | None]:
        return [grad * self.factor]


@dataclass(frozen=True, kw_only=True)
class DoubleSpec(LayerSpec):
    """y = factor · x, with a made-up digital cost of 3 ops per element."""

    kind: str = "toy_double"
    factor: float = 2.0

    def infer(self, in_shapes: tuple[Shape, ...]) -> Inferred:
        if self.factor == 0:
            raise LayerError("factor: expected a non-zero number, got 0", key="factor")
        return Inferred(out_shape=in_shapes[0], attrs={"factor": self.factor})

    def build(self, layer: LayerView, ctx: BuildContext) -> Module:
        module = Double(self.name)
        module.factor = np.float32(self.factor)
        return module

    def digital_ops(self, layer: LayerView, cycle: str) -> dict[str, float]:
        return {"elementwise": 3 * numel(layer.out_shape)}


@pytest.fixture
def toy_kind():
    LayerSpec.KINDS.register_class(DoubleSpec)
    yield DoubleSpec
    LayerSpec.KINDS.unregister("toy_double")


TEXT = """version: 1
name: toy
input_shape: [6]
n_classes: 3
layers:
  - {name: fc1, kind: linear, out_features: 4}
  - {name: twice, kind: toy_double, factor: 3.0}
  - {name: fc2, kind: linear, out_features: 3}
"""


def test_toy_kind_through_every_part(toy_kind):
    wl = load_workload_text(TEXT, "toy.yaml")
    twice = wl.layer("twice")
    assert twice.kind == "toy_double" and twice.out_shape == (4,) and twice.to_dict()["factor"] == 3.0
    # functional network: forward and backward through the toy module
    net = build_network(wl, make_tile=fp_tile_factory, seed=0)
    x = np.random.default_rng(0).random((2, 6)).astype(np.float32)
    y = net.forward(x, train=False)
    w1, b1 = net.layer("fc1").units[0].get_weights()
    w2, b2 = net.layer("fc2").units[0].get_weights()
    np.testing.assert_allclose(y, (3 * (x @ w1.T + b1)) @ w2.T + b2, rtol=1e-5)
    loss, _ = net.train_batch(x, np.array([0, 1]), 0.1)
    assert np.isfinite(loss) and not np.allclose(net.layer("fc1").units[0].get_weights()[0], w1)
    # engine: the toy's digital work lands on its owner fc1's tile
    ops = digital_layer_ops(wl, {"fc1", "fc2"})
    assert ops["fc1"]["forward"] == {"elementwise": 12} and ops["fc1"]["backward"] == {"elementwise": 12}
    # GPU: one element-wise kernel (the base class default)
    works = {w.name: w for w in layer_work_from_workload(wl)}
    assert works["twice"].kernel == "elementwise" and works["twice"].out_elems_per_sample == 4
    result = predict(load_gpu("a100"), list(works.values()), mode="training", batch_size=8)
    assert "twice" in [lay.layer for lay in result.layers]


def test_toy_kind_errors_name_file_line_and_key(toy_kind):
    with pytest.raises(WorkloadError, match=r"^toy\.yaml:7: layers\[1\] \(twice\): factor: expected a non-zero"):
        load_workload_text(TEXT.replace("factor: 3.0", "factor: 0"), "toy.yaml")
    with pytest.raises(WorkloadError, match=r"layers\[1\]: unknown key 'factr' \(did you mean 'factor'\?\)"):
        load_workload_text(TEXT.replace("factor: 3.0", "factr: 3.0"), "toy.yaml")


def test_without_registration_the_kind_is_unknown():
    with pytest.raises(WorkloadError, match=r"layers\[1\]\.kind: unknown kind 'toy_double'"):
        load_workload_text(TEXT, "toy.yaml")
