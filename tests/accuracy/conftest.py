"""Test helpers of the accuracy engine: small workloads written as YAML text and loaded like any workload.

Layer names: ``fc0``, ``a0``, ... (MLP), ``conv1``, ``t1``, ``p1``, ``fl``, ``fc`` (CNN), ``lstm``, ``fc``
(char LSTM); the output is a softmax ``sm``.
"""

from __future__ import annotations

import pytest

from archsim.workload import Workload, load_workload_text


def _yaml(name: str, input_shape: tuple[int, ...], n_classes: int, layers: list[str], *, task: str = "classification",
          dataset: str = "synthetic") -> Workload:
    head = (f"version: 1\nname: {name}\ninput_shape: {list(input_shape)}\nn_classes: {n_classes}\ntask: {task}\n"
            f"dataset: {dataset}\ndefault_epochs: 1\nlayers:\n")
    return load_workload_text(head + "".join(f"  - {{{spec}}}\n" for spec in layers), f"{name}.yaml")


def mlp(sizes=(16, 12, 4), act="tanh", bias=True) -> Workload:
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(f"name: fc{i}, kind: linear, out_features: {sizes[i + 1]}, bias: {str(bias).lower()}")
        if i < len(sizes) - 2:
            layers.append(f"name: a{i}, kind: {act}")
    layers.append("name: sm, kind: softmax")
    return _yaml("mlp", (sizes[0],), sizes[-1], layers)


def small_cnn(pool="maxpool", c1=4, lrn=False, residual=False) -> Workload:
    """1×8×8 → conv3x3 pad1 (c1) → tanh → [lrn] → [conv + residual add] → pool2 → flatten → linear → softmax."""
    layers = [f"name: conv1, kind: conv2d, out_channels: {c1}, kernel_size: 3, padding: 1", "name: t1, kind: tanh"]
    prev = "t1"
    if lrn:
        layers.append("name: n1, kind: lrn")
        prev = "n1"
    if residual:
        layers.append(f"name: conv2, kind: conv2d, out_channels: {c1}, kernel_size: 3, padding: 1")
        layers.append(f"name: res, kind: add, inputs: [{prev}, conv2]")
        prev = "res"
    layers += [f"name: p1, kind: {pool}, kernel_size: 2, inputs: [{prev}]", "name: fl, kind: flatten",
               "name: fc, kind: linear, out_features: 3", "name: sm, kind: softmax"]
    return _yaml("cnn", (1, 8, 8), 3, layers)


def char_lstm(t=5, v=6, h=4) -> Workload:
    layers = [f"name: lstm, kind: lstm, hidden_size: {h}", f"name: fc, kind: linear, out_features: {v}",
              "name: sm, kind: softmax"]
    return _yaml("lstm", (t, v), v, layers, task="sequence", dataset="text")


@pytest.fixture
def workloads():
    return {"mlp": mlp, "cnn": small_cnn, "lstm": char_lstm, "yaml": _yaml}
