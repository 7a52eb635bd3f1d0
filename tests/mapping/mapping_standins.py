"""Small stand-ins for Layer/Workload/HardwareConfig used by the mapping tests only.

They carry exactly the fields docs/architecture.md promises, so the pure mapping algorithms can be
tested without the YAML loaders; the real bundled files are tested in test_mapping_bundled.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import networkx as nx

from archsim.layers.base import LayerSpec, window_rows


@dataclass(frozen=True, kw_only=True)
class FakeLayer:
    name: str
    kind: str
    inputs: tuple[str, ...]
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    matrix_in: int = 0
    matrix_out: int = 0
    vectors_per_sample: int = 0
    bias: bool = True
    n_groups: int = 1
    kernel_size: tuple[int, int] | None = None
    stride: tuple[int, int] | None = None
    padding: tuple[int, int] | None = None

    @property
    def attrs(self) -> dict:
        if self.kernel_size is None:
            return {}
        return {"kernel_size": self.kernel_size, "stride": self.stride, "padding": self.padding}

    @property
    def spec(self) -> FakeLayer:
        """The stand-in is its own kind: it states its row rule (``input_rows``) as a layer kind does."""
        return self

    def input_rows(self, layer: FakeLayer, in_rows: int, out_row: int) -> tuple[int, int]:
        """A window's rows when the stand-in has one, else the layer kinds' default rule."""
        if self.kernel_size is None:
            return LayerSpec.input_rows(self, layer, in_rows, out_row)
        return window_rows(in_rows, out_row, kernel=self.kernel_size[0], stride=self.stride[0],
                           pad_top=self.padding[0])

    def digital_ops(self, cycle: str) -> dict[str, float]:
        """The stand-in's digital work: one op per output element (activations, adds), per input (pooling)."""
        n_out, n_in = math.prod(self.out_shape), math.prod(self.in_shape)
        if self.kind in ("relu", "sigmoid", "tanh"):
            return {"activation": float(n_out)}
        if self.kind.endswith("pool"):
            return {"pooling": float(n_in)}
        if self.kind == "add":
            return {"elementwise": float(n_out)}
        return {}

    @property
    def is_analog(self) -> bool:
        return self.kind in ("linear", "conv2d", "lstm")

    @property
    def replicable(self) -> bool:
        return self.kind == "conv2d"

    @property
    def macs_per_sample(self) -> int:
        return self.vectors_per_sample * self.matrix_in * self.matrix_out


@dataclass(frozen=True, kw_only=True)
class FakeWorkload:
    name: str
    layers: tuple[FakeLayer, ...]
    graph: nx.DiGraph = field(default_factory=nx.DiGraph)

    def __post_init__(self) -> None:
        for layer in self.layers:
            self.graph.add_node(layer.name)
            for src in layer.inputs:
                self.graph.add_edge(src, layer.name)


def conv(name, src, c_in, c_out, hw_in, k=5, stride=1, pad=2, bias=True):
    hw_out = (hw_in + 2 * pad - k) // stride + 1
    return FakeLayer(
        name=name, kind="conv2d", inputs=(src,), in_shape=(c_in, hw_in, hw_in),
        out_shape=(c_out, hw_out, hw_out), matrix_in=k * k * c_in, matrix_out=c_out,
        vectors_per_sample=hw_out * hw_out, bias=bias, kernel_size=(k, k), stride=(stride, stride), padding=(pad, pad),
    )


def digital(name, kind, src, in_shape, out_shape=None):
    """A digital layer; a pooling layer that shrinks an image gets the window ``(h_in - h_out + 1)`` stride 1
    unless the output is about half the input (then 3x3, stride 2, padding 1)."""
    if isinstance(src, str):
        src = (src,)
    out_shape = out_shape or in_shape
    window = {}
    if kind.endswith("pool") and len(in_shape) == 3:
        if out_shape[1] * 2 == in_shape[1]:
            window = {"kernel_size": (3, 3), "stride": (2, 2), "padding": (1, 1)}
        else:
            k = in_shape[1] - out_shape[1] + 1
            window = {"kernel_size": (k, k), "stride": (1, 1), "padding": (0, 0)}
    return FakeLayer(name=name, kind=kind, inputs=tuple(src), in_shape=in_shape, out_shape=out_shape, **window)


def linear(name, src, n_in, n_out, bias=True):
    return FakeLayer(
        name=name, kind="linear", inputs=(src,), in_shape=(n_in,), out_shape=(n_out,),
        matrix_in=n_in, matrix_out=n_out, vectors_per_sample=1, bias=bias,
    )


def rapa_cnn3() -> FakeWorkload:
    """RAPA-ConvNets' 3-conv net on 32×32×3 (Rasch et al. 2019)."""
    layers = (
        FakeLayer(name="input", kind="input", inputs=(), in_shape=(3, 32, 32), out_shape=(3, 32, 32)),
        conv("conv1", "input", 3, 32, 32),
        digital("relu1", "relu", "conv1", (32, 32, 32)),
        digital("pool1", "maxpool", "relu1", (32, 32, 32), (32, 16, 16)),
        conv("conv2", "pool1", 32, 32, 16),
        digital("relu2", "relu", "conv2", (32, 16, 16)),
        digital("pool2", "avgpool", "relu2", (32, 16, 16), (32, 8, 8)),
        conv("conv3", "pool2", 32, 64, 8),
        digital("relu3", "relu", "conv3", (64, 8, 8)),
        digital("pool3", "avgpool", "relu3", (64, 8, 8), (64, 4, 4)),
        digital("flatten", "flatten", "pool3", (64, 4, 4), (1024,)),
        linear("fc", "flatten", 1024, 10),
    )
    return FakeWorkload(name="rapa-cnn3", layers=layers)


