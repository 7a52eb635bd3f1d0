"""Gold runs: three whole ``archsim run`` jobs whose ``result.json`` (outside ``meta``) is pinned.

The gold files in ``tests/gold/`` are the outputs of these commands; a change of the model that moves any
number shows here as a diff of the first differing paths. When a change is *meant* to move numbers (a fixed
cost figure, a new engine effect), regenerate them with ``ARCHSIM_UPDATE_GOLD=1 pytest tests/integration``
and say in the commit why they moved. A failing comparison writes the actual file to ``tests/actual/``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from archsim.cli import main

ROOT = Path(__file__).resolve().parents[2]
GOLD = ROOT / "tests" / "gold"
ACTUAL = ROOT / "tests" / "actual"

RUNS = {
    "quickstart": ["hwconfigs/aihwkit-default.yaml", "workloads/mlp-digits.yaml", "--mode", "training"],
    "isaac-resnet18": ["isaac-2016", "resnet18", "--mode", "inference", "--batch", "16"],
    "rpu-rapa": ["rpu-gokmen-vlasov-2016", "rapa-cnn3", "--mode", "training", "--replicas", "auto"],
}


def _differences(a: Any, b: Any, path: str = "", out: list[str] | None = None, limit: int = 12) -> list[str]:
    out = [] if out is None else out
    if len(out) >= limit:
        return out
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                out.append(f"{path}.{key}: only in {'gold' if key in a else 'actual'}")
            else:
                _differences(a[key], b[key], f"{path}.{key}", out, limit)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{path}: length {len(a)} (gold) vs {len(b)} (actual)")
        for i, (x, y) in enumerate(zip(a, b)):
            _differences(x, y, f"{path}[{i}]", out, limit)
    elif a != b:
        out.append(f"{path}: {a!r} (gold) vs {b!r} (actual)")
    return out


@pytest.mark.parametrize("name", sorted(RUNS))
def test_result_json_matches_gold(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / name
    assert main(["run", *RUNS[name], "-o", str(out)]) == 0
    actual = json.loads((out / "result.json").read_text(encoding="utf-8"))
    actual.pop("meta")
    gold_path = GOLD / f"{name}.result.json"
    if os.environ.get("ARCHSIM_UPDATE_GOLD") == "1":
        gold_path.write_text(json.dumps(actual, indent=1, sort_keys=True), encoding="utf-8")
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    diffs = _differences(gold, actual)
    if diffs:
        ACTUAL.mkdir(exist_ok=True)
        (ACTUAL / gold_path.name).write_text(json.dumps(actual, indent=1, sort_keys=True), encoding="utf-8")
    assert not diffs, f"{name}: result.json differs from {gold_path.relative_to(ROOT)}:\n" + "\n".join(diffs)
