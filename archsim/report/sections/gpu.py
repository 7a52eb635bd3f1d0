"""GPU section: the analog chip against the GPU baseline, in total and per layer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from archsim.report.format import div, fmt_num, fmt_ratio, fmt_si, ns, num, pj
from archsim.report.model import Bar, BarChart, Section, Table, not_run, present


def build(result: Mapping[str, Any]) -> Section:
    """The GPU comparison section."""
    g = result.get("gpu")
    if not isinstance(g, Mapping):
        return not_run("gpu", "Speedup vs GPU", "no GPU comparison (use archsim run --gpu NAME)")
    base = g.get("baseline") or {}
    analog = g.get("analog") or {}
    lines = [
        (
            f"{base.get('gpu_description') or base.get('gpu', '?')}, {base.get('mode', '?')}, {base.get('precision', '?')}, "
            f"batch {fmt_num(base.get('batch_size'))}: {fmt_num(base.get('throughput_samples_per_s'))} samples/s, "
            f"{fmt_si(pj(base.get('energy_pj_per_sample')), 'J')} per sample (roofline model; peak-only bound "
            f"{fmt_si(ns(div(base.get('peak_time_ns_per_batch'), base.get('batch_size'))), 's')} per sample)"
        )
    ]
    if base.get("measured_time_ns_per_batch"):
        lines.append(
            f"measured on this machine's GPU: {fmt_si(ns(base['measured_time_ns_per_batch']), 's')} per batch"
        )
    lines.append("time per sample = makespan / batch (1 / throughput) on both sides, the same useful work per "
                 "sample; the Latency card is one sample's path through the network, which pipelining overlaps")
    for line in (g.get("comparison") or {}).get("comparison_lines") or []:
        lines.append(str(line))
    for line in g.get("paper_checks_lines") or []:
        lines.append(str(line))
    cols = ("layer", "analog time", "GPU time", "speedup", "GPU bound", "analog energy", "GPU energy")
    rows = [
        (
            str(r.get("layer")),
            fmt_si(ns(r.get("analog_time_ns_per_sample")), "s"),
            fmt_si(ns(r.get("gpu_time_ns_per_sample")), "s"),
            fmt_ratio(r.get("speedup")),
            str(r.get("gpu_bound") or "—"),
            fmt_si(pj(r.get("analog_energy_pj_per_sample")), "J"),
            fmt_si(pj(r.get("gpu_energy_pj_per_sample")), "J"),
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
        ("time per sample", "s", ns(analog.get("time_ns_per_sample")), ns(base.get("time_ns_per_sample"))),
        (
            "energy per sample",
            "J",
            pj(analog.get("energy_pj_per_sample")),
            pj(base.get("energy_pj_per_sample")),
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
                    fmt_ratio(div(b, a) if u else div(a, b)),
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
        v = num(g.get(key))
        if v:
            ratio_bars.append(Bar(label=label, values=(v,), texts=(fmt_ratio(v),)))
    if ratio_bars:
        charts.append(
            BarChart(
                id="speedup-chart",
                title="Analog vs GPU (right of 1×: the analog chip is better; left: the GPU)",
                series=("ratio",),
                bars=tuple(ratio_bars),
                log=True,
                baseline=1.0,
            )
        )
    layer_rows = [r for r in g.get("layers") or [] if num(r.get("gpu_time_ns_per_sample"))]
    if layer_rows:
        bars = []
        for r in layer_rows:
            a_t = (num(r.get("analog_time_ns_per_sample")) or 0.0) * 1e-9
            g_t = (num(r.get("gpu_time_ns_per_sample")) or 0.0) * 1e-9
            # a digital layer has no analog time of its own: it runs in its analog layer's digital phase
            a_text = fmt_si(a_t, "s") if a_t > 0 else "— (in its analog layer)"
            bars.append(Bar(label=str(r.get("layer")), values=(a_t, g_t), texts=(a_text, fmt_si(g_t, "s"))))
        charts.append(
            BarChart(
                id="gpu-layer-chart",
                title="Time per sample by layer: analog vs GPU (log scale)",
                series=("analog", "GPU"),
                bars=tuple(bars),
                log=True,
                unit="s",
            )
        )
    return present("gpu", "Speedup vs GPU", lines=lines, tables=tables, charts=charts)


