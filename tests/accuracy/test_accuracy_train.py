"""Training loop, schedules, the accuracy step in FP mode and the AccuracyResult round trip."""

from __future__ import annotations

import json

import numpy as np
import pytest

from archsim.datasets import load_dataset
from archsim.errors import ConfigError, DataError
from archsim.nn.train import SGD, LRSchedule, train_workload
from archsim.results.accuracy import AccuracyResult, EpochCurves
from archsim.results.io import dumps
from archsim.results.stats import LayerStats


def test_schedules():
    assert LRSchedule().lr_at(0.1, 5) == 0.1
    s = LRSchedule(kind="step", step_epochs=2, gamma=0.5, warmup_epochs=1, warmup_factor=0.05)
    assert [s.lr_at(1.0, e) for e in range(6)] == [0.05, 1.0, 1.0, 0.5, 0.5, 0.25]
    assert LRSchedule(kind="exponential", gamma=0.5).lr_at(1.0, 3) == 0.125
    with pytest.raises(ConfigError):
        LRSchedule(kind="cosine")
    with pytest.raises(ConfigError):
        SGD(lr=-1)


def test_fp_training_learns_digits_mlp(workloads):
    wl = workloads["mlp"]((64, 32, 10), act="sigmoid")
    result = train_workload(
        None,
        wl,
        dataset="digits",
        epochs=2,
        batch_size=8,
        lr=0.5,
        seed=0,
        fp_only=True,
        limit_train=600,
        limit_test=200,
    )
    assert result.analog is None and result.fp.epochs == 2
    assert result.fp.test_accuracy[-1] > 0.7
    assert result.n_train == 600 and result.n_test == 200


def test_fp_training_is_deterministic(workloads):
    wl = workloads["cnn"]()
    kw = {
        "dataset": "synthetic",
        "epochs": 1,
        "batch_size": 4,
        "lr": 0.1,
        "seed": 3,
        "fp_only": True,
        "limit_train": 40,
        "limit_test": 20,
    }
    a = train_workload(None, wl, **kw)
    b = train_workload(None, wl, **kw)
    assert a.fp == b.fp


def test_lstm_trains_on_bundled_text(workloads):
    wl = workloads["lstm"](t=12, v=20, h=16)
    result = train_workload(
        None, wl, dataset="text", epochs=2, batch_size=8, lr=0.5, fp_only=True, limit_train=200
    )
    assert result.task == "sequence"
    assert result.fp.train_loss[-1] < result.fp.train_loss[0]


def test_analog_run_needs_hardware(workloads):
    with pytest.raises(ConfigError):
        train_workload(None, workloads["mlp"](), dataset="synthetic")


def test_accuracy_result_round_trip():
    curves = EpochCurves(
        train_loss=(1.0, 0.5),
        train_accuracy=(0.5, 0.7),
        test_loss=(0.9, 0.6),
        test_accuracy=(0.6, 0.8),
        lr=(0.1, 0.1),
    )
    res = AccuracyResult(
        workload="w",
        hardware="h",
        dataset="digits",
        n_train=10,
        n_test=5,
        epochs=2,
        batch_size=1,
        lr=0.1,
        seed=0,
        analog=curves,
        fp=curves,
        layer_stats={"fc": LayerStats(layer="fc", mean_bl=3.5, bl_histogram={3: 1, 4: 1})},
        extras={"test_accuracy_voting": 0.9},
    )
    data = json.loads(dumps(res.to_dict()))
    back = AccuracyResult.from_dict(data)
    assert back == res
    assert curves.final_test_error == pytest.approx(0.2)
    with pytest.raises(DataError):
        AccuracyResult.from_dict({**data, "bogus": 1})
    with pytest.raises(DataError):
        EpochCurves(train_loss=(1.0,), test_loss=(1.0, 2.0))


def test_dataset_matches_workload_shape(workloads):
    data = load_dataset("synthetic", input_shape=(1, 8, 8), n_classes=3)
    assert data.x_train.shape[1:] == (1, 8, 8) and np.isin(data.y_train, [0, 1, 2]).all()


def test_progress_bar_goes_to_stderr(workloads, capsys):
    train_workload(
        None,
        workloads["mlp"](),
        dataset="synthetic",
        epochs=2,
        batch_size=16,
        lr=0.1,
        fp_only=True,
        limit_train=64,
        limit_test=16,
        progress=True,
    )
    captured = capsys.readouterr()
    assert "epoch 2/2" in captured.err and "loss" in captured.err and captured.out == ""
