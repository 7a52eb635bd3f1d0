"""`archsim run` with its accuracy step: the section in result.json, statistics fed to the engine,
inference deployment, the skip policy, --no-accuracy, and the library functions behind them.

Every run is tiny (a few dozen samples, 1-2 epochs) so the file stays at a few seconds.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from archsim import api
from archsim.cli import main
from archsim.hwconfig import load_hardware
from archsim.hwconfig.rpu import RPUConfig
from archsim.nn.deploy import copy_weights, evaluate_inference_workload
from archsim.nn.network import analog_tile_factory, build_network, fp_tile_factory
from archsim.nn.train import train_workload
from archsim.pipeline.policy import dataset_sizes, estimate_accuracy_seconds
from archsim.report.data import build_report_data
from archsim.workload import load_workload

ROOT = Path(__file__).resolve().parents[2]
HW = str(ROOT / "hwconfigs" / "aihwkit-default.yaml")
WL = str(ROOT / "workloads" / "mlp-digits.yaml")
TINY = ["--epochs", "1", "--limit-train", "60", "--limit-test", "30", "--no-gpu", "--no-progress"]


def _run(tmp_path: Path, name: str, *extra: str, wl: str = WL) -> dict:
    assert main(["run", HW, wl, *extra, "-o", str(tmp_path / name)]) == 0
    return json.loads((tmp_path / name / "result.json").read_text())


def test_training_accuracy_lands_in_result_and_feeds_the_engine(tmp_path, capsys):
    acc_run = _run(tmp_path, "acc", "--mode", "training", *TINY)
    out = capsys.readouterr().out
    assert "accuracy  analog" in out and "vs FP" in out and "trained on the analog tiles" in out
    acc = acc_run["accuracy"]
    assert acc["settings"]["kind"] == "training"
    assert acc["n_train"] == 60 and acc["n_test"] == 30 and acc["epochs"] == 1 and acc["dataset"] == "digits"
    assert len(acc["analog"]["test_accuracy"]) == 1 and len(acc["fp"]["test_accuracy"]) == 1
    layers = [row["layer"] for row in acc_run["mapping"]["layers"]]
    assert sorted(acc["layer_stats"]) == sorted(layers)
    assert acc_run["meta"]["stats_source"] == "accuracy"
    # update management shortens the pulse trains below desired_bl = 31: the engine times that
    desired_bl = acc_run["hardware"]["resolved"]["crossbar"]["rpu"]["update"]["desired_bl"]
    assert all(acc["layer_stats"][name]["mean_bl"] < desired_bl for name in layers)
    base = _run(tmp_path, "base", "--mode", "training", "--no-accuracy", "--no-gpu")
    assert base.get("accuracy") is None and base["meta"]["stats_source"] == "defaults"
    update = {run: [row["update_ns_per_sample"] for row in r["timing"]["layers"]]
              for run, r in (("acc", acc_run), ("base", base))}
    assert all(a < b for a, b in zip(update["acc"], update["base"]))
    html = (tmp_path / "acc" / "report.html").read_text()
    assert '<section id="accuracy" class="present"' in html


def test_accuracy_run_is_deterministic(tmp_path):
    a = _run(tmp_path, "a", "--mode", "training", *TINY)
    b = _run(tmp_path, "b", "--mode", "training", *TINY)
    assert a["accuracy"] == b["accuracy"] and a["timing"]["layers"] == b["timing"]["layers"]


def test_inference_mode_deploys_fp_training_on_the_analog_tiles(tmp_path, capsys):
    data = _run(tmp_path, "inf", "--epochs", "2", "--limit-train", "80", "--limit-test", "40", "--lr", "0.05",
                "--train-batch", "4", "--no-gpu", "--no-progress")
    acc = data["accuracy"]
    assert acc["settings"]["kind"] == "inference" and acc["batch_size"] == 4 and acc["lr"] == 0.05
    assert len(acc["analog"]["test_accuracy"]) == 2 and len(acc["fp"]["test_accuracy"]) == 2
    assert data["meta"]["stats_source"] == "accuracy"
    for stats in acc["layer_stats"].values():
        assert stats["mean_bm_passes_forward"] >= 1 and stats["mean_bl"] is None  # no update in inference
    assert "programmed onto the tiles" in capsys.readouterr().out
    report = build_report_data(data)
    section = next(s for s in report.sections if s.id == "accuracy")
    assert section.present and any("inference" in line for line in section.lines) and len(section.charts) == 2


def test_big_workloads_skip_accuracy_with_one_line_and_a_record(tmp_path, capsys):
    data = _run(tmp_path, "big", "--no-gpu", "--no-progress", wl=str(ROOT / "workloads" / "rapa-cnn3.yaml"))
    err = capsys.readouterr()
    lines = [line for line in err.err.splitlines() if "accuracy" in line]
    assert len(lines) == 1 and "skipped" in lines[0] and "--accuracy" in lines[0] and "budget" in lines[0]
    assert set(data["accuracy"]) == {"skipped"} and "rapa-cnn3" in data["accuracy"]["skipped"]
    assert data["meta"]["stats_source"] == "defaults"
    assert "accuracy  skipped" in err.out
    report = build_report_data(data)
    section = next(s for s in report.sections if s.id == "accuracy")
    assert not section.present and section.note.startswith("not run: skipped")
    card = next(c for c in report.cards if c.label == "Accuracy")
    assert card.value == "not run" and "budget" in card.detail
    assert "not run: skipped" in (tmp_path / "big" / "report.html").read_text()


def test_auto_force_and_off_through_the_api(tmp_path):
    notes: list[str] = []
    base = {"hw_path": HW, "workload_path": WL, "accuracy_budget_s": 0.0, "notify": notes.append,
            "training": api.TrainingOptions(limit_train=20, limit_test=10, epochs=1)}
    steps = [s for s in api.default_steps() if s[0] not in ("gpu", "report")]
    auto = api.run(api.RunOptions(**base, accuracy="auto", out_dir=tmp_path / "auto"), steps=steps)
    assert "skipped" in auto.accuracy and len(notes) == 1 and auto.stats_source == "defaults"
    forced = api.run(api.RunOptions(**base, accuracy="on", out_dir=tmp_path / "on"), steps=steps)
    assert forced.accuracy["n_train"] == 20 and forced.stats_source == "accuracy" and len(notes) == 1
    off = api.run(api.RunOptions(**base, accuracy="off", out_dir=tmp_path / "off"), steps=steps)
    assert off.accuracy is None and "accuracy" in off.step_seconds
    with pytest.warns(UserWarning, match="skipped"):
        api.run(api.RunOptions(**{**base, "notify": None}, accuracy="auto", out_dir=tmp_path / "w"), steps=steps)


def test_no_accuracy_and_option_errors(tmp_path, capsys):
    data = _run(tmp_path, "off", "--no-accuracy", "--no-gpu")
    assert data.get("accuracy") is None
    assert "accuracy  not run (--no-accuracy)" in capsys.readouterr().out
    stats = tmp_path / "off" / "result.json"
    assert main(["run", HW, WL, "--accuracy", "--stats", str(stats), "-o", str(tmp_path / "x")]) == 1
    assert "--stats and --accuracy" in capsys.readouterr().err
    assert main(["run", HW, WL, "--epochs", "0", "-o", str(tmp_path / "y")]) == 1
    assert main(["run", HW, WL, "--accuracy", "--no-accuracy"]) == 1  # a usage error: one line, status 1
    assert "not allowed with argument" in capsys.readouterr().err


# -- library --------------------------------------------------------------------------------------
def test_perfect_tiles_deploy_without_loss_and_fp_curves_match_train_workload():
    hw = load_hardware(HW)
    wl = load_workload(WL)
    perfect = RPUConfig.from_dict({"device": {"kind": "ideal"}, "forward": {"is_perfect": True}})
    kw = {"epochs": 2, "limit_train": 50, "limit_test": 40, "lr": 0.05, "seed": 3}
    res = evaluate_inference_workload(hw, wl, rpu_config=perfect, **kw)
    assert res.analog is not None and res.fp is not None
    np.testing.assert_allclose(res.analog.test_accuracy, res.fp.test_accuracy)
    np.testing.assert_allclose(res.analog.test_loss, res.fp.test_loss, rtol=1e-4)
    fp_only = train_workload(hw, wl, fp_only=True, **kw)
    assert fp_only.fp == res.fp
    noisy = evaluate_inference_workload(hw, wl, **kw)
    assert noisy.fp == res.fp and noisy.analog != res.analog


def test_copy_weights_programs_every_unit():
    wl = load_workload(WL)
    fp = build_network(wl, make_tile=fp_tile_factory, seed=1)
    ideal = RPUConfig.from_dict({"device": {"kind": "ideal"}})  # no per-device bounds to clip at
    analog = build_network(wl, make_tile=analog_tile_factory(ideal), seed=2)
    for module in fp.analog_layers():
        for unit in module.units:
            w, b = unit.get_weights()
            unit.set_weights(w * 0 + 0.125, None if b is None else b * 0 - 0.25)
    copy_weights(fp, analog)
    for module in analog.analog_layers():
        for unit in module.units:
            w, b = unit.get_weights()
            np.testing.assert_allclose(w, 0.125, atol=1e-6)
            if b is not None:
                np.testing.assert_allclose(b, -0.25, atol=1e-6)


def test_cost_model_decides_the_bundled_defaults():
    def estimate(name: str, mode: str) -> float:
        wl = load_workload(ROOT / "workloads" / f"{name}.yaml")
        n_train, n_test, _ = dataset_sizes(wl)
        return estimate_accuracy_seconds(wl, mode=mode, epochs=wl.default_epochs, n_train=n_train, n_test=n_test)

    for mode in ("inference", "training"):
        assert estimate("mlp-digits", mode) < 30 < api.ACCURACY_BUDGET_S
        for big in ("alexnet", "resnet18", "resnet50", "vgg8-cifar", "rapa-cnn3"):
            assert estimate(big, mode) > api.ACCURACY_BUDGET_S
    wl = load_workload(WL)
    one = estimate_accuracy_seconds(wl, mode="training", epochs=1, n_train=100, n_test=10)
    assert estimate_accuracy_seconds(wl, mode="training", epochs=2, n_train=100, n_test=10) == pytest.approx(2 * one)
    assert estimate_accuracy_seconds(wl, mode="inference", epochs=1, n_train=100, n_test=10) < one
    assert dataset_sizes(load_workload(ROOT / "workloads" / "resnet50.yaml"), limit_train=7)[:2] == (7, 240)
