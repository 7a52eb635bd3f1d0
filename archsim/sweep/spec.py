"""The sweep file: base hardware file(s) x workload(s) x axes, objectives and how points are combined.

A sweep file is strict YAML read by the project's one loader (:mod:`archsim.loader`), so a typo is one line naming
the file, line and key, like a hardware file::

    version: 1
    name: isaac-adc
    description: ADC resolution and sharing on ISAAC, ResNet-18 inference
    hardware: [isaac-2016]              # bundled names or paths; several files are an axis of their own
    workloads: [resnet18]
    overrides: []                       # --set overrides of every point
    options: {mode: inference, batch: 1, accuracy: off}   # run options of every point (the flags' names)
    axes:
      - path: tile.adc.bits             # a dotted hardware path (the --set syntax) ...
        values: [4, 6, 8]
      - path: tile.adc.columns_per_adc
        range: {start: 16, stop: 128, num: 4, scale: log}   # ... with a list, or a linear / log range
      - option: replicas                # a run option
        values: [none, auto]
      - name: crossbar                  # several paths changed together
        zip:
          - {path: tile.n_rows, values: [64, 128]}
          - {path: tile.n_cols, values: [64, 128]}
    sample: {n: 20, seed: 1}            # optional: 20 points drawn from the product
    objectives: [latency, energy_per_sample, area]   # metrics of result.json (archsim.sweep.metrics)
    pareto: [[latency, energy_per_sample]]           # optional: the 2-D fronts to plot (default: every pair)

``combine: one_at_a_time`` varies each axis alone around the base point (which is a point of its own, labelled
``baseline_label``) instead of taking the product; ``scale: [0.5, 2]`` (hardware paths only) gives values relative
to the base hardware's value (``min``/``max``, numbers or dotted paths of the base hardware, clamp them; results
equal to the base value or to an earlier one are dropped; integer fields are rounded down). ``label`` is a
template of a point's name: ``"crossbar {tile.n_rows}x{tile.n_cols}"``.

:func:`load_sweep` reads and checks the file; :mod:`archsim.sweep.expand` turns it into points.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archsim.errors import ConfigError
from archsim.loader import Source, build_dataclass, describe, located_error, read_yaml, resolve_path
from archsim.sweep.metrics import METRICS
from archsim.sweep.options import RUN_OPTIONS

COMBINE = ("product", "one_at_a_time")
"""How axes combine: every combination, or each axis alone around the base point."""

RANGE_SCALES = ("linear", "log")
"""Spacing of a range's values."""

MAX_POINTS = 100_000
"""Largest number of points a sweep expands to (a typo in a range should not queue a billion runs)."""


@dataclass(frozen=True, kw_only=True)
class RangeSpec:
    """Evenly spaced values from ``start`` to ``stop`` (both included): ``num`` values, or every ``step``."""

    start: int | float
    """First value."""
    stop: int | float
    """Last value (included when a whole number of steps away)."""
    num: int | None = None
    """Number of values (with ``linear`` or ``log`` spacing)."""
    step: int | float | None = None
    """Step between values (``linear`` only)."""
    scale: str = "linear"
    """:data:`RANGE_SCALES`: ``log`` spaces the values evenly in log10."""

    @property
    def integer(self) -> bool:
        """Whether the values are integers (start and stop, and step if given, are written as integers)."""
        return all(isinstance(v, int) for v in (self.start, self.stop, *(() if self.step is None else (self.step,))))

    def values(self) -> list[int | float]:
        """The values in order; integer ranges are rounded (log ranges) and duplicates dropped."""
        out: list[float]
        if self.step is not None:
            n = math.floor((self.stop - self.start) / self.step + 1e-9) + 1
            out = [self.start + i * self.step for i in range(n)]
        else:
            n = int(self.num or 1)
            if n == 1:
                out = [float(self.start)]
            elif self.scale == "log":
                lo, hi = math.log10(self.start), math.log10(self.stop)
                out = [10 ** (lo + (hi - lo) * i / (n - 1)) for i in range(n)]
                out[0], out[-1] = float(self.start), float(self.stop)
            else:
                out = [self.start + (self.stop - self.start) * i / (n - 1) for i in range(n)]
        values: list[int | float] = [int(round(v)) for v in out] if self.integer else [float(v) for v in out]
        return list(dict.fromkeys(values))


