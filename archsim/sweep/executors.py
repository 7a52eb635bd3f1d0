"""Where sweep points run: serially in this process, or on Dask distributed (a local cluster or an existing one).

:class:`DaskExecutor` submits one task per point (:func:`archsim.sweep.point.run_point`, key
``archsim-point-<key>-<run>``) to a ``distributed`` scheduler: by default a :class:`~distributed.LocalCluster` of worker
processes on this machine (one single-threaded worker per core, each with a nanny that restarts it if it dies), or
with ``scheduler="tcp://host:8786"`` an existing cluster (``dask scheduler`` + ``dask worker``, dask-jobqueue,
Kubernetes) — the same code either way; the output folder must then be on a file system every worker can write.

Fault tolerance is Dask's: a task whose worker dies is rescheduled on another worker (up to
``distributed.scheduler.allowed-failures`` times), and a task that raises is retried ``retries`` times. Both are
safe because a point writes its folder with one rename and a retried task that finds the folder returns it. A
point that still fails is returned with status ``error`` and the exception's message (never stored, so the next
run tries it again).

:class:`SerialExecutor` runs the points one after the other in the calling process (``archsim speedup``'s design
sweep, tests); exceptions other than archsim errors propagate.
"""

from __future__ import annotations

import logging
import os
import traceback
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from archsim.errors import ConfigError
from archsim.pipeline.options import RunOptions
from archsim.pipeline.types import Step
from archsim.sweep.expand import Point
from archsim.sweep.point import PointRecord, run_point

WORKER_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "NUMBA_NUM_THREADS": "1", "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False"}
"""Environment of local workers: one thread each (one worker per core; numba and BLAS must not oversubscribe), and
no statistical profiler (by default a worker samples its task thread's stack every 10 ms, holding the GIL the run
needs)."""

CONNECT_TIMEOUT_S = 10.0
"""How long to wait for an existing scheduler to answer."""

RETRIES = 2
"""Retries of a task that raised (a worker that dies is rescheduled by the scheduler on top of these)."""

POLL_S = 0.25
"""Progress refresh interval while waiting for points."""

QUIET_LOGGERS = ("distributed", "tornado")
"""Loggers kept at ERROR in this process while the executor runs."""


@dataclass(frozen=True, kw_only=True)
class Progress:
    """Where a sweep stands (passed to the progress callback)."""

    total: int
    """Points to compute in this run."""
    done: int
    """Points finished (ok or failed)."""
    running: int
    """Points being computed now."""
    failed: int
    """Points that failed (an archsim error or a crash)."""


ProgressCallback = Callable[[Progress], None]
"""Called whenever a point finishes, and periodically while waiting."""


class SerialExecutor:
    """Runs points one after the other in this process."""

    def __init__(self, *, base: RunOptions | None = None, steps: Sequence[tuple[str, Step]] | None = None,
                 keep_result: bool = False) -> None:
        """Args:
        base: options every point starts from (None: a plain ``archsim run``).
        steps: pipeline steps of a point (None: those of ``archsim run``).
        keep_result: keep each point's result dict on its record.
        """
        self.base, self.steps, self.keep_result = base, steps, keep_result
        self.n_workers = 1

    def __enter__(self) -> SerialExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def run(self, points: Sequence[Point], out_root: Path | None,
            on_progress: ProgressCallback | None = None) -> Iterator[tuple[Point, PointRecord]]:
        """Yield ``(point, record)`` in order."""
        done = failed = 0
        for point in points:
            if on_progress is not None:
                on_progress(Progress(total=len(points), done=done, running=1, failed=failed))
            record = run_point(point, out_root, base=self.base, steps=self.steps, keep_result=self.keep_result)
            done += 1
            failed += record.status != "ok"
            yield point, record
        if on_progress is not None:
            on_progress(Progress(total=len(points), done=done, running=0, failed=failed))


def _warm() -> int:
    """Import the run path on a worker before the first point (so points time runs, not imports)."""
    import archsim.sweep.point  # noqa: F401

    return os.getpid()


