"""Named metrics of a run's ``result.json``: what a sweep's objectives and table columns are.

A :class:`Metric` reads one number from the result dict of a run (the sections documented in
docs/architecture.md) and says which way is better. :data:`METRICS` is the registry; a new metric is one
:func:`register_metric` call. A metric whose section a run did not produce (no accuracy step, no GPU baseline) is
``None`` for that run, never a made-up number.

Two times per sample exist and they answer different questions:

* ``latency`` (``timing.latency_ns_per_sample``): one sample through the whole network, from its first forward MVM
  to its last output (input load and queueing before the first layer excluded);
* ``time_per_sample`` (makespan / batch = 1 / ``throughput``): what the GPU comparison divides by; with pipelining
  several samples are in flight, so it is shorter than the latency for a batch > 1;
* ``steady_state_throughput`` (1 / ``timing.interval_ns_per_sample``): samples per second once the pipeline is full.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from archsim.registry import Registry
from archsim.report.format import get
from archsim.results.io import finite_number

Extractor = Callable[[Mapping[str, Any]], float | None]
"""Reads a metric from a result dict; None when the run did not produce it."""


@dataclass(frozen=True, kw_only=True)
class Metric:
    """One named number of a run."""

    name: str
    """Registry name (an objective in a sweep file, a column of ``sweep.csv``)."""
    label: str
    """Axis label in reports."""
    unit: str
    """Unit of the value ('' for a plain number)."""
    goal: str
    """``min`` or ``max``: which way is better."""
    description: str
    """One line: what it is and where it comes from."""
    extract: Extractor
    """The reader."""

    def __post_init__(self) -> None:
        if self.goal not in ("min", "max"):
            raise ValueError(f"metric {self.name}: goal must be 'min' or 'max', got {self.goal!r}")

    def value(self, result: Mapping[str, Any]) -> float | None:
        """The metric of ``result`` (None when absent or not finite)."""
        v = self.extract(result)
        if v is None:
            return None
        v = float(v)
        return v if math.isfinite(v) else None

    def better(self, a: float, b: float) -> bool:
        """Whether ``a`` is strictly better than ``b``."""
        return a < b if self.goal == "min" else a > b


METRICS: Registry[Metric] = Registry("metric")
"""Every metric a sweep can use, in the order of the table's columns."""


def register_metric(metric: Metric) -> Metric:
    """Add ``metric`` to :data:`METRICS`."""
    return METRICS.register(metric.name, metric)


def _field(*path: str) -> Extractor:
    """The reader of the number at ``path`` of the result dict."""
    return lambda result: finite_number(get(result, *path))


def _inverse_ns(value: Any) -> float | None:
    v = finite_number(value)
    return 1e9 / v if v else None


def _last(values: Any) -> float | None:
    return finite_number(values[-1]) if isinstance(values, list) and values else None


def _accuracy(result: Mapping[str, Any], variant: str) -> float | None:
    acc = result.get("accuracy")
    if not isinstance(acc, Mapping) or "skipped" in acc:
        return None
    return _last(get(acc, variant, "test_accuracy"))


def _accuracy_after_drift(result: Mapping[str, Any]) -> float | None:
    drift = get(result, "accuracy", "settings", "drift")
    if not isinstance(drift, list) or not drift:
        return None
    rows = [r for r in drift if isinstance(r, Mapping) and finite_number(r.get("t_s")) is not None]
    if not rows:
        return None
    return finite_number(max(rows, key=lambda r: float(r["t_s"])).get("test_accuracy_mean"))


def _time_per_sample(result: Mapping[str, Any]) -> float | None:
    return _inverse_ns(get(result, "timing", "throughput_samples_per_s"))


def _energy_per_sample(result: Mapping[str, Any]) -> float | None:
    per = finite_number(get(result, "energy", "per_sample_pj"))
    if per is not None:
        return per
    total, batch = finite_number(get(result, "energy", "total_pj")), finite_number(get(result, "timing", "batch"))
    return total / batch if total is not None and batch else None


def _edp(result: Mapping[str, Any]) -> float | None:
    e, t = _energy_per_sample(result), _time_per_sample(result)
    return e * t if e is not None and t is not None else None