@dataclass(frozen=True, kw_only=True)
class AxisSpec:
    """One axis: a hardware path or a run option with its values, or a zip of axes changed together."""

    path: str | None = None
    """Dotted hardware path, as ``--set`` takes it (``tile.adc.bits``)."""
    option: str | None = None
    """A run option (:data:`~archsim.sweep.options.RUN_OPTIONS`: ``batch``, ``replicas``, ``mode``, ...)."""
    zip: tuple[AxisSpec, ...] | None = None
    """Axes whose i-th values go together (equal lengths)."""
    values: tuple[Any, ...] | None = None
    """The values (any YAML value: a number, a string, a mapping such as ``{preset: ReRamSBPreset}``)."""
    range: RangeSpec | None = None
    """Evenly spaced values."""
    scale: tuple[int | float, ...] | None = None
    """Factors of the base hardware's value at ``path``."""
    min: int | float | str | None = None
    """With ``scale``: the smallest value (a number or a dotted path of the base hardware)."""
    max: int | float | str | None = None
    """With ``scale``: the largest value (a number or a dotted path of the base hardware)."""
    name: str | None = None
    """Name of the axis in tables and charts (default: the path, the option, or the zipped names)."""
    label: str | None = None
    """Template of a point's label: ``{path}`` or ``{option}`` is replaced by the point's value."""

    @property
    def members(self) -> tuple[AxisSpec, ...]:
        """The axes changed together (itself unless a zip)."""
        return self.zip if self.zip is not None else (self,)

    @property
    def key(self) -> str:
        """The path or option this (non-zip) axis sets."""
        return self.path if self.path is not None else str(self.option)

    @property
    def title(self) -> str:
        """Display name."""
        if self.name:
            return self.name
        return " + ".join(m.key for m in self.members)


@dataclass(frozen=True, kw_only=True)
class SampleSpec:
    """Draw ``n`` points at random (without replacement) from the product."""

    n: int
    """Number of points."""
    seed: int = 0
    """Seed of the draw."""


@dataclass(frozen=True, kw_only=True)
class SweepFile:
    """A sweep file (see the module docstring)."""

    version: int
    """File format version (1)."""
    name: str
    """Sweep name (the default output folder is ``reports/<name>``)."""
    description: str = ""
    """What the sweep studies."""
    hardware: tuple[str, ...]
    """Base hardware files (paths or bundled names)."""
    workloads: tuple[str, ...]
    """Workloads (paths or bundled names)."""
    overrides: tuple[str, ...] = ()
    """``KEY=VALUE`` overrides applied to every point (before the axes')."""
    options: dict[str, Any] = field(default_factory=dict)
    """Run options of every point (before the axes')."""
    axes: tuple[AxisSpec, ...] = ()
    """The axes."""
    combine: str = "product"
    """:data:`COMBINE`."""
    baseline_label: str = "baseline"
    """Label of the base point with ``combine: one_at_a_time``."""
    sample: SampleSpec | None = None
    """Draw this many points from the product at random (``product`` only)."""
    objectives: tuple[str, ...]
    """Metrics to optimise (names of :data:`~archsim.sweep.metrics.METRICS`)."""
    pareto: tuple[tuple[str, str], ...] | None = None
    """Pairs of objectives whose 2-D Pareto fronts the report plots (default: every pair)."""

    @property
    def fronts(self) -> tuple[tuple[str, str], ...]:
        """The objective pairs to plot."""
        if self.pareto is not None:
            return self.pareto
        objs = self.objectives
        return tuple((a, b) for i, a in enumerate(objs) for b in objs[i + 1:])


