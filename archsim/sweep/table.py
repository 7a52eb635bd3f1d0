"""The sweep table: one row per point (inputs, every metric, status, wall time), as Parquet and CSV.

Columns, in order: ``index``, ``key``, ``label``, ``hardware``, ``workload``, one column per axis path or option,
every metric of :data:`~archsim.sweep.metrics.METRICS` (in its unit, named ``<metric>``), ``pareto`` (on the front of
all objectives), ``status`` (``ok``, ``failed``, ``error``), ``error``, ``wall_s``, ``computed`` (run by this
invocation, not read back), ``folder`` (relative to the output folder) and ``notices``. Parquet columns are typed
(integers, floats, booleans, strings; an axis of mappings is written as YAML flow text); both files are written
atomically.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from archsim.results.io import write_text_atomic
from archsim.sweep.expand import Point, flow
from archsim.sweep.metrics import METRICS
from archsim.sweep.pareto import pareto_mask
from archsim.sweep.point import POINTS_DIR, PointRecord


def rows(points: Sequence[Point], records: Mapping[str, PointRecord], objectives: Sequence[str]) -> list[dict[str, Any]]:
    """The table as a list of dicts (column -> value), in point order."""
    goals = [METRICS[o].goal for o in objectives]
    front = pareto_mask([[records[p.key].metrics.get(o) if records[p.key].status == "ok" else None
                          for o in objectives] for p in points], goals)
    out = []
    for point, on_front in zip(points, front, strict=True):
        record = records[point.key]
        row: dict[str, Any] = {"index": point.index, "key": point.key, "label": point.label}
        row.update(dict(point.inputs))
        for name in METRICS.names():
            row[name] = record.metrics.get(name) if record.status == "ok" else None
        row.update(pareto=bool(on_front), status=record.status, error=record.error, wall_s=record.wall_s,
                   computed=record.computed, folder=f"{POINTS_DIR}/{point.key}",
                   notices=" | ".join(n.splitlines()[-1] if n else n for n in record.notices) or None)
        out.append(row)
    return out


def _column_type(values: list[Any]) -> str:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return "bool"
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "int"
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return "float"
    return "str"


def _text(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (dict, list, tuple, bool)):
        return flow(value)
    return str(value)


def write_parquet(table_rows: Sequence[Mapping[str, Any]], path: Path) -> Path:
    """Write the rows as a typed Parquet file (atomically)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = list(table_rows[0]) if table_rows else ["index"]
    arrays = {}
    for name in columns:
        values = [r.get(name) for r in table_rows]
        kind = _column_type(values)
        if kind == "bool":
            arrays[name] = pa.array(values, type=pa.bool_())
        elif kind == "int":
            arrays[name] = pa.array(values, type=pa.int64())
        elif kind == "float":
            arrays[name] = pa.array([None if v is None else float(v) for v in values], type=pa.float64())
        else:
            arrays[name] = pa.array([_text(v) for v in values], type=pa.string())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        pq.write_table(pa.table(arrays), tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def write_csv(table_rows: Sequence[Mapping[str, Any]], path: Path) -> Path:
    """Write the rows as CSV (atomically); numbers as Python writes them (full precision)."""
    columns = list(table_rows[0]) if table_rows else ["index"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for r in table_rows:
        writer.writerow(["" if r.get(c) is None else (repr(r[c]) if isinstance(r[c], float) else _text(r[c]))
                         for c in columns])
    return write_text_atomic(path, buffer.getvalue())


__all__ = ["rows", "write_csv", "write_parquet"]
