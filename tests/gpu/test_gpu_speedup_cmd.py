"""`archsim speedup`: analog vs GPU tables, the design sweep and the paper checks."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from archsim.commands import speedup_cmd
from archsim.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
RPU_HW = str(ROOT / "hwconfigs" / "rpu-gokmen-vlasov-2016.yaml")


def _speedup(argv):
    parser = argparse.ArgumentParser()
    speedup_cmd.register(parser.add_subparsers())
    args = parser.parse_args(["speedup", *argv])
    return args.func(args)


def test_gpu_speedup_rapa_cnn3(tmp_path, capsys):
    assert (
        _speedup(
            [
                RPU_HW,
                str(ROOT / "workloads" / "rapa-cnn3.yaml"),
                "--gpu",
                "a100",
                "--batch",
                "4",
                "-o",
                str(tmp_path),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    for needle in (
        "GPU baseline: NVIDIA A100",
        "conv1",
        "time per sample",
        "TOPS/W",
        "design sweep",
        "crossbar 2048x2048",
        "RAPA replicas: auto",
        "ADC shared by 4 columns",
        "rpu-gokmen-vlasov-2016, speed-up vs 2016 CPU",
        "RAPA n_t-fold",
        "n_t = (16, 4, 1)",
        "16.0x",
    ):
        assert needle in out, needle
    result = json.loads((tmp_path / "result.json").read_text())
    data = {**result["gpu"], "sweep": result["design_sweep"]}
    assert data["speedup"] > 0 and data["energy_ratio"] > 0
    assert {row["label"] for row in data["sweep"]} >= {
        "baseline",
        "RAPA replicas: none",
        "RAPA replicas: auto",
    }
    auto = next(r for r in data["sweep"] if r["label"] == "RAPA replicas: auto")
    none = next(r for r in data["sweep"] if r["label"] == "RAPA replicas: none")
    assert auto["speedup"] > 4 * none["speedup"]  # replicas shorten the bottleneck layer


def test_gpu_speedup_mlp_inference_without_sweep(tmp_path, capsys):
    assert (
        _speedup(
            [
                "-o",
                str(tmp_path),
                RPU_HW,
                str(ROOT / "workloads" / "mlp-784-256-128-10.yaml"),
                "--gpu",
                "v100",
                "--mode",
                "inference",
                "--precision",
                "fp32",
                "--gpu-batch",
                "1",
                "--no-sweep",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "inference, fp32, batch 1" in out and "design sweep" not in out
    assert "RAPA n_t-fold" not in out  # no convolutions


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["--replicas", "conv1=0"], r"--replicas: expected 'auto'"),
        (["--gpu", "p100"], r"--gpu: unknown GPU 'p100'"),
        (["--batch", "0"], r"--batch: expected an integer >= 1, got 0"),
    ],
)
def test_gpu_speedup_errors(argv, match, tmp_path):
    with pytest.raises(ConfigError, match=match):
        _speedup([RPU_HW, str(ROOT / "workloads" / "mlp-digits.yaml"), "--no-sweep", "-o", str(tmp_path), *argv])


def test_gpu_speedup_states_both_sides_and_launch_overhead(tmp_path, capsys):
    mlp = str(ROOT / "workloads" / "mlp-784-256-128-10.yaml")
    assert _speedup([RPU_HW, mlp, "--gpu", "v100", "--mode", "inference", "--precision", "fp32", "--gpu-batch", "1",
                     "--batch", "2", "--no-sweep", "-o", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "compared: GPU v100 inference at batch 1, fp32 (pytorch) vs analog chip at batch 2, analog MVM" in out
    assert "launch overhead dominates the GPU side" in out
    assert "GPU time is modelled" in out and "ASSUMED" in out  # V100 power has no measured source
    gpu = json.loads((tmp_path / "result.json").read_text())["gpu"]
    assert gpu["comparison"]["launch_bound"] and gpu["comparison"]["analog"]["batch_size"] == 2


def test_gpu_speedup_measure_records_measured_times(tmp_path, capsys, monkeypatch, fake_backend):
    from archsim.gpu import measure as measure_mod

    monkeypatch.setattr(measure_mod, "default_backend", lambda device="cuda": (fake_backend(), ""))
    mlp = str(ROOT / "workloads" / "mlp-784-256-128-10.yaml")
    assert _speedup([RPU_HW, mlp, "--gpu", "a100", "--mode", "inference", "--gpu-batch", "8", "--batch", "2",
                     "--no-sweep", "--measure", "-o", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "GPU time measured on fake-gpu:" in out
    data = json.loads((tmp_path / "result.json").read_text())["gpu"]
    rec = data["baseline"]["measurement"]
    assert rec["device"] == "fake-gpu" and set(rec["layers"]) >= {"fc1", "fc2"}
    assert all("model_ns" in row and "measured_ns" in row for row in rec["layers"].values())
    assert data["baseline"]["measured_time_ns_per_batch"] == pytest.approx(
        sum(row["measured_ns"] for row in rec["layers"].values()))
    rows = {row["layer"]: row for row in data["layers"]}
    assert rows["fc1"]["gpu_measured_time_ns_per_sample"] == pytest.approx(rec["layers"]["fc1"]["measured_ns"] / 8)


def test_gpu_speedup_measure_without_a_gpu_says_why(tmp_path, capsys, monkeypatch):
    from archsim.gpu import measure as measure_mod

    monkeypatch.setattr(measure_mod, "default_backend", lambda device="cuda": (None, "PyTorch is not installed"))
    mlp = str(ROOT / "workloads" / "mlp-784-256-128-10.yaml")
    assert _speedup([RPU_HW, mlp, "--mode", "inference", "--batch", "2", "--no-sweep", "--measure",
                     "-o", str(tmp_path)]) == 0
    assert "--measure: nothing measured (PyTorch is not installed)" in capsys.readouterr().err
    data = json.loads((tmp_path / "result.json").read_text())["gpu"]
    assert data["baseline"]["measurement"]["reason"] == "PyTorch is not installed"
