"""result.json → report view model (pure: no HTML, no I/O).

:func:`build_report_data` turns the result dict of one run (the sections of docs/architecture.md:
``meta``, ``hardware``, ``workload``, ``mapping``, ``timing``, ``counts``, ``energy``, ``area``,
``accuracy``, ``gpu``) into a :class:`ReportData`: summary cards, tables of formatted strings and chart
series of plain numbers. A section that is absent from the result (the part was not run) becomes a
:class:`Section` with ``present=False`` and a note, so the report says "not run" instead of failing.

Keys read (the producers' ``to_dict()`` formats): ``meta.versions.archsim``, ``meta.command``/``mode``/
``batch``/``seed``/``wall_time_s``; ``hardware.resolved.name``/``description`` and ``hardware.non_default``;
``mapping.layers`` (``LayerMapping.summary()``), ``mapping.totals``, ``mapping.floorplan``;
``timing`` (``TimingResult.to_dict()``: ``layers``, ``utilisation``, ``timeline``); ``energy``
(``EnergyBreakdown.to_dict()``: ``total_pj``, ``by_part_pj``, ``by_part_action_pj``, ``per_sample_pj``);
``area`` (``AreaBreakdown.to_dict()``: ``items``, ``chip_area_mm2``); ``accuracy``
(``AccuracyResult.to_dict()``: ``analog``/``fp`` curves, ``layer_stats``); ``gpu``
(:func:`archsim.gpu.compare.compare`).

Every number shown is formatted here by :func:`fmt_si` / :func:`fmt_num` (three significant figures),
so gold files are stable. User-supplied strings (workload, layer and hardware names) are passed through
unchanged; escaping is the renderer's job (jinja2 autoescape).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

#: Maximum bars in the Gantt chart (the rest is summarised in a note).
MAX_GANTT_BARS = 600
#: Maximum bars in a breakdown chart (the rest is folded into "other").
MAX_BREAKDOWN_BARS = 16

_SI = [
    (1e12, "T"),
    (1e9, "G"),
    (1e6, "M"),
    (1e3, "k"),
    (1.0, ""),
    (1e-3, "m"),
    (1e-6, "µ"),
    (1e-9, "n"),
    (1e-12, "p"),
    (1e-15, "f"),
]


def fmt_num(value: Any, digits: int = 3) -> str:
    """A number with ``digits`` significant figures, thousands separators for large ones; '—' if missing."""
    if value is None or isinstance(value, bool):
        return "—" if value is None else str(value)
    if isinstance(value, int):
        return f"{value:,}"
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(v):
        return "—"
    if v == 0:
        return "0"
    if 10 ** (digits - 1) <= abs(v) < 1e6:
        return f"{round(v):,}"
    v = float(f"{v:.{digits - 1}e}")
    if 1e-3 <= abs(v) < 1e6:
        decimals = max(0, digits - 1 - math.floor(math.log10(abs(v))))
        return f"{v:,.{decimals}f}"
    return f"{v:.{digits - 1}e}"


def fmt_si(value: Any, unit: str, digits: int = 3) -> str:
    """``value`` in base ``unit`` with an SI prefix: ``fmt_si(1.5e-6, 's') == '1.50 µs'``."""
    if value is None:
        return "—"
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(v):
        return "—"
    if v == 0:
        return f"0 {unit}"
    for scale, prefix in _SI:
        if abs(v) >= scale * 0.9995:
            break
    x = float(f"{v / scale:.{digits - 1}e}")  # round to significant figures first (0.99996 → 1.00)
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(x))))
    return f"{x:.{decimals}f} {prefix}{unit}"


def fmt_ratio(value: Any) -> str:
    """A ratio as ``12.3×``."""
    if value is None:
        return "—"
    return f"{fmt_num(value)}×"


def fmt_pct(value: Any) -> str:
    """A fraction as a percentage."""
    if value is None:
        return "—"
    return f"{float(value) * 100:.1f} %"


# --------------------------------------------------------------------------------------------------
# View-model classes


@dataclass(frozen=True, kw_only=True)
class Card:
    """One summary card."""

    label: str
    value: str
    detail: str = ""


@dataclass(frozen=True, kw_only=True)
class Table:
    """A table of formatted strings; ``numeric`` marks right-aligned columns."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Bar:
    """One bar (or a group of bars sharing a label)."""

    label: str
    values: tuple[float, ...]
    texts: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class BarChart:
    """Horizontal bar chart; several ``series`` make grouped bars."""

    id: str
    title: str
    series: tuple[str, ...]
    bars: tuple[Bar, ...]
    log: bool = False


