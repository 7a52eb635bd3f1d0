"""Accuracy section: training curves (analog vs floating point), drift, per-layer statistics."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from archsim.report.format import fmt_num, fmt_pct, fmt_value, num
from archsim.report.model import LineChart, LineSeries, Section, Table, not_run, present


def accuracy_series(acc: Mapping[str, Any]) -> dict[str, list[tuple[float, float]]]:
    """Per-epoch curves {series name: [(epoch, value)]} from an ``accuracy`` section.

    Accepts ``epochs: [{epoch, <prefix>_<metric>...}]`` rows or ``{analog|fp: {<metric>: [values]}}``.
    """
    out: dict[str, list[tuple[float, float]]] = {}
    rows = acc.get("epochs")
    if isinstance(rows, Sequence) and rows and isinstance(rows[0], Mapping):
        for i, row in enumerate(rows):
            x = num(row.get("epoch")) if row.get("epoch") is not None else float(i + 1)
            for key, value in row.items():
                if key == "epoch" or num(value) is None:
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
                    and all(num(v) is not None for v in values)
                ):
                    out[f"{variant} {metric}"] = [(float(i + 1), float(v)) for i, v in enumerate(values)]
    return out


def final_accuracy(acc: Mapping[str, Any]) -> dict[str, str]:
    out = {}
    for key in (
        "analog_test_accuracy",
        "fp_test_accuracy",
        "final_analog_accuracy",
        "final_fp_accuracy",
        "test_accuracy",
    ):
        v = num(acc.get(key))
        if v is not None:
            out[key.replace("_", " ")] = fmt_pct(v) if v <= 1 else fmt_num(v)
    if not out:
        series = accuracy_series(acc)
        for name, pts in sorted(series.items()):
            if "test" in name and "acc" in name and pts:
                v = pts[-1][1]
                out[f"final {name.replace('_', ' ')}"] = fmt_pct(v) if v <= 1 else fmt_num(v)
    return out


def build(result: Mapping[str, Any]) -> Section:
    """The accuracy section."""
    acc = result.get("accuracy")
    if not isinstance(acc, Mapping):
        return not_run("accuracy", "Accuracy", "no accuracy run (use archsim run without --no-accuracy)")
    if "skipped" in acc:
        return not_run("accuracy", "Accuracy", f"skipped: {acc['skipped']}")
    series = accuracy_series(acc)
    charts = []
    for quantity, match in (("accuracy", "acc"), ("loss", "loss")):
        curves = [LineSeries(name=k, points=tuple(v)) for k, v in sorted(series.items()) if match in k.lower()]
        if curves:
            title = f"{quantity.capitalize()} per epoch: floating point vs analog"
            charts.append(LineChart(id=f"{quantity}-chart", title=title, x_label="epoch", y_label=quantity,
                                    series=tuple(curves)))
    lines = []
    kind = (acc.get("settings") or {}).get("kind") if isinstance(acc.get("settings"), Mapping) else None
    if kind == "inference":
        lines.append("inference: the network is trained in floating point (fp) and programmed onto the analog "
                     "tiles after every epoch (analog: the deployed network's accuracy)")
    elif kind == "training":
        lines.append("training: the network is trained on the analog tiles (analog) next to a floating-point "
                     "baseline (fp) with the same data order and initial weights")
    final = final_accuracy(acc)
    if final:
        lines.append(", ".join(f"{k} {v}" for k, v in final.items()))
    settings = [
        f"{key.replace('_', ' ')} {fmt_value(acc.get(key))}"
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
            text = (f"{k.replace('_', ' ')} {fmt_value(v)}" for k, v in sorted(shown.items()))
            lines.append("; ".join(text))
    stats = acc.get("layer_stats")
    tables = []
    if drift_rows:
        chart = drift_chart(drift_rows)
        if chart is not None:
            charts.append(chart)
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
    return present("accuracy", "Accuracy and training curves", lines=lines, tables=tables, charts=charts)


def human_time(t_s: float) -> str:
    """A time after programming as people say it: 1 s, 1 h, 1 day, 1 year."""
    for scale, unit in ((365 * 86400, "year"), (86400, "day"), (3600, "h"), (60, "min"), (1, "s")):
        if t_s >= scale:
            v = t_s / scale
            text = f"{v:.3g}"
            plural = "s" if unit in ("year", "day") and text != "1" else ""
            return f"{text} {unit}{plural}"
    return f"{t_s:.3g} s"


def drift_chart(rows: Sequence[Mapping[str, Any]]) -> LineChart | None:
    """Test accuracy (mean ± std over repeated programmings) against time after programming, on a log axis."""
    pts = [(num(r.get("t_s")), num(r.get("test_accuracy_mean")), num(r.get("test_accuracy_std")) or 0.0)
           for r in rows]
    pts = sorted((t, m, s) for t, m, s in pts if t is not None and m is not None and t > 0)
    if not pts:
        return None
    return LineChart(
        id="drift-chart", title="Inference accuracy after programming: drift and read noise (mean ± std)",
        x_label="time after programming", y_label="test accuracy",
        series=(LineSeries(name="analog test accuracy", points=tuple((t, m) for t, m, _ in pts),
                           errors=tuple(s for _, _, s in pts)),),
        x_log=True, x_ticks=tuple((t, human_time(t)) for t, _, _ in pts), y_from_zero=False)
