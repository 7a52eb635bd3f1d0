"""Every benchmark script runs with ``--json`` and prints a flat JSON object on its last line (README's promise).

``pytest -m benchmark`` runs each script on a small configuration; the check that every script of benchmarks/ is
listed here runs by default.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: The MNIST IDX files the scripts read (README: ``$ARCHSIM_MNIST``, else ``data/mnist`` in the checkout).
MNIST = Path(os.environ.get("ARCHSIM_MNIST", ROOT / "data" / "mnist"))

#: Script -> the small configuration it is run with (``--json`` is added).
SMALL = {
    "algorithms_toy.py": ["--seeds", "1", "--samples", "200"],
    "asymmetry_mlp.py": ["--epochs", "1", "--seeds", "0", "--n-train", "200", "--n-test", "100",
                         "--kinds", "fp", "sgd_symmetric"],
    "bench_crossbar.py": ["--repeats", "1", "--size", "64"],
    "bench_engine.py": ["--repeat", "1", "--cases", "resnet18-isaac"],
    "bench_import.py": ["--repeats", "1"],
    "bench_sweep.py": ["--workers", "1", "--points", "2"],
    "bench_training.py": ["--samples", "64", "--repeats", "1", "--batch-sizes", "1,64"],
    "fit_gpu_baselines.py": [],
    "paper_experiments.py": ["--exp", "mlp", "--train", "100", "--test", "50", "--epochs-mlp", "1"],
}
#: Scripts that are not benchmarks (no table, no numbers): the report screenshot.
NOT_BENCHMARKS = {"make_screenshot.py"}
NEEDS_MNIST = {"asymmetry_mlp.py", "bench_training.py", "paper_experiments.py"}
SCRIPTS = sorted(p.name for p in (ROOT / "benchmarks").glob("*.py") if p.name not in NOT_BENCHMARKS)


def test_every_benchmark_script_is_listed() -> None:
    assert set(SCRIPTS) <= set(SMALL), f"add a small configuration for {sorted(set(SCRIPTS) - set(SMALL))}"


@pytest.mark.benchmark
@pytest.mark.parametrize("script", SCRIPTS)
def test_json_is_a_flat_object_on_the_last_line(script: str) -> None:
    if script in NEEDS_MNIST and not MNIST.is_dir():
        pytest.skip(f"{script} reads MNIST from {MNIST}")
    data_flag = ["--data", str(MNIST)] if script in NEEDS_MNIST else []
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *SMALL[script], *data_flag, "--json"],
                          capture_output=True, text=True, cwd=ROOT, check=False, timeout=900)
    assert proc.returncode in (0, 1) if script == "fit_gpu_baselines.py" else proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.strip().splitlines()
    assert len(lines) >= 2, f"{script}: expected a table before the JSON line:\n{proc.stdout}"
    data = json.loads(lines[-1])
    assert isinstance(data, dict) and data, lines[-1]
    assert all(isinstance(v, (int, float, str, bool)) or v is None for v in data.values()), lines[-1]
