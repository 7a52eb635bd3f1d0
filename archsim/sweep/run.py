"""A whole sweep: expand the file, skip the points already done, run the rest, write the table and the report.

Output folder (``-o``, default ``reports/<sweep name>``)::

    sweep.yaml                 the sweep file as run
    points/<key>/              one ordinary run folder per point (result.json, report.html, ...) + point.json
    sweep.parquet, sweep.csv   one row per point (archsim.sweep.table)
    sweep.html                 the sweep report (Pareto fronts, effect of each axis, best points, links)

Nothing is lost and nothing is recomputed: a point's folder appears with one rename when its run is complete, so
a sweep that is killed and started again finds the finished points by their keys and runs only the others; running
a finished sweep again computes nothing and rewrites the table and the report. Points that failed with an archsim
error are kept as failed (``retry_failed`` runs them again). One sweep writes a folder at a time (a lock file).
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from archsim.errors import ConfigError
from archsim.report.sweep import FrontInput, MetricInfo, SweepReportInput, render_sweep_report
from archsim.results.io import write_text_atomic
from archsim.results.run_folder import clean_leftovers
from archsim.sweep.executors import ProgressCallback
from archsim.sweep.expand import Point, expand
from archsim.sweep.metrics import METRICS
from archsim.sweep.pareto import pareto_mask
from archsim.sweep.point import POINTS_DIR, PointRecord, point_folder, read_record
from archsim.sweep.spec import LoadedSweep
from archsim.sweep.table import rows as table_rows
from archsim.sweep.table import write_csv, write_parquet

LOCK_FILE = ".sweep.lock"
"""Lock file of a sweep's output folder."""


class Executor(Protocol):
    """What runs the points (:mod:`archsim.sweep.executors`)."""

    n_workers: int

    def run(self, points: list[Point], out_root: Path | None,
            on_progress: ProgressCallback | None = None) -> Iterator[tuple[Point, PointRecord]]: ...


@dataclass(frozen=True, kw_only=True)
class SweepOutcome:
    """What a sweep did."""

    out_dir: Path
    """The output folder."""
    points: tuple[Point, ...]
    """Every point, in table order."""
    records: dict[str, PointRecord]
    """Record of every point, by key."""
    n_reused: int
    """Runs found done in the folder (points sharing a key count once)."""
    n_computed: int
    """Runs done now."""
    wall_s: float
    """Wall time of running the points (excl. expansion and writing)."""
    files: dict[str, Path] = field(default_factory=dict)
    """``table``, ``csv``, ``report``, ``sweep``."""

    @property
    def failed(self) -> list[tuple[Point, PointRecord]]:
        """Points that failed (an archsim error) or crashed."""
        return [(p, self.records[p.key]) for p in self.points if self.records[p.key].status != "ok"]


def default_out_dir(sweep: LoadedSweep) -> Path:
    """``reports/<sweep name>``."""
    return Path("reports") / sweep.spec.name


