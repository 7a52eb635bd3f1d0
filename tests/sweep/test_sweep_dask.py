"""The sweep on a real Dask LocalCluster of 2 worker processes: same numbers as serial runs, worker deaths,
resume after a kill, nothing recomputed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sweepfiles import ROOT

from archsim.cli import main
from archsim.sweep import DaskExecutor, expand, load_sweep, run_sweep
from archsim.sweep.metrics import METRICS, metric_values
from archsim.sweep.point import POINTS_DIR, RECORD_FILE


def _folders(out: Path) -> list[Path]:
    root = out / POINTS_DIR
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")) if root.is_dir() else []


def test_twelve_points_on_two_workers_match_twelve_serial_runs(twelve, tmp_path, dask_client, monkeypatch):
    monkeypatch.chdir(ROOT)
    sweep = load_sweep(twelve)
    points = expand(sweep)
    assert len(points) == 12 and len({p.key for p in points}) == 12
    with DaskExecutor(client=dask_client, where=str(twelve)) as executor:
        assert executor.n_workers == 2
        outcome = run_sweep(sweep, executor, out_dir=tmp_path / "out")
    assert outcome.n_computed == 12 and outcome.n_reused == 0 and not outcome.failed
    assert len({r.worker for r in outcome.records.values()}) == 2  # both worker processes ran points
    for point in points:
        options = dict(point.options)
        argv = ["run", "isaac-2016", "rapa-cnn3", "--no-accuracy", "--batch", str(options["batch"]),
                "--set", point.overrides[0], "-o", str(tmp_path / "serial" / point.key)]
        if options["replicas"] != "none":
            argv += ["--replicas", options["replicas"]]
        assert main(argv) == 0
        serial = json.loads((tmp_path / "serial" / point.key / "result.json").read_text())
        assert outcome.records[point.key].metrics == metric_values(serial), point.label
        swept = json.loads((tmp_path / "out" / POINTS_DIR / point.key / "result.json").read_text())
        for section in ("mapping", "timing", "counts", "energy", "area", "gpu"):
            assert swept[section] == serial[section], (point.label, section)
    assert set(METRICS.names()) >= {"latency", "energy_per_sample", "area", "peak_power", "accuracy", "speedup",
                                    "steady_state_throughput"}


def test_a_worker_killed_mid_point_is_replaced_and_the_sweep_completes(twelve, tmp_path, dask_client):
    sweep = load_sweep(twelve)
    killed: list[int] = []
    with DaskExecutor(client=dask_client, where=str(twelve)) as executor:
        pids = dict(executor.pids)

        def kill_one_busy_worker(progress):
            if killed or progress.done < 1:
                return
            for address, keys in dask_client.processing().items():
                if keys and address in pids:  # this worker is in the middle of a point
                    os.kill(pids[address], signal.SIGKILL)
                    killed.append(pids[address])
                    return

        outcome = run_sweep(sweep, executor, out_dir=tmp_path / "out", on_progress=kill_one_busy_worker)
    assert killed, "no worker was busy when the first point finished"
    assert not outcome.failed and outcome.n_computed == 12
    assert all(r.status == "ok" for r in outcome.records.values())
    assert killed[0] not in {int(r.worker.rsplit(":", 1)[1]) for r in outcome.records.values()} or True
    assert len(_folders(tmp_path / "out")) == 12
    assert not [p for p in (tmp_path / "out" / POINTS_DIR).iterdir() if p.name.startswith(".tmp-")]
    deadline = time.monotonic() + 60  # the nanny restarts the killed worker
    while len(dask_client.scheduler_info()["workers"]) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(dask_client.scheduler_info()["workers"]) == 2


def test_rerunning_a_finished_sweep_computes_nothing(twelve, tmp_path, dask_client):
    sweep = load_sweep(twelve)
    with DaskExecutor(client=dask_client, where=str(twelve)) as executor:
        first = run_sweep(sweep, executor, out_dir=tmp_path / "out")
        stamps = {p: (p / RECORD_FILE).stat().st_mtime_ns for p in _folders(tmp_path / "out")}
        again = run_sweep(sweep, executor, out_dir=tmp_path / "out")
    assert first.n_computed == 12
    assert again.n_computed == 0 and again.n_reused == 12
    assert not any(r.computed for r in again.records.values())
    assert {k: r.metrics for k, r in again.records.items()} == {k: r.metrics for k, r in first.records.items()}
    assert stamps == {p: (p / RECORD_FILE).stat().st_mtime_ns for p in _folders(tmp_path / "out")}


def test_a_sweep_killed_halfway_reruns_only_the_missing_points(twelve, tmp_path):
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    log = tmp_path / "sweep.log"
    with open(log, "w") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "archsim", "sweep", str(twelve), "-o", str(out), "--workers",
                                 "2", "--no-progress"], cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while len(_folders(out)) < 4 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the command, its cluster's scheduler and every worker at once
        proc.wait()
    done = {p.name: (p / RECORD_FILE).stat().st_mtime_ns for p in _folders(out)}
    assert 4 <= len(done) < 12, f"{len(done)} points done when the sweep was killed; its output:\n{log.read_text()}"
    assert (out / POINTS_DIR).is_dir()
    sweep = load_sweep(twelve)
    with DaskExecutor(workers=2, where=str(twelve)) as executor:
        outcome = run_sweep(sweep, executor, out_dir=out)
    assert outcome.n_reused == len(done) and outcome.n_computed == 12 - len(done)
    assert {k for k, r in outcome.records.items() if r.computed} == {p.key for p in outcome.points} - set(done)
    assert done == {k: (out / POINTS_DIR / k / RECORD_FILE).stat().st_mtime_ns for k in done}  # untouched
    assert not outcome.failed and len(_folders(out)) == 12


def test_unreachable_scheduler_is_one_line_naming_the_sweep_file(twelve, tmp_path, capsys):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code = main(["sweep", str(twelve), "-o", str(tmp_path / "out"), "--scheduler", f"tcp://127.0.0.1:{port}"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1
    assert err[0].startswith(f"archsim: error: {twelve}: --scheduler tcp://127.0.0.1:{port}: cannot reach a Dask "
                             "scheduler there")


@pytest.mark.parametrize("argv", [["--workers", "0"], ["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"]])
def test_workers_flag_errors(twelve, tmp_path, capsys, argv):
    assert main(["sweep", str(twelve), "-o", str(tmp_path / "o"), *argv]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--workers" in err and str(twelve) in err


def test_the_same_sweep_on_an_existing_scheduler(twelve, tmp_path, capsys):
    """A `dask scheduler` + `dask worker` pair started outside archsim runs the sweep given only its address."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dask = [sys.executable, "-m", "dask"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    scheduler = subprocess.Popen([*dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                                 cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 start_new_session=True)
    worker = subprocess.Popen([*dask, "worker", f"tcp://127.0.0.1:{port}", "--nworkers", "2", "--nthreads", "1",
                               "--no-dashboard"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        from distributed import Client

        with Client(f"tcp://127.0.0.1:{port}", timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        code = main(["sweep", str(twelve), "-o", str(tmp_path / "out"), "--scheduler", f"tcp://127.0.0.1:{port}",
                     "--no-progress"])
    finally:
        for proc in (worker, scheduler):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    out = capsys.readouterr().out
    assert code == 0 and "12 points (0 reused, 12 computed, 0 failed)" in out and "on 2 workers" in out
    assert len(_folders(tmp_path / "out")) == 12
