"""Build hook: the wheel ships the project's bundled hardware, workload and GPU files inside the package.

The bundled YAML files live in the top-level ``hwconfigs/``, ``workloads/`` and ``sweeps/`` folders (the project layout names
them). A non-editable build copies both into ``archsim/_bundled/`` of the build tree, where
:func:`archsim.loader.bundled.data_root` finds them in an installed package; an editable install reads them from
the project folder itself. Everything else about the package is configured in ``pyproject.toml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
BUNDLED = ("hwconfigs", "workloads", "sweeps")


class BuildPyWithBundledFiles(build_py):
    """``build_py`` that also copies ``hwconfigs/``, ``workloads/`` and ``sweeps/`` ``**/*.yaml`` into the package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the project's own folders
        for folder in BUNDLED:
            for source in sorted((ROOT / folder).rglob("*.yaml")):
                target = Path(self.build_lib) / "archsim" / "_bundled" / source.relative_to(ROOT)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)


setup(cmdclass={"build_py": BuildPyWithBundledFiles})