for _metric in (
    Metric(name="latency", label="latency per sample", unit="ns", goal="min",
           description="one sample from its first forward MVM to its last output (timing.latency_ns_per_sample)",
           extract=_field("timing", "latency_ns_per_sample")),
    Metric(name="time_per_sample", label="time per sample", unit="ns", goal="min",
           description="makespan / batch, the analog time of the GPU comparison (1 / timing.throughput)",
           extract=_time_per_sample),
    Metric(name="throughput", label="throughput", unit="samples/s", goal="max",
           description="batch / makespan (timing.throughput_samples_per_s)",
           extract=_field("timing", "throughput_samples_per_s")),
    Metric(name="steady_state_throughput", label="steady-state throughput", unit="samples/s", goal="max",
           description="samples per second once the pipeline is full (1 / timing.interval_ns_per_sample)",
           extract=lambda r: _inverse_ns(get(r, "timing", "interval_ns_per_sample"))),
    Metric(name="makespan", label="makespan", unit="ns", goal="min",
           description="time of the whole simulated batch (timing.makespan_ns)",
           extract=_field("timing", "makespan_ns")),
    Metric(name="energy_per_sample", label="energy per sample", unit="pJ", goal="min",
           description="dynamic + leakage energy per simulated sample (energy.per_sample_pj)",
           extract=_energy_per_sample),
    Metric(name="energy", label="energy of the batch", unit="pJ", goal="min",
           description="dynamic + leakage energy of the whole batch (energy.total_pj)",
           extract=_field("energy", "total_pj")),
    Metric(name="edp", label="energy-delay product per sample", unit="pJ·ns", goal="min",
           description="energy per sample x time per sample",
           extract=_edp),
    Metric(name="area", label="chip area", unit="mm²", goal="min",
           description="area of the whole chip (area.chip_area_mm2)",
           extract=_field("area", "chip_area_mm2")),
    Metric(name="peak_power", label="peak power", unit="W", goal="min",
           description="published full-activity power of the chip (area.chip_power_w)",
           extract=_field("area", "chip_power_w")),
    Metric(name="tiles_used", label="tiles used", unit="", goal="min",
           description="tiles holding weights (mapping.totals.n_tiles_used)",
           extract=_field("mapping", "totals", "n_tiles_used")),
    Metric(name="crossbar_utilisation", label="crossbar utilisation", unit="", goal="max",
           description="fraction of the used crossbars' cells holding weights (mapping.totals.utilisation)",
           extract=_field("mapping", "totals", "utilisation")),
    Metric(name="accuracy", label="analog test accuracy", unit="", goal="max",
           description="test accuracy of the analog network after the last epoch (accuracy.analog.test_accuracy)",
           extract=lambda r: _accuracy(r, "analog")),
    Metric(name="fp_accuracy", label="floating-point test accuracy", unit="", goal="max",
           description="test accuracy of the floating-point twin after the last epoch (accuracy.fp.test_accuracy)",
           extract=lambda r: _accuracy(r, "fp")),
    Metric(name="accuracy_after_drift", label="test accuracy at the last drift time", unit="", goal="max",
           description="mean test accuracy at the latest t_inference_s (accuracy.settings.drift, PCM inference)",
           extract=_accuracy_after_drift),
    Metric(name="speedup", label="speed-up vs GPU", unit="×", goal="max",
           description="GPU time per sample / analog time per sample (gpu.speedup)",
           extract=_field("gpu", "speedup")),
    Metric(name="energy_ratio", label="energy ratio vs GPU", unit="×", goal="max",
           description="GPU energy per sample / analog energy per sample (gpu.energy_ratio)",
           extract=_field("gpu", "energy_ratio")),
    Metric(name="tops_per_w", label="TOPS/W", unit="TOPS/W", goal="max",
           description="useful operations per joule of the analog chip (gpu.analog.tops_per_w)",
           extract=_field("gpu", "analog", "tops_per_w")),
):
    register_metric(_metric)


def metric_values(result: Mapping[str, Any]) -> dict[str, float | None]:
    """Every registered metric of ``result``."""
    return {name: metric.value(result) for name, metric in METRICS.items()}


__all__ = ["METRICS", "Metric", "metric_values", "register_metric"]