@dataclass(frozen=True, kw_only=True)
class LineSeries:
    """One line: (x, y) points."""

    name: str
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True, kw_only=True)
class LineChart:
    """Line chart with a shared x axis."""

    id: str
    title: str
    x_label: str
    y_label: str
    series: tuple[LineSeries, ...]


@dataclass(frozen=True, kw_only=True)
class GanttBar:
    """One bar of the timeline."""

    lane: int
    start_ns: float
    end_ns: float
    phase: str
    label: str


@dataclass(frozen=True, kw_only=True)
class Gantt:
    """Timeline: lanes (layers) × bars coloured by phase."""

    id: str
    title: str
    lanes: tuple[str, ...]
    bars: tuple[GanttBar, ...]
    t_end_ns: float
    phases: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class FloorTile:
    """One tile of the floorplan."""

    tile: int
    layer: str
    """The layer holding most crossbars on the tile ('' for an unused tile)."""
    colour: int
    """Index into the layer legend; -1 for an unused tile."""
    title: str
    """Hover text."""


@dataclass(frozen=True, kw_only=True)
class Floorplan:
    """Tiles of the chip coloured by layer."""

    id: str
    title: str
    tiles: tuple[FloorTile, ...]
    legend: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Section:
    """One report section; ``present=False`` renders as 'not run' with ``note``."""

    id: str
    title: str
    present: bool
    note: str = ""
    lines: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    charts: tuple[Any, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ReportData:
    """Everything the HTML template shows."""

    title: str
    subtitle: str
    meta: tuple[tuple[str, str], ...]
    cards: tuple[Card, ...]
    sections: tuple[Section, ...] = field(default_factory=tuple)

    @property
    def n_charts(self) -> int:
        """Charts over all sections."""
        return sum(len(s.charts) for s in self.sections)


# --------------------------------------------------------------------------------------------------
# Helpers


def _get(d: Any, *path: str, default: Any = None) -> Any:
    for key in path:
        if not isinstance(d, Mapping) or key not in d:
            return default
        d = d[key]
    return d


def _num(value: Any) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _total(value: Any) -> float | None:
    """A number, or the sum of the numbers in a (nested) mapping."""
    if isinstance(value, Mapping):
        parts = [_total(v) for v in value.values()]
        nums = [p for p in parts if p is not None]
        return sum(nums) if nums else None
    return _num(value)


def _breakdown_bars(items: Mapping[str, Any], unit: str, scale: float = 1.0) -> tuple[Bar, ...]:
    pairs = [(str(k), _total(v)) for k, v in items.items()]
    pairs = sorted(
        [(k, v * scale) for k, v in pairs if v is not None and v > 0], key=lambda kv: (-kv[1], kv[0])
    )
    if len(pairs) > MAX_BREAKDOWN_BARS:
        rest = sum(v for _, v in pairs[MAX_BREAKDOWN_BARS - 1 :])
        pairs = pairs[: MAX_BREAKDOWN_BARS - 1] + [(f"other ({len(pairs) - MAX_BREAKDOWN_BARS + 1})", rest)]
    total = sum(v for _, v in pairs) or 1.0
    return tuple(
        Bar(label=k, values=(v,), texts=(f"{fmt_si(v, unit)} ({v / total * 100:.1f} %)",)) for k, v in pairs
    )


def _not_run(sid: str, title: str, what: str) -> Section:
    return Section(id=sid, title=title, present=False, note=f"not run: {what}")


# --------------------------------------------------------------------------------------------------
# Sections


def _hardware_section(result: Mapping[str, Any]) -> Section:
    hw = result.get("hardware")
    if not isinstance(hw, Mapping):
        return _not_run("hardware", "Hardware", "the result has no hardware section")
    non_default = hw.get("non_default") or {}
    resolved = hw.get("resolved") or {}
    lines = []
    name = resolved.get("name") or _get(result, "meta", "inputs", "hwconfig", "name")
    if name:
        lines.append(f"{name}: {resolved.get('description', '')}".rstrip(": "))
    rows = tuple(
        (str(k), _clip(_fmt_value(v)))
        for k, v in sorted(non_default.items())
        if k not in ("name", "description")
    )
    half = (len(rows) + 1) // 2 if len(rows) > 12 else len(rows)
    tables = tuple(
        Table(columns=("field", "value"), rows=part) for part in (rows[:half], rows[half:]) if part
    )
    if not rows:
        lines.append("All fields at their defaults.")
    return Section(
        id="hardware",
        title="Hardware (fields that differ from the defaults)",
        present=True,
        lines=tuple(lines),
        tables=tables,
    )


def _clip(text: str, n: int = 90) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _fmt_value(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, (list, tuple)):
        return ", ".join(_fmt_value(x) for x in v)
    if isinstance(v, Mapping):
        return ", ".join(f"{k}: {_fmt_value(x)}" for k, x in sorted(v.items(), key=lambda kv: str(kv[0])))
    return str(v)


def _mapping_section(result: Mapping[str, Any]) -> Section:
    m = result.get("mapping")
    if not isinstance(m, Mapping):
        return _not_run("mapping", "Mapping", "the result has no mapping section")
    layers = m.get("layers") or []
    rows = []
    for lm in layers:
        rows.append(
            (
                str(lm.get("layer", "")),
                str(lm.get("kind", "")),
                f"{lm.get('matrix_rows', '?')}×{lm.get('matrix_cols', '?')}",
                fmt_num(lm.get("n_replicas")),
                f"{len(lm.get('row_splits') or [1])}×{len(lm.get('col_splits') or [1])}",
                fmt_num(lm.get("n_crossbars", lm.get("n_blocks"))),
                fmt_num(lm.get("n_tiles", len(lm.get("tiles") or []))),
                fmt_num(lm.get("sequential_mvms_per_sample")),
                fmt_pct(lm.get("utilisation")),
            )
        )
    table = Table(
        columns=(
            "layer",
            "kind",
            "matrix",
            "replicas",
            "splits",
            "crossbars",
            "tiles",
            "seq. MVMs/sample",
            "utilisation",
        ),
        rows=tuple(rows),
        numeric=(False, False, True, True, True, True, True, True, True),
    )
    totals = m.get("totals") or {}
    lines = []
    if totals:
        lines.append(
            f"{fmt_num(totals.get('n_tiles_used'))} of {fmt_num(totals.get('n_tiles_chip', m.get('n_tiles_chip')))} tiles, "
            f"{fmt_num(totals.get('n_crossbars_used'))} of {fmt_num(totals.get('n_crossbars_chip'))} crossbars "
            f"({m.get('n_rows', '?')}×{m.get('n_cols', '?')}) used; crossbar utilisation {fmt_pct(totals.get('utilisation'))}; "
            f"bottleneck {fmt_num(totals.get('bottleneck_mvms_per_sample'))} sequential MVMs per sample."
        )
    charts = []
    plan = m.get("floorplan")
    if isinstance(plan, Sequence) and plan:
        legend = [str(lm.get("layer", "")) for lm in layers]
        tiles = []
        for entry in plan:
            counts: dict[str, int] = {}
            for b in entry.get("blocks") or []:
                counts[str(b.get("layer"))] = counts.get(str(b.get("layer")), 0) + int(
                    b.get("n_crossbars", 1)
                )
            if not counts:
                for name in entry.get("layers") or []:
                    counts[str(name)] = counts.get(str(name), 0) + 1
            for name in counts:
                if name not in legend:
                    legend.append(name)
            if counts:
                layer = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]
                title = f"tile {entry.get('tile')}: " + ", ".join(f"{k} ({v})" for k, v in counts.items())
                tiles.append(
                    FloorTile(
                        tile=int(entry.get("tile", len(tiles))),
                        layer=layer,
                        colour=legend.index(layer),
                        title=title,
                    )
                )
            else:
                tiles.append(
                    FloorTile(
                        tile=int(entry.get("tile", len(tiles))),
                        layer="",
                        colour=-1,
                        title=f"tile {entry.get('tile')}: unused",
                    )
                )
        charts.append(
            Floorplan(
                id="floorplan",
                title="Floorplan: tiles coloured by layer",
                tiles=tuple(tiles),
                legend=tuple(legend),
            )
        )
    return Section(
        id="mapping", title="Mapping", present=True, lines=tuple(lines), tables=(table,), charts=tuple(charts)
    )


