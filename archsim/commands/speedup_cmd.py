"""``archsim speedup HW.yaml WORKLOAD.yaml --gpu a100 [--mode training|inference]``: analog chip vs GPU.

Simulates the workload on the analog chip (mapping + event engine + cost model, no accuracy run) and
predicts the same network on a GPU baseline (roofline model of ``hwconfigs/gpus/``, calibrated on the
published ResNet-50 throughputs). Prints per-layer and total time and energy per sample for both,
the speed-up (GPU time / analog time), the energy ratio, TOPS and TOPS/W, a sweep over design knobs
(crossbar size, RAPA replicas, ADC sharing) and two paper checks: the RPU paper's headline
(Gokmen & Vlasov 2016) recomputed with its assumptions, and the RAPA n_t-fold acceleration.
``--json FILE`` writes everything (the ``gpu`` section of result.json plus the sweep) atomically.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from archsim.cli import OK
from archsim.commands.common import add_inputs
from archsim.errors import ArchsimError, ConfigError


def register(subparsers: Any) -> None:
    """Add the ``speedup`` subcommand."""
    p = subparsers.add_parser(
        "speedup",
        help="compare the analog chip with a GPU: time, energy, TOPS/W, a design sweep and paper checks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_inputs(p, set_example="tile.adc.columns_per_adc=8")
    p.add_argument(
        "--gpu", default="a100", help="GPU baseline: v100, a100, h100 or a GPU YAML (default a100)"
    )
    p.add_argument(
        "--mode",
        choices=("training", "inference"),
        default=None,
        help="default: training for analog-training chips, inference otherwise",
    )
    p.add_argument(
        "--precision",
        choices=("amp", "fp32"),
        default="amp",
        help="GPU precision: amp (FP16/BF16 tensor cores, default) or fp32 (TF32 on Ampere+)",
    )
    p.add_argument(
        "--gpu-batch",
        type=int,
        default=None,
        metavar="N",
        help="GPU batch size (default: the GPU file's default_batch, 256)",
    )
    p.add_argument(
        "--batch", type=int, default=8, metavar="N", help="samples simulated on the analog chip (default 8)"
    )
    p.add_argument("--replicas", default=None, metavar="auto|LAYER=N,...", help="RAPA kernel replicas")
    p.add_argument("--no-sweep", action="store_true", help="skip the design-knob sweep")
    p.add_argument(
        "--measure",
        action="store_true",
        help="also time the workload's layers on this machine's GPU with PyTorch (needs PyTorch + CUDA)",
    )
    p.add_argument(
        "--json", dest="json_path", metavar="FILE", default=None, help="write the comparison as JSON"
    )
    p.set_defaults(func=run)


@dataclass(frozen=True, kw_only=True)
class AnalogRun:
    """The analog side of one comparison."""

    label: str
    mapping: Any
    timing: dict[str, Any]
    energy: dict[str, Any]


def parse_replicas(text: str | None) -> None | str | dict[str, int]:
    """``None``, ``"auto"`` or ``{layer: n}`` from ``auto`` / ``conv1=16,conv2=4``."""
    if text is None or text == "auto":
        return text
    out: dict[str, int] = {}
    for item in text.split(","):
        name, sep, value = item.partition("=")
        if not sep or not value.strip().isdigit() or int(value) < 1:
            raise ConfigError(f"--replicas: expected 'auto' or LAYER=N,... with N >= 1, got {item!r}")
        out[name.strip()] = int(value)
    return out


def simulate_analog(
    hw: Any, workload: Any, *, mode: str, batch: int, replicas: Any = None, label: str = "", seed: int = 0
) -> AnalogRun:
    """Map, simulate and price one configuration (no accuracy run: default layer statistics)."""
    from archsim.cost.energy import price
    from archsim.engine import simulate
    from archsim.mapping import map_workload

    mapping = map_workload(hw, workload, replicas=replicas)
    timing, counts = simulate(
        mapping, hw, mode=mode, batch=batch, workload=workload, seed=seed, timeline_limit=0
    )
    energy = price(counts, hw, timing.makespan_ns)
    return AnalogRun(
        label=label, mapping=mapping, timing=timing.to_dict(), energy=energy.to_dict(batch=batch)
    )


def default_mode(hw: Any) -> str:
    """inference for bit-sliced chips (digital weights), training for analog-device chips."""
    return "inference" if getattr(hw.crossbar, "weight_bits", None) is not None else "training"


def rpu_headline_check() -> Any:
    """The RPU headline recomputed from the shipped ``rpu-gokmen-vlasov-2016`` hardware description."""
    from archsim.gpu.load import GPU_DIR
    from archsim.gpu.paper import RPUHeadlineAssumptions, rpu_headline
    from archsim.hwconfig.load import load_hardware

    path = GPU_DIR.parent / "rpu-gokmen-vlasov-2016.yaml"
    if not path.is_file():
        return rpu_headline()
    hw = load_hardware(path)
    return rpu_headline(RPUHeadlineAssumptions.from_hardware(hw, source=f"hwconfig {hw.name}"))


def sweep_points(hw: Any, user_replicas: Any) -> list[tuple[str, list[str], Any]]:
    """(label, extra --set overrides, replicas) for the knob sweep around ``hw``."""
    rows, cols = hw.tile.n_rows, hw.tile.n_cols
    cpa = hw.tile.adc.columns_per_adc
    points: list[tuple[str, list[str], Any]] = [("baseline", [], user_replicas)]
    for size in sorted({max(64, rows // 2), rows * 2} - {rows}):
        points.append(
            (f"crossbar {size}x{size}", [f"tile.n_rows={size}", f"tile.n_cols={size}"], user_replicas)
        )
    points.append(("RAPA replicas: none", [], None))
    points.append(("RAPA replicas: auto", [], "auto"))
    for share in sorted({max(1, cpa // 4), cpa * 4} - {cpa}):
        if share <= cols:
            points.append(
                (f"ADC shared by {share} columns", [f"tile.adc.columns_per_adc={share}"], user_replicas)
            )
    return points


def _fmt_t(ns: float | None) -> str:
    from archsim.report.data import fmt_si

    return fmt_si(None if ns is None else ns * 1e-9, "s")


def _fmt_e(pj: float | None) -> str:
    from archsim.report.data import fmt_si

    return fmt_si(None if pj is None else pj * 1e-12, "J")


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [
        max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(h) for i, h in enumerate(header)
    ]
    out = [
        "  ".join(
            str(h).ljust(w) if i == 0 else str(h).rjust(w) for i, (h, w) in enumerate(zip(header, widths))
        )
    ]
    out.append("  ".join("-" * w for w in widths))
    for r in rows:
        out.append(
            "  ".join(
                str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(r, widths))
            )
        )
    return out


def format_comparison(section: dict[str, Any]) -> list[str]:
    """Per-layer and total lines of a ``gpu`` section."""
    from archsim.report.data import fmt_num, fmt_ratio

    base, analog = section["baseline"], section["analog"]
    lines = [
        (
            f"GPU baseline: {base['gpu_description']} ({base['gpu']}), {base['mode']}, {base['precision']}, "
            f"batch {base['batch_size']} (roofline model; peak-only bound "
            f"{_fmt_t(base['peak_time_ns_per_batch'] / base['batch_size'])} per sample)"
        )
    ]
    rows = [
        (
            r["layer"],
            r["kind"],
            _fmt_t(r["analog_time_ns_per_sample"]),
            _fmt_t(r["gpu_time_ns_per_sample"]),
            fmt_ratio(r["speedup"]),
            _fmt_e(r["gpu_energy_pj_per_sample"]),
        )
        for r in section["layers"]
    ]
    lines += _table(
        ("layer", "kind", "analog time/sample", "GPU time/sample", "speed-up", "GPU energy/sample"), rows
    )
    lines.append("")
    totals = [
        (
            "time per sample",
            _fmt_t(analog["time_ns_per_sample"]),
            _fmt_t(base["time_ns_per_sample"]),
            fmt_ratio(section["speedup"]),
        ),
        (
            "energy per sample",
            _fmt_e(analog["energy_pj_per_sample"]),
            _fmt_e(base["energy_pj_per_sample"]),
            fmt_ratio(section["energy_ratio"]),
        ),
        (
            "throughput (samples/s)",
            fmt_num(analog["throughput_samples_per_s"]),
            fmt_num(base["throughput_samples_per_s"]),
            "",
        ),
        ("TOPS", fmt_num(analog["tops"]), fmt_num(section["gpu_tops"]), ""),
        ("TOPS/W", fmt_num(analog["tops_per_w"]), fmt_num(section["gpu_tops_per_w"]), ""),
    ]
    lines += _table(("total", "analog", "GPU", "GPU/analog"), totals)
    lines += section["comparison"]["comparison_lines"]
    return lines


def run(args: argparse.Namespace) -> int:
    """Run the comparison and print it."""
    from archsim.gpu.compare import analog_precision_text, compare
    from archsim.gpu.load import load_gpu
    from archsim.gpu.model import layer_work_from_workload, predict
    from archsim.gpu.paper import rapa_check
    from archsim.hwconfig.load import load_hardware
    from archsim.report.data import fmt_num, fmt_ratio
    from archsim.results.io import write_json_atomic
    from archsim.workload.load import load_workload

    if args.batch < 1:
        raise ConfigError(f"--batch: expected a positive integer, got {args.batch}")
    hw = load_hardware(args.hw, args.overrides)
    workload = load_workload(args.workload)
    gpu = load_gpu(args.gpu)
    mode = args.mode or default_mode(hw)
    replicas = parse_replicas(args.replicas)
    works = layer_work_from_workload(workload)
    gpu_result = predict(gpu, works, mode=mode, precision=args.precision, batch_size=args.gpu_batch)
    if args.measure:
        from dataclasses import replace

        from archsim.gpu.measure import measure

        m = measure(works, mode=mode, precision=args.precision, batch_size=gpu_result.batch_size)
        if m.time_ns_per_batch is None:
            print(f"archsim: --measure: nothing measured ({m.reason})", file=sys.stderr)
        model_ns = {layer.layer: layer.time_ns_per_sample * gpu_result.batch_size for layer in gpu_result.layers}
        gpu_result = replace(gpu_result, measured_time_ns_per_batch=m.time_ns_per_batch,
                             measurement=m.to_dict(model_ns))
    print(f"simulating {workload.name} on {hw.name} ({mode}, {args.batch} samples) ...", file=sys.stderr)
    base = simulate_analog(hw, workload, mode=mode, batch=args.batch, replicas=replicas, label="baseline")
    macs = float(workload.total_macs_per_sample)

    # paper checks: the RPU headline, and RAPA's n_t-fold acceleration on this workload's convolutions
    # (with the user's --replicas, else the mapper's "auto" balancing), analytic and simulated
    rapa_reps = replicas if replicas is not None else "auto"
    checks: list[Any] = [rpu_headline_check()]
    try:
        rapa = (
            base
            if replicas is not None
            else simulate_analog(hw, workload, mode=mode, batch=args.batch, replicas=rapa_reps)
        )
        plain = base if replicas is None else simulate_analog(hw, workload, mode=mode, batch=args.batch)
        conv = [lm for lm in rapa.mapping.layers if lm.vectors_per_sample > 1]
        if conv:
            simulated = plain.timing["throughput_samples_per_s"] and (
                rapa.timing["throughput_samples_per_s"] / plain.timing["throughput_samples_per_s"]
            )
            checks.append(
                rapa_check(
                    {lm.layer: lm.vectors_per_sample for lm in conv},
                    {lm.layer: lm.n_replicas for lm in conv},
                    simulated or None,
                )
            )
    except ArchsimError as exc:
        print(f"archsim: RAPA check skipped: {exc}", file=sys.stderr)
    section = compare(
        gpu_result, timing=base.timing, energy=base.energy, macs_per_sample=macs, paper_checks=checks,
        analog_precision=analog_precision_text(hw),
    )

    lines = [f"{workload.name} on {hw.name} vs {gpu.name}, {mode}", ""]
    lines += format_comparison(section)
    sweep_rows: list[dict[str, Any]] = []
    if not args.no_sweep:
        lines += ["", "design sweep (speed-up and energy ratio vs the same GPU baseline):"]
        table = []
        skipped: list[str] = []
        for label, extra, reps_point in sweep_points(hw, replicas):
            try:
                hw_point = load_hardware(args.hw, [*args.overrides, *extra]) if extra else hw
                point = simulate_analog(
                    hw_point, workload, mode=mode, batch=args.batch, replicas=reps_point, label=label
                )
            except ArchsimError as exc:
                table.append((label, "—", "—", "—", "—", "—", "—"))
                skipped.append(f"  {label}: skipped ({exc.message})")
                sweep_rows.append({"label": label, "error": str(exc)})
                continue
            sec = compare(gpu_result, timing=point.timing, energy=point.energy, macs_per_sample=macs)
            tiles = point.mapping.n_tiles_used
            table.append(
                (
                    label,
                    str(tiles),
                    _fmt_t(sec["analog"]["time_ns_per_sample"]),
                    _fmt_e(sec["analog"]["energy_pj_per_sample"]),
                    fmt_ratio(sec["speedup"]),
                    fmt_ratio(sec["energy_ratio"]),
                    fmt_num(sec["analog"]["tops_per_w"]),
                )
            )
            sweep_rows.append(
                {
                    "label": label,
                    "overrides": extra,
                    "replicas": reps_point,
                    "n_tiles_used": tiles,
                    "analog": sec["analog"],
                    "speedup": sec["speedup"],
                    "energy_ratio": sec["energy_ratio"],
                }
            )
        lines += _table(
            ("design point", "tiles", "time/sample", "energy/sample", "speed-up", "energy ratio", "TOPS/W"),
            table,
        )
        lines += skipped
    lines += ["", "paper checks:"] + [f"  {line}" for line in section["paper_checks_lines"]]
    print("\n".join(lines))
    if args.json_path:
        write_json_atomic(args.json_path, {**section, "sweep": sweep_rows})
        print(f"written: {args.json_path}", file=sys.stderr)
    return OK
