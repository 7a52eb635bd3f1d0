"""The wheel ships the bundled hardware, workload and GPU files inside the package (slow: builds a wheel with pip,
which fetches setuptools into an isolated build environment). .ci/run also installs it and runs it elsewhere."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_wheel_ships_every_bundled_file(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), str(ROOT)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    (wheel,) = tmp_path.glob("archsim-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    bundled = sorted(p.relative_to(ROOT).as_posix() for folder in ("hwconfigs", "workloads")
                     for p in (ROOT / folder).rglob("*.yaml"))
    assert bundled and {f"archsim/_bundled/{b}" for b in bundled} <= names
    assert "archsim/_bundled/hwconfigs/gpus/a100.yaml" in names
    assert not any(n.startswith(("hwconfigs/", "workloads/", "tests/")) for n in names)  # nothing outside archsim/
    assert "archsim/report/templates/report.html" in names or any(n.startswith("archsim/report/templates/")
                                                                    for n in names)