def _timing_section(result: Mapping[str, Any]) -> Section:
    t = result.get("timing")
    if not isinstance(t, Mapping):
        return _not_run("timing", "Timeline", "the event engine did not run")
    lines = [
        (
            f"{t.get('mode', '?')} of {fmt_num(t.get('batch'))} samples"
            f"{' (pipelined across layers)' if t.get('pipeline') else ''}: makespan {fmt_si(_ns(t.get('makespan_ns')), 's')}, "
            f"latency per sample {fmt_si(_ns(t.get('latency_ns_per_sample')), 's')}, "
            f"throughput {fmt_num(t.get('throughput_samples_per_s'))} samples/s, {fmt_num(t.get('n_events'))} events."
        )
    ]
    charts: list[Any] = []
    layers = t.get("layers") or []
    phase_keys = (
        ("forward", "forward_ns_per_sample"),
        ("backward", "backward_ns_per_sample"),
        ("update", "update_ns_per_sample"),
        ("digital", "digital_ns_per_sample"),
    )
    present_phases = [p for p, k in phase_keys if any((_num(lt.get(k)) or 0) > 0 for lt in layers)]
    if layers and present_phases:
        bars = []
        for lt in layers:
            vals = tuple((_num(lt.get(dict(phase_keys)[p])) or 0.0) * 1e-9 for p in present_phases)
            bars.append(
                Bar(label=str(lt.get("layer")), values=vals, texts=tuple(fmt_si(v, "s") for v in vals))
            )
        charts.append(
            BarChart(
                id="layer-time",
                title="Time per sample by layer and phase",
                series=tuple(present_phases),
                bars=tuple(bars),
            )
        )
    timeline = t.get("timeline") or []
    if timeline:
        lanes: list[str] = []
        gbars = []
        for e in timeline[:MAX_GANTT_BARS]:
            name = str(e.get("layer"))
            if name not in lanes:
                lanes.append(name)
            start, end = _num(e.get("start_ns")) or 0.0, _num(e.get("end_ns")) or 0.0
            gbars.append(
                GanttBar(
                    lane=lanes.index(name),
                    start_ns=start,
                    end_ns=max(end, start),
                    phase=str(e.get("phase")),
                    label=f"{name} {e.get('phase')} sample {e.get('sample')}: "
                    f"{fmt_si(start * 1e-9, 's')} – {fmt_si(end * 1e-9, 's')}",
                )
            )
        t_end = max((b.end_ns for b in gbars), default=0.0)
        note = ""
        if len(timeline) > MAX_GANTT_BARS or t.get("timeline_truncated"):
            note = f"showing the first {len(gbars)} of {len(timeline)}{'+' if t.get('timeline_truncated') else ''} entries"
        order = ("forward", "backward", "update", "digital", "transfer")
        phases = tuple(
            sorted({b.phase for b in gbars}, key=lambda ph: (order.index(ph) if ph in order else 9, ph))
        )
        charts.append(
            Gantt(
                id="gantt",
                title="Timeline (Gantt) of layers and phases",
                lanes=tuple(lanes),
                bars=tuple(gbars),
                t_end_ns=t_end,
                phases=phases,
                note=note,
            )
        )
    return Section(id="timeline", title="Timeline", present=True, lines=tuple(lines), charts=tuple(charts))


