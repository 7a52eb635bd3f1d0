"""Benchmark of the event engine: wall time, SimPy events and peak memory.

Cases (targets from issue 5):

- ``resnet50-isaac``: ResNet-50 inference, batch 16, on ``isaac-2016`` — target <= 20 s wall, <= 2 GiB;
- ``resnet18-isaac``: ResNet-18, same settings, for scaling (wall time must grow no faster than linearly
  in the number of blocks: ``scaling`` = (wall50 / wall18) / (blocks50 / blocks18) <= ~1);
- ``rapa-train-rpu``: one training mini-batch (10 samples, n_t = (16, 4, 1)) of ``rapa-cnn3`` on
  ``rpu-gokmen-vlasov-2016``.

Wall time is the best of ``--repeat`` runs of map + simulate (the machine is shared); peak memory is
measured in a separate run under :mod:`tracemalloc` (Python allocations) and reported with the process's
maximum resident set size. Usage::

    python benchmarks/bench_engine.py [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from archsim.engine import simulate  # noqa: E402
from archsim.hwconfig import load_hardware  # noqa: E402
from archsim.mapping import map_workload  # noqa: E402
from archsim.results.io import flat_json_line  # noqa: E402
from archsim.workload import load_workload  # noqa: E402

CASES: dict[str, dict[str, Any]] = {
    "resnet50-isaac": {"hw": "isaac-2016", "workload": "resnet50", "mode": "inference", "batch": 16,
                       "replicas": None},
    "resnet18-isaac": {"hw": "isaac-2016", "workload": "resnet18", "mode": "inference", "batch": 16,
                       "replicas": None},
    "rapa-train-rpu": {"hw": "rpu-gokmen-vlasov-2016", "workload": "rapa-cnn3", "mode": "training", "batch": 10,
                       "replicas": {"conv1": 16, "conv2": 4, "conv3": 1}},
}


def run_case(case: dict[str, Any]) -> dict[str, Any]:
    """Load, map and simulate one case; return timings and sizes."""
    hw = load_hardware(ROOT / "hwconfigs" / f"{case['hw']}.yaml")
    wl = load_workload(ROOT / "workloads" / f"{case['workload']}.yaml")
    t0 = time.perf_counter()
    mapping = map_workload(hw, wl, replicas=case["replicas"])
    t1 = time.perf_counter()
    timing, counts = simulate(mapping, hw, mode=case["mode"], batch=case["batch"], pipeline=True, workload=wl)
    t2 = time.perf_counter()
    return {
        "map_s": t1 - t0, "simulate_s": t2 - t1, "wall_s": t2 - t0, "events": timing.n_events,
        "blocks": sum(len(lm.blocks) for lm in mapping.layers), "layers": len(mapping.layers),
        "tiles_used": mapping.n_tiles_used, "makespan_ns": timing.makespan_ns,
        "interval_ns_per_sample": timing.interval_ns_per_sample,
    }


def bench(name: str, repeat: int) -> dict[str, Any]:
    """Best-of-``repeat`` wall time plus one tracemalloc run for peak memory."""
    case = CASES[name]
    runs = [run_case(case) for _ in range(repeat)]
    best = min(runs, key=lambda r: r["wall_s"])
    tracemalloc.start()
    run_case(case)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"case": name, **{k: case[k] for k in ("hw", "workload", "mode", "batch")}, **best,
            "peak_traced_mib": peak / 2**20,
            "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="runs per case; the best wall time is kept")
    parser.add_argument("--json", action="store_true", help="also print a flat JSON object as the last line")
    parser.add_argument("--cases", nargs="*", default=list(CASES), choices=list(CASES))
    args = parser.parse_args(argv)
    rows = [bench(name, args.repeat) for name in args.cases]
    by = {r["case"]: r for r in rows}
    summary: dict[str, Any] = {"rows": rows}
    if "resnet50-isaac" in by and "resnet18-isaac" in by:
        r50, r18 = by["resnet50-isaac"], by["resnet18-isaac"]
        summary["scaling"] = {
            "blocks_ratio": r50["blocks"] / r18["blocks"],
            "wall_ratio": r50["simulate_s"] / r18["simulate_s"],
            "events_ratio": r50["events"] / r18["events"],
        }
        summary["scaling"]["wall_per_block_ratio"] = summary["scaling"]["wall_ratio"] / summary["scaling"]["blocks_ratio"]
        summary["targets"] = {"resnet50_wall_le_20s": r50["wall_s"] <= 20.0,
                              "resnet50_peak_le_2GiB": max(r50["peak_traced_mib"], r50["max_rss_mib"]) <= 2048}
    head = f"{'case':16} {'blocks':>7} {'events':>9} {'map s':>7} {'sim s':>7} {'wall s':>7} {'peak MiB':>9} {'RSS MiB':>8}"
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['case']:16} {r['blocks']:7d} {r['events']:9d} {r['map_s']:7.3f} {r['simulate_s']:7.3f} "
              f"{r['wall_s']:7.3f} {r['peak_traced_mib']:9.1f} {r['max_rss_mib']:8.1f}")
    if "scaling" in summary:
        s = summary["scaling"]
        print(f"\nResNet-50 / ResNet-18: blocks x{s['blocks_ratio']:.2f}, events x{s['events_ratio']:.2f}, "
              f"simulate time x{s['wall_ratio']:.2f} (per block x{s['wall_per_block_ratio']:.2f})")
        print(f"targets: ResNet-50 <= 20 s: {summary['targets']['resnet50_wall_le_20s']}, "
              f"<= 2 GiB: {summary['targets']['resnet50_peak_le_2GiB']}")
    if args.json:
        print(flat_json_line({**summary, "rows": {r["case"]: r for r in rows}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
