"""Smoke test: the algorithm benchmark scripts run end to end on tiny settings."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_algorithms_toy_runs(capsys):
    mod = _load("algorithms_toy")
    assert mod.main(["--seeds", "1", "--samples", "100", "--size", "4"]) == 0
    out = capsys.readouterr().out
    assert "c-TTv2" in out and "AGAD" in out and "25%" in out


def test_asymmetry_mlp_runs_on_generated_idx(tmp_path, capsys):
    import gzip

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(60, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=60, dtype=np.uint8)
    header_i = bytes([0, 0, 8, 3]) + np.array([60, 28, 28], ">u4").tobytes()
    header_l = bytes([0, 0, 8, 1]) + np.array([60], ">u4").tobytes()
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(header_i + images.tobytes()))
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(header_l + labels.tobytes()))
    mod = _load("asymmetry_mlp")
    assert mod.main(["--data", str(tmp_path), "--epochs", "1", "--seeds", "0", "--n-train", "40",
                     "--n-test", "20", "--hidden", "8"]) == 0
    out = capsys.readouterr().out
    assert "tiki_taka" in out and "sgd_asymmetric" in out
