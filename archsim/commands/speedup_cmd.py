"""``archsim speedup HW.yaml WORKLOAD.yaml --gpu a100``: the analog chip against a GPU, with a design sweep.

A speed-up study is an ordinary run (the same mapping, engine, cost model and GPU comparison as ``archsim run``;
the accuracy step is off unless --accuracy asks for it) plus three steps: --measure times the network's layers on a
local CUDA GPU next to the model; the design sweep runs design points around the chip (crossbar size, RAPA
replicas, ADC sharing; --no-sweep skips it), each an ordinary run; the paper checks recompute the RPU headline
(Gokmen & Vlasov 2016) from the bundled RPU chip and RAPA's n_t-fold acceleration on this workload. Prints the
per-layer and total comparison (time and energy per sample, speed-up, TOPS, TOPS/W), the sweep and the checks, and
writes the run folder (result.json with the design_sweep section, report.html).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from archsim.commands.common import add_parser, options_from_args
from archsim.commands.run_cmd import GROUPS, add_run_flags
from archsim.commands.status import OK
from archsim.pipeline import run as run_pipeline
from archsim.pipeline.speedup import speedup_steps
from archsim.report.data import fmt_num, fmt_ratio, fmt_si
from archsim.sweep.design import step_design_sweep


def register(subparsers: Any) -> None:
    """Add the ``speedup`` subcommand."""
    p = add_parser(subparsers, "speedup",
                   help="compare the analog chip with a GPU: time, energy, TOPS/W, a design sweep and paper checks",
                   doc=__doc__)
    add_run_flags(p, set_example="tile.adc.columns_per_adc=8", accuracy_default="off", gpu_optional=False,
                  what="speedup")
    p.add_argument("--measure", action="store_true",
                   help="also time the network's layers on this machine's CUDA GPU (needs PyTorch + CUDA)")
    p.add_argument("--no-sweep", action="store_true", help="skip the design sweep")
    p.set_defaults(func=run)


def _fmt_t(ns: float | None) -> str:
    return fmt_si(None if ns is None else ns * 1e-9, "s")


def _fmt_e(pj: float | None) -> str:
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
    """Run the study and print it."""
    state = run_pipeline(options_from_args(args, command="speedup", groups=GROUPS),
                         steps=speedup_steps(design_sweep=None if args.no_sweep else step_design_sweep))
    if state.gpu is None or state.hw is None or state.workload is None:
        raise RuntimeError("speedup: the run produced no GPU comparison")
    o = state.options
    lines = [f"{state.workload.name} on {state.hw.name} vs {state.gpu['baseline']['gpu']}, {o.mode}, "
             f"batch {o.batch} simulated", ""]
    lines += format_comparison(state.gpu)
    sweep = state.extra.get("design_sweep")
    if sweep is not None:
        lines += ["", "design sweep (speed-up and energy ratio vs the same GPU baseline):"]
        table, skipped = [], []
        for row in sweep:
            if "error" in row:
                table.append((row["label"], "—", "—", "—", "—", "—", "—"))
                skipped.append(f"  {row['label']}: skipped ({row['error']})")
                continue
            table.append((row["label"], str(row["n_tiles_used"]), _fmt_t(row["analog"]["time_ns_per_sample"]),
                          _fmt_e(row["analog"]["energy_pj_per_sample"]), fmt_ratio(row["speedup"]),
                          fmt_ratio(row["energy_ratio"]), fmt_num(row["analog"]["tops_per_w"])))
        lines += _table(("design point", "tiles", "time/sample", "energy/sample", "speed-up", "energy ratio",
                         "TOPS/W"), table)
        lines += skipped
    lines += ["", "paper checks:"] + [f"  {line}" for line in state.gpu["paper_checks_lines"]]
    lines += ["", f"wrote {state.written['result']}"]
    print("\n".join(lines))
    return OK
