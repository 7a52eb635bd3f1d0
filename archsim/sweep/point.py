"""Running one sweep point: an ordinary run, committed whole into the folder named by the point's key.

:func:`run_point` is the task a Dask worker executes (and the serial executor calls in-process). It runs the point
through the one run path (:func:`archsim.pipeline.run` with the steps of ``archsim run``) into ``points/<key>``,
with one more step before the run folder's commit: ``point.json``, the point's record (status, metrics, wall time,
notices). The run folder (:class:`archsim.results.run_folder.RunFolder`) stages every file beside the target and
swaps them in with one rename, so ``points/<key>`` either holds the whole run and its record or does not exist,
whatever kills the worker. A point whose folder exists is never run again; a retried task that finds it returns
the stored record.

A point that fails with an :class:`~archsim.errors.ArchsimError` (a combination the chip refuses, a mapping that
does not fit) is committed the same way with only its record and its one-line message (status ``failed``); any
other exception is a bug and propagates to the executor, which retries the task and reports it.

The whole task runs with Python's cycle collector paused, as the run path pauses it for its steps
(:mod:`archsim.pipeline.run`): resumed between the run and the end of the task, it would traverse everything the
run built and still holds (mapping, plan, results) before reference counting frees it at the task's end. At the
end the task collects its youngest generation, which then holds only what the task allocated and did not free:
the reference cycles of the run (the simulated chip's structure). So the task pays for its own garbage, once,
instead of the executor's next steps (on a Dask worker, between tasks).
"""

from __future__ import annotations

import dataclasses
import gc
import json
import os
import platform
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archsim.errors import ArchsimError, ArchsimWarning
from archsim.pipeline.options import RunOptions
from archsim.pipeline.run import RUN_STEPS, insert_step, run
from archsim.pipeline.state import RunState
from archsim.pipeline.types import Step
from archsim.results.io import dumps
from archsim.results.run_folder import RunFolder
from archsim.sweep.expand import Point
from archsim.sweep.metrics import metric_values

POINTS_DIR = "points"
"""Sub-folder of a sweep's output holding one folder per point."""

RECORD_FILE = "point.json"
"""The record committed with a point's run."""


@dataclass(frozen=True, kw_only=True)
class PointRecord:
    """What running a point produced (``point.json``; one row of the sweep table)."""

    key: str
    """The point's key."""
    status: str
    """``ok``, ``failed`` (an archsim error, with ``error``) or ``error`` (a crash, never stored)."""
    error: str | None = None
    """The one-line message of a failed point."""
    wall_s: float = 0.0
    """Wall time of the run itself (on the worker)."""
    metrics: Mapping[str, float | None] = field(default_factory=dict)
    """Every registered metric of the run's result.json."""
    notices: tuple[str, ...] = ()
    """Notices and warnings the run gave (accuracy skipped, converter precision, ...)."""
    worker: str = ""
    """``host:pid`` that ran it."""
    computed: bool = True
    """False when the record was read back from an existing folder."""
    result: Mapping[str, Any] | None = None
    """The result dict (in-process runs that keep it; never stored in point.json)."""
    task_s: float = 0.0
    """Wall time of the whole task on the worker: the run, committing its folder and collecting its garbage (not
    stored; 0 when the record was read back)."""

    def to_dict(self) -> dict[str, Any]:
        """``point.json``."""
        return {"key": self.key, "status": self.status, "error": self.error, "wall_s": self.wall_s,
                "metrics": dict(self.metrics), "notices": list(self.notices), "worker": self.worker}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, computed: bool = False) -> PointRecord:
        """Read ``point.json`` back."""
        return cls(key=str(data["key"]), status=str(data["status"]), error=data.get("error"),
                   wall_s=float(data.get("wall_s") or 0.0), metrics=dict(data.get("metrics") or {}),
                   notices=tuple(data.get("notices") or ()), worker=str(data.get("worker") or ""),
                   computed=computed)


def point_folder(out_root: str | Path, key: str) -> Path:
    """``OUT/points/<key>``."""
    return Path(out_root) / POINTS_DIR / key


