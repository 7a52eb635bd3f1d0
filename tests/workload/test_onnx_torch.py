"""The PyTorch path: a torch model exported with ``torch.onnx.export`` imports with the counts torch reports.

Skipped cleanly where torch is not installed (archsim does not depend on it).
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")

from archsim.workload import load_onnx_workload  # noqa: E402


class _Net(torch.nn.Module):
    """conv-BN-ReLU, a depthwise-separable block with ReLU6, global pooling, two linear layers with GELU."""

    def __init__(self) -> None:
        super().__init__()
        nn = torch.nn
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
            nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False), nn.BatchNorm2d(8), nn.ReLU6(),
            nn.Conv2d(8, 16, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
            nn.MaxPool2d(2), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Sequential(nn.Linear(16, 32), nn.GELU(), nn.Dropout(0.1), nn.Linear(32, 10))

    def forward(self, x):  # type: ignore[no-untyped-def]
        return self.head(self.features(x))


def _export(tmp_path):
    model = _Net().eval()
    path = tmp_path / "net.onnx"
    kwargs = {"dynamo": False} if "dynamo" in torch.onnx.export.__code__.co_varnames else {}
    torch.onnx.export(model, (torch.zeros(1, 1, 8, 8),), str(path), opset_version=17, **kwargs)
    return model, path


def test_torch_export_imports_with_torchs_counts(tmp_path):
    model, path = _export(tmp_path)
    n_params = sum(p.numel() for p in model.parameters())
    wl = load_onnx_workload(path)
    bn_channels = 8 + 8 + 16
    # an eval-mode export folds BN into the convs itself: γ, β (2 per channel) become one bias per channel
    assert wl.total_weights == n_params - 2 * bn_channels + bn_channels
    assert [lay.kind for lay in wl.layers if lay.is_analog] == ["conv2d", "conv2d", "conv2d", "linear", "linear"]
    assert next(lay for lay in wl.layers if lay.n_groups == 8).matrix_in == 9  # the depthwise conv
    assert "gelu" in [lay.kind for lay in wl.layers]  # opset 17 spells GELU out with Erf: fused back
    assert wl.total_macs_per_sample == 8 * 9 * 64 + 8 * 9 * 64 + 16 * 8 * 64 + 16 * 32 + 32 * 10
    assert wl.output_layer.out_shape == (10,) and wl.source is not None and wl.source.opset == 17