def _ns(value: Any) -> float | None:
    v = _num(value)
    return None if v is None else v * 1e-9


def _utilisation_section(result: Mapping[str, Any]) -> Section:
    util = _get(result, "timing", "utilisation")
    if not isinstance(util, Mapping) or not util:
        return _not_run("utilisation", "Utilisation", "the event engine did not run")
    pairs = sorted(((str(k), _num(v) or 0.0) for k, v in util.items()), key=lambda kv: (-kv[1], kv[0]))
    shown = pairs[:MAX_BREAKDOWN_BARS]
    bars = tuple(Bar(label=k, values=(v,), texts=(fmt_pct(v),)) for k, v in shown)
    lines = () if len(pairs) <= len(shown) else (f"the {len(shown)} busiest of {len(pairs)} components",)
    return Section(
        id="utilisation",
        title="Utilisation",
        present=True,
        lines=lines,
        charts=(
            BarChart(
                id="utilisation-chart", title="Busy fraction by component", series=("utilisation",), bars=bars
            ),
        ),
    )


def _energy_section(result: Mapping[str, Any]) -> Section:
    e = result.get("energy")
    if not isinstance(e, Mapping):
        return _not_run("energy", "Energy", "the cost model did not run")
    total = _num(e.get("total_pj"))
    lines = []
    if total is not None:
        extra = [
            f"{label} {fmt_si(_num(e.get(key)) * 1e-12, 'J')}"
            for key, label in (("dynamic_pj", "dynamic"), ("leakage_pj", "leakage"))
            if _num(e.get(key)) is not None
        ]
        per_sample = _num(e.get("per_sample_pj"))
        lines.append(
            f"total {fmt_si(total * 1e-12, 'J')}"
            + (f" ({', '.join(extra)})" if extra else "")
            + (f"; {fmt_si(per_sample * 1e-12, 'J')} per sample" if per_sample else "")
        )
    unpriced = e.get("unpriced") or []
    if unpriced:
        lines.append(
            f"{len(unpriced)} counted actions have no energy in the hardware description (priced at 0): "
            + ", ".join(".".join(str(x) for x in u) for u in unpriced[:6])
            + (" …" if len(unpriced) > 6 else "")
        )
    charts = []
    by_part = e.get("by_part_pj")
    if isinstance(by_part, Mapping) and by_part:
        charts.append(
            BarChart(
                id="energy-chart",
                title="Energy by component (dynamic + leakage)",
                series=("energy",),
                bars=_breakdown_bars(by_part, "J", 1e-12),
            )
        )
    by_action = e.get("by_part_action_pj")
    if isinstance(by_action, Mapping) and by_action:
        flat = {
            f"{part} {action}": v
            for part, acts in by_action.items()
            if isinstance(acts, Mapping)
            for action, v in acts.items()
        }
        charts.append(
            BarChart(
                id="energy-action-chart",
                title="Dynamic energy by component and action",
                series=("energy",),
                bars=_breakdown_bars(flat, "J", 1e-12),
            )
        )
    return Section(id="energy", title="Energy", present=True, lines=tuple(lines), charts=tuple(charts))


