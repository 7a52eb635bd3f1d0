"""The schema of ``result.json``: a version number, the required sections and the type of every value the report
and ``archsim run --stats`` read.

:data:`RESULT_SCHEMA_VERSION` is written into ``meta.schema_version`` by :meth:`RunResult.to_dict
<archsim.results.run.RunResult.to_dict>`; :func:`validate_result` checks a parsed file against the schema of
that version and raises one :class:`~archsim.errors.DataError` line naming the file and the dotted key of the
first value that does not fit (``result.json: energy.leakage_pj: expected a number >= 0, got true (a
boolean)``). Numbers must be finite (``NaN`` and ``Infinity`` are not JSON; :func:`archsim.results.io.read_json`
refuses them while parsing).

Required: ``meta`` (with ``schema_version``); a run result (it has ``timing``) also needs ``hardware``,
``workload``, ``mapping``, ``counts``, ``energy`` and ``area``; a training result (``archsim train``) has
``accuracy`` instead. Optional keys, when present, must have their type; keys the schema does not know are
allowed (sections of later pipeline steps, fields added within a schema version), since nothing reads them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from archsim.errors import DataError
from archsim.loader.source import describe
from archsim.results.io import read_json

#: Version of the result.json layout this archsim writes and reads.
RESULT_SCHEMA_VERSION = 1

Check = Callable[[Any, str], None]
"""A check of one value; raises :class:`_Mismatch` with the expected type."""


class _Mismatch(Exception):
    def __init__(self, path: str, expected: str, value: Any) -> None:
        super().__init__(path)
        self.path, self.expected, self.value = path, expected, value


def _describe(value: Any) -> str:
    return describe(value, mapping="an object")


def _join(path: str, key: str | int) -> str:
    return f"{path}[{key}]" if isinstance(key, int) else (f"{path}.{key}" if path else str(key))


def num(minimum: float | None = None, maximum: float | None = None, *, nullable: bool = False) -> Check:
    """A finite number (not a boolean) in ``[minimum, maximum]``; ``null`` too when ``nullable``."""
    bounds = (f" >= {minimum:g}" if minimum is not None and maximum is None else
              f" in [{minimum:g}, {maximum:g}]" if minimum is not None and maximum is not None else "")
    expected = f"a number{bounds}" + (" or null" if nullable else "")

    def check(value: Any, path: str) -> None:
        if value is None and nullable:
            return
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                or (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise _Mismatch(path, expected, value)
    return check


def integer(minimum: int | None = None, *, nullable: bool = False) -> Check:
    """An integer (not a boolean) >= ``minimum``; ``null`` too when ``nullable``."""
    expected = "an integer" + (f" >= {minimum}" if minimum is not None else "") + (" or null" if nullable else "")

    def check(value: Any, path: str) -> None:
        if value is None and nullable:
            return
        if isinstance(value, bool) or not isinstance(value, int) or (minimum is not None and value < minimum):
            raise _Mismatch(path, expected, value)
    return check


def text(*, nullable: bool = False) -> Check:
    """A string; ``null`` too when ``nullable``."""
    def check(value: Any, path: str) -> None:
        if not (isinstance(value, str) or (value is None and nullable)):
            raise _Mismatch(path, "a string" + (" or null" if nullable else ""), value)
    return check


def boolean() -> Check:
    """``true`` or ``false``."""
    def check(value: Any, path: str) -> None:
        if not isinstance(value, bool):
            raise _Mismatch(path, "true or false", value)
    return check


def anything() -> Check:
    """Any JSON value (content nothing reads with a fixed type)."""
    def check(value: Any, path: str) -> None:
        return None
    return check


def _container(value: Any, path: str, kind: type, expected: str, nullable: bool) -> bool:
    """Whether ``value`` is a ``kind`` whose content is to be checked; False for an allowed null, else raises."""
    if value is None and nullable:
        return False
    if not isinstance(value, kind):
        raise _Mismatch(path, expected + (" or null" if nullable else ""), value)
    return True


def list_of(item: Check, *, nullable: bool = False) -> Check:
    """A list whose items pass ``item``."""
    def check(value: Any, path: str) -> None:
        if _container(value, path, list, "a list", nullable):
            for i, v in enumerate(value):
                item(v, _join(path, i))
    return check


def map_of(item: Check, *, nullable: bool = False) -> Check:
    """An object with any keys whose values pass ``item``."""
    def check(value: Any, path: str) -> None:
        if _container(value, path, dict, "an object", nullable):
            for k, v in value.items():
                item(v, _join(path, k))
    return check


def obj(fields: Mapping[str, Check], *, required: tuple[str, ...] = (), nullable: bool = False) -> Check:
    """An object whose listed keys pass their checks; ``required`` keys must be present; other keys are free."""
    def check(value: Any, path: str) -> None:
        if not _container(value, path, dict, "an object", nullable):
            return
        for key in required:
            if key not in value:
                raise _Mismatch(_join(path, key), "a value (the key is required)", _MISSING)
        for key, sub in fields.items():
            if key in value:
                sub(value[key], _join(path, key))
    return check


def by_key(key: str, present: Check, absent: Check) -> Check:
    """``present`` for an object that has ``key``, else ``absent`` (a section of two shapes)."""
    def check(value: Any, path: str) -> None:
        (present if isinstance(value, dict) and key in value else absent)(value, path)
    return check


class _Missing:
    def __repr__(self) -> str:
        return "nothing"


_MISSING = _Missing()

_NS = num(0)
_PJ = num(0)
_FRACTION = num(0, 1)
_COUNT = integer(0)
_SHAPE = list_of(integer(0))

META = obj({
    "schema_version": integer(1), "seed": integer(), "command": text(), "mode": text(), "batch": integer(1),
    "pipeline": boolean(), "update_every": integer(1), "versions": map_of(text()), "stats_source": text(),
    "wall_time_s": num(0), "step_seconds": map_of(num(0)), "exception": text(nullable=True),
    "inputs": map_of(obj({"name": text(nullable=True), "path": text(), "sha256": text(),
                          "overrides": list_of(text())}, required=("path",))),
    "archsim_version": text(), "argv": list_of(text()), "wall_s": num(0),
}, required=("schema_version",))

HARDWARE = obj({
    "resolved": obj({"name": text(), "description": text()}), "non_default": map_of(anything()),
    "summary": map_of(anything()),
}, required=("resolved", "non_default"))

WORKLOAD = obj({
    "name": text(), "description": text(), "input_shape": _SHAPE, "dataset": text(), "task": text(),
    "n_classes": integer(1), "total_weights": _COUNT, "total_macs_per_sample": _COUNT,
    "layers": list_of(obj({"name": text(), "kind": text(), "in_shape": _SHAPE, "out_shape": _SHAPE,
                           "n_weights": _COUNT, "macs_per_sample": _COUNT}, required=("name", "kind"))),
}, required=("name", "layers"))

_SPLITS = list_of(integer(0))
MAPPING = obj({
    "n_rows": integer(1), "n_cols": integer(1), "hw_name": text(), "workload_name": text(),
    "layers": list_of(obj({
        "layer": text(), "kind": text(), "matrix_in": _COUNT, "matrix_rows": _COUNT, "matrix_cols": _COUNT,
        "n_replicas": integer(1), "row_splits": _SPLITS, "col_splits": _SPLITS, "n_crossbars": _COUNT,
        "n_blocks": _COUNT, "n_tiles": _COUNT, "tiles": list_of(integer(0)), "sequential_mvms_per_sample": num(0),
        "utilisation": _FRACTION, "n_weights": _COUNT, "macs_per_sample": _COUNT, "vectors_per_sample": _COUNT,
    }, required=("layer",))),
    "totals": map_of(num(0)),
    "floorplan": list_of(obj({
        "tile": integer(0), "n_crossbars_used": _COUNT, "layers": list_of(text()),
        "blocks": list_of(obj({"layer": text(), "n_crossbars": _COUNT})),
    }, required=("tile",))),
    "tile_of_node": map_of(integer(0)),
}, required=("layers",))

TIMING = obj({
    "mode": text(), "batch": integer(1), "pipeline": boolean(), "makespan_ns": _NS, "tick_ps": integer(1),
    "latency_ns_per_sample": _NS, "throughput_samples_per_s": num(0), "interval_ns_per_sample": _NS,
    "layers": list_of(obj({
        "layer": text(), "forward_ns_per_sample": _NS, "backward_ns_per_sample": _NS, "update_ns_per_sample": _NS,
        "digital_ns_per_sample": _NS, "latency_ns": _NS, "first_start_ns": _NS, "last_end_ns": _NS,
        "interval_ns": _NS, "sequential_mvms_per_sample": num(0),
    }, required=("layer", "forward_ns_per_sample"))),
    "busy_ns": map_of(_NS), "utilisation": map_of(num(0)), "n_events": _COUNT,
    "timeline": list_of(obj({"layer": text(), "phase": text(), "sample": integer(0), "start_ns": _NS,
                             "end_ns": _NS}, required=("layer", "phase", "sample", "start_ns", "end_ns"))),
    "timeline_truncated": boolean(),
}, required=("mode", "batch", "pipeline", "makespan_ns", "tick_ps", "latency_ns_per_sample",
             "throughput_samples_per_s"))

COUNTS = map_of(map_of(_COUNT))

ENERGY = obj({
    "total_pj": _PJ, "dynamic_pj": _PJ, "leakage_pj": _PJ, "per_sample_pj": num(0, nullable=True),
    "by_part_pj": map_of(_PJ), "by_part_action_pj": map_of(map_of(_PJ)), "by_scope_pj": map_of(map_of(_PJ)),
    "leakage_by_part_pj": map_of(_PJ), "by_layer_pj": map_of(_PJ),
}, required=("total_pj", "dynamic_pj", "leakage_pj", "by_scope_pj", "leakage_by_part_pj"))

AREA = obj({
    "items": list_of(obj({"scope": text(), "name": text(), "count": num(0), "area_um2": num(0),
                          "power_mw": num(0), "leakage_mw": num(0)},
                         required=("scope", "name", "count", "area_um2", "power_mw", "leakage_mw"))),
    "n_tiles": integer(1), "tile_area_um2": num(0), "tile_area_mm2": num(0), "chip_area_um2": num(0),
    "chip_area_mm2": num(0), "tile_power_mw": num(0), "chip_power_mw": num(0), "chip_power_w": num(0),
}, required=("items", "n_tiles", "tile_area_um2", "chip_area_um2", "tile_power_mw", "chip_power_mw"))

_CURVES = obj({key: list_of(num(nullable=True)) for key in
               ("train_loss", "train_accuracy", "test_loss", "test_accuracy", "lr")}, nullable=True)
LAYER_STATS = obj({
    "layer": text(), "mean_bm_passes_forward": num(1), "mean_bm_passes_backward": num(1),
    "mean_bl": num(0, nullable=True), "bl_histogram": map_of(_COUNT),
    "mean_pulses_per_device_per_update": num(0), "transfer_reads_per_sample": num(0, nullable=True),
    "transfer_writes_per_sample": num(0, nullable=True),
})
ACCURACY = by_key(
    "skipped", obj({"skipped": text()}),
    obj({
        "workload": text(), "hardware": text(), "dataset": text(), "task": text(), "n_train": _COUNT,
        "n_test": _COUNT, "epochs": _COUNT, "batch_size": integer(1), "lr": num(0), "seed": integer(),
        "analog": _CURVES, "fp": _CURVES, "layer_stats": map_of(LAYER_STATS),
        "extras": map_of(num(nullable=True)), "settings": map_of(anything()),
    }, required=("epochs", "layer_stats")),
)

_GPU_SIDE = obj({"time_ns_per_sample": num(0, nullable=True), "energy_pj_per_sample": num(0, nullable=True),
                 "throughput_samples_per_s": num(0, nullable=True), "tops": num(0, nullable=True),
                 "tops_per_w": num(0, nullable=True), "gpu": text(), "batch_size": integer(1, nullable=True)})
GPU = obj({
    "speedup": num(0, nullable=True), "energy_ratio": num(0, nullable=True), "gpu_tops": num(0, nullable=True),
    "gpu_tops_per_w": num(0, nullable=True), "ops_per_sample": num(0, nullable=True),
    "baseline": _GPU_SIDE, "analog": _GPU_SIDE, "paper_checks_lines": list_of(text()),
    "layers": list_of(obj({"layer": text(), "kind": text(), "speedup": num(0, nullable=True),
                           "analog_time_ns_per_sample": num(0, nullable=True),
                           "gpu_time_ns_per_sample": num(0, nullable=True),
                           "analog_energy_pj_per_sample": num(0, nullable=True),
                           "gpu_energy_pj_per_sample": num(0, nullable=True),
                           "gpu_bound": text(nullable=True)})),
})

#: Section name -> check, in the order of docs/architecture.md.
SECTIONS: dict[str, Check] = {"meta": META, "hardware": HARDWARE, "workload": WORKLOAD, "mapping": MAPPING,
                              "timing": TIMING, "counts": COUNTS, "energy": ENERGY, "area": AREA,
                              "accuracy": ACCURACY, "gpu": GPU}
#: Sections a run result (one with ``timing``) always has.
RUN_SECTIONS = ("hardware", "workload", "mapping", "timing", "counts", "energy", "area")

_HINT = "the file is damaged or was not written by this archsim; re-run the command that wrote it"


def validate_result(data: Any, name: str = "result.json") -> None:
    """Check a parsed ``result.json`` against the schema of :data:`RESULT_SCHEMA_VERSION`.

    Raises:
        DataError: ``"<name>: <dotted key>: expected ..., got ..."`` for the first value that does not fit.
    """
    if not isinstance(data, dict):
        raise DataError(f"{name}: expected a JSON object (a result.json written by archsim), got {_describe(data)}",
                        hint=_HINT)
    if "meta" not in data:
        raise DataError(f"{name}: missing section 'meta'", hint=_HINT)
    meta = data["meta"]
    if isinstance(meta, dict) and meta.get("schema_version", RESULT_SCHEMA_VERSION) != RESULT_SCHEMA_VERSION \
            and isinstance(meta.get("schema_version"), int) and not isinstance(meta.get("schema_version"), bool):
        raise DataError(f"{name}: meta.schema_version: this archsim reads result schema version "
                        f"{RESULT_SCHEMA_VERSION}, got {meta['schema_version']}",
                        hint="re-render it with the archsim that wrote it, or re-run the command")
    if "timing" in data:
        missing = [s for s in RUN_SECTIONS if s not in data]
        if missing:
            raise DataError(f"{name}: missing section {missing[0]!r} (a run result has "
                            f"{', '.join(RUN_SECTIONS)})", hint=_HINT)
    elif "accuracy" not in data:
        raise DataError(f"{name}: no results: expected the sections of a run ('timing', ...) or of a training "
                        f"run ('accuracy')", hint=_HINT)
    try:
        for section, check in SECTIONS.items():
            if section in data:
                check(data[section], section)
    except _Mismatch as exc:
        got = "nothing" if exc.value is _MISSING else _describe(exc.value)
        if exc.value is _MISSING:
            raise DataError(f"{name}: {exc.path}: missing (the key is required)", hint=_HINT) from None
        raise DataError(f"{name}: {exc.path}: expected {exc.expected}, got {got}", hint=_HINT) from None


def validate_layer_stats(raw: Any, name: str) -> None:
    """Check ``accuracy.layer_stats`` of a statistics file (``archsim run --stats``) against the schema.

    Raises:
        DataError: naming the file and the dotted key of the first value that does not fit.
    """
    try:
        map_of(LAYER_STATS)(raw, "accuracy.layer_stats")
    except _Mismatch as exc:
        got = "nothing" if exc.value is _MISSING else _describe(exc.value)
        raise DataError(f"{name}: {exc.path}: expected {exc.expected}, got {got}", hint=_HINT) from None


def read_result_file(path: str | Path) -> dict[str, Any]:
    """Read and validate a ``result.json`` file; return the parsed object.

    Raises:
        DataError: if the file is missing, unreadable, not strict JSON (``NaN``/``Infinity`` included) or does
            not fit the schema (:func:`validate_result`).
    """
    data = read_json(path)
    validate_result(data, str(path))
    return data  # type: ignore[no-any-return]
