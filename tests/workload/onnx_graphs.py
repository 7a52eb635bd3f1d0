"""Loading the ONNX graph builders of workloads/onnx/models.py (a script folder, not a package) for the tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def models() -> ModuleType:
    """The ``workloads/onnx/models.py`` module."""
    spec = importlib.util.spec_from_file_location("archsim_onnx_models", ROOT / "workloads" / "onnx" / "models.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