def _area_section(result: Mapping[str, Any]) -> Section:
    a = result.get("area")
    if not isinstance(a, Mapping):
        return _not_run("area", "Area", "the cost model did not run")
    lines = []
    chip_mm2 = _num(a.get("chip_area_mm2"))
    if chip_mm2 is not None:
        lines.append(
            f"chip {fmt_num(chip_mm2)} mm² ({fmt_num(a.get('n_tiles'))} tiles of "
            f"{fmt_num(_num(a.get('tile_area_mm2')))} mm²); peak power: chip {fmt_si(_num(a.get('chip_power_w')), 'W')}, "
            f"tile {fmt_si((_num(a.get('tile_power_mw')) or 0) * 1e-3, 'W')}"
        )
    n_tiles = _num(a.get("n_tiles")) or 1.0
    chip_parts: dict[str, float] = {}
    for item in a.get("items") or []:
        if not isinstance(item, Mapping):
            continue
        area = (_num(item.get("area_um2")) or 0.0) * (n_tiles if item.get("scope") == "tile" else 1.0)
        label = f"{item.get('name')} ({item.get('scope')})"
        chip_parts[label] = chip_parts.get(label, 0.0) + area
    charts = []
    if chip_parts:
        bars = _breakdown_bars(chip_parts, "m²", 1e-12)  # µm² → m² for the SI formatter; shown in mm²
        bars = tuple(
            Bar(
                label=b.label,
                values=(b.values[0] * 1e6,),
                texts=(f"{fmt_num(b.values[0] * 1e6)} mm²{b.texts[0][b.texts[0].index(' (') :]}",),
            )
            for b in bars
        )
        charts.append(BarChart(id="area-chart", title="Chip area by component", series=("area",), bars=bars))
    return Section(id="area", title="Area", present=True, lines=tuple(lines), charts=tuple(charts))


def accuracy_series(acc: Mapping[str, Any]) -> dict[str, list[tuple[float, float]]]:
    """Per-epoch curves {series name: [(epoch, value)]} from an ``accuracy`` section.

    Accepts ``epochs: [{epoch, <prefix>_<metric>...}]`` rows or ``{analog|fp: {<metric>: [values]}}``.
    """
    out: dict[str, list[tuple[float, float]]] = {}
    rows = acc.get("epochs")
    if isinstance(rows, Sequence) and rows and isinstance(rows[0], Mapping):
        for i, row in enumerate(rows):
            x = _num(row.get("epoch")) if row.get("epoch") is not None else float(i + 1)
            for key, value in row.items():
                if key == "epoch" or _num(value) is None:
                    continue
                out.setdefault(str(key), []).append((x, float(value)))
    for variant in ("analog", "fp"):
        block = acc.get(variant)
        if isinstance(block, Mapping):
            for metric, values in block.items():
                if (
                    isinstance(values, Sequence)
                    and not isinstance(values, str)
                    and values
                    and all(_num(v) is not None for v in values)
                ):
                    out[f"{variant} {metric}"] = [(float(i + 1), float(v)) for i, v in enumerate(values)]
    return out


