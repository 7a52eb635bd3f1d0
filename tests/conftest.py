"""Project-wide fixtures: a tiny chip, a tiny workload and a seeded random generator.

``tiny_hw`` is the bundled ``hwconfigs/tiny-test.yaml`` (4 tiles in a 2x2 mesh, one 8x8 crossbar per tile,
4-bit DACs and ADCs, round latencies and energies); ``tiny_workload`` a 2-layer MLP 8 -> 8 -> 4 that maps
onto it; ``rng`` a ``numpy.random.default_rng(0)``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from archsim.hwconfig.load import load_hardware
from archsim.hwconfig.schema import HardwareConfig
from archsim.workload.load import load_workload_text
from archsim.workload.model import Workload

ROOT = Path(__file__).resolve().parents[1]
TINY_HW_PATH = ROOT / "hwconfigs" / "tiny-test.yaml"

TINY_WORKLOAD_YAML = """\
version: 1
name: tiny-mlp
description: two-layer MLP for tests (8 -> 8 -> 4)
input_shape: [8]
dataset: synthetic
task: classification
n_classes: 4
default_epochs: 1
layers:
  - {name: fc1, kind: linear, out_features: 8}
  - {name: act1, kind: sigmoid}
  - {name: fc2, kind: linear, out_features: 4}
"""


@pytest.fixture(scope="session")
def tiny_hw() -> HardwareConfig:
    """The bundled 4-tile test chip (hwconfigs/tiny-test.yaml)."""
    return load_hardware(TINY_HW_PATH)


@pytest.fixture(scope="session")
def tiny_hw_path() -> Path:
    """Path of the bundled 4-tile test chip."""
    return TINY_HW_PATH


@pytest.fixture(scope="session")
def tiny_workload() -> Workload:
    """A 2-layer MLP 8 -> 8 (sigmoid) -> 4."""
    return load_workload_text(TINY_WORKLOAD_YAML, name="tiny-mlp.yaml")


@pytest.fixture
def tiny_workload_path(tmp_path: Path) -> Path:
    """The tiny MLP written to a temporary file."""
    path = tmp_path / "tiny-mlp.yaml"
    path.write_text(TINY_WORKLOAD_YAML, encoding="utf-8")
    return path


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh ``numpy.random.default_rng(0)``."""
    return np.random.default_rng(0)
