"""A checked sweep file -> its points: each an ordinary run's inputs, named by a hash of them.

For every base hardware file and workload, each axis gives a list of *levels* (the values of a zip go together);
``combine: product`` takes every combination of levels (then ``sample`` draws ``n`` of them), ``one_at_a_time``
takes the base point plus each axis's levels alone. A level sets ``--set`` overrides (hardware paths; the value
written as a YAML flow scalar or mapping, exactly as ``--set`` reads it) and run options.

Before any point runs, every path is checked against the base hardware (a path that names no field is an error
naming the sweep file and key) and every option value against :meth:`RunOptions.check`. Values of hardware paths
are checked when a point loads its hardware: a combination the chip refuses (an ADC shared by more columns than
the crossbar has) is a failed point with its one-line message, not an error of the sweep.

The key of a point is a hash of its resolved inputs: archsim's version, the content of the hardware and workload
files (and of a ``stats`` or GPU file), the overrides in order, and every run option as the point will run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from archsim import __version__
from archsim.errors import ArchsimError, ConfigError
from archsim.hwconfig.load import load_hardware
from archsim.loader import resolve_path, to_raw
from archsim.pipeline.options import RunOptions
from archsim.sweep.options import RUN_OPTIONS, apply_options
from archsim.sweep.spec import MAX_POINTS, AxisSpec, LoadedSweep
from archsim.workload.load import load_workload

KEY_LENGTH = 16
"""Hex digits of a point's key (the name of its folder)."""


def flow(value: Any) -> str:
    """``value`` as ``--set`` writes it: a YAML flow scalar or mapping on one line."""
    text = yaml.safe_dump(value, default_flow_style=True, width=1 << 30, allow_unicode=True).strip()
    return text[:-3].strip() if text.endswith("\n...") or text.endswith("...") else text


def show(value: Any) -> str:
    """A value as a label shows it."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("preset", "kind"):
        return show(next(iter(value.values())))  # {preset: ReRamSBPreset} -> ReRamSBPreset
    if isinstance(value, (dict, list)):
        return flow(value)
    return str(value)


@dataclass(frozen=True, kw_only=True)
class Level:
    """One value of an axis (one of each member, for a zip)."""

    values: tuple[tuple[str, Any], ...]
    """``(path or option, value)`` of every member."""
    overrides: tuple[str, ...]
    """``KEY=VALUE`` overrides it sets."""
    options: tuple[tuple[str, Any], ...]
    """Run options it sets."""
    text: str
    """How labels and chart ticks show it: the axis's ``label`` template filled in, else the values."""


@dataclass(frozen=True, kw_only=True)
class Point:
    """One design point: an ordinary run's inputs (picklable; it travels to the workers)."""

    index: int
    """Position in the sweep (table order)."""
    key: str
    """Hash of the resolved inputs; the name of the point's folder."""
    label: str
    """Human-readable name."""
    hw_path: str
    """Base hardware file."""
    workload_path: str
    """Workload file."""
    overrides: tuple[str, ...]
    """Every ``--set`` override, in order (the sweep's, then the axes')."""
    options: tuple[tuple[str, Any], ...]
    """Run options (the sweep's, then the axes'), by the names of :data:`~archsim.sweep.options.RUN_OPTIONS`."""
    axes: tuple[tuple[str, str], ...]
    """``(axis title, tick text)`` of every axis (``-`` where a one-at-a-time point leaves it at the base)."""
    inputs: tuple[tuple[str, Any], ...]
    """``(column, value)`` of the table: hardware, workload, then every axis member's path or option."""

    def run_options(self, base: RunOptions | None = None, **fixed: Any) -> RunOptions:
        """The point's :class:`RunOptions`: ``base`` (default: what ``archsim run`` uses) with its overrides and
        options set, then ``fixed`` fields (``out_dir``, ``notify``, ...)."""
        if base is None:
            options = RunOptions(hw_path=self.hw_path, workload_path=self.workload_path, overrides=self.overrides,
                                 command="sweep")
        else:
            options = dataclasses.replace(base, hw_path=self.hw_path, workload_path=self.workload_path,
                                          overrides=self.overrides)
        options = apply_options(options, dict(self.options))
        return dataclasses.replace(options, **fixed) if fixed else options


