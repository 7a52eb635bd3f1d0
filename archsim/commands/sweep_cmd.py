"""``archsim sweep SWEEP.yaml``: a design-space sweep on Dask, resumable, with Pareto reports.

A sweep file names base hardware file(s), workload(s), axes (dotted hardware paths as --set takes them, or run
options such as batch, replicas, mode, epochs) and objectives (metrics of result.json); see sweeps/ for examples.
Every point is an ordinary run (the same steps and numbers as archsim run), executed on Dask distributed: by
default a local cluster of worker processes on this machine (one per core, --workers N to change), or with
--scheduler tcp://host:8786 the same sweep on an existing cluster (the output folder must then be on a file system
the workers share).

Each point's folder, points/<key>, is named by a hash of its inputs and appears in one rename when its run is
complete: a sweep that is stopped and started again runs only the missing points, a worker that dies mid-point is
replaced and the point retried, and a point that fails with an archsim error is recorded with its message without
stopping the sweep. Writes sweep.parquet and sweep.csv (one row per point: inputs, every metric, status, wall
time) and sweep.html (Pareto fronts, the effect of each axis, the best points, a link to every point's report)
into the output folder (default reports/<sweep name>). --dry-run lists the points, checks that every point's
hardware loads, and runs nothing.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from archsim.commands.common import add_parser
from archsim.commands.status import ERR, OK
from archsim.errors import ArchsimError
from archsim.hwconfig.load import load_hardware
from archsim.report.format import fmt_si
from archsim.sweep.executors import DaskExecutor, Progress
from archsim.sweep.expand import expand
from archsim.sweep.run import default_out_dir, finished, run_sweep
from archsim.sweep.spec import load_sweep

MAX_LISTED_FAILURES = 5
"""Failed points named on stderr (all are in sweep.csv and sweep.html)."""


def register(subparsers: Any) -> None:
    """Add the ``sweep`` subcommand."""
    p = add_parser(subparsers, "sweep", help="design-space sweep on Dask: resumable, fault-tolerant, Pareto report",
                   doc=__doc__)
    p.add_argument("sweep", metavar="SWEEP.yaml", help="sweep file (a path or a bundled name from sweeps/)")
    p.add_argument("-o", "--output", metavar="DIR", default=None,
                   help="output folder (default: reports/<sweep name>)")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="address of an existing Dask scheduler, e.g. tcp://host:8786 (default: a local cluster)")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="worker processes of the local cluster (default: one per core)")
    p.add_argument("--dry-run", action="store_true", help="list and check the points; run nothing")
    p.add_argument("--retry-failed", action="store_true",
                   help="run the points recorded as failed again (default: keep their recorded error)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars on stderr")
    p.set_defaults(func=run)


def _dry_run(args: argparse.Namespace) -> int:
    loaded = load_sweep(args.sweep)
    points = expand(loaded)
    out = default_out_dir(loaded) if args.output is None else args.output
    from pathlib import Path

    done = finished(points, Path(out))
    bad = 0
    print(f"sweep {loaded.spec.name}: {len(points)} points, {len(done)} already in {out}")
    for p in points:
        state = "done" if p.key in done and done[p.key].status == "ok" else (
            "failed" if p.key in done else "to run")
        note = ""
        if p.key not in done:
            try:
                load_hardware(p.hw_path, p.overrides)
            except ArchsimError as exc:
                bad += 1
                note = f"  (will fail: {' '.join(str(exc).split())})"
        print(f"  {p.index:4d}  {p.key}  {state:7s}  {p.label}{note}")
    print(f"{len(points) - len(done)} to run" + (f", {bad} of them with hardware the loader refuses" if bad else ""))
    return OK


def run(args: argparse.Namespace) -> int:
    """Run (or, with --dry-run, list) the sweep and print a summary."""
    if args.dry_run:
        return _dry_run(args)
    loaded = load_sweep(args.sweep)
    points = expand(loaded)
    bar: Any = None

    def progress(p: Progress) -> None:
        nonlocal bar
        if args.no_progress:
            return
        if bar is None:
            from tqdm import tqdm

            bar = tqdm(total=p.total, desc=f"sweep {loaded.spec.name}", unit="point", file=sys.stderr,
                       dynamic_ncols=True)
        bar.n = p.done
        bar.set_postfix_str(f"running {p.running}, failed {p.failed}", refresh=False)
        bar.refresh()

    from pathlib import Path

    out = Path(args.output) if args.output is not None else None
    info = {"scheduler": args.scheduler or "local cluster"}
    try:
        with DaskExecutor(scheduler=args.scheduler, workers=args.workers, where=str(loaded.path)) as executor:
            outcome = run_sweep(loaded, executor, out_dir=out, points=points, retry_failed=args.retry_failed,
                                on_progress=progress, run_info=info)
            workers = executor.n_workers
    finally:
        if bar is not None:
            bar.close()
    failed = outcome.failed
    print(f"sweep {loaded.spec.name}: {len(outcome.points)} points ({outcome.n_reused} reused, "
          f"{outcome.n_computed} computed, {len(failed)} failed) in {fmt_si(outcome.wall_s, 's')} on "
          f"{workers} worker{'s' if workers != 1 else ''}")
    for point, record in failed[:MAX_LISTED_FAILURES]:
        print(f"archsim: point {point.index} ({point.label}) {record.status}: {record.error}", file=sys.stderr)
    if len(failed) > MAX_LISTED_FAILURES:
        print(f"archsim: ... and {len(failed) - MAX_LISTED_FAILURES} more failed points (sweep.csv lists them)",
              file=sys.stderr)
    crashed = [r for _, r in failed if r.status == "error"]
    if crashed and crashed[0].notices:
        print("archsim: first crash:\n" + "".join(crashed[0].notices), file=sys.stderr)
    for role in ("table", "csv", "report"):
        print(f"  wrote     {outcome.files[role]}")
    return ERR if crashed else OK
