"""Timeline section: time per layer and phase, and the Gantt chart of the run."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from archsim.report.format import fmt_num, fmt_si, ns, num
from archsim.report.model import Bar, BarChart, Gantt, GanttBar, Section, not_run

MAX_GANTT_BARS = 600
"""Maximum bars in the Gantt chart (the rest is summarised in a note)."""


def build(result: Mapping[str, Any]) -> Section:
    """The timeline section."""
    t = result.get("timing")
    if not isinstance(t, Mapping):
        return not_run("timing", "Timeline", "the event engine did not run")
    lines = [
        (
            f"{t.get('mode', '?')} of {fmt_num(t.get('batch'))} samples"
            f"{' (pipelined across layers)' if t.get('pipeline') else ''}: makespan {fmt_si(ns(t.get('makespan_ns')), 's')}, "
            f"latency per sample {fmt_si(ns(t.get('latency_ns_per_sample')), 's')}, "
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
            start, end = num(e.get("start_ns")) or 0.0, num(e.get("end_ns")) or 0.0
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