@dataclass(frozen=True, kw_only=True)
class LoadedSweep:
    """A checked sweep file with the place of every key (for errors found while expanding it)."""

    spec: SweepFile
    """The file's content."""
    path: Path
    """Where it was read from."""
    source: Source
    """Line of every YAML path."""

    def error(self, where: tuple[Any, ...], message: str, hint: str | None = None) -> ConfigError:
        """A :class:`ConfigError` naming this file, the line and the key of ``where``."""
        error = located_error(self.source, where, message, hint=hint)
        assert isinstance(error, ConfigError)
        return error


def _unknown(what: str, name: Any, valid: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(str(name), list(valid), n=1)
    return (f"unknown {what} {name!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
            + f"; valid {what}s: " + ", ".join(valid))


def _check_range(r: RangeSpec, where: tuple[Any, ...], source: Source) -> None:
    if r.scale not in RANGE_SCALES:
        raise located_error(source, (*where, "scale"), _unknown("scale", r.scale, RANGE_SCALES))
    if (r.num is None) == (r.step is None):
        raise located_error(source, where, "expected exactly one of 'num' or 'step'",
                            hint="num: N gives N values, step: S every S from start to stop")
    if r.num is not None and r.num < 1:
        raise located_error(source, (*where, "num"), f"expected an integer >= 1, got {r.num}")
    if r.num == 1 and r.start != r.stop:
        raise located_error(source, (*where, "num"), "expected num >= 2 for a range from start to stop",
                            hint="or give values: [x] for one value")
    if r.step is not None:
        if r.scale == "log":
            raise located_error(source, (*where, "step"), "a log range takes 'num', not 'step'")
        if r.step <= 0:
            raise located_error(source, (*where, "step"), f"expected a number > 0, got {r.step}")
        if r.stop < r.start:
            raise located_error(source, (*where, "stop"), f"expected stop >= start ({r.start}), got {r.stop}")
    if r.scale == "log" and (r.start <= 0 or r.stop <= 0):
        raise located_error(source, where, f"a log range needs start and stop > 0, got {r.start} and {r.stop}")


def _check_axis(axis: AxisSpec, where: tuple[Any, ...], source: Source, *, inner: bool = False) -> None:
    kinds = [k for k in ("path", "option", "zip") if getattr(axis, k) is not None]
    if len(kinds) != 1:
        raise located_error(source, where, "expected exactly one of 'path', 'option' or 'zip'"
                            + (f", got {' and '.join(kinds)}" if kinds else ""),
                            hint="path: tile.adc.bits for a hardware field, option: batch for a run option")
    if axis.zip is not None:
        if inner:
            raise located_error(source, (*where, "zip"), "a zip cannot hold another zip")
        if not axis.zip:
            raise located_error(source, (*where, "zip"), "expected at least one axis, got an empty list")
        for name in ("values", "range", "scale", "min", "max"):
            if getattr(axis, name) is not None:
                raise located_error(source, (*where, name), "give the values of a zip in each of its members")
        for i, member in enumerate(axis.zip):
            _check_axis(member, (*where, "zip", i), source, inner=True)
        return
    if axis.option is not None and axis.option not in RUN_OPTIONS:
        raise located_error(source, (*where, "option"), _unknown("run option", axis.option, RUN_OPTIONS.names()))
    if axis.path is not None and (not axis.path.strip() or not all(p.strip() for p in axis.path.split("."))):
        raise located_error(source, (*where, "path"), f"expected a dotted hardware path, got {axis.path!r}")
    given = [k for k in ("values", "range", "scale") if getattr(axis, k) is not None]
    if len(given) != 1:
        raise located_error(source, where, "expected exactly one of 'values', 'range' or 'scale'"
                            + (f", got {' and '.join(given)}" if given else ""))
    if axis.values is not None:
        if not axis.values:
            raise located_error(source, (*where, "values"), "expected at least one value, got an empty list")
        seen: list[Any] = []
        for i, v in enumerate(axis.values):
            if v in seen:
                raise located_error(source, (*where, "values", i), f"{describe(v)} is given twice")
            seen.append(v)
    if axis.range is not None:
        _check_range(axis.range, (*where, "range"), source)
    if axis.scale is not None:
        if axis.path is None:
            raise located_error(source, (*where, "scale"), "scale is relative to a hardware value; "
                                "it needs 'path', not 'option'")
        if not axis.scale:
            raise located_error(source, (*where, "scale"), "expected at least one factor, got an empty list")
        for i, f in enumerate(axis.scale):
            if not f > 0:
                raise located_error(source, (*where, "scale", i), f"expected a factor > 0, got {f}")
    elif axis.min is not None or axis.max is not None:
        raise located_error(source, (*where, "min" if axis.min is not None else "max"),
                            "min and max clamp the values of 'scale'", hint="give scale: [...] or drop it")


def check_sweep(spec: SweepFile, source: Source) -> None:
    """Whole-file checks with the line of the offending key (names, objectives, axes' shapes).

    Raises:
        ConfigError: naming the file, line and key.
    """
    if spec.version != 1:
        raise located_error(source, ("version",), f"unknown version {spec.version}; this archsim reads version 1")
    if not spec.name.strip() or "/" in spec.name or spec.name.startswith("."):
        raise located_error(source, ("name",), f"expected a plain name (a folder name), got {spec.name!r}")
    for key in ("hardware", "workloads"):
        if not getattr(spec, key):
            raise located_error(source, (key,), "expected at least one file, got an empty list")
    if spec.combine not in COMBINE:
        raise located_error(source, ("combine",), _unknown("combination", spec.combine, COMBINE))
    if spec.sample is not None:
        if spec.combine != "product":
            raise located_error(source, ("sample",), "sample draws from the product; it needs combine: product")
        if spec.sample.n < 1:
            raise located_error(source, ("sample", "n"), f"expected an integer >= 1, got {spec.sample.n}")
    for name in spec.options:
        if name not in RUN_OPTIONS:
            raise located_error(source, ("options", name), _unknown("run option", name, RUN_OPTIONS.names()))
    for i, axis in enumerate(spec.axes):
        _check_axis(axis, ("axes", i), source)
    titles = [a.title for a in spec.axes]
    for i, title in enumerate(titles):
        if title in titles[:i] or title in ("hardware", "workload"):
            raise located_error(source, ("axes", i), f"two axes are called {title!r}",
                                hint="give one of them a different 'name:'")
    if not spec.objectives:
        raise located_error(source, ("objectives",), "expected at least one metric, got an empty list",
                            hint="metrics: " + ", ".join(METRICS.names()))
    for i, name in enumerate(spec.objectives):
        if name not in METRICS:
            raise located_error(source, ("objectives", i), _unknown("metric", name, METRICS.names()))
        if name in spec.objectives[:i]:
            raise located_error(source, ("objectives", i), f"metric {name!r} is given twice")
    for i, pair in enumerate(spec.pareto or ()):
        for j, name in enumerate(pair):
            if name not in spec.objectives:
                raise located_error(source, ("pareto", i, j), f"{name!r} is not one of the objectives ("
                                    + ", ".join(spec.objectives) + ")")
        if pair[0] == pair[1]:
            raise located_error(source, ("pareto", i), f"a front needs two different objectives, got {pair[0]!r} twice")


def load_sweep(path: str | Path) -> LoadedSweep:
    """Read and check a sweep file (a path, or the name of a bundled sweep in ``sweeps/``).

    Raises:
        ConfigError: on any problem, one line naming the file, line and key.
    """
    p = resolve_path(path, "sweeps")
    raw, source = read_yaml(p, what="sweep file")
    if not isinstance(raw, dict):
        raise ConfigError(f"{source.name}:1: expected a mapping at the top level, got {describe(raw)}")
    if "version" not in raw:
        raise ConfigError(f"{source.name}:1: missing key 'version'", hint="add 'version: 1' at the top of the file")
    for key in ("hardware", "workloads"):
        if isinstance(raw.get(key), str):
            raw[key] = [raw[key]]  # one file may be given without a list
    spec = build_dataclass(raw, SweepFile, source)
    check_sweep(spec, source)
    return LoadedSweep(spec=spec, path=p, source=source)


__all__ = ["COMBINE", "AxisSpec", "LoadedSweep", "RangeSpec", "SampleSpec", "SweepFile", "check_sweep",
           "load_sweep"]
