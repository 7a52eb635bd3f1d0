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
        "RPU headline",
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
