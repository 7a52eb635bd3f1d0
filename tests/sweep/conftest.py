"""Sweep files written into tmp_path, and a real Dask LocalCluster of 2 worker processes for the executor tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sweepfiles import TWELVE, write_sweep


@pytest.fixture
def twelve(tmp_path: Path) -> Path:
    """The 12-point sweep file."""
    return write_sweep(tmp_path, TWELVE)


@pytest.fixture(scope="module")
def dask_client() -> Iterator[object]:
    """A LocalCluster of 2 single-threaded worker processes (each with a nanny that restarts it), and its client."""
    import logging

    import dask
    from distributed import Client, LocalCluster

    from archsim.sweep.executors import WORKER_ENV

    with dask.config.set({"distributed.scheduler.worker-saturation": 1.0}):
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                               silence_logs=logging.ERROR, env=dict(WORKER_ENV))
    client = Client(cluster)
    yield client
    client.close()
    cluster.close()
