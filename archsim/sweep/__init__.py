"""Design-space sweeps: many ordinary runs from one sweep file, on Dask, resumable, with a table and a report.

:mod:`.spec` reads the sweep file (the project's strict loader), :mod:`.expand` turns it into points named by a
hash of their inputs, :mod:`.point` runs one point through the one run path into an atomically renamed folder,
:mod:`.executors` runs points serially or on Dask distributed, :mod:`.run` resumes, runs and writes
``sweep.parquet`` / ``sweep.csv`` / ``sweep.html``; :mod:`.metrics` and :mod:`.options` are the registries of the
objectives and of the run options a sweep can set; :mod:`.design` is ``archsim speedup``'s design sweep.
"""

from archsim.sweep.executors import DaskExecutor, Progress, SerialExecutor
from archsim.sweep.expand import Point, expand
from archsim.sweep.metrics import METRICS, Metric, metric_values, register_metric
from archsim.sweep.options import RUN_OPTIONS, RunOption
from archsim.sweep.point import PointRecord, run_point
from archsim.sweep.run import SweepOutcome, run_sweep
from archsim.sweep.spec import LoadedSweep, SweepFile, load_sweep

__all__ = [
    "METRICS",
    "RUN_OPTIONS",
    "DaskExecutor",
    "LoadedSweep",
    "Metric",
    "Point",
    "PointRecord",
    "Progress",
    "RunOption",
    "SerialExecutor",
    "SweepFile",
    "SweepOutcome",
    "expand",
    "load_sweep",
    "metric_values",
    "register_metric",
    "run_point",
    "run_sweep",
]