@contextmanager
def folder_lock(out_dir: Path, where: str) -> Iterator[None]:
    """Hold the output folder's lock file while a sweep writes it (released when the process ends, however)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    handle = open(out_dir / LOCK_FILE, "a+", encoding="utf-8")  # noqa: SIM115 - held for the with block
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(f"{where}: {out_dir} is being written by another archsim sweep",
                              hint="wait for it, or give another folder with -o") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
    finally:
        handle.close()


def remove_partial_folders(out_dir: Path) -> int:
    """Delete what killed point runs left in ``points/`` (the run folder's staging folders of dead processes).

    One scan of the folder finds the points with leftovers (``.<key>.archsim-<pid>-<token>.new``, see
    :mod:`archsim.results.run_folder`); :func:`~archsim.results.run_folder.clean_leftovers` removes those of
    processes that no longer run. Returns how many were removed.
    """
    root = out_dir / POINTS_DIR
    if not root.is_dir():
        return 0
    keys = {e.name[1:].split(".archsim-", 1)[0] for e in os.scandir(root)
            if e.name.startswith(".") and ".archsim-" in e.name}
    return sum(len(clean_leftovers(root / key)) for key in sorted(keys))


def finished(points: list[Point], out_dir: Path) -> dict[str, PointRecord]:
    """Records of the points whose folders exist."""
    found = {}
    for p in points:
        record = read_record(point_folder(out_dir, p.key))
        if record is not None:
            found[p.key] = record
    return found


def run_sweep(sweep: LoadedSweep, executor: Executor, *, out_dir: Path | None = None,
              points: list[Point] | None = None, retry_failed: bool = False,
              on_progress: ProgressCallback | None = None, run_info: dict[str, Any] | None = None) -> SweepOutcome:
    """Run the points of ``sweep`` that are not done yet on ``executor``; write the table and the report.

    Raises:
        ConfigError: for a bad sweep file (naming the file and key) or a folder another sweep holds.
    """
    out = Path(out_dir) if out_dir is not None else default_out_dir(sweep)
    points = points if points is not None else expand(sweep)
    with folder_lock(out, str(sweep.path)):
        write_text_atomic(out / "sweep.yaml", sweep.path.read_text(encoding="utf-8"))
        remove_partial_folders(out)
        records = finished(points, out)
        unique: dict[str, Point] = {}
        for p in points:
            unique.setdefault(p.key, p)  # one run per key
        todo = [p for p in unique.values() if p.key not in records or (retry_failed and records[p.key].status != "ok")]
        n_reused = len(unique) - len(todo)
        t0 = time.perf_counter()
        for point, record in executor.run(todo, out, on_progress):
            records[point.key] = record
        wall = time.perf_counter() - t0
        remove_partial_folders(out)  # attempts that died and were retried elsewhere
        outcome = SweepOutcome(out_dir=out, points=tuple(points), records=records, n_reused=n_reused,
                               n_computed=len(todo), wall_s=wall)
        outcome.files.update(write_outputs(sweep, outcome, {"workers": executor.n_workers, **(run_info or {})}))
        outcome.files["sweep"] = out / "sweep.yaml"
    return outcome


def report_input(sweep: LoadedSweep, outcome: SweepOutcome, info: dict[str, Any]) -> SweepReportInput:
    """The data of ``sweep.html``."""
    spec = sweep.spec
    table = table_rows(list(outcome.points), outcome.records, spec.objectives)
    for point, row in zip(outcome.points, table, strict=True):
        row["axes"] = dict(point.axes)
        report = point_folder(outcome.out_dir, point.key) / "report.html"
        row["report"] = f"{POINTS_DIR}/{point.key}/report.html" if report.is_file() else None
    fronts = []
    for x, y in spec.fronts:
        mask = pareto_mask([[r[x], r[y]] if r["status"] == "ok" else [None, None] for r in table],
                           [METRICS[x].goal, METRICS[y].goal])
        fronts.append(FrontInput(x=x, y=y, on_front=tuple(mask)))

    def info_of(name: str) -> MetricInfo:
        m = METRICS[name]
        return MetricInfo(name=m.name, label=m.label, unit=m.unit, goal=m.goal, description=m.description)

    return SweepReportInput(
        name=spec.name, description=spec.description, sweep_file=str(sweep.path), combine=spec.combine,
        baseline_label=spec.baseline_label,
        axes=tuple((a.title, tuple(m.key for m in a.members)) for a in spec.axes),
        objectives=tuple(info_of(o) for o in spec.objectives),
        metrics=tuple(info_of(n) for n in METRICS.names()),
        fronts=tuple(fronts), rows=tuple(table),
        summary={"points": len(outcome.points), "computed": outcome.n_computed, "reused": outcome.n_reused,
                 "failed": len(outcome.failed), "wall_s": outcome.wall_s, **info},
    )


def write_outputs(sweep: LoadedSweep, outcome: SweepOutcome, info: dict[str, Any]) -> dict[str, Path]:
    """Write ``sweep.parquet``, ``sweep.csv`` and ``sweep.html``."""
    table = table_rows(list(outcome.points), outcome.records, sweep.spec.objectives)
    out = outcome.out_dir
    return {
        "table": write_parquet(table, out / "sweep.parquet"),
        "csv": write_csv(table, out / "sweep.csv"),
        "report": write_text_atomic(out / "sweep.html", render_sweep_report(report_input(sweep, outcome, info))),
    }


__all__ = ["Executor", "SweepOutcome", "default_out_dir", "finished", "folder_lock", "run_sweep"]
