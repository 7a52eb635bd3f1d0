"""Timeline section: the run's times (and what each means), time per layer and phase, and the Gantt chart.

The Gantt chart has one lane per layer over the whole run: every entry of ``timing.timeline`` (one per layer,
phase and sample; the engine keeps up to ``timeline_limit`` of them and says so in ``timeline_truncated``) is
drawn, entries of a lane and phase that are closer together than one of :data:`GANTT_COLUMNS` columns of the
chart, and each narrower than two columns, or that overlap, are merged into one bar (hover shows how many); wider entries stay
separate bars (outlined), and the axis runs to the makespan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from archsim.report.format import fmt_num, fmt_si, ns, num
from archsim.report.model import Bar, BarChart, Gantt, GanttBar, Section, not_run, present

GANTT_COLUMNS = 1500
"""Resolution of the merge: entries closer than makespan / GANTT_COLUMNS are one bar."""

PHASE_ORDER = ("forward", "backward", "update", "digital", "transfer")
"""Legend order of the phases."""


def time_lines(t: Mapping[str, Any]) -> list[str]:
    """The run's times, each with its definition (they answer different questions)."""
    batch = num(t.get("batch")) or 1.0
    makespan = num(t.get("makespan_ns"))
    interval = num(t.get("interval_ns_per_sample"))
    lines = [
        f"{t.get('mode', '?')} of {fmt_num(t.get('batch'))} samples"
        f"{' (pipelined across layers)' if t.get('pipeline') else ''}: makespan {fmt_si(ns(makespan), 's')}, "
        f"{fmt_num(t.get('n_events'))} events.",
        f"latency {fmt_si(ns(t.get('latency_ns_per_sample')), 's')}: one sample from its first forward MVM to its "
        "last output (input load and queueing before the first layer excluded).",
        f"time per sample {fmt_si(ns(makespan / batch if makespan is not None else None), 's')} = makespan / batch "
        f"= 1 / throughput ({fmt_num(t.get('throughput_samples_per_s'))} samples/s): what the GPU comparison "
        "divides by; with pipelining several samples are in flight, so it is below the latency for batch > 1.",
    ]
    if interval:
        lines.append(f"steady state {fmt_si(ns(interval), 's')} between sample completions = "
                     f"{fmt_num(1e9 / interval)} samples/s once the pipeline is full (mean over the second half of "
                     "the batch; the makespan for a batch of 1).")
    return lines


def _lanes(timeline: Sequence[Mapping[str, Any]], layers: Sequence[Mapping[str, Any]]) -> list[str]:
    """Lanes in network order (the timing's layer order), then any other lanes in order of appearance."""
    seen = {str(e.get("layer")) for e in timeline}
    lanes = [str(lt.get("layer")) for lt in layers if str(lt.get("layer")) in seen]
    for e in timeline:
        name = str(e.get("layer"))
        if name not in lanes:
            lanes.append(name)
    return lanes


def gantt_bars(timeline: Sequence[Mapping[str, Any]], lanes: list[str], t_end: float) -> list[GanttBar]:
    """Bars of the timeline, merged per lane and phase where entries are closer than one column."""
    gap = t_end / GANTT_COLUMNS
    runs: dict[tuple[int, str], list[tuple[float, float, Any]]] = {}
    for e in timeline:
        start = num(e.get("start_ns")) or 0.0
        end = max(num(e.get("end_ns")) or 0.0, start)
        runs.setdefault((lanes.index(str(e.get("layer"))), str(e.get("phase"))), []).append(
            (start, end, e.get("sample")))
    bars = []
    for (lane, phase), entries in sorted(runs.items()):
        entries.sort(key=lambda x: (x[0], x[1]))
        group = [entries[0]]
        for entry in entries[1:] + [None]:  # type: ignore[list-item]
            group_end = max(g[1] for g in group)
            narrow = group_end - group[0][0] < 2 * gap and entry is not None and entry[1] - entry[0] < 2 * gap
            if entry is not None and (entry[0] < group_end or (narrow and entry[0] - group_end <= gap)):
                group.append(entry)
                continue
            start, end = group[0][0], max(g[1] for g in group)
            samples = sorted({g[2] for g in group if isinstance(g[2], int)})
            which = (f"sample {samples[0]}" if len(samples) == 1 else
                     f"samples {samples[0]}–{samples[-1]}" if samples else "")
            bars.append(GanttBar(lane=lane, start_ns=start, end_ns=end, phase=phase,
                                 label=f"{lanes[lane]} {phase} {which}: {fmt_si(start * 1e-9, 's')} – "
                                       f"{fmt_si(end * 1e-9, 's')}" + (f" ({len(group)} entries)"
                                                                       if len(group) > 1 else "")))
            if entry is not None:
                group = [entry]
    return bars


def build(result: Mapping[str, Any]) -> Section:
    """The timeline section."""
    t = result.get("timing")
    if not isinstance(t, Mapping):
        return not_run("timeline", "Timeline", "the event engine did not run")
    lines = time_lines(t)
    charts: list[Any] = []
    layers = t.get("layers") or []
    phase_keys = (
        ("forward", "forward_ns_per_sample"),
        ("backward", "backward_ns_per_sample"),
        ("update", "update_ns_per_sample"),
        ("digital", "digital_ns_per_sample"),
    )
    present_phases = [p for p, k in phase_keys if any((num(lt.get(k)) or 0) > 0 for lt in layers)]
    if layers and present_phases:
        bars = []
        for lt in layers:
            vals = tuple((num(lt.get(dict(phase_keys)[p])) or 0.0) * 1e-9 for p in present_phases)
            bars.append(
                Bar(label=str(lt.get("layer")), values=vals, texts=tuple(fmt_si(v, "s") for v in vals))
            )
        charts.append(
            BarChart(
                id="layer-time",
                title="Time per sample by layer and phase (busy time, not waiting)",
                series=tuple(present_phases),
                bars=tuple(bars),
            )
        )
    timeline = t.get("timeline") or []
    if timeline:
        lanes = _lanes(timeline, layers)
        t_end = max([num(t.get("makespan_ns")) or 0.0] + [num(e.get("end_ns")) or 0.0 for e in timeline])
        gbars = gantt_bars(timeline, lanes, t_end or 1.0)
        note = (f"{len(timeline):,} entries ({len(lanes)} lanes, one per layer) drawn as {len(gbars):,} bars: entries "
                "of a lane and phase too short and too close for the chart to show apart are merged (hover for the "
                "samples)")
        if t.get("timeline_truncated"):
            last = max(num(e.get("end_ns")) or 0.0 for e in timeline)
            note += (f"; the engine kept only the first {len(timeline):,} entries (timeline_limit), so the bars stop "
                     f"at {fmt_si(last * 1e-9, 's')} of the {fmt_si(ns(t.get('makespan_ns')), 's')} run")
        phases = tuple(sorted({b.phase for b in gbars},
                              key=lambda ph: (PHASE_ORDER.index(ph) if ph in PHASE_ORDER else 9, ph)))
        charts.append(
            Gantt(
                id="gantt",
                title="Timeline (Gantt): one lane per layer over the whole run",
                lanes=tuple(lanes),
                bars=tuple(gbars),
                t_end_ns=t_end,
                phases=phases,
                note=note,
            )
        )
    return present("timeline", "Timeline", lines=lines, charts=charts)
