"""``archsim run`` killed with SIGKILL at spread-out moments leaves the old or the new run folder, whole (slow: real
processes; test_run_folder.py kills at every file-system call of the writer itself)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hwtext import TINY_MLP_YAML

from archsim.results import run_folder
from archsim.results.run_folder import MANIFEST, RunFolder, clean_leftovers

ROOT = Path(__file__).resolve().parents[2]
WORKLOAD = TINY_MLP_YAML


def _run(out: Path, workload: Path, seed: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "archsim", "run", str(ROOT / "hwconfigs" / "tiny-test.yaml"),
                             str(workload), "--no-accuracy", "--no-gpu", "--batch", "64", "--seed", str(seed),
                             "-o", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _seed_of(folder: Path) -> int:
    return int(json.loads((folder / "result.json").read_text(encoding="utf-8"))["meta"]["seed"])


@pytest.mark.slow
def test_killed_runs_leave_a_whole_run(tmp_path: Path) -> None:
    workload = tmp_path / "w.yaml"
    workload.write_text(WORKLOAD, encoding="utf-8")
    out = tmp_path / "run"
    assert _run(out, workload, 1).wait() == 0
    t0 = time.perf_counter()
    assert _run(tmp_path / "timing", workload, 2).wait() == 0
    full = time.perf_counter() - t0
    seen = set()
    for i in range(24):
        proc = _run(out, workload, 2)
        time.sleep(full * (0.3 + 0.7 * i / 23))  # from start-up to past the end of the run
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert RunFolder.prepare(out)  # the next run's check repairs what a kill left beside the folder
        clean_leftovers(out)
        names = {p.name for p in out.iterdir()}
        assert names == {"result.json", "report.html", "hwconfig.resolved.yaml", "workload.yaml", MANIFEST}
        assert run_folder._is_whole_run(out)  # every file is the one the manifest lists (one run, not a mix)
        seen.add(_seed_of(out))
        assert sorted(p.name for p in tmp_path.iterdir()) == ["run", "timing", "w.yaml"]
        if _seed_of(out) == 2:  # the new run landed: put the old one back for the next kill
            assert _run(out, workload, 1).wait() == 0
    assert seen == {1, 2}
