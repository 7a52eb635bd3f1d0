"""``archsim map HW.yaml WORKLOAD.yaml``: show how a workload is split, replicated and placed on a chip.

Prints a per-layer table (matrix, blocks, replicas, crossbars, tiles, utilisation, sequential MVMs per
sample per cycle, pipeline stage) and totals; ``--json`` prints ``Mapping.to_dict()`` instead and
``--output FILE`` writes it atomically.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from archsim.cli import OK
from archsim.commands.common import add_inputs
from archsim.results.io import dumps, write_json_atomic


def register(subparsers: Any) -> None:
    """Add the ``map`` subcommand."""
    p = subparsers.add_parser(
        "map",
        help="split, replicate and place a workload on a chip; print the per-layer mapping",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_inputs(p, set_example="chip.n_tiles=512")
    p.add_argument("--blocks", action="store_true", help="with --json/--output: list every block")
    p.add_argument(
        "--digital-bias",
        action="store_true",
        help="keep biases digital instead of an extra crossbar row (aihwkit's default)",
    )
    p.add_argument("--json", action="store_true", help="print the mapping as JSON")
    p.add_argument("--output", metavar="FILE", help="also write the mapping JSON to FILE")
    p.add_argument(
        "--placement",
        choices=("greedy", "in-order"),
        default="greedy",
        help="placement strategy (default: greedy by traffic)",
    )
    p.add_argument(
        "--replicas",
        default=None,
        metavar="auto|LAYER=N,...",
        help="kernel replicas: 'auto' (RAPA load balancing under the chip's budget) or per layer",
    )
    p.add_argument(
        "--tile-budget",
        type=int,
        default=None,
        metavar="N",
        help="with --replicas auto: replicate only as far as N tiles allow (default: the whole chip)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load both files, map, print the table or JSON."""
    from archsim.hwconfig import load_hardware
    from archsim.mapping import map_workload, parse_replicas
    from archsim.workload import load_workload

    hw = load_hardware(args.hw, args.overrides)
    workload = load_workload(args.workload)
    t0 = time.perf_counter()
    mapping = map_workload(
        hw,
        workload,
        replicas=parse_replicas(args.replicas),
        placement=args.placement,
        analog_bias=not args.digital_bias,
        tile_budget=args.tile_budget,
    )
    elapsed = time.perf_counter() - t0
    data = mapping.to_dict(include_blocks=args.blocks)
    if args.output:
        write_json_atomic(args.output, data)
    if args.json:
        sys.stdout.write(dumps(data))
    else:
        sys.stdout.write(format_table(data))
        print(f"mapped in {elapsed:.2f} s", file=sys.stderr)
    return OK


def format_table(data: dict[str, Any]) -> str:
    """The per-layer table and totals as text (pure; tested)."""
    head = (
        f"{data['workload_name']} on {data['hw_name']}: crossbars {data['n_rows']}x{data['n_cols']}, "
        f"{data['n_crossbars_per_tile']} per tile, {data['n_tiles_chip']} tiles; "
        f"placement {data['placement']}, replicas {data['replicas_mode']}\n"
    )
    cols = ("layer", "kind", "matrix", "blocks r×c×s", "repl", "xbars", "tiles", "util%", "mvm/sample", "stage")
    rows = []
    for lm in data["layers"]:
        rows.append(
            (
                lm["layer"],
                lm["kind"],
                f"{lm['matrix_rows']}x{lm['matrix_cols']}",
                f"{len(lm['row_splits'])}×{len(lm['col_splits'])}×{lm['n_slices']}",
                str(lm["n_replicas"]),
                str(lm["n_crossbars"]),
                str(lm["n_tiles"]),
                f"{100 * lm['utilisation']:.1f}",
                str(lm["sequential_mvms_per_sample"]),
                str(lm["stage"]),
            )
        )
    t = data["totals"]
    total = (
        "total",
        "",
        "",
        str(t["n_blocks"]),
        "",
        f"{t['n_crossbars_used']}/{t['n_crossbars_chip']}",
        f"{t['n_tiles_used']}/{t['n_tiles_chip']}",
        f"{100 * t['utilisation']:.1f}",
        f"{t['total_sequential_mvms_per_sample']} (max {t['bottleneck_mvms_per_sample']})",
        str(t["n_stages"]),
    )
    widths = [max(len(r[i]) for r in (cols, *rows, total)) for i in range(len(cols))]

    def line(r: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()

    rule = "  ".join("-" * w for w in widths)
    body = [line(cols), rule, *(line(r) for r in rows), rule, line(total)]
    foot = (
        f"weights incl. biases over replicas: {t['n_weights']:,}; "
        f"bytes between layers per sample: {t['total_bytes_between_layers_per_sample']:,}; "
        f"hop-bytes per sample: {t['total_hop_bytes_per_sample']:,.0f}\n"
    )
    return head + "\n".join(body) + "\n" + foot
