"""Workload errors: unknown layer kinds and keys, dangling inputs, cycles, shape mismatches."""

from __future__ import annotations

import re

import pytest

from archsim.errors import WorkloadError
from archsim.workload import load_workload, load_workload_text

HEAD = "version: 1\nname: w\ninput_shape: [3, 8, 8]\nn_classes: 4\nlayers:\n"

BAD = [
    ("unknown-kind", "  - {name: a, kind: dense, out_features: 4}\n",
     r"^w\.yaml:6: layers\[0\]\.kind: unknown kind 'dense'; valid kinds: linear, conv2d"),
    ("unknown-key", "  - {name: a, kind: conv2d, out_channels: 4, kernel_size: 3, strid: 2}\n",
     r"layers\[0\]: unknown key 'strid' \(did you mean 'stride'\?\)"),
    ("missing-key", "  - {name: a, kind: conv2d, out_channels: 4}\n", r"layers\[0\]: missing required key 'kernel_size'"),
    ("dangling-input", "  - {name: a, kind: flatten}\n  - {name: b, kind: linear, out_features: 4, inputs: [flaten]}\n",
     r"^w\.yaml:7: layers\[1\] \(b\): unknown input 'flaten' \(hint: inputs name earlier layers or 'input'; layers: input, a, b\)"),
    ("cycle", "  - {name: a, kind: relu, inputs: [b]}\n  - {name: b, kind: relu, inputs: [a]}\n  - {name: c, kind: flatten}\n"
     "  - {name: d, kind: linear, out_features: 4}\n", r"layers\[0\] \(a\): the layers form a cycle: "),
    ("shape-mismatch-linear", "  - {name: a, kind: linear, out_features: 4}\n",
     r"layers\[0\] \(a\): linear expects an input of shape \[F\] or \[T, F\], got \[3, 8, 8\] \(hint: add a flatten layer"),
    ("in-channels-mismatch", "  - {name: a, kind: conv2d, out_channels: 4, kernel_size: 3, in_channels: 1}\n",
     r"layers\[0\] \(a\): in_channels is 1 but the input has 3 channels"),
    ("kernel-too-large", "  - {name: a, kind: conv2d, out_channels: 4, kernel_size: 9}\n",
     r"layers\[0\] \(a\): kernel \[9, 9\] is larger than the padded input 8"),
    ("add-shape-mismatch", "  - {name: a, kind: conv2d, out_channels: 4, kernel_size: 3}\n"
     "  - {name: b, kind: add, inputs: [a, input]}\n", r"layers\[1\] \(b\): add needs inputs of equal shape"),
    ("add-one-input", "  - {name: a, kind: add}\n", r"add needs at least two inputs, got 1"),
    ("two-inputs", "  - {name: a, kind: relu, inputs: [input, input]}\n", r"relu takes one input, got 2"),
    ("unused-layer", "  - {name: a, kind: relu}\n  - {name: b, kind: flatten, inputs: [input]}\n"
     "  - {name: c, kind: linear, out_features: 4}\n", r"layers\[0\] \(a\): output not used by any other layer: a"),
    ("duplicate-name", "  - {name: a, kind: relu}\n  - {name: a, kind: relu}\n", r"duplicate layer name 'a'"),
    ("reserved-name", "  - {name: input, kind: relu}\n", r"the name 'input' is reserved"),
    ("wrong-classes", "  - {name: a, kind: flatten}\n  - {name: b, kind: linear, out_features: 5}\n",
     r"layers\[1\] \(b\): the output shape is \[5\], but n_classes is 4"),
    ("bad-kernel-type", "  - {name: a, kind: conv2d, out_channels: 4, kernel_size: [3, 3, 3]}\n",
     r"^w\.yaml:6: layers\[0\]\.kernel_size: expected a list of 2 items, got 3 items"),
    ("lstm-on-image", "  - {name: a, kind: lstm, hidden_size: 4}\n", r"lstm expects a sequence input \[T, F\], got \[3, 8, 8\]"),
]


@pytest.mark.parametrize(("layers", "pattern"), [(s, p) for _, s, p in BAD], ids=[i for i, _, _ in BAD])
def test_bad_workload(layers: str, pattern: str) -> None:
    with pytest.raises(WorkloadError) as info:
        load_workload_text(HEAD + layers, name="w.yaml")
    assert re.search(pattern, str(info.value)), str(info.value)
    assert "\n" not in str(info.value)


def test_top_level_errors() -> None:
    with pytest.raises(WorkloadError, match=r"missing key 'version'"):
        load_workload_text("name: w\n", name="w.yaml")
    with pytest.raises(WorkloadError, match=r"w\.yaml:3: \(top level\): unknown key 'datset' \(did you mean 'dataset'\?\)"):
        load_workload_text("version: 1\nname: w\ndatset: digits\n", name="w.yaml")
    with pytest.raises(WorkloadError, match=r"duplicate key 'name'"):
        load_workload_text("version: 1\nname: w\nname: v\n", name="w.yaml")
    with pytest.raises(WorkloadError, match=r"workloads/mlp-digit\.yaml: workload file not found.*did you mean"):
        load_workload("workloads/mlp-digit.yaml")


def test_residual_branch_and_defaults() -> None:
    w = load_workload_text(HEAD + "  - {name: a, kind: conv2d, out_channels: 3, kernel_size: 3, padding: 1}\n"
                           "  - {name: r, kind: relu}\n  - {name: s, kind: add, inputs: [r, input]}\n"
                           "  - {name: p, kind: mixedpool, kernel_size: 2}\n  - {name: f, kind: flatten}\n"
                           "  - {name: o, kind: linear, out_features: 4}\n", name="w.yaml")
    assert w.layer("s").inputs == ("r", "input") and w.layer("s").out_shape == (3, 8, 8)
    assert w.layer("p").out_shape == (3, 4, 4) and w.layer("p").n_weights == 3
    assert w.layer("a").attrs["kernel_size"] == (3, 3) and w.layer("a").attrs["stride"] == (1, 1)
    assert [lay.name for lay in w.layers] == ["input", "a", "r", "s", "p", "f", "o"]
    with pytest.raises(WorkloadError, match="no layer named 'zz'"):
        w.layer("zz")


@pytest.mark.parametrize("dataset,match", [
    ("imagenet", r"^w\.yaml:4: dataset: unknown dataset source 'imagenet' \(hint: valid dataset sources: digits, "
                 r"idx, synthetic, text\)"),
    ("idx:/missing/mnist", r"^w\.yaml:4: dataset: idx:/missing/mnist: no such file or folder"),
    ("idx:", r"^w\.yaml:4: dataset: 'idx:': missing path"),
    ("digits:extra", r"^w\.yaml:4: dataset: 'digits' takes no argument"),
])
def test_dataset_fails_at_load_time_naming_file_and_key(dataset, match):
    text = f"version: 1\nname: w\ninput_shape: [4]\ndataset: \"{dataset}\"\nn_classes: 2\nlayers:\n" \
           "  - {name: a, kind: linear, out_features: 2}\n"
    with pytest.raises(WorkloadError, match=match):
        load_workload_text(text, "w.yaml")
