"""The summary cards at the top of a report."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from archsim.report.format import fmt_num, fmt_ratio, fmt_si, ns, num, pj
from archsim.report.model import Card
from archsim.report.sections.accuracy import final_accuracy


def build_cards(result: Mapping[str, Any]) -> tuple[Card, ...]:
    """Accuracy, latency, time per sample, throughput, energy, area and speed-up, each with what it means."""
    t = result.get("timing") if isinstance(result.get("timing"), Mapping) else {}
    acc = result.get("accuracy") if isinstance(result.get("accuracy"), Mapping) else None
    e = result.get("energy") if isinstance(result.get("energy"), Mapping) else None
    a = result.get("area") if isinstance(result.get("area"), Mapping) else None
    g = result.get("gpu") if isinstance(result.get("gpu"), Mapping) else None
    cards = []
    if acc is not None and "skipped" in acc:
        cards.append(Card(label="Accuracy", value="not run", detail=f"skipped: {acc['skipped']}"))
    elif acc is not None:
        final = final_accuracy(acc)
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
        batch_n = num(t.get("batch")) or 1.0
        makespan = num(t.get("makespan_ns"))
        interval = num(t.get("interval_ns_per_sample"))
        cards.append(Card(label="Latency", value=fmt_si(ns(t.get("latency_ns_per_sample")), "s"),
                          detail="one sample: first forward MVM to last output"))
        cards.append(Card(label="Time per sample",
                          value=fmt_si(ns(makespan / batch_n if makespan is not None else None), "s"),
                          detail=f"makespan {fmt_si(ns(makespan), 's')} / batch {fmt_num(t.get('batch'))}, as the "
                                 "GPU comparison"))
        steady = 1e9 / interval if interval else None
        cards.append(Card(label="Throughput", value=fmt_si(steady if steady else t.get("throughput_samples_per_s"),
                                                          "/s"),
                          detail=(f"steady state (pipeline full); batch / makespan: "
                                  f"{fmt_si(t.get('throughput_samples_per_s'), '/s')}") if steady else
                          f"{t.get('mode', '')} samples per second (batch / makespan)".strip()))
    else:
        cards.append(Card(label="Latency", value="not run", detail="event engine"))
        cards.append(Card(label="Time per sample", value="not run", detail="event engine"))
        cards.append(Card(label="Throughput", value="not run", detail="event engine"))
    if e is not None:
        per_sample = num(e.get("per_sample_pj"))
        batch = num(t.get("batch")) if t else None
        total = num(e.get("total_pj"))
        if per_sample is None and total is not None and batch:
            per_sample = total / batch
        cards.append(
            Card(
                label="Energy",
                value=fmt_si(pj(per_sample if per_sample is not None else total), "J"),
                detail="per sample" if per_sample is not None else "total",
            )
        )
    else:
        cards.append(Card(label="Energy", value="not run", detail="cost model"))
    if a is not None:
        cards.append(
            Card(
                label="Area",
                value=f"{fmt_num(num(a.get('chip_area_mm2')))} mm²",
                detail=f"chip, {fmt_num(a.get('n_tiles'))} tiles; peak power {fmt_si(num(a.get('chip_power_w')), 'W')}",
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