def _accuracy_section(result: Mapping[str, Any]) -> Section:
    acc = result.get("accuracy")
    if not isinstance(acc, Mapping):
        return _not_run("accuracy", "Accuracy", "no accuracy run (use archsim run without --no-accuracy)")
    if "skipped" in acc:
        return _not_run("accuracy", "Accuracy", f"skipped: {acc['skipped']}")
    series = accuracy_series(acc)
    charts = []
    acc_series = {k: v for k, v in series.items() if "acc" in k.lower()}
    loss_series = {k: v for k, v in series.items() if "loss" in k.lower()}
    if acc_series:
        charts.append(
            LineChart(
                id="accuracy-chart",
                title="Accuracy per epoch: floating point vs analog",
                x_label="epoch",
                y_label="accuracy",
                series=tuple(LineSeries(name=k, points=tuple(v)) for k, v in sorted(acc_series.items())),
            )
        )
    if loss_series:
        charts.append(
            LineChart(
                id="loss-chart",
                title="Loss per epoch: floating point vs analog",
                x_label="epoch",
                y_label="loss",
                series=tuple(LineSeries(name=k, points=tuple(v)) for k, v in sorted(loss_series.items())),
            )
        )
    lines = []
    kind = (acc.get("settings") or {}).get("kind") if isinstance(acc.get("settings"), Mapping) else None
    if kind == "inference":
        lines.append("inference: the network is trained in floating point (fp) and programmed onto the analog "
                     "tiles after every epoch (analog: the deployed network's accuracy)")
    elif kind == "training":
        lines.append("training: the network is trained on the analog tiles (analog) next to a floating-point "
                     "baseline (fp) with the same data order and initial weights")
    final = _final_accuracy(acc)
    if final:
        lines.append(", ".join(f"{k} {v}" for k, v in final.items()))
    settings = [
        f"{key.replace('_', ' ')} {_fmt_value(acc.get(key))}"
        for key in ("dataset", "task", "epochs", "n_train", "n_test", "batch_size", "lr", "seed")
        if isinstance(acc.get(key), (str, int, float)) and not isinstance(acc.get(key), bool)
    ]
    if settings:
        lines.append("; ".join(settings))
    drift = (acc.get("settings") or {}).get("drift") if isinstance(acc.get("settings"), Mapping) else None
    drift_rows = [r for r in drift if isinstance(r, Mapping)] if isinstance(drift, list) else []
    extras = acc.get("extras")
    if isinstance(extras, Mapping) and extras:
        shown = {k: v for k, v in extras.items() if not (drift_rows and str(k).startswith("drift_t"))}
        if shown:
            text = (f"{k.replace('_', ' ')} {_fmt_value(v)}" for k, v in sorted(shown.items()))
            lines.append("; ".join(text))
    stats = acc.get("layer_stats")
    tables = []
    if drift_rows:
        lines.append("inference noise: test accuracy of the last deployment vs time after programming "
                     "(PCM programming noise, drift, read noise; mean and std over repeated programmings)")
        tables.append(Table(
            columns=("t after programming (s)", "test accuracy mean", "test accuracy std", "test loss mean"),
            rows=tuple((fmt_num(r.get("t_s")), fmt_num(r.get("test_accuracy_mean")),
                        fmt_num(r.get("test_accuracy_std")), fmt_num(r.get("test_loss_mean")))
                       for r in drift_rows),
            numeric=(True, True, True, True)))
    if isinstance(stats, Mapping) and stats:
        cols = ("layer", "BM passes fwd", "BM passes bwd", "mean BL", "pulses/device/update")
        rows = tuple(
            (
                str(name),
                fmt_num(s.get("mean_bm_passes_forward")),
                fmt_num(s.get("mean_bm_passes_backward")),
                fmt_num(s.get("mean_bl")),
                fmt_num(s.get("mean_pulses_per_device_per_update")),
            )
            for name, s in stats.items()
            if isinstance(s, Mapping)
        )
        tables.append(Table(columns=cols, rows=rows, numeric=(False, True, True, True, True)))
    return Section(
        id="accuracy",
        title="Accuracy and training curves",
        present=True,
        lines=tuple(lines),
        tables=tuple(tables),
        charts=tuple(charts),
    )


def _final_accuracy(acc: Mapping[str, Any]) -> dict[str, str]:
    out = {}
    for key in (
        "analog_test_accuracy",
        "fp_test_accuracy",
        "final_analog_accuracy",
        "final_fp_accuracy",
        "test_accuracy",
    ):
        v = _num(acc.get(key))
        if v is not None:
            out[key.replace("_", " ")] = fmt_pct(v) if v <= 1 else fmt_num(v)
    if not out:
        series = accuracy_series(acc)
        for name, pts in sorted(series.items()):
            if "test" in name and "acc" in name and pts:
                v = pts[-1][1]
                out[f"final {name.replace('_', ' ')}"] = fmt_pct(v) if v <= 1 else fmt_num(v)
    return out


