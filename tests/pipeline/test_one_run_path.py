"""One run path: every command builds the same options and runs the same steps, so they agree on one design."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archsim.cli import main
from archsim.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def _result(folder: Path) -> dict:
    return json.loads((folder / "result.json").read_text(encoding="utf-8"))


def test_speedup_and_run_give_the_same_timing_and_energy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The design point of the issue that found two pipelines: 1.26x energy ratio from speedup, 39.6x from run.
    monkeypatch.chdir(ROOT)
    common = ["rpu-gokmen-vlasov-2016", "mlp-784-256-128-10", "--mode", "training", "--batch", "8", "--gpu", "a100"]
    assert main(["run", *common, "--no-accuracy", "-o", str(tmp_path / "run")]) == 0
    assert main(["speedup", *common, "--no-sweep", "-o", str(tmp_path / "speedup")]) == 0
    run, speedup = _result(tmp_path / "run"), _result(tmp_path / "speedup")
    for section in ("mapping", "timing", "counts", "energy", "area"):
        assert run[section] == speedup[section], section
    assert run["gpu"]["energy_ratio"] == speedup["gpu"]["energy_ratio"]
    assert run["gpu"]["speedup"] == speedup["gpu"]["speedup"]


def test_train_and_run_train_the_same_network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    common = ["aihwkit-default", "mlp-digits", "--epochs", "1", "--limit-train", "60", "--limit-test", "30",
              "--no-progress"]
    assert main(["run", *common, "--mode", "training", "--accuracy", "--no-gpu", "-o", str(tmp_path / "run")]) == 0
    assert main(["train", *common, "-o", str(tmp_path / "train")]) == 0
    run, train = _result(tmp_path / "run"), _result(tmp_path / "train")
    assert run["mapping"] == train["mapping"]
    assert run["accuracy"] == train["accuracy"]
    # the bias sits where the mapping put it, and the record says so
    assert all(layer["analog_bias"] for layer in run["mapping"]["layers"])
    assert set(run["accuracy"]["settings"]["bias"].values()) == {"analog"}  # as built, from the Mapping
    assert main(["train", *common, "--bias", "digital", "-o", str(tmp_path / "digital")]) == 0
    digital = _result(tmp_path / "digital")
    assert not any(layer["analog_bias"] for layer in digital["mapping"]["layers"])
    assert set(digital["accuracy"]["settings"]["bias"].values()) == {"digital"}


@pytest.mark.parametrize(("argv", "message"), [
    (["--seed", "-1"], r"--seed: expected an integer in \[0, 2\^63\), got -1"),
    (["--gpu-batch", "0"], r"--gpu-batch: expected an integer >= 1, got 0"),
    (["--gpu-batch", "-5"], r"--gpu-batch: expected an integer >= 1, got -5"),
    (["--batch", "0"], r"--batch: expected an integer >= 1, got 0"),
    (["--train-batch", "0"], r"--train-batch: expected an integer >= 1, got 0"),
    (["--lr", "-0.1"], r"--lr: expected a finite number > 0, got -0.1"),
    (["--tile-budget", "0"], r"--tile-budget: expected an integer >= 1, got 0"),
])
def test_flag_errors_name_the_flag(argv: list[str], message: str, tmp_path: Path) -> None:
    from archsim.cli import build_parser
    from archsim.commands.common import options_from_args

    args = build_parser().parse_args(["run", "tiny-test", "mlp-digits", *argv])
    with pytest.raises(ConfigError, match=message):
        options_from_args(args, command="run", groups=("simulation", "mapping", "accuracy", "gpu",
                                                      "output")).check()


def test_debug_is_accepted_after_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ConfigError):
        main(["validate", "no-such-chip", "--debug"])
    assert main(["validate", "no-such-chip"]) == 1
    assert capsys.readouterr().err.count("archsim: error:") == 1


def test_help_text_has_no_rst_markup(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("run", "train", "speedup", "map", "validate", "report", "list"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        out = capsys.readouterr().out
        assert "``" not in out and ":func:" not in out and ":class:" not in out, command


def test_flags_mean_the_same_in_every_command() -> None:
    from archsim.cli import build_parser

    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command").choices
    seen: dict[str, tuple[str, object]] = {}
    for name, sub in subparsers.items():
        for action in sub._actions:
            for flag in action.option_strings:
                if flag in ("-h", "--help", "--output", "-o", "--json", "--accuracy", "--no-accuracy"):
                    continue  # -o is a folder for runs and a file for map; --accuracy's default differs by design
                key = (action.dest, action.default)
                assert seen.setdefault(flag, key) == key, f"{flag} differs in {name}: {key} vs {seen[flag]}"


def test_an_engine_error_names_the_hardware_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["run", "isaac-2016", "lenet-gokmen-2017", "--no-gpu", "--no-accuracy", "--set", "tile.buffer.spill=stall",
            "--set", "tile.buffer.capacity_bytes=64", "-o", str(tmp_path / "r")]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("archsim: error: ") and "hwconfigs/isaac-2016.yaml: engine: " in err[0]
    assert "tile.buffer.capacity_bytes" in err[0] and "no spill path" in err[0]
