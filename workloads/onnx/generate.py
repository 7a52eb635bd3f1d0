"""Build the bundled ONNX graphs (``models.py``) and import each into ``workloads/<name>.yaml``.

Run from the repository root: ``python workloads/onnx/generate.py``. The graphs are written to a temporary folder
(their weights are references to a file that does not exist: only shapes are needed) and imported with
``archsim import``, so the YAML files are exactly what a user gets from the same graphs.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from models import DESCRIPTIONS, MODELS, TASKS, save  # noqa: E402

from archsim.cli import main  # noqa: E402


def generate(out_dir: Path) -> int:
    """Import every graph of :data:`models.MODELS` into ``out_dir``; returns the number of failures."""
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, build in MODELS.items():
            path = Path(tmp) / f"{name}.onnx"
            save(build(), str(path))
            task = ["--task", TASKS[name]] if name in TASKS else []
            failures += main(["import", str(path), "-o", str(out_dir / f"{name}.yaml"),
                              "--description", DESCRIPTIONS[name], *task]) != 0
    return failures


if __name__ == "__main__":
    sys.exit(generate(HERE.parent))
