"""A small CNN with batch norm and a depthwise-separable block trains on analog tiles (aihwkit-default) on the
bundled digits, next to its floating-point twin (same data order, initial weights and seed)."""

from __future__ import annotations

import pytest

from archsim.hwconfig import load_hardware
from archsim.loader import resolve_path
from archsim.nn.train import LRSchedule, train_workload
from archsim.workload import load_workload_text

NET = """version: 1
name: dwsep-cnn-digits
input_shape: [1, 8, 8]
dataset: digits
n_classes: 10
default_epochs: 12
layers:
  - {name: conv1, kind: conv2d, out_channels: 16, kernel_size: 3, padding: 1, bias: false}
  - {name: bn1, kind: batchnorm}
  - {name: relu1, kind: relu}
  - {name: dw, kind: conv2d, out_channels: 16, kernel_size: 3, padding: 1, groups: 16, bias: false}
  - {name: bn2, kind: batchnorm}
  - {name: relu2, kind: clip, min: 0, max: 6}
  - {name: pw, kind: conv2d, out_channels: 32, kernel_size: 1, bias: false}
  - {name: bn3, kind: batchnorm}
  - {name: relu3, kind: relu}
  - {name: pool, kind: global_avgpool}
  - {name: flat, kind: flatten}
  - {name: fc, kind: linear, out_features: 10}
  - {name: sm, kind: softmax}
"""


def _train(**kw):
    hw = load_hardware(resolve_path("aihwkit-default", "hwconfigs"))
    return train_workload(hw, load_workload_text(NET, "dwsep-cnn-digits.yaml"), batch_size=8, lr=0.1, seed=0,
                          fp_baseline=True, schedule=LRSchedule(kind="step", step_epochs=4, gamma=0.3), **kw)


def test_bn_depthwise_cnn_runs_on_tiles_and_records_statistics():
    result = _train(epochs=1, limit_train=64, limit_test=32)
    assert set(result.layer_stats) == {"conv1", "dw", "pw", "fc"}
    assert result.settings["bias"] == {"fc": "analog"}
    assert result.analog.train_loss[0] > 0 and result.fp.train_loss[0] > 0


@pytest.mark.slow
def test_bn_depthwise_cnn_trains_close_to_its_fp_twin():
    """Measured (12 epochs, 2 loaded cores, about 3 minutes): analog 91.4 %, FP 95.3 % test accuracy — a gap of
    3.9 points (5.0 and 4.7 points in earlier measurements of this and a 32-channel variant), above the 3 points
    aimed for; the bounds keep the measured result from getting worse."""
    result = _train(epochs=12)
    analog, fp = result.analog.test_accuracy[-1], result.fp.test_accuracy[-1]
    assert fp > 0.93 and analog > 0.89
    assert fp - analog < 0.06