def _gpu_section(result: Mapping[str, Any]) -> Section:
    g = result.get("gpu")
    if not isinstance(g, Mapping):
        return _not_run("gpu", "Speedup vs GPU", "no GPU comparison (use archsim run --gpu NAME)")
    base = g.get("baseline") or {}
    analog = g.get("analog") or {}
    lines = [
        (
            f"{base.get('gpu_description') or base.get('gpu', '?')}, {base.get('mode', '?')}, {base.get('precision', '?')}, "
            f"batch {fmt_num(base.get('batch_size'))}: {fmt_num(base.get('throughput_samples_per_s'))} samples/s, "
            f"{fmt_si(_pj(base.get('energy_pj_per_sample')), 'J')} per sample (roofline model; peak-only bound "
            f"{fmt_si(_ns(_div(base.get('peak_time_ns_per_batch'), base.get('batch_size'))), 's')} per sample)"
        )
    ]
    if base.get("measured_time_ns_per_batch"):
        lines.append(
            f"measured on this machine's GPU: {fmt_si(_ns(base['measured_time_ns_per_batch']), 's')} per batch"
        )
    for line in (g.get("comparison") or {}).get("comparison_lines") or []:
        lines.append(str(line))
    for line in g.get("paper_checks_lines") or []:
        lines.append(str(line))
    cols = ("layer", "analog time", "GPU time", "speedup", "GPU bound", "analog energy", "GPU energy")
    rows = [
        (
            str(r.get("layer")),
            fmt_si(_ns(r.get("analog_time_ns_per_sample")), "s"),
            fmt_si(_ns(r.get("gpu_time_ns_per_sample")), "s"),
            fmt_ratio(r.get("speedup")),
            str(r.get("gpu_bound") or "—"),
            fmt_si(_pj(r.get("analog_energy_pj_per_sample")), "J"),
            fmt_si(_pj(r.get("gpu_energy_pj_per_sample")), "J"),
        )
        for r in g.get("layers") or []
    ]
    keep = [i for i in range(len(cols)) if i == 0 or any(row[i] != "—" for row in rows)]  # drop empty columns
    tables = []
    if rows:
        tables.append(
            Table(
                columns=tuple(cols[i] for i in keep),
                rows=tuple(tuple(row[i] for i in keep) for row in rows),
                numeric=tuple(i not in (0, 4) for i in keep),
            )
        )
    summary = (
        ("time per sample", "s", _ns(analog.get("time_ns_per_sample")), _ns(base.get("time_ns_per_sample"))),
        (
            "energy per sample",
            "J",
            _pj(analog.get("energy_pj_per_sample")),
            _pj(base.get("energy_pj_per_sample")),
        ),
        ("TOPS", "", analog.get("tops"), g.get("gpu_tops")),
        ("TOPS/W", "", analog.get("tops_per_w"), g.get("gpu_tops_per_w")),
    )
    tables.insert(
        0,
        Table(
            columns=("metric", "analog", "GPU", "ratio"),
            rows=tuple(
                (
                    name,
                    fmt_si(a, u) if u else fmt_num(a),
                    fmt_si(b, u) if u else fmt_num(b),
                    fmt_ratio(_div(b, a) if u else _div(a, b)),
                )
                for name, u, a, b in summary
            ),
            numeric=(False, True, True, True),
        ),
    )
    charts = []
    ratio_bars = []
    for key, label in (
        ("speedup", "speed-up (GPU time / analog time)"),
        ("energy_ratio", "energy ratio (GPU energy / analog energy)"),
    ):
        v = _num(g.get(key))
        if v:
            ratio_bars.append(Bar(label=label, values=(v,), texts=(fmt_ratio(v),)))
    if ratio_bars:
        charts.append(
            BarChart(
                id="speedup-chart",
                title="Analog vs GPU (higher is better for analog)",
                series=("ratio",),
                bars=tuple(ratio_bars),
                log=True,
            )
        )
    layer_rows = [r for r in g.get("layers") or [] if _num(r.get("gpu_time_ns_per_sample"))]
    if layer_rows:
        bars = []
        for r in layer_rows:
            a_t = (_num(r.get("analog_time_ns_per_sample")) or 0.0) * 1e-9
            g_t = (_num(r.get("gpu_time_ns_per_sample")) or 0.0) * 1e-9
            bars.append(
                Bar(label=str(r.get("layer")), values=(a_t, g_t), texts=(fmt_si(a_t, "s"), fmt_si(g_t, "s")))
            )
        charts.append(
            BarChart(
                id="gpu-layer-chart",
                title="Time per sample by layer: analog vs GPU (log scale)",
                series=("analog", "GPU"),
                bars=tuple(bars),
                log=True,
            )
        )
    return Section(
        id="gpu",
        title="Speedup vs GPU",
        present=True,
        lines=tuple(lines),
        tables=tuple(tables),
        charts=tuple(charts),
    )


def _pj(value: Any) -> float | None:
    v = _num(value)
    return None if v is None else v * 1e-12


def _div(a: Any, b: Any) -> float | None:
    a, b = _num(a), _num(b)
    if a is None or b is None or b == 0:
        return None
    return a / b


