"""Hardware YAML for tests: the bundled tiny-test chip with a test's changes merged in.

A hardware file states every physical quantity it relies on, so a test that varies one field starts from a complete
file. ``tiny_yaml("tile: {n_rows: 64}")`` is tiny-test's text with that mapping deep-merged over it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

TINY_PATH = Path(__file__).resolve().parents[1] / "hwconfigs" / "tiny-test.yaml"


def _merge(base: Any, top: Any) -> Any:
    if isinstance(base, dict) and isinstance(top, dict):
        out = dict(base)
        for key, value in top.items():
            out[key] = _merge(base[key], value) if key in base else value
        return out
    return top


def tiny_raw(extra: str = "", *, name: str = "t") -> dict[str, Any]:
    """tiny-test's raw mapping with ``extra`` (YAML text) deep-merged over it and ``name`` set."""
    raw = yaml.safe_load(TINY_PATH.read_text(encoding="utf-8"))
    raw = _merge(raw, yaml.safe_load(extra) or {})
    raw["name"] = name
    return raw


def tiny_yaml(extra: str = "", *, name: str = "t") -> str:
    """tiny-test's YAML text with ``extra`` deep-merged over it."""
    return yaml.safe_dump(tiny_raw(extra, name=name), sort_keys=False)


TINY_MLP_YAML = """\
version: 1
name: tiny-mlp
input_shape: [8]
n_classes: 4
layers:
  - {name: fc1, kind: linear, out_features: 8}
  - {name: act1, kind: sigmoid}
  - {name: fc2, kind: linear, out_features: 4}
"""
"""An 8-8-4 MLP that fits tiny-test: the workload of the CLI-level tests."""