def mlp(sizes=(784, 256, 128, 10), bias=True) -> FakeWorkload:
    layers = [FakeLayer(name="input", kind="input", inputs=(), in_shape=(sizes[0],), out_shape=(sizes[0],))]
    prev = "input"
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(linear(f"fc{i + 1}", prev, a, b, bias=bias))
        layers.append(digital(f"act{i + 1}", "sigmoid", f"fc{i + 1}", (b,)))
        prev = f"act{i + 1}"
    return FakeWorkload(name="mlp", layers=tuple(layers))


def residual() -> FakeWorkload:
    """conv_a → conv_b, with a projection shortcut conv_s in parallel, then add → fc."""
    layers = (
        FakeLayer(name="input", kind="input", inputs=(), in_shape=(8, 8, 8), out_shape=(8, 8, 8)),
        conv("stem", "input", 8, 16, 8, k=3, pad=1),
        conv("conv_a", "stem", 16, 16, 8, k=3, pad=1),
        conv("conv_b", "conv_a", 16, 32, 8, k=3, pad=1),
        conv("conv_s", "stem", 16, 32, 8, k=1, pad=0),
        digital("add", "add", ("conv_b", "conv_s"), (32, 8, 8)),
        digital("flat", "flatten", "add", (32, 8, 8), (2048,)),
        linear("fc", "flat", 2048, 10),
    )
    return FakeWorkload(name="residual", layers=layers)


def fake_hw(
    *, n_rows=512, n_cols=512, n_tiles=64, n_crossbars=1, weight_bits=None, bits_per_cell=1,
    name="fake-hw", graph: bool = True,
):
    """A real HardwareConfig (engineer A's schema) with the given geometry and a default mesh; with
    ``graph=False`` a ChipGeometry without interconnect graph instead."""
    from archsim.mapping import ChipGeometry

    if not graph:
        slices = 1 if weight_bits is None else -(-weight_bits // bits_per_cell)
        return ChipGeometry(name=name, n_rows=n_rows, n_cols=n_cols, n_crossbars=n_crossbars, n_tiles=n_tiles,
                            n_slices=slices)
    from hwtext import tiny_raw

    from archsim.hwconfig.load import load_hardware_text

    extra = {"chip": {"n_tiles": n_tiles}, "interconnect": {"dims": None},
             "tile": {"n_rows": n_rows, "n_cols": n_cols, "n_crossbars": n_crossbars,
                      "bits_per_cell": bits_per_cell if weight_bits is not None else None,
                      "adc": {"columns_per_adc": n_cols}},
             "crossbar": {"weight_bits": weight_bits}}
    import yaml

    return load_hardware_text(yaml.safe_dump(tiny_raw(yaml.safe_dump(extra), name=name)), name=f"{name}.yaml")


def resnet50() -> FakeWorkload:
    """ResNet-50 v1.5 shapes (224×224, bias-free convs, FC with bias) for timing tests."""
    layers = [FakeLayer(name="input", kind="input", inputs=(), in_shape=(3, 224, 224), out_shape=(3, 224, 224))]
    layers.append(conv("conv1", "input", 3, 64, 224, k=7, stride=2, pad=3, bias=False))
    layers.append(digital("pool1", "maxpool", "conv1", (64, 112, 112), (64, 56, 56)))
    prev, cin, hw = "pool1", 64, 56
    for stage, (n, mid, out, stride) in enumerate([(3, 64, 256, 1), (4, 128, 512, 2), (6, 256, 1024, 2), (3, 512, 2048, 2)]):
        for i in range(n):
            s = stride if i == 0 else 1
            p = f"l{stage}.{i}"
            layers.append(conv(f"{p}.c1", prev, cin, mid, hw, k=1, pad=0, bias=False))
            layers.append(conv(f"{p}.c2", f"{p}.c1", mid, mid, hw, k=3, stride=s, pad=1, bias=False))
            hw_out = (hw + 2 - 3) // s + 1
            layers.append(conv(f"{p}.c3", f"{p}.c2", mid, out, hw_out, k=1, pad=0, bias=False))
            short = prev
            if i == 0:
                layers.append(conv(f"{p}.sc", prev, cin, out, hw, k=1, stride=s, pad=0, bias=False))
                short = f"{p}.sc"
            layers.append(digital(f"{p}.add", "add", (f"{p}.c3", short), (out, hw_out, hw_out)))
            prev, cin, hw = f"{p}.add", out, hw_out
    layers.append(digital("gap", "avgpool", prev, (2048, 7, 7), (2048, 1, 1)))
    layers.append(digital("flat", "flatten", "gap", (2048, 1, 1), (2048,)))
    layers.append(linear("fc", "flat", 2048, 1000))
    return FakeWorkload(name="resnet50", layers=tuple(layers))