def _cards(result: Mapping[str, Any]) -> tuple[Card, ...]:
    t = result.get("timing") if isinstance(result.get("timing"), Mapping) else {}
    acc = result.get("accuracy") if isinstance(result.get("accuracy"), Mapping) else None
    e = result.get("energy") if isinstance(result.get("energy"), Mapping) else None
    a = result.get("area") if isinstance(result.get("area"), Mapping) else None
    g = result.get("gpu") if isinstance(result.get("gpu"), Mapping) else None
    cards = []
    if acc is not None and "skipped" in acc:
        cards.append(Card(label="Accuracy", value="not run", detail=f"skipped: {acc['skipped']}"))
    elif acc is not None:
        final = _final_accuracy(acc)
        first = next(iter(final.items()), None)
        cards.append(
            Card(
                label="Accuracy",
                value=first[1] if first else "—",
                detail="; ".join([first[0]] + [f"{k} {v}" for k, v in list(final.items())[1:]])
                if first
                else "no test accuracy recorded",
            )
        )
    else:
        cards.append(Card(label="Accuracy", value="not run", detail="no accuracy run"))
    if t:
        cards.append(
            Card(label="Latency", value=fmt_si(_ns(t.get("latency_ns_per_sample")), "s"), detail="per sample")
        )
        cards.append(
            Card(
                label="Throughput",
                value=fmt_si(t.get("throughput_samples_per_s"), "/s"),
                detail=f"{t.get('mode', '')} samples per second".strip(),
            )
        )
    else:
        cards.append(Card(label="Latency", value="not run", detail="event engine"))
        cards.append(Card(label="Throughput", value="not run", detail="event engine"))
    if e is not None:
        per_sample = _num(e.get("per_sample_pj"))
        batch = _num(t.get("batch")) if t else None
        total = _num(e.get("total_pj"))
        if per_sample is None and total is not None and batch:
            per_sample = total / batch
        cards.append(
            Card(
                label="Energy",
                value=fmt_si(_pj(per_sample if per_sample is not None else total), "J"),
                detail="per sample" if per_sample is not None else "total",
            )
        )
    else:
        cards.append(Card(label="Energy", value="not run", detail="cost model"))
    if a is not None:
        cards.append(
            Card(
                label="Area",
                value=f"{fmt_num(_num(a.get('chip_area_mm2')))} mm²",
                detail=f"chip, {fmt_num(a.get('n_tiles'))} tiles",
            )
        )
    else:
        cards.append(Card(label="Area", value="not run", detail="cost model"))
    if g is not None:
        base = g.get("baseline") or {}
        cards.append(
            Card(
                label="Speedup vs GPU",
                value=fmt_ratio(g.get("speedup")),
                detail=f"{base.get('gpu', '')} {base.get('precision', '')}; energy {fmt_ratio(g.get('energy_ratio'))}",
            )
        )
    else:
        cards.append(Card(label="Speedup vs GPU", value="not run", detail="GPU comparison"))
    return tuple(cards)


def build_report_data(result: Mapping[str, Any]) -> ReportData:
    """Turn one result dict (result.json) into the report's view model."""
    meta = result.get("meta") if isinstance(result.get("meta"), Mapping) else {}
    workload = (
        _get(result, "workload", "name")
        or _get(meta, "inputs", "workload", "name")
        or _get(result, "mapping", "workload_name")
        or _get(result, "accuracy", "workload")
        or "workload"
    )
    hardware = (
        _get(result, "hardware", "resolved", "name")
        or _get(meta, "inputs", "hwconfig", "name")
        or _get(result, "mapping", "hw_name")
        or _get(result, "accuracy", "hardware")
        or "hardware"
    )
    meta_rows = []
    version = _get(meta, "versions", "archsim") or meta.get("archsim_version")
    if version:
        meta_rows.append(("archsim version", str(version)))
    for key in ("command", "mode", "batch", "seed", "stats_source", "wall_time_s"):
        value = meta.get(key)
        if value is None or value == "":
            continue
        if isinstance(value, (list, tuple)):
            value = " ".join(str(v) for v in value)
        meta_rows.append((key.replace("_", " "), fmt_num(value) if isinstance(value, float) else str(value)))
    sections = (
        _mapping_section(result),
        _accuracy_section(result),
        _timing_section(result),
        _utilisation_section(result),
        _energy_section(result),
        _area_section(result),
        _gpu_section(result),
        _hardware_section(result),
    )
    return ReportData(
        title=f"{workload} on {hardware}",
        subtitle="archsim report",
        meta=tuple(meta_rows),
        cards=_cards(result),
        sections=sections,
    )
