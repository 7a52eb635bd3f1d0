"""Test helpers of the accuracy engine: a minimal stand-in for workload objects.

The real `archsim.workload.Workload` is built by the workload package; these tests only need the
attributes the network builder reads (``layers`` with name/kind/inputs/shapes/kernel fields,
``input_shape``, ``n_classes``, ``task``, ``name``), so they do not depend on workload YAML files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest


@dataclass
class StandInLayer:
    name: str
    kind: str
    inputs: tuple[str, ...] = ()
    in_shape: tuple[int, ...] = ()
    out_shape: tuple[int, ...] = ()
    in_features: int = 0
    out_features: int = 0
    in_channels: int = 0
    out_channels: int = 0
    kernel_size: Any = None
    stride: Any = None
    padding: Any = 0
    hidden_size: int = 0
    bias: bool = True


@dataclass
class StandInWorkload:
    name: str
    layers: list
    input_shape: tuple[int, ...]
    n_classes: int
    task: str = "classification"
    dataset: str = "synthetic"
    default_epochs: int = 1
    extra: dict = field(default_factory=dict)


def mlp(sizes=(16, 12, 4), act="tanh", bias=True):
    layers = [StandInLayer("in", "input", out_shape=(sizes[0],))]
    prev = "in"
    for i in range(len(sizes) - 1):
        layers.append(
            StandInLayer(
                f"fc{i}",
                "linear",
                (prev,),
                (sizes[i],),
                (sizes[i + 1],),
                in_features=sizes[i],
                out_features=sizes[i + 1],
                bias=bias,
            )
        )
        prev = f"fc{i}"
        if i < len(sizes) - 2:
            layers.append(StandInLayer(f"a{i}", act, (prev,)))
            prev = f"a{i}"
    layers.append(StandInLayer("sm", "softmax", (prev,)))
    return StandInWorkload("mlp", layers, (sizes[0],), sizes[-1])


def small_cnn(pool="maxpool", c1=4, lrn=False, residual=False):
    """1×8×8 → conv3x3 pad1 (c1) → tanh → [lrn] → pool2 → flatten → linear → softmax."""
    L = StandInLayer
    layers = [
        L("in", "input", out_shape=(1, 8, 8)),
        L(
            "conv1",
            "conv2d",
            ("in",),
            (1, 8, 8),
            (c1, 8, 8),
            in_channels=1,
            out_channels=c1,
            kernel_size=(3, 3),
            stride=(1, 1),
            padding=(1, 1),
        ),
        L("t1", "tanh", ("conv1",), (c1, 8, 8), (c1, 8, 8)),
    ]
    prev = "t1"
    if lrn:
        layers.append(L("n1", "lrn", (prev,), (c1, 8, 8), (c1, 8, 8)))
        prev = "n1"
    if residual:
        layers.append(
            L(
                "conv2",
                "conv2d",
                (prev,),
                (c1, 8, 8),
                (c1, 8, 8),
                in_channels=c1,
                out_channels=c1,
                kernel_size=(3, 3),
                stride=(1, 1),
                padding=(1, 1),
            )
        )
        layers.append(L("res", "add", (prev, "conv2"), (c1, 8, 8), (c1, 8, 8)))
        prev = "res"
    layers += [
        L("p1", pool, (prev,), (c1, 8, 8), (c1, 4, 4), kernel_size=(2, 2), stride=(2, 2)),
        L("fl", "flatten", ("p1",), (c1, 4, 4), (c1 * 16,)),
        L("fc", "linear", ("fl",), (c1 * 16,), (3,), in_features=c1 * 16, out_features=3),
        L("sm", "softmax", ("fc",), (3,), (3,)),
    ]
    return StandInWorkload("cnn", layers, (1, 8, 8), 3)


def char_lstm(t=5, v=6, h=4):
    L = StandInLayer
    layers = [
        L("in", "input", out_shape=(t, v)),
        L("lstm", "lstm", ("in",), (t, v), (t, h), in_features=v, hidden_size=h),
        L("fc", "linear", ("lstm",), (t, h), (t, v), in_features=h, out_features=v),
        L("sm", "softmax", ("fc",), (t, v), (t, v)),
    ]
    return StandInWorkload("lstm", layers, (t, v), v, task="sequence", dataset="text")


@pytest.fixture
def workloads():
    return {
        "mlp": mlp,
        "cnn": small_cnn,
        "lstm": char_lstm,
        "layer": StandInLayer,
        "workload": StandInWorkload,
    }
