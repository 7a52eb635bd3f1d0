"""Stand-in workloads for the engine tests (used only until/unless the bundled workloads load).

They carry the fields docs/architecture.md promises for Layer/Workload that mapping and engine read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx


@dataclass(frozen=True, kw_only=True)
class StandinLayer:
    name: str
    kind: str
    inputs: tuple[str, ...]
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    matrix_in: int = 0
    matrix_out: int = 0
    vectors_per_sample: int = 0
    bias: bool = True

    @property
    def is_analog(self) -> bool:
        return self.kind in ("linear", "conv2d", "lstm")

    @property
    def macs_per_sample(self) -> int:
        return self.vectors_per_sample * self.matrix_in * self.matrix_out


@dataclass(frozen=True, kw_only=True)
class StandinWorkload:
    name: str
    layers: tuple[StandinLayer, ...]
    graph: nx.DiGraph = field(default_factory=nx.DiGraph)

    def __post_init__(self) -> None:
        for layer in self.layers:
            self.graph.add_node(layer.name)
            for src in layer.inputs:
                self.graph.add_edge(src, layer.name)


def _conv(name, src, c_in, c_out, side, k=5, pad=2):
    out = side + 2 * pad - k + 1
    return StandinLayer(name=name, kind="conv2d", inputs=(src,), in_shape=(c_in, side, side),
                        out_shape=(c_out, out, out), matrix_in=k * k * c_in, matrix_out=c_out,
                        vectors_per_sample=out * out)


def _dig(name, kind, src, in_shape, out_shape=None):
    return StandinLayer(name=name, kind=kind, inputs=(src,), in_shape=in_shape, out_shape=out_shape or in_shape)


def rapa_cnn3() -> StandinWorkload:
    """RAPA-ConvNets' 3-conv net on 32x32x3: n_p = (1024, 256, 64) patches."""
    layers = (
        StandinLayer(name="input", kind="input", inputs=(), in_shape=(3, 32, 32), out_shape=(3, 32, 32)),
        _conv("conv1", "input", 3, 32, 32),
        _dig("relu1", "relu", "conv1", (32, 32, 32)),
        _dig("pool1", "maxpool", "relu1", (32, 32, 32), (32, 16, 16)),
        _conv("conv2", "pool1", 32, 32, 16),
        _dig("relu2", "relu", "conv2", (32, 16, 16)),
        _dig("pool2", "avgpool", "relu2", (32, 16, 16), (32, 8, 8)),
        _conv("conv3", "pool2", 32, 64, 8),
        _dig("relu3", "relu", "conv3", (64, 8, 8)),
        _dig("pool3", "avgpool", "relu3", (64, 8, 8), (64, 4, 4)),
        _dig("flatten", "flatten", "pool3", (64, 4, 4), (1024,)),
        StandinLayer(name="fc", kind="linear", inputs=("flatten",), in_shape=(1024,), out_shape=(10,),
                     matrix_in=1024, matrix_out=10, vectors_per_sample=1),
    )
    return StandinWorkload(name="rapa-cnn3", layers=layers)