class DaskExecutor:
    """Runs points on Dask distributed: a local cluster of worker processes, or an existing scheduler."""

    def __init__(self, *, scheduler: str | None = None, workers: int | None = None, client: Any = None,
                 where: str = "", retries: int = RETRIES) -> None:
        """Args:
        scheduler: address of an existing scheduler (``tcp://host:8786``); None starts a local cluster.
        workers: worker processes of the local cluster (None: one per core).
        client: an existing :class:`distributed.Client` to use as is (tests); it is not closed.
        where: the sweep file, for error messages.
        retries: retries of a task that raised.
        """
        if scheduler is not None and workers is not None:
            raise ConfigError(f"{where}: --workers: a scheduler's cluster has its own workers",
                              hint="give --workers only without --scheduler")
        if workers is not None and workers < 1:
            raise ConfigError(f"{where}: --workers: expected an integer >= 1, got {workers}")
        self.scheduler, self.where, self.retries = scheduler, where, retries
        self.n_workers = workers if workers is not None else max(1, os.cpu_count() or 1)
        self.client: Any = client
        self._own = client is None
        self._cluster: Any = None
        self.pids: dict[str, int] = {}
        """Worker address -> process id (filled when the executor starts)."""
        self._levels: dict[str, int] = {}

    def __enter__(self) -> DaskExecutor:
        import dask
        from distributed import Client, LocalCluster

        # Dask's scheduler and client log progress at INFO; a dependency that configures the root logger at INFO
        # on import would put that on the terminal next to the progress bar. Errors still show.
        self._levels = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
        for name in QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.ERROR)

        if self.client is None:
            if self.scheduler is not None:
                try:
                    self.client = Client(self.scheduler, timeout=f"{CONNECT_TIMEOUT_S}s")
                except (OSError, TimeoutError, ValueError) as exc:
                    raise ConfigError(f"{self.where}: --scheduler {self.scheduler}: cannot reach a Dask scheduler "
                                      f"there ({type(exc).__name__}: {' '.join(str(exc).split())[:200]})",
                                      hint="start one with 'dask scheduler' and 'dask worker ADDRESS', or drop "
                                           "--scheduler to use this machine") from None
            else:
                # One task per worker thread (so "running" counts what runs), quiet logs, single-threaded workers.
                with dask.config.set({"distributed.scheduler.worker-saturation": 1.0}):
                    self._cluster = LocalCluster(n_workers=self.n_workers, threads_per_worker=1, processes=True,
                                                 dashboard_address=":0", silence_logs=logging.ERROR,
                                                 env=dict(WORKER_ENV))
                self.client = Client(self._cluster)
        self.pids = dict(self.client.run(_warm))
        info = self.client.scheduler_info()
        self.n_workers = sum(int(w.get("nthreads", 1)) for w in info.get("workers", {}).values()) or 1
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._own and self.client is not None:
            self.client.close()
            self.client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None
        for name, level in self._levels.items():
            logging.getLogger(name).setLevel(level)

    def _running(self, keys: set[str]) -> int:
        try:
            processing = self.client.processing()
        except (OSError, TimeoutError):
            return 0
        # a worker may hold its next task already; it runs one at a time per thread
        return min(self.n_workers, sum(1 for tasks in processing.values() for k in tasks if k in keys))

    def run(self, points: Sequence[Point], out_root: Path | None,
            on_progress: ProgressCallback | None = None) -> Iterator[tuple[Point, PointRecord]]:
        """Yield ``(point, record)`` as points finish (any order)."""
        from distributed import wait

        if self.client is None:
            raise RuntimeError("DaskExecutor.run outside its 'with' block")
        if not points:
            return
        root = None if out_root is None else str(Path(out_root).resolve())
        # a fresh task key per run: a scheduler that still holds a finished task of the same point for another
        # output folder must not hand that result back instead of running the point here
        run_id = uuid.uuid4().hex[:8]
        by_key = {f"archsim-point-{p.key}-{run_id}": p for p in points}
        futures = [self.client.submit(run_point, p, root, key=k, retries=self.retries, pure=False)
                   for k, p in by_key.items()]
        pending, done, failed = set(futures), 0, 0
        try:
            while pending:
                try:
                    finished = wait(list(pending), timeout=POLL_S, return_when="FIRST_COMPLETED").done
                except TimeoutError:
                    finished = set()
                for future in finished:
                    pending.discard(future)
                    point = by_key[future.key]
                    try:
                        record = future.result()
                    except Exception as exc:  # a crash after the retries: reported, not stored
                        record = PointRecord(key=point.key, status="error",
                                             error=f"{type(exc).__name__}: {' '.join(str(exc).split())}",
                                             notices=tuple(traceback.format_exception(exc)))
                    done += 1
                    failed += record.status != "ok"
                    yield point, record
                if on_progress is not None:
                    running = self._running({f.key for f in pending}) if pending else 0
                    on_progress(Progress(total=len(points), done=done, running=running, failed=failed))
        finally:
            if pending:
                self.client.cancel(list(pending))


__all__ = ["DaskExecutor", "Progress", "ProgressCallback", "SerialExecutor"]
