"""Everything README.md tells a user to type works: every ``archsim`` command of its shell blocks and every
Python block runs, in a fresh folder holding copies of ``hwconfigs/`` and ``workloads/`` (as a clone has)."""

from __future__ import annotations

import re
import shlex
import shutil
import sys
from pathlib import Path

import pytest

from archsim.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _shell_commands() -> list[str]:
    """The ``archsim`` command lines of the README's ``sh`` blocks, in order (comments and a leading
    ``pip install ... &&`` removed)."""
    out = []
    for block in re.findall(r"```sh\n(.*?)```", README, re.S):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if "&&" in line:
                line = line.split("&&", 1)[1].strip()
            if line.startswith("archsim "):
                out.append(line)
    return out


def _python_blocks() -> list[str]:
    """The README's Python blocks that run without PyTorch (the ONNX export line is the user's own code)."""
    return [b for b in re.findall(r"```python\n(.*?)```", README, re.S) if "torch." not in b]


COMMANDS = _shell_commands()


def test_readme_has_the_two_setup_commands() -> None:
    setup = re.search(r"## Set-up on a fresh machine.*?```sh\n(.*?)```", README, re.S)
    assert setup is not None
    lines = setup.group(1).strip().splitlines()
    assert lines[0].startswith("pip install -e '.[test]' && archsim run ")
    assert lines[1] == "pytest"
    assert len(lines) == 2


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder laid out like a clone (hwconfigs/, workloads/) with an ONNX model ``net.onnx`` in it."""
    root = tmp_path_factory.mktemp("readme")
    shutil.copytree(ROOT / "hwconfigs", root / "hwconfigs")
    shutil.copytree(ROOT / "workloads", root / "workloads", ignore=shutil.ignore_patterns("onnx"))
    sys.path.insert(0, str(ROOT / "workloads" / "onnx"))
    try:
        from models import mobilenet_v2, save
    finally:
        sys.path.pop(0)
    save(mobilenet_v2(), str(root / "net.onnx"))
    return root


def test_every_readme_command_runs(clone: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert len(COMMANDS) >= 10 and COMMANDS[0].startswith("archsim run ")  # the quickstart comes first
    monkeypatch.chdir(clone)
    for line in COMMANDS:
        argv = shlex.split(line)[1:]
        if argv[0] == "sweep" and "--dry-run" not in argv:
            argv += ["--no-progress"]
        rc = main(argv)
        err = capsys.readouterr().err
        assert rc == 0, f"README command failed: {line}\n{err[-2000:]}"
    assert (clone / "reports" / "quickstart" / "report.html").is_file()
    assert (clone / "workloads" / "net.yaml").is_file()
    assert (clone / "reports" / "isaac-adc" / "sweep.html").is_file()


def test_readme_python_blocks_run(clone: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = _python_blocks()
    assert len(blocks) == 2
    monkeypatch.chdir(clone)
    for code in blocks:
        exec(compile(code, "README.md", "exec"), {"__name__": "readme"})  # noqa: S102 - the README's own code


def test_readme_names_only_bundled_files() -> None:
    """Every bundled hardware file, workload and sweep is in the README, and every one it names exists."""
    from archsim.loader import bundled_files

    for folder in ("hwconfigs", "workloads", "sweeps"):
        for path in bundled_files(folder):
            assert f"`{path.stem}`" in README or f"`{path.stem}`," in README, f"README does not name {path.stem}"
    for name in re.findall(r"`(benchmarks/[\w.]+\.py)`", README):
        assert (ROOT / name).is_file(), name
    for script in (ROOT / "benchmarks").glob("*.py"):
        if script.name != "make_screenshot.py":
            assert f"benchmarks/{script.name}" in README, f"README's benchmark table lacks {script.name}"
