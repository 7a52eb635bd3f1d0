"""Benchmark of the event engine: wall time, SimPy events, modelled resource transactions, peak memory.

Cases (targets of the event-level engine, issue 13):

- ``resnet50-isaac``: ResNet-50 inference, batch 16, on ``isaac-2016`` -- at most 5 s wall on 2 cores, at least
  250,000 events/s, at most 1 GiB peak memory;
- ``resnet50-isaac-b256``: the same at batch 256: wall time must grow at most linearly with the batch
  (``batch_scaling`` = (wall256 / wall16) / (256 / 16) <= 1);
- ``resnet18-isaac``: ResNet-18, batch 16 (scaling with the network);
- ``rapa-train-rpu``: one pipelined training batch (64 samples, n_t = (16, 4, 1)) of ``rapa-cnn3`` on
  ``rpu-gokmen-vlasov-2016``.

Wall time is the best of ``--repeat`` runs of map + simulate (the machine is shared) and CPU time that of the
same run; peak memory is measured in a separate run under :mod:`tracemalloc` (Python allocations) next to the
process's maximum resident set size. Ratios are against the batch-16 ResNet-50 run of the same process (in wall
time, and in CPU time, which a loaded machine disturbs less).
``events_per_s`` counts SimPy events; ``transactions_per_s`` counts the resource grants the engine modelled
(one per packet and hop, crossbar, digital-unit, buffer-port and off-chip hold), several of which one
event settles when the holder knows its hold time. Usage::

    python benchmarks/bench_engine.py [--repeat 1] [--cases resnet50-isaac ...] [--json]

With ``--json`` the last line is one flat JSON object.
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
    "resnet50-isaac-b256": {"hw": "isaac-2016", "workload": "resnet50", "mode": "inference", "batch": 256,
                            "replicas": None},
    "resnet18-isaac": {"hw": "isaac-2016", "workload": "resnet18", "mode": "inference", "batch": 16,
                       "replicas": None},
    "rapa-train-rpu": {"hw": "rpu-gokmen-vlasov-2016", "workload": "rapa-cnn3", "mode": "training", "batch": 64,
                       "replicas": {"conv1": 16, "conv2": 4, "conv3": 1}},
}


def run_case(case: dict[str, Any]) -> dict[str, Any]:
    """Load, map and simulate one case; return timings and sizes."""
    hw = load_hardware(ROOT / "hwconfigs" / f"{case['hw']}.yaml")
    wl = load_workload(ROOT / "workloads" / f"{case['workload']}.yaml")
    t0, c0 = time.perf_counter(), time.process_time()
    mapping = map_workload(hw, wl, replicas=case["replicas"], mode=case["mode"])
    t1 = time.perf_counter()
    timing, _ = simulate(mapping, hw, mode=case["mode"], batch=case["batch"], pipeline=True)
    t2, c2 = time.perf_counter(), time.process_time()
    return {
        "map_s": t1 - t0, "simulate_s": t2 - t1, "wall_s": t2 - t0, "cpu_s": c2 - c0, "events": timing.n_events,
        "transactions": timing.n_transactions, "events_per_s": timing.n_events / (t2 - t1),
        "transactions_per_s": timing.n_transactions / (t2 - t1),
        "blocks": sum(len(lm.blocks) for lm in mapping.layers), "layers": len(mapping.layers),
        "tiles_used": mapping.n_tiles_used, "makespan_ns": timing.makespan_ns,
        "interval_ns_per_sample": timing.interval_ns_per_sample,
    }


def bench(name: str, repeat: int, memory: bool) -> dict[str, Any]:
    """Best-of-``repeat`` wall time, plus one tracemalloc run for peak memory."""
    case = CASES[name]
    runs = [run_case(case) for _ in range(repeat)]
    best = min(runs, key=lambda r: r["wall_s"])
    peak = 0.0
    if memory:
        tracemalloc.start()
        run_case(case)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return {"case": name, **{k: case[k] for k in ("hw", "workload", "mode", "batch")}, **best,
            "peak_traced_mib": peak / 2**20,
            "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=1, help="runs per case; the best wall time is kept")
    parser.add_argument("--json", action="store_true", help="print one flat JSON object on the last line")
    parser.add_argument("--cases", nargs="*", default=list(CASES), choices=list(CASES))
    args = parser.parse_args(argv)
    rows = {name: bench(name, args.repeat, memory=name == "resnet50-isaac") for name in args.cases}
    flat: dict[str, Any] = {}
    for name, r in rows.items():
        for key in ("wall_s", "cpu_s", "simulate_s", "events", "transactions", "events_per_s", "transactions_per_s",
                    "makespan_ns", "blocks", "peak_traced_mib", "max_rss_mib"):
            flat[f"{name}.{key}"] = r[key]
    base = rows.get("resnet50-isaac")
    if base is not None:
        flat["target.resnet50_wall_le_5s"] = base["wall_s"] <= 5.0
        flat["target.resnet50_events_per_s_ge_250k"] = base["events_per_s"] >= 250_000
        flat["target.resnet50_peak_le_1GiB"] = max(base["peak_traced_mib"], base["max_rss_mib"]) <= 1024
        big = rows.get("resnet50-isaac-b256")
        if big is not None:
            grow = big["batch"] / base["batch"]
            flat["ratio.batch_scaling"] = (big["simulate_s"] / base["simulate_s"]) / grow
            flat["ratio.batch_scaling_cpu"] = (big["cpu_s"] / base["cpu_s"]) / grow  # robust on a shared machine
            flat["ratio.batch_scaling_events"] = (big["events"] / base["events"]) / grow
            flat["target.wall_at_most_linear_in_batch"] = flat["ratio.batch_scaling"] <= 1.0
        r18 = rows.get("resnet18-isaac")
        if r18 is not None:
            flat["ratio.resnet50_over_resnet18_per_block"] = ((base["simulate_s"] / r18["simulate_s"])
                                                             / (base["blocks"] / r18["blocks"]))
    head = (f"{'case':20} {'batch':>5} {'events':>9} {'trans.':>9} {'sim s':>7} {'cpu s':>7} {'ev/s':>9} "
            f"{'trans/s':>9} {'peak MiB':>9}")
    print(head)
    print("-" * len(head))
    for name, r in rows.items():
        print(f"{name:20} {r['batch']:5d} {r['events']:9d} {r['transactions']:9d} {r['simulate_s']:7.2f} "
              f"{r['cpu_s']:7.2f} {r['events_per_s']:9.0f} {r['transactions_per_s']:9.0f} {r['peak_traced_mib']:9.1f}")
    for key, value in flat.items():
        if key.startswith(("ratio.", "target.")):
            print(f"{key}: {value}")
    if args.json:
        print(flat_json_line(flat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
