"""The regression corpus (corpus.py): each case found by the campaign of issue 14 gives exactly its one line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cli_harness import assert_one_line_error, run_cli
from corpus import CORPUS, ROOT, TRAVERSAL, Regression

from archsim.layers.base import LayerSpec
from archsim.loader import bundled_files
from archsim.pipeline import steps


@pytest.mark.parametrize("case", CORPUS, ids=[c.name for c in CORPUS])
def test_regression(case: Regression, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, text in case.files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if case.accuracy_must_not_run:
        def no_training(*args: object, **kwargs: object) -> None:
            raise AssertionError("the accuracy step started before the bad input was refused")

        monkeypatch.setattr(steps, "train_workload", no_training)
        monkeypatch.setattr(steps, "evaluate_inference_workload", no_training)
    monkeypatch.chdir(tmp_path)  # outside the project folder, as an installed archsim is used
    argv = [a.replace("{d}", str(tmp_path)).replace("{root}", str(ROOT)) for a in case.argv]
    outcome = run_cli(argv)
    line = assert_one_line_error(outcome, "")
    fill = {"{d}": str(tmp_path), "{root}": str(ROOT), "{hwconfigs}": ", ".join(p.stem for p in bundled_files("hwconfigs")),
            "{kinds}": ", ".join(LayerSpec.KINDS.names())}
    expected = case.message
    for placeholder, value in fill.items():
        expected = expected.replace(placeholder, value)
    assert line == "archsim: error: " + expected


@pytest.mark.parametrize("name", sorted(TRAVERSAL))
def test_default_run_folders_stay_inside_reports(name: str, tmp_path: Path) -> None:
    change, expected = TRAVERSAL[name]
    workload = "version: 1\nname: tiny-mlp\ninput_shape: [8]\nn_classes: 4\nlayers:\n" \
               "  - {name: fc1, kind: linear, out_features: 4}\n"
    argv = ["run", "tiny-test", "w.yaml", "--no-accuracy", "--no-gpu"]
    if change.startswith("--set"):
        argv += change.split(" ", 1)
    else:
        workload = workload.replace("name: tiny-mlp", change)
    (tmp_path / "w.yaml").write_text(workload, encoding="utf-8")
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        outcome = run_cli(argv)
    finally:
        os.chdir(here)
    assert outcome.status == 0, outcome.describe()
    assert (tmp_path / expected / "result.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports", "w.yaml"]
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == [Path(expected).name]