def read_record(folder: Path) -> PointRecord | None:
    """The record of a finished point folder, or None if there is none (or it cannot be read)."""
    try:
        data = json.loads((folder / RECORD_FILE).read_text(encoding="utf-8"))
        record = PointRecord.from_dict(data)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if record.status == "ok" and (folder / "result.json").is_file():
        try:
            result = json.loads((folder / "result.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        # metrics registered after the point ran are computed from its result.json, never by running it again
        return PointRecord(**{**record.__dict__, "metrics": metric_values(result)})
    return record


def _one_line(exc: ArchsimError) -> str:
    return " ".join(str(exc).split())


def run_point(point: Point, out_root: str | Path | None, *, base: RunOptions | None = None,
              steps: Sequence[tuple[str, Step]] | None = None, keep_result: bool = False) -> PointRecord:
    """Run ``point`` (see the module docstring) and return its record.

    Args:
        point: the point.
        out_root: the sweep's output folder (the point's run goes to ``out_root/points/<key>``, with the steps of
            ``archsim run``); None writes nothing and runs ``steps``.
        base: the options the point starts from (None: those of a plain ``archsim run``).
        steps: the pipeline steps when nothing is written (None: those of ``archsim run``).
        keep_result: put the result dict on the record (in-process callers).
    """
    t0 = time.perf_counter()
    collecting = gc.isenabled()
    gc.disable()  # for the whole task, not only its run (see the module docstring)
    try:
        record = _run_point(point, out_root, base=base, steps=steps, keep_result=keep_result)
    finally:
        if collecting:
            gc.enable()
            gc.collect(0)  # the run's reference cycles, the only objects of the task still tracked
    return dataclasses.replace(record, task_s=time.perf_counter() - t0) if record.computed else record


def _run_point(point: Point, out_root: str | Path | None, *, base: RunOptions | None,
               steps: Sequence[tuple[str, Step]] | None, keep_result: bool) -> PointRecord:
    """:func:`run_point` with the cycle collector paused."""
    final = point_folder(out_root, point.key) if out_root is not None else None
    if final is not None:
        if steps is not None:
            raise ValueError("run_point: a point written to a folder runs the steps of archsim run")
        done = read_record(final)
        if done is not None:
            return done  # a retried task whose first attempt finished
    notices: list[str] = []
    fixed: dict[str, Any] = {"notify": notices.append, "progress": False}
    t0 = time.perf_counter()
    worker = f"{platform.node()}:{os.getpid()}"
    records: list[PointRecord] = []
    result: dict[str, Any] | None = None
    error: str | None = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ArchsimWarning)

        def seen() -> tuple[str, ...]:
            found = notices + [" ".join(str(w.message).split()) for w in caught
                               if issubclass(w.category, ArchsimWarning)]
            return tuple(dict.fromkeys(found))

        def step_record(state: RunState) -> None:
            """Stage ``point.json`` with the run's files (committed together by the next step)."""
            if state.result is None or state.run_folder is None:
                raise RuntimeError("sweep: the record step needs the assemble and output steps")
            values = state.result.to_dict()
            record = PointRecord(key=point.key, status="ok", wall_s=time.perf_counter() - t0,
                                 metrics=metric_values(values), notices=seen(), worker=worker)
            state.run_folder.write_text(RECORD_FILE, dumps(record.to_dict()))
            records.append(record)

        if final is not None:
            fixed["out_dir"] = final
            steps = insert_step(RUN_STEPS, "record", step_record, after="report")
        try:
            state = run(point.run_options(base, **fixed), steps=steps if steps is not None else RUN_STEPS)
            result = state.result.to_dict() if state.result is not None else None
        except ArchsimError as exc:
            error = " ".join(str(exc).split())
        notices_seen = seen()
    if error is None and records:
        record = records[0]
    else:
        record = PointRecord(key=point.key, status="failed" if error is not None else "ok", error=error,
                             wall_s=time.perf_counter() - t0, metrics=metric_values(result) if result else {},
                             notices=notices_seen, worker=worker)
        if final is not None:  # a failed point: its record alone, committed the same way
            folder = RunFolder.prepare(final)
            folder.write_text(RECORD_FILE, dumps(record.to_dict()))
            folder.commit()
    return PointRecord(**{**record.__dict__, "result": result if keep_result else None})


__all__ = ["POINTS_DIR", "RECORD_FILE", "PointRecord", "point_folder", "read_record", "run_point"]
