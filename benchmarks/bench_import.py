"""ONNX import time of the bundled graphs (workloads/onnx/models.py), against YAML loading of the result.

Prints, per network, the seconds to import its ONNX graph (read, shape inference, conversion, checks) and to load
the imported YAML, and their ratio; ``--json`` adds a flat JSON object on the last line. The issue's target: the
ViT-B/16 import under 5 s.

Run: ``python benchmarks/bench_import.py [--json] [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import tempfile
import time
from pathlib import Path

from archsim.workload import load_onnx_workload, load_workload

ROOT = Path(__file__).resolve().parents[1]


def _models():
    spec = importlib.util.spec_from_file_location("onnx_models", ROOT / "workloads" / "onnx" / "models.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _best(f, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--json", action="store_true", help="print a flat JSON object on the last line")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    models = _models()
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, build in models.MODELS.items():
            path = Path(tmp) / f"{name}.onnx"
            models.save(build(), str(path))
            t_onnx = _best(lambda path=path: load_onnx_workload(path), args.repeats)
            yaml_path = ROOT / "workloads" / f"{name}.yaml"
            t_yaml = _best(lambda yaml_path=yaml_path: load_workload(yaml_path), args.repeats)
            out[f"{name}_import_s"] = t_onnx
            out[f"{name}_yaml_s"] = t_yaml
            print(f"{name:<12} import {t_onnx:7.3f} s   yaml {t_yaml:7.3f} s   ratio {t_onnx / t_yaml:5.2f}")
    if args.json:
        print(json.dumps(out, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
