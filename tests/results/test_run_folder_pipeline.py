"""The run pipeline writes its folder through RunFolder: checked before any work, replaced whole, never half."""

from __future__ import annotations

from pathlib import Path

import pytest

from archsim.errors import OutputError
from archsim.pipeline import RUN_STEPS, insert_step, run
from archsim.pipeline.options import RunOptions
from archsim.results.run_folder import MANIFEST, RUN_FILES

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def workload(tiny_workload_path: Path) -> Path:
    """The tiny MLP (tests/conftest.py), in a folder of its own."""
    return tiny_workload_path.resolve()


def _options(workload: Path, out: Path | None, **kw: object) -> RunOptions:
    return RunOptions(hw_path=ROOT / "hwconfigs" / "tiny-test.yaml", workload_path=workload, out_dir=out,
                      accuracy="off", gpu=None, command="run", **kw)  # type: ignore[arg-type]


def _entries(folder: Path, workload: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p != workload)


def test_a_run_folder_holds_one_whole_run(tmp_path: Path, workload: Path) -> None:
    state = run(_options(workload, tmp_path / "run"))
    names = {p.name for p in (tmp_path / "run").iterdir()}
    assert names == {"result.json", "report.html", "hwconfig.resolved.yaml", "workload.yaml", MANIFEST}
    assert names <= RUN_FILES and state.written["result"] == tmp_path / "run" / "result.json"
    assert _entries(tmp_path, workload) == ["run"]


def test_the_output_is_checked_before_the_work(tmp_path: Path, workload: Path) -> None:
    (tmp_path / "file").write_text("x")
    calls: list[str] = []
    steps = insert_step(RUN_STEPS, "probe", lambda state: calls.append("ran"), after="output")
    with pytest.raises(OutputError, match=r"file: cannot write the run folder: it exists and is not a folder"):
        run(_options(workload, tmp_path / "file"), steps=steps)
    assert calls == []


def test_a_failing_step_keeps_the_previous_run(tmp_path: Path, workload: Path) -> None:
    run(_options(workload, tmp_path / "run"))
    before = {p.name: p.read_bytes() for p in (tmp_path / "run").iterdir()}

    def fail(state: object) -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        run(_options(workload, tmp_path / "run", seed=1), steps=insert_step(RUN_STEPS, "fail", fail, after="report"))
    assert {p.name: p.read_bytes() for p in (tmp_path / "run").iterdir()} == before
    assert _entries(tmp_path, workload) == ["run"]


def test_default_folder_names_stay_inside_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  workload: Path) -> None:
    monkeypatch.chdir(tmp_path)
    options = _options(workload, None)
    state = run(RunOptions(**{**options.__dict__, "overrides": ("name=../../../../escape",)}))
    assert state.out_dir == Path("reports/escape-tiny-mlp-inference")
    state = run(RunOptions(**{**options.__dict__, "overrides": (f"name={tmp_path}/abs",)}))
    assert state.out_dir is not None and state.out_dir.parent == Path("reports")
    assert _entries(tmp_path, workload) == ["reports"]
