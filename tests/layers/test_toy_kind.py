"""A new layer kind is one module: a toy kind registered here, from a test module alone, goes through workload
loading, shape inference, the functional network (forward and backward), the engine's digital work and the GPU
model without any archsim file knowing it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from archsim.errors import WorkloadError
from archsim.gpu.load import load_gpu
from archsim.gpu.model import layer_work_from_workload, predict
from archsim.hwconfig import load_hardware
from archsim.layers import BuildContext, Inferred, LayerError, LayerSpec, LayerView, Module, Shape, numel
from archsim.mapping import map_workload
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
    # engine: the toy's digital work lands on its owner fc1's tile (the Mapping carries it to the engine)
    ops = map_workload(load_hardware("aihwkit-default"), wl).layer("fc1").digital_ops
    assert ops["forward"]["elementwise"] == 12 and ops["backward"]["elementwise"] == 12
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


@dataclass(frozen=True, kw_only=True)
class LookAheadSpec(LayerSpec):
    """An image-to-image toy whose output row i needs input rows i .. i + 2 (its own row rule)."""

    kind: str = "toy_lookahead"

    def infer(self, in_shapes: tuple[Shape, ...]) -> Inferred:
        return Inferred(out_shape=in_shapes[0])

    def build(self, layer: LayerView, ctx: BuildContext) -> Module:
        module = Double(self.name)
        module.factor = np.float32(1.0)
        return module

    def input_rows(self, layer: LayerView, in_rows: int, out_row: int) -> tuple[int, int]:
        return out_row, min(in_rows, out_row + 3)


ROWS = """version: 1
name: rows
input_shape: [1, 6, 6]
task: features
layers:
  - {name: conv1, kind: conv2d, out_channels: 2, kernel_size: 3, padding: 1}
  - {name: mid, kind: KIND}
  - {name: conv2, kind: conv2d, out_channels: 2, kernel_size: 1}
"""


def test_a_kind_states_its_row_rule_and_the_mapper_pipelines_by_it():
    LayerSpec.KINDS.register_class(LookAheadSpec)
    try:
        hw = load_hardware("aihwkit-default")
        look = map_workload(hw, load_workload_text(ROWS.replace("KIND", "toy_lookahead"), "rows.yaml"))
        plain = map_workload(hw, load_workload_text(ROWS.replace("KIND", "relu"), "rows.yaml"))
    finally:
        LayerSpec.KINDS.unregister("toy_lookahead")
    # conv1 owns `mid` and sends its rows to conv2: with the toy, row j of mid needs conv1's rows up to j + 3, so
    # after conv1's step i only i - 1 rows are complete; a ReLU passes every row on at once
    emits = {m.layer: m.rows.emits for m in look.layers}["conv1"]
    assert [(e.dest, e.emit) for e in emits] == [("conv2", (0, 0, 1, 2, 3, 6))]
    emits = {m.layer: m.rows.emits for m in plain.layers}["conv1"]
    assert [(e.dest, e.emit) for e in emits] == [("conv2", (1, 2, 3, 4, 5, 6))]


def test_windowed_kinds_state_their_window():
    wl = load_workload_text("""version: 1
name: win
input_shape: [1, 9, 9]
task: features
layers:
  - {name: c, kind: conv2d, out_channels: 1, kernel_size: 3, stride: 2, padding: [1, 0, 0, 0], dilation: 2}
  - {name: p, kind: maxpool, kernel_size: 2}
  - {name: g, kind: global_avgpool}
  - {name: f, kind: flatten}
""", "win.yaml")
    c, p, g, f = (wl.layer(n) for n in "cpgf")
    # conv: row i starts at 2i - 1 and reaches 2·(3 - 1) + 1 = 5 rows, clipped to the 9 input rows
    assert [c.spec.input_rows(c, 9, i) for i in range(c.out_shape[1])] == [(0, 4), (1, 6), (3, 8)]
    assert [p.spec.input_rows(p, 3, i) for i in range(p.out_shape[1])] == [(0, 2)]
    assert g.spec.input_rows(g, 1, 0) == (0, 1) and f.spec.input_rows(f, 1, 0) == (0, 1)
    # an image-to-image kind of the same height works row by row (the base class default)
    relu = load_workload_text(ROWS.replace("KIND", "relu"), "rows.yaml").layer("mid")
    assert [relu.spec.input_rows(relu, 6, i) for i in (0, 5)] == [(0, 1), (5, 6)]
