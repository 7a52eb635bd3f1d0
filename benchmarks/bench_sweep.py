"""Benchmark of ``archsim sweep``: 64 points on a 2-worker Dask LocalCluster vs the same points in a serial loop.

The points are ``isaac-2016`` x ``resnet18`` inference (4 ADC sharings x 4 link bandwidths x 4 eDRAM bandwidths,
the accuracy step off). Both sides run the same function per point (:func:`archsim.sweep.point.run_point`: the
whole ``archsim run`` pipeline into an atomically renamed folder, report included), into fresh folders:

* ``serial``: the points one after the other in this process (modules already imported);
* ``dask``: the sweep engine on a warm LocalCluster of ``--workers`` worker processes (cluster start and the
  workers' first import of archsim are timed separately as ``cluster_start_s``).

Reported: ``ratio`` = serial wall / Dask wall (throughput ratio, target >= 1.7 on 2 workers), ``ratio_incl_start``
(with the cluster start), ``overhead_ms_per_point`` = (Dask wall x workers - sum of the points' own task times on
the workers) / points: everything a worker spends not running a point (scheduling, transfers, the idle tail of
the last points; target <= 50 ms), where a point's task time is the whole of :func:`run_point` (the run and the
commit of its folder) measured on the worker, and the mean task time of a point on each side (on a loaded machine the
parallel runs are slower than the serial ones; that is contention, not overhead). Usage::

    python benchmarks/bench_sweep.py [--workers 2] [--points 64] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archsim.sweep import DaskExecutor, expand, load_sweep, run_point, run_sweep  # noqa: E402

SWEEP = """\
version: 1
name: bench-sweep
description: 64 points of ISAAC x ResNet-18 inference for the sweep benchmark
hardware: [isaac-2016]
workloads: [resnet18]
options: {{mode: inference, batch: 1, accuracy: off}}
axes:
  - path: tile.adc.columns_per_adc
    values: [16, 32, 64, 128]
  - path: interconnect.link_bandwidth_gbps
    values: [8, 16, 32, 64]
  - path: tile.buffer.bandwidth_gbps
    values: [115.2, 230.4, 460.8, 921.6]
sample: {{n: {n}, seed: 0}}
objectives: [latency, energy_per_sample]
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default: 2)")
    parser.add_argument("--points", type=int, default=64, help="points, at most 64 (default: 64)")
    parser.add_argument("--json", action="store_true", help="also print a flat JSON object on the last line")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    work = Path(tempfile.mkdtemp(prefix="archsim-bench-sweep-"))
    try:
        path = work / "bench.yaml"
        path.write_text(SWEEP.format(n=args.points), encoding="utf-8")
        sweep = load_sweep(path)
        points = expand(sweep)
        run_point(points[0], work / "warm")  # imports and first-use costs, outside both timings

        t0 = time.perf_counter()
        serial_runs = [run_point(p, work / "serial").task_s for p in points]
        serial_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        with DaskExecutor(workers=args.workers, where=str(path)) as executor:
            start_s = time.perf_counter() - t0
            outcome = run_sweep(sweep, executor, out_dir=work / "dask")
            workers = executor.n_workers
        dask_s = outcome.wall_s
        dask_runs = [outcome.records[p.key].task_s for p in points]
        assert outcome.n_computed == len(points) and not outcome.failed
    finally:
        shutil.rmtree(work, ignore_errors=True)
    n = len(points)
    row = {
        "points": n, "workers": workers, "cpu_count": os.cpu_count(), "load_avg_1min": round(os.getloadavg()[0], 2),
        "serial_s": round(serial_s, 3), "dask_s": round(dask_s, 3), "cluster_start_s": round(start_s, 3),
        "ratio": round(serial_s / dask_s, 3), "ratio_incl_start": round(serial_s / (dask_s + start_s), 3),
        "overhead_ms_per_point": round((dask_s * workers - sum(dask_runs)) / n * 1e3, 1),
        "run_ms_serial": round(sum(serial_runs) / n * 1e3, 1), "run_ms_dask": round(sum(dask_runs) / n * 1e3, 1),
        "serial_loop_overhead_ms_per_point": round((serial_s - sum(serial_runs)) / n * 1e3, 1),
    }
    print(f"{n} points of isaac-2016 x resnet18 inference; {workers} Dask workers vs a serial loop "
          f"({row['cpu_count']} CPUs, load average {row['load_avg_1min']})")
    print(f"  serial loop      {row['serial_s']:8.2f} s   ({row['run_ms_serial']:.0f} ms per point)")
    print(f"  Dask             {row['dask_s']:8.2f} s   ({row['run_ms_dask']:.0f} ms per point on the workers; "
          f"cluster start {row['cluster_start_s']:.2f} s)")
    print(f"  throughput ratio {row['ratio']:8.2f}x  (target >= 1.7; incl. cluster start "
          f"{row['ratio_incl_start']:.2f}x)")
    print(f"  overhead         {row['overhead_ms_per_point']:8.1f} ms per point beyond the run itself (target <= 50)")
    if args.json:
        print(json.dumps(row, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
