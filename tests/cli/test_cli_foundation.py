"""The foundation commands in-process: ``archsim validate``, ``archsim list`` and error reporting in ``main``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archsim.cli import ERR, OK, main

BASE = "version: 1\nname: t\n"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _in_project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_validate_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "hwconfigs/isaac-2016.yaml", "workloads/rapa-cnn3.yaml"]) == OK
    out = capsys.readouterr().out
    assert "hardware isaac-2016: 168 tiles x 96 crossbar(s) of 128x128" in out
    assert "79,328" not in out  # per-layer table, conv totals are checked in JSON
    assert "conv1" in out and "12,298,240" in out
    assert "mapping: " in out and "of 168 tiles" in out


def test_validate_workload_that_does_not_fit(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "tiny-test", "alexnet"]) == ERR
    err = capsys.readouterr().err
    assert err.startswith("archsim: error: mapping tiny-test: the workload needs") and err.count("\n") == 1
    assert main(["validate", "tiny-test", "alexnet", "--no-map", "--json"]) == OK
    assert "mapping" not in json.loads(capsys.readouterr().out)


def test_validate_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "aihwkit-default", "rapa-cnn3", "--json"]) == OK
    data = json.loads(capsys.readouterr().out)
    layers = {row["name"]: row for row in data["workload"]["layers"]}
    assert sum(layers[n]["n_weights"] for n in ("conv1", "conv2", "conv3")) == 79_328
    assert layers["conv1"]["macs_per_sample"] == 2_457_600
    assert data["workload"]["total_weights"] == 89_578
    assert data["workload"]["total_macs_per_sample"] == 12_298_240
    assert data["hardware"]["name"] == "aihwkit-default" and data["hardware"]["n_tiles"] == 256
    # one 512x512 crossbar per tile: conv1 76 rows (1) + conv2 801 (2) + conv3 801 (2) + fc 1025 (3) = 8 tiles
    assert data["mapping"]["n_tiles_used"] == 8


def test_validate_hardware_only_with_set(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "hwconfigs/tiny-test.yaml", "--json", "--set", "chip.n_tiles=2",
                 "--set", "interconnect.dims=[1, 2]"]) == OK
    data = json.loads(capsys.readouterr().out)
    assert data["hardware"]["n_tiles"] == 2 and "workload" not in data
    assert data["hardware"]["non_default"]["chip.n_tiles"] == 2


def test_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == OK
    out = capsys.readouterr().out
    for name in ("isaac-2016", "aihwkit-default", "rpu-gokmen-vlasov-2016", "rapa-cnn3", "mlp-digits", "resnet50"):
        assert name in out
    assert main(["list", "--json"]) == OK
    data = json.loads(capsys.readouterr().out)
    assert "Shafiee" in data["hwconfigs"]["isaac-2016"]["description"]


def _one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == ERR
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("archsim: error: "), captured.err
    assert "Traceback" not in captured.err
    return lines[0]


@pytest.mark.parametrize(("yaml_tail", "expected"), [
    ("tile:\n  adc:\n    bitz: 8\n", "hw.yaml:5: tile.adc: unknown key 'bitz' (did you mean 'bits'?)"),
    ("crossbar:\n  integration_ns: -80\n", "hw.yaml:4: crossbar.integration_ns: expected a number > 0, got -80"),
    ("chip:\n  n_tiles: 2\n  n_tiles: 4\n", "hw.yaml:5: chip: duplicate key 'n_tiles' (first given on line 4)"),
], ids=["typo", "negative-latency", "duplicate-key"])
def test_user_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], yaml_tail: str,
                                  expected: str) -> None:
    path = tmp_path / "hw.yaml"
    path.write_text(BASE + yaml_tail, encoding="utf-8")
    line = _one_line_error(capsys, ["validate", str(path)])
    assert f"{tmp_path}/{expected}" in line


def test_missing_file_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    line = _one_line_error(capsys, ["validate", "hwconfigs/nope.yaml"])
    assert "hwconfigs/nope.yaml: file not found" in line
    line = _one_line_error(capsys, ["validate", "hwconfigs/tiny-test.yaml", "workloads/nope.yaml"])
    assert "workloads/nope.yaml: workload file not found" in line


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    from archsim.errors import ConfigError

    with pytest.raises(ConfigError):
        main(["--debug", "validate", str(tmp_path / "missing.yaml")])


def test_python_dash_m(tmp_path: Path) -> None:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "archsim", "validate", "hwconfigs/tiny-test.yaml"],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "tiny-test" in proc.stdout
