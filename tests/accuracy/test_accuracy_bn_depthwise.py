"""A small CNN with batch norm and a depthwise-separable block trains on analog tiles (aihwkit-default) on the
bundled digits, next to its floating-point twin (same split, data order, initial weights, seed and schedule).

The recipe, the same for both twins: SGD at lr 0.1, mini-batch 8, the learning rate decayed by 0.8 per epoch
(exponential schedule) for 15 epochs, so the last epochs run at lr 0.004-0.005 and the final test reading is
settled. The network keeps where the strokes are: conv 3x3 -> BN -> ReLU -> max-pool 2 -> depthwise 3x3 (16 groups)
-> BN -> ReLU6 -> pointwise 1x1 -> BN -> ReLU -> average-pool 2 -> linear (128 -> 10).

An earlier version of this test put a global average pool after a 5x5 receptive field on the 8x8 images (throwing
away the layout of the digit), with a step schedule (x0.3 every 4 epochs, 12 epochs). Measured there: the
floating-point twin itself underfit (89-92 % train accuracy), test accuracy swung by up to 50 points between
epochs (seed 1: 70, 39, 89 %), and the gaps were 3.9, 9.2 and 5.8 points for seeds 0, 1, 2. The schedule alone
does not fix it (the same network with this file's schedule: 4.7 and 7.0 points for seeds 0, 1): at the limit of
its capacity the network has no slack for the analog noise (analog train accuracy 80 % against 88-89 %). No
single non-ideality explained it (seed 0, analog twin with ideal forward 93.0 %, ideal backward 91.9 %, ideal IO
91.9 %, no output noise 88.0 %, floating-point update 91.4 %, no device-to-device variation 89.4 %, against
91.4 % as configured: all within the epoch-to-epoch swing), and with ideal IO, a floating-point update and
unbounded devices the analog twin gives the floating-point twin's numbers bit for bit (tested below): batch norm
on the analog outputs, the per-group depthwise tiles, the splits and the schedule are shared and correct.

The depthwise and pointwise blocks are small (9 and 16 rows), and aihwkit's output noise (0.06) and its 9-bit ADC
range (+-12) are absolute in normalised output units, whatever the number of rows, so a 9-row block's outputs (at
most 9 x 0.6) are noisy and coarsely converted: FP-trained weights deployed on these tiles (clipped to the +-0.6
device bounds) give relative forward errors of 20 % (conv1, 9 rows), 18 % (depthwise, 9 rows per group), 28 %
(pointwise, 16 rows) and 8 % (linear, 129 rows). That is the hardware as configured, not a mapping defect;
trained on the tiles, the network learns around it (batch norm rescales the small outputs).
"""

from __future__ import annotations

import pytest

from archsim.hwconfig import load_hardware
from archsim.hwconfig.rpu import RPUConfig
from archsim.loader import resolve_path
from archsim.nn.train import LRSchedule, train_workload
from archsim.workload import load_workload_text

NET = """version: 1
name: dwsep-cnn-digits
input_shape: [1, 8, 8]
dataset: digits
n_classes: 10
default_epochs: 15
layers:
  - {name: conv1, kind: conv2d, out_channels: 16, kernel_size: 3, padding: 1, bias: false}
  - {name: bn1, kind: batchnorm}
  - {name: relu1, kind: relu}
  - {name: pool1, kind: maxpool, kernel_size: 2}
  - {name: dw, kind: conv2d, out_channels: 16, kernel_size: 3, padding: 1, groups: 16, bias: false}
  - {name: bn2, kind: batchnorm}
  - {name: relu2, kind: clip, min: 0, max: 6}
  - {name: pw, kind: conv2d, out_channels: 32, kernel_size: 1, bias: false}
  - {name: bn3, kind: batchnorm}
  - {name: relu3, kind: relu}
  - {name: pool2, kind: avgpool, kernel_size: 2}
  - {name: flat, kind: flatten}
  - {name: fc, kind: linear, out_features: 10}
  - {name: sm, kind: softmax}
"""

#: The recipe of both twins (module docstring).
RECIPE = {"batch_size": 8, "lr": 0.1, "schedule": LRSchedule(kind="exponential", gamma=0.8)}

#: Ideal converters, a floating-point update and an unbounded device: the analog path without its non-idealities.
IDEAL = RPUConfig.from_dict({"device": {"kind": "ideal"}, "forward": {"is_perfect": True},
                             "backward": {"is_perfect": True}, "update": {"pulse_type": "none"}})


def _train(**kw):
    hw = load_hardware(resolve_path("aihwkit-default", "hwconfigs"))
    return train_workload(hw, load_workload_text(NET, "dwsep-cnn-digits.yaml"), fp_baseline=True, **{**RECIPE, **kw})


def test_bn_depthwise_cnn_runs_on_tiles_and_records_statistics():
    result = _train(epochs=1, limit_train=64, limit_test=32, seed=0)
    assert set(result.layer_stats) == {"conv1", "dw", "pw", "fc"}
    assert result.settings["bias"] == {"fc": "analog"}
    assert result.analog.train_loss[0] > 0 and result.fp.train_loss[0] > 0
    assert result.analog.lr == result.fp.lr == (0.1,)


def test_the_analog_twin_without_non_idealities_is_the_floating_point_twin():
    result = _train(epochs=2, limit_train=96, limit_test=64, seed=0, rpu_config=IDEAL)
    assert result.analog.lr == result.fp.lr == (0.1, 0.1 * 0.8)
    for curve in ("train_loss", "train_accuracy", "test_loss", "test_accuracy"):
        assert getattr(result.analog, curve) == getattr(result.fp, curve), curve
    configured = _train(epochs=2, limit_train=96, limit_test=64, seed=0)
    assert configured.analog.train_loss != result.fp.train_loss  # the non-idealities do change the analog twin


# Measured (15 epochs, 2 loaded cores, 25-40 s per seed): analog / floating-point test accuracy
# seed 0: 98.05 / 98.89 % (gap 0.84 points); seed 1: 97.49 / 98.33 (0.84); seed 2: 97.49 / 97.49 (0.00);
# seed 3: 97.49 / 97.49 (0.00); seed 4: 97.21 / 97.77 (0.56). The test set has 359 images (0.28 points each).
@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bn_depthwise_cnn_trains_within_3_points_of_its_fp_twin(seed):
    result = _train(seed=seed)
    analog, fp = result.analog.test_accuracy[-1], result.fp.test_accuracy[-1]
    assert fp > 0.97 and analog > 0.965
    assert fp - analog <= 0.03
