"""``archsim map HW.yaml WORKLOAD.yaml``: show how a workload is split, replicated and placed on a chip.

Prints a per-layer table (matrix, blocks, replicas, crossbars, tiles, utilisation, sequential MVMs per sample per
cycle, pipeline stage) and totals; --json prints the mapping as JSON instead and -o FILE writes it atomically. The
mapping is the one ``archsim run`` with the same flags simulates.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from archsim.commands.common import add_inputs, add_mapping, add_parser, options_from_args
from archsim.commands.status import OK
from archsim.pipeline import MAP_STEPS
from archsim.pipeline import run as run_pipeline
from archsim.results.io import dumps, write_json_atomic

GROUPS = ("mapping",)
"""The flag groups of ``archsim map``."""


def register(subparsers: Any) -> None:
    """Add the ``map`` subcommand."""
    p = add_parser(subparsers, "map", help="split, replicate and place a workload on a chip; print the mapping",
                   doc=__doc__)
    add_inputs(p, set_example="chip.n_tiles=512")
    add_mapping(p)
    p.add_argument("--blocks", action="store_true", help="with --json/-o: list every block")
    p.add_argument("--json", action="store_true", help="print the mapping as JSON")
    p.add_argument("-o", "--output", metavar="FILE", help="also write the mapping JSON to FILE")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Load both files, map, print the table or JSON."""
    t0 = time.perf_counter()
    state = run_pipeline(options_from_args(args, command="map", groups=GROUPS), steps=MAP_STEPS)
    elapsed = time.perf_counter() - t0
    data = state.need_mapping().to_dict(include_blocks=args.blocks)
    if args.output:
        write_json_atomic(args.output, data)
    if args.json:
        sys.stdout.write(dumps(data))
    else:
        sys.stdout.write(format_table(data))
        print(f"loaded and mapped in {elapsed:.2f} s", file=sys.stderr)
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
