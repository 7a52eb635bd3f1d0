"""Sweep files for the sweep tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

TWELVE = """\
version: 1
name: twelve
description: 3 ADC sharings x 2 batches x 2 replica settings on ISAAC, the RAPA CNN
hardware: [isaac-2016]
workloads: [rapa-cnn3]
options: {mode: inference, accuracy: off}
axes:
  - path: tile.adc.columns_per_adc
    values: [32, 64, 128]
  - option: batch
    values: [1, 2]
  - option: replicas
    values: [none, auto]
objectives: [latency, energy_per_sample, area]
"""
"""A 12-point sweep of cheap points (about 0.3 s each on a loaded 2-core machine)."""


def write_sweep(folder: Path, text: str, name: str = "sweep.yaml") -> Path:
    """Write a sweep file (dedented) and return its path."""
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path
