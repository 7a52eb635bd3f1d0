"""`archsim run` end to end: result.json sections, determinism, --stats, errors, api pipeline hooks."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from archsim import api
from archsim.errors import ArchsimError

ROOT = Path(__file__).resolve().parents[2]
HW = str(ROOT / "hwconfigs" / "aihwkit-default.yaml")
WL = str(ROOT / "workloads" / "mlp-digits.yaml")


def cli(argv: list[str]) -> int:
    """archsim.cli.main when every subcommand module exists, else the run subcommand alone."""
    try:
        from archsim.cli import build_parser
        build_parser()
    except ImportError:
        from archsim.commands import run_cmd
        parser = argparse.ArgumentParser()
        run_cmd.register(parser.add_subparsers())
        args = parser.parse_args(argv)
        try:
            return args.func(args)
        except ArchsimError:
            return 1
    from archsim.cli import main
    return main(argv)


def _read(folder: Path) -> dict:
    return json.loads((folder / "result.json").read_text())


def test_default_run_writes_every_section(tmp_path, capsys):
    out = tmp_path / "run"
    assert cli(["run", HW, WL, "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "runtime" in printed and "energy" in printed and str(out / "result.json") in printed
    data = _read(out)
    for section in ("meta", "hardware", "workload", "mapping", "timing", "counts", "energy", "area"):
        assert section in data
    meta = data["meta"]
    assert meta["seed"] == 0 and len(meta["inputs"]["hwconfig"]["sha256"]) == 64
    assert {"archsim", "python", "numpy", "simpy"} <= set(meta["versions"])
    assert data["timing"]["makespan_ns"] > 0 and data["timing"]["timeline"]
    assert data["energy"]["total_pj"] > 0 and data["area"]["chip_area_mm2"] > 0
    assert (out / "hwconfig.resolved.yaml").is_file() and (out / "workload.yaml").is_file()


def test_same_seed_same_result(tmp_path):
    for name in ("a", "b"):
        assert cli(["run", HW, WL, "--mode", "training", "--batch", "3", "--no-accuracy",
                    "-o", str(tmp_path / name)]) == 0
    a, b = _read(tmp_path / "a"), _read(tmp_path / "b")
    for d in (a, b):
        for key in ("wall_time_s", "step_seconds", "command"):
            d["meta"].pop(key)
    assert a == b


def test_stats_file_sets_bl(tmp_path):
    stats = tmp_path / "train.json"
    stats.write_text(json.dumps({"meta": {}, "accuracy": {"layer_stats": {}}}))
    mapping_layers = None
    assert cli(["run", HW, WL, "--mode", "training", "--no-accuracy", "-o", str(tmp_path / "base")]) == 0
    mapping_layers = [row["layer"] for row in _read(tmp_path / "base")["mapping"]["layers"]]
    stats.write_text(json.dumps({"meta": {}, "accuracy": {"layer_stats": {
        name: {"mean_bl": 1.0} for name in mapping_layers}}}))
    assert cli(["run", HW, WL, "--mode", "training", "--stats", str(stats), "-o", str(tmp_path / "st")]) == 0
    base, st = _read(tmp_path / "base"), _read(tmp_path / "st")
    assert st["meta"]["stats_source"] == str(stats)
    assert st["timing"]["layers"][0]["update_ns_per_sample"] < base["timing"]["layers"][0]["update_ns_per_sample"]


def test_bad_inputs_are_user_errors(tmp_path):
    assert cli(["run", HW, WL, "--batch", "0", "-o", str(tmp_path / "x")]) == 1
    assert cli(["run", HW, str(tmp_path / "missing.yaml"), "-o", str(tmp_path / "y")]) == 1


def test_pipeline_accepts_extra_steps(tmp_path):
    seen = []

    def step_extra(state):
        seen.append(state.energy.total_pj)
        state.extra["extra"] = {"ok": True}

    steps = api.insert_step(api.default_steps(), "extra", step_extra, after="cost")
    state = api.run(api.RunOptions(hw_path=HW, workload_path=WL, accuracy="off", out_dir=tmp_path / "g"), steps=steps)
    assert seen and _read(tmp_path / "g")["extra"] == {"ok": True}
    names = list(state.step_seconds)
    assert names.index("extra") == names.index("cost") + 1 < names.index("assemble")
    with pytest.raises(ValueError):
        api.insert_step(steps, "x", step_extra, after="nope")
