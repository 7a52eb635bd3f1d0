"""The run path pauses Python's cycle collector for every step but the accuracy step, and restores it."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from archsim.errors import ConfigError
from archsim.pipeline.options import RunOptions
from archsim.pipeline.run import COLLECTED_STEPS, run
from archsim.pipeline.state import RunState
from archsim.pipeline.steps import step_accuracy, step_load
from archsim.sweep import expand, load_sweep, run_point

ROOT = Path(__file__).resolve().parents[2]
run_module = sys.modules[run.__module__]  # the package exports the function under the module's name


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def _probe(seen: list[bool]):
    def step(state: RunState) -> None:
        seen.append(gc.isenabled())
    return step


def test_steps_run_with_the_collector_paused_and_it_is_restored(collector_on: None) -> None:
    seen: list[bool] = []
    run(RunOptions(hw_path="isaac-2016"), steps=[("load", step_load), ("probe", _probe(seen))])
    assert seen == [False]
    assert gc.isenabled()


def test_the_accuracy_step_keeps_the_collector(collector_on: None, monkeypatch: pytest.MonkeyPatch) -> None:
    assert step_accuracy in COLLECTED_STEPS
    seen: list[bool] = []
    probe = _probe(seen)
    monkeypatch.setattr(run_module, "COLLECTED_STEPS", frozenset({probe}))
    other = _probe(seen)
    run(RunOptions(hw_path="isaac-2016"), steps=[("a", other), ("collected", probe), ("b", other)])
    assert seen == [False, True, False]
    assert gc.isenabled()


def test_a_paused_collector_stays_paused_even_in_a_collected_step(collector_on: None,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    probe = _probe(seen)
    monkeypatch.setattr(run_module, "COLLECTED_STEPS", frozenset({probe}))
    gc.disable()
    run(RunOptions(hw_path="isaac-2016"), steps=[("collected", probe)])
    assert seen == [False]
    assert not gc.isenabled()


def test_a_failing_run_restores_the_collector(collector_on: None, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nname: [\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        run(RunOptions(hw_path=bad), steps=[("load", step_load)])
    assert gc.isenabled()


def test_a_sweep_point_restores_the_collector(collector_on: None, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    sweep = tmp_path / "s.yaml"
    sweep.write_text("version: 1\nname: gc\nhardware: [isaac-2016]\nworkloads: [mlp-digits]\n"
                     "options: {mode: inference, batch: 1, accuracy: off}\n"
                     "axes:\n  - path: tile.adc.columns_per_adc\n    values: [16]\nobjectives: [latency]\n", encoding="utf-8")
    (point,) = expand(load_sweep(sweep))
    record = run_point(point, tmp_path / "out")
    assert record.status == "ok"
    assert gc.isenabled()
