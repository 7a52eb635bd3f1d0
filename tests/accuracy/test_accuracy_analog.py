"""Networks on the functional core's AnalogTile: perfect tiles = FP baseline, analog training, statistics, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from archsim.hwconfig.rpu import RPUConfig
from archsim.nn.network import analog_tile_factory, build_network, fp_tile_factory
from archsim.nn.rapa import RapaConv2d
from archsim.nn.train import layer_statistics, train_workload

ROOT = Path(__file__).resolve().parents[2]

#: is_perfect forward/backward, FP update; wide, uniform bounds so that set_weights clips nothing.
PERFECT = RPUConfig.from_preset(
    "default",
    forward={"is_perfect": True},
    backward={"is_perfect": True},
    update={"pulse_type": "none"},
    device={"kind": "constant_step", "w_max_dtod": 0.0, "w_min_dtod": 0.0, "w_max": 10.0, "w_min": -10.0},
)


def _data(kind):
    rng = np.random.default_rng(0)
    if kind == "mlp":
        return rng.random((8, 16)).astype(np.float32), np.arange(8) % 4
    if kind == "cnn":
        return rng.random((4, 1, 8, 8)).astype(np.float32), np.arange(4) % 3
    return np.eye(6, dtype=np.float32)[rng.integers(0, 6, (3, 5))], rng.integers(0, 6, (3, 5))


@pytest.mark.parametrize("kind,kw", [("mlp", {}), ("cnn", {"pool": "mixedpool", "lrn": True}), ("lstm", {})])
def test_perfect_analog_network_equals_fp_baseline(workloads, kind, kw):
    wl = workloads[kind](**kw)
    x, y = _data(kind)
    fp = build_network(wl, make_tile=fp_tile_factory, seed=3, tile_rows=7, tile_cols=5)
    an = build_network(wl, make_tile=analog_tile_factory(PERFECT), seed=3, tile_rows=7, tile_cols=5)
    for _ in range(4):
        l_fp = fp.train_batch(x, y, 0.1)
        l_an = an.train_batch(x, y, 0.1)
        assert l_an[0] == pytest.approx(l_fp[0], rel=1e-6, abs=1e-7) and l_an[1] == l_fp[1]
    for a, b in zip(fp.analog_layers(), an.analog_layers()):
        np.testing.assert_allclose(
            b.units[0].get_weights()[0], a.units[0].get_weights()[0], rtol=1e-6, atol=1e-7
        )


def test_perfect_rapa_network_equals_fp_baseline(workloads):
    wl = workloads["cnn"](pool="avgpool")
    x, y = _data("cnn")
    kw = {"seed": 4, "replicas": {"conv1": 4}, "rapa_scheme": "random"}
    fp = build_network(wl, make_tile=fp_tile_factory, **kw)
    an = build_network(wl, make_tile=analog_tile_factory(PERFECT), **kw)
    assert isinstance(an.layer("conv1"), RapaConv2d)
    for _ in range(3):
        assert an.train_batch(x, y, 0.1)[0] == pytest.approx(fp.train_batch(x, y, 0.1)[0], rel=1e-6)


def test_default_analog_tiles_learn_and_record_statistics(workloads):
    wl = workloads["mlp"]((64, 24, 10), act="sigmoid")
    hw_rpu = RPUConfig()  # aihwkit defaults: NM, BM, 7/9 bit, noise, pulsed update with UM/UBLM
    result = train_workload(
        _FakeHW(hw_rpu),
        wl,
        dataset="digits",
        epochs=2,
        batch_size=1,
        lr=0.05,
        seed=0,
        limit_train=400,
        limit_test=200,
        fp_baseline=True,
        use_mapping=False,
        analog_bias=False,  # aihwkit's default digital_bias=True
    )
    assert result.analog.test_accuracy[-1] > 0.5
    assert set(result.layer_stats) == {"fc0", "fc1"}
    st = result.layer_stats["fc1"]
    assert st.mean_bm_passes_forward >= 1.0 and st.mean_bl is not None and 0 < st.mean_bl <= 31
    assert sum(st.bl_histogram.values()) == 800  # one update vector per sample and epoch
    assert st.mean_pulses_per_device_per_update > 0


def test_layer_statistics_count_conv_patches(workloads):
    wl = workloads["cnn"]()
    net = build_network(wl, make_tile=analog_tile_factory(RPUConfig()), seed=0)
    x, y = _data("cnn")
    net.train_batch(x, y, 0.05)
    stats = layer_statistics(net)
    assert sum(stats["conv1"].bl_histogram.values()) == 4 * 64  # every patch is one update vector
    assert sum(stats["fc"].bl_histogram.values()) == 4


class _FakeHW:
    """Only what train_workload reads from a HardwareConfig (no mapping: use_mapping=False)."""

    name = "fake"

    def __init__(self, rpu):
        self.crossbar = type("C", (), {"rpu": rpu})()
        self.tile = type("T", (), {"n_rows": 512, "n_cols": 512})()


def test_train_cli_writes_result_json(tmp_path):
    from archsim.cli import main
    from archsim.results.stats import load_layer_stats

    hw = ROOT / "hwconfigs" / "aihwkit-default.yaml"
    wl = ROOT / "workloads" / "mlp-digits.yaml"
    rc = main(
        [
            "train",
            str(hw),
            str(wl),
            "--epochs",
            "1",
            "--limit-train",
            "100",
            "--limit-test",
            "50",
            "--lr",
            "0.05",
            "--no-progress",
            "-o",
            str(tmp_path),
        ]
    )
    assert rc == 0
    data = json.loads((tmp_path / "result.json").read_text())
    acc = data["accuracy"]
    assert acc["n_train"] == 100 and len(acc["analog"]["test_accuracy"]) == 1 and acc["fp"] is not None
    stats = load_layer_stats(tmp_path / "result.json")
    assert set(stats) == {"fc1", "fc2"}


def test_train_cli_reports_bad_dataset(tmp_path, capsys):
    from archsim.cli import main

    hw = ROOT / "hwconfigs" / "aihwkit-default.yaml"
    wl = ROOT / "workloads" / "mlp-digits.yaml"
    rc = main(
        [
            "train",
            str(hw),
            str(wl),
            "--dataset",
            f"idx:{tmp_path}/missing",
            "--no-progress",
            "-o",
            str(tmp_path),
        ]
    )
    assert rc == 1
    assert "no such file" in capsys.readouterr().err


def test_analog_training_is_deterministic(workloads):
    wl = workloads["cnn"]()
    kw = {
        "dataset": "synthetic",
        "epochs": 1,
        "batch_size": 2,
        "lr": 0.05,
        "seed": 7,
        "limit_train": 8,
        "limit_test": 4,
        "use_mapping": False,
    }
    a = train_workload(_FakeHW(RPUConfig()), wl, **kw)
    b = train_workload(_FakeHW(RPUConfig()), wl, **kw)
    assert a.to_dict() == b.to_dict()


def test_rapa_replicas_through_the_mapping_with_voting_and_reduction():
    from archsim.hwconfig import load_hardware
    from archsim.workload import load_workload

    hw_path, wl_path = (
        ROOT / "hwconfigs" / "aihwkit-default.yaml",
        ROOT / "workloads" / "lenet-gokmen-2017.yaml",
    )
    result = train_workload(
        load_hardware(hw_path),
        load_workload(wl_path),
        dataset="digits",
        epochs=1,
        batch_size=2,
        lr=0.01,
        limit_train=4,
        limit_test=4,
        replicas={"conv1": 4},
        voting_draws=3,
        reduce_rapa="norm",
    )
    assert {
        "analog_test_accuracy_voting",
        "analog_filter_similarity.conv1",
        "analog_test_accuracy_reduced_norm",
    } <= set(result.extras)
    # 4 images x 576 patches, spread over the 4 replicas' tiles
    assert sum(result.layer_stats["conv1"].bl_histogram.values()) == 4 * 576


def test_train_cli_mapping_options(tmp_path):
    from archsim.cli import main

    hw = ROOT / "hwconfigs" / "aihwkit-default.yaml"
    wl = ROOT / "workloads" / "mlp-digits.yaml"
    rc = main(
        [
            "train",
            str(hw),
            str(wl),
            "--epochs",
            "1",
            "--limit-train",
            "20",
            "--limit-test",
            "10",
            "--bias",
            "digital",
            "--weight-scaling-omega",
            "0.6",
            "--learn-out-scaling",
            "--no-progress",
            "-o",
            str(tmp_path),
        ]
    )
    assert rc == 0
    settings = json.loads((tmp_path / "result.json").read_text())["accuracy"]["settings"]
    assert settings["options"]["weight_scaling_omega"] == 0.6
    assert set(settings["bias"].values()) == {"digital"}  # recorded from the network as built