def _sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _normalised(options: RunOptions) -> dict[str, Any]:
    return {name: to_raw(entry.read(options)) for name, entry in RUN_OPTIONS.items()}


def point_key(options: RunOptions) -> str:
    """The hash of a point's resolved inputs (see the module docstring)."""
    payload: dict[str, Any] = {
        "archsim": __version__, "hardware_sha256": _sha256(options.hw_path),
        "workload_sha256": _sha256(options.workload_path) if options.workload_path is not None else None,
        "overrides": list(options.overrides), "options": _normalised(options),
    }
    if options.stats_path is not None and Path(options.stats_path).is_file():
        payload["stats_sha256"] = _sha256(options.stats_path)
    if options.gpu is not None:
        gpu = resolve_path(options.gpu.name, "hwconfigs/gpus")
        if gpu.is_file():
            payload["gpu_sha256"] = _sha256(gpu)
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:KEY_LENGTH]


def _walk(raw: Any, path: str) -> tuple[bool, Any]:
    node = raw
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.lstrip("-").isdigit() and -len(node) <= int(part) < len(node):
            node = node[int(part)]
        else:
            return False, None
    return True, node


class _Expander:
    """Expands one sweep file against one base hardware file and one base options object."""

    def __init__(self, sweep: LoadedSweep, base: RunOptions | None, file_options: bool) -> None:
        self.sweep = sweep
        self.spec = sweep.spec
        self.base = base
        self.file_options = dict(sweep.spec.options) if file_options else {}
        self._raw: dict[str, Any] = {}

    def base_options(self, hw: str, workload: str) -> RunOptions:
        if self.base is None:
            options = RunOptions(hw_path=hw, workload_path=workload, command="sweep")
        else:
            options = dataclasses.replace(self.base, hw_path=hw, workload_path=workload)
        try:
            return apply_options(options, self.file_options)
        except ConfigError as exc:
            raise self.sweep.error(("options",), exc.message, exc.hint) from None

    def base_raw(self, hw: str, overrides: tuple[str, ...], where: tuple[Any, ...]) -> dict[str, Any]:
        """The resolved base hardware as plain data (loaded once per file)."""
        if hw not in self._raw:
            try:
                self._raw[hw] = to_raw(load_hardware(hw, overrides))
            except ArchsimError as exc:
                raise self.sweep.error(where, exc.message, exc.hint) from None
        return self._raw[hw]

    # -- levels -------------------------------------------------------------------------------------
    def member_values(self, axis: AxisSpec, where: tuple[Any, ...], raw: dict[str, Any]) -> list[Any]:
        if axis.values is not None:
            return list(axis.values)
        if axis.range is not None:
            return list(axis.range.values())
        assert axis.scale is not None and axis.path is not None
        found, base = _walk(raw, axis.path)
        if not found or isinstance(base, bool) or not isinstance(base, (int, float)):
            raise self.sweep.error((*where, "path"), f"scale needs a number at {axis.path} of the base hardware, "
                                   f"got {'nothing' if not found else repr(base)}")

        def bound(value: Any, key: str) -> float | None:
            if value is None or isinstance(value, (int, float)):
                return value
            ok, v = _walk(raw, value)
            if not ok or isinstance(v, bool) or not isinstance(v, (int, float)):
                raise self.sweep.error((*where, key), f"{value!r} is not a number of the base hardware")
            return float(v)

        lo, hi = bound(axis.min, "min"), bound(axis.max, "max")
        out: list[Any] = []
        for factor in axis.scale:
            v: float = base * factor
            if lo is not None:
                v = max(v, lo)
            if hi is not None:
                v = min(v, hi)
            value: int | float = int(v // 1) if isinstance(base, int) else float(v)
            if value != base and value not in out:
                out.append(value)
        return out

    def levels(self, axis: AxisSpec, where: tuple[Any, ...], hw: str, raw: dict[str, Any]) -> list[Level]:
        members = [(m, (*where, "zip", i) if axis.zip is not None else where) for i, m in enumerate(axis.members)]
        columns = [self.member_values(m, w, raw) for m, w in members]
        lengths = {len(c) for c in columns}
        if len(lengths) > 1:
            raise self.sweep.error((*where, "zip"), "the zipped axes have " + ", ".join(str(len(c)) for c in columns)
                                   + " values; a zip needs the same number in each")
        levels = []
        for combo in zip(*columns, strict=True):
            overrides, options = [], []
            for (m, _), value in zip(members, combo, strict=True):
                if m.path is not None:
                    overrides.append(f"{m.path}={flow(value)}")
                else:
                    options.append((str(m.option), value))
            values = tuple((m.key, v) for (m, _), v in zip(members, combo, strict=True))
            text = _label(axis.label, dict(values), ", ".join(show(v) for _, v in values))
            levels.append(Level(values=values, overrides=tuple(overrides), options=tuple(options), text=text))
        if axis.zip is not None and any(m.scale is not None for m, _ in members):
            base = tuple(_walk(raw, m.path)[1] if m.path is not None else None for m, _ in members)
            seen: list[tuple[Any, ...]] = []
            kept = []
            for level in levels:
                vals = tuple(v for _, v in level.values)
                if vals != base and vals not in seen:
                    kept.append(level)
                    seen.append(vals)
            levels = kept
        return levels

    def check_paths(self, hw: str, overrides: tuple[str, ...], raw: dict[str, Any],
                    levels: Sequence[tuple[AxisSpec, tuple[Any, ...], list[Level]]]) -> None:
        """Every hardware path must name a value of the base hardware, or be accepted there with its first value."""
        for axis, where, axis_levels in levels:
            for i, member in enumerate(axis.members):
                if member.path is None:
                    continue
                at = (*where, "zip", i, "path") if axis.zip is not None else (*where, "path")
                if _walk(raw, member.path)[0]:
                    continue
                if not axis_levels:
                    continue
                first = next(o for o in axis_levels[0].overrides if o.startswith(member.path + "="))
                try:
                    load_hardware(hw, (*overrides, first))
                except ArchsimError as exc:
                    raise self.sweep.error(at, f"{member.path!r} is not a field of {Path(hw).stem}: {exc.message}",
                                           exc.hint) from None

    def check_options(self, options: RunOptions, levels: Sequence[tuple[AxisSpec, tuple[Any, ...], list[Level]]]
                      ) -> None:
        """Every option value must be one the option takes (the flag's own check)."""
        try:
            options.check()
        except ConfigError as exc:
            raise self.sweep.error(("options",), exc.message, exc.hint) from None
        for axis, where, axis_levels in levels:
            for level in axis_levels:
                if not level.options:
                    continue
                try:
                    apply_options(options, dict(level.options)).check()
                except ConfigError as exc:
                    i = axis_levels.index(level)
                    at = (*where, "values", i) if axis.zip is None else (*where, "zip")
                    raise self.sweep.error(at, f"{level.text}: {exc.message}", exc.hint) from None


def _label(template: str | None, values: Mapping[str, Any], fallback: str) -> str:
    if template is None:
        return fallback
    return re.sub(r"\{([^{}]+)\}", lambda m: show(values[m.group(1)]) if m.group(1) in values else m.group(0),
                  template)


def expand(sweep: LoadedSweep, *, hardware: Sequence[str | Path] | None = None,
           workloads: Sequence[str | Path] | None = None, base: RunOptions | None = None,
           file_options: bool = True) -> list[Point]:
    """The points of ``sweep``, in table order.

    Two points may be the same run (``combine: one_at_a_time`` with an axis value equal to the base, under another
    label): they share a key, run once and fill two rows.

    Args:
        sweep: a loaded sweep file.
        hardware, workloads: replace the file's ``hardware`` / ``workloads`` (``archsim speedup`` sweeps around its
            own chip and network).
        base: the options every point starts from (default: the options of a plain ``archsim run``).
        file_options: apply the file's ``options:`` over ``base`` (False: ``base`` as given wins).

    Raises:
        ConfigError: naming the sweep file and key of a bad path, option value, hardware or workload file.
    """
    spec = sweep.spec
    def resolved(name: str | Path, folder: str, where: tuple[Any, ...]) -> str:
        try:
            return str(resolve_path(name, folder))
        except ConfigError as exc:
            raise sweep.error(where, exc.message, exc.hint) from None

    hw_files = [(resolved(h, "hwconfigs", ("hardware", i)), ("hardware", i))
                for i, h in enumerate(hardware or spec.hardware)]
    wl_files = [(resolved(w, "workloads", ("workloads", i)), ("workloads", i))
                for i, w in enumerate(workloads or spec.workloads)]
    for wl, where in wl_files:
        try:
            load_workload(wl)
        except ArchsimError as exc:
            raise sweep.error(where if workloads is None else (), exc.message, exc.hint) from None
    ex = _Expander(sweep, base, file_options)
    combos: list[tuple[str, str, list[tuple[AxisSpec, Level]], bool]] = []
    for hw, hw_where in hw_files:
        overrides = (*(base.overrides if base is not None else ()), *spec.overrides)
        raw = ex.base_raw(hw, overrides, hw_where if hardware is None else ())
        axis_levels = [(axis, ("axes", i), ex.levels(axis, ("axes", i), hw, raw)) for i, axis in enumerate(spec.axes)]
        ex.check_paths(hw, overrides, raw, axis_levels)
        for wl, _ in wl_files:
            ex.check_options(ex.base_options(hw, wl), axis_levels)
            for axis, where, levels in axis_levels:
                if not levels and spec.combine == "product":
                    raise sweep.error(where, "this axis has no values left (every scaled value equals the base)")
            if spec.combine == "product":
                for combo in itertools.product(*[[(a, lv) for lv in levels] for a, _, levels in axis_levels]):
                    combos.append((hw, wl, list(combo), False))
            else:
                combos.append((hw, wl, [], True))
                for axis, _, levels in axis_levels:
                    combos.extend((hw, wl, [(axis, lv)], False) for lv in levels)
            if len(combos) > MAX_POINTS and spec.sample is None:
                raise sweep.error(("axes",), f"the sweep has more than {MAX_POINTS:,} points",
                                  hint="draw some of them with sample: {n: N, seed: S}")
    if spec.sample is not None and spec.sample.n < len(combos):
        chosen = np.random.default_rng(spec.sample.seed).choice(len(combos), size=spec.sample.n, replace=False)
        combos = [combos[i] for i in sorted(int(c) for c in chosen)]
    many_hw, many_wl = len(hw_files) > 1, len(wl_files) > 1
    points: list[Point] = []
    base_overrides = (*(base.overrides if base is not None else ()), *spec.overrides)
    for hw, wl, combo, is_base in combos:
        values: dict[str, Any] = {}
        overrides = list(base_overrides)
        options = dict(ex.file_options)
        axes_text = dict.fromkeys((a.title for a in spec.axes), "-")
        parts = []
        for axis, level in combo:
            values.update(level.values)
            overrides += level.overrides
            options.update(level.options)
            axes_text[axis.title] = level.text
            parts.append(level.text if axis.label is not None else f"{axis.title}={level.text}")
        prefix = [p for p, many in ((Path(hw).stem, many_hw), (Path(wl).stem, many_wl)) if many]
        label = ", ".join(prefix + ([spec.baseline_label] if is_base else parts)) or spec.baseline_label
        inputs = [("hardware", Path(hw).stem), ("workload", Path(wl).stem)]
        for axis in spec.axes:
            for member in axis.members:
                inputs.append((member.key, values.get(member.key)))
        point = Point(index=len(points), key="", label=label, hw_path=hw, workload_path=wl,
                      overrides=tuple(overrides), options=tuple(options.items()), axes=tuple(axes_text.items()),
                      inputs=tuple(inputs))
        points.append(dataclasses.replace(point, key=point_key(point.run_options(base))))
    return points


__all__ = ["KEY_LENGTH", "Level", "Point", "expand", "flow", "point_key", "show"]
