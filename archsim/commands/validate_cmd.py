"""``archsim validate HW.yaml [WORKLOAD.yaml] [--json] [--set KEY=VALUE ...]``: load and check, print a summary.

Loads the hardware description (and the workload, when given) with the strict loader, runs the whole-config
checks, maps the workload onto the chip (unless --no-map; a workload that does not fit is an error) exactly as
``archsim run`` with the same flags would, and prints a short summary: the chip, the tiles the mapping uses, and per
layer the shapes, weights (incl. biases) and MACs per sample. With --json the same as one JSON object on stdout.
Nothing is simulated.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from archsim.commands.common import add_inputs, add_mapping, add_parser, options_from_args
from archsim.cost.merit import merit_section
from archsim.hwconfig.resolve import provenance_summary
from archsim.loader import inherited_fields, non_default
from archsim.pipeline import LOAD_STEPS, MAP_STEPS
from archsim.pipeline import run as run_pipeline

GROUPS = ("mapping",)
"""The flag groups of ``archsim validate``."""


def register(subparsers: Any) -> None:
    """Add the ``validate`` subcommand."""
    p = add_parser(subparsers, "validate",
                   help="load and check a hardware description (and a workload); print a summary", doc=__doc__)
    add_inputs(p, workload="optional", set_example="tile.adc.bits=6")
    add_mapping(p)
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    p.add_argument("--no-map", action="store_true", help="do not map the workload onto the chip")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate and print; an ArchsimError propagates to cli.main (one line on stderr)."""
    steps = MAP_STEPS if args.workload and not args.no_map else LOAD_STEPS
    state = run_pipeline(options_from_args(args, command="validate", groups=GROUPS), steps=steps)
    hw, wl, mapping = state.need_hw(), state.workload, state.mapping
    result: dict[str, Any] = {"hardware": {**hw.summary(), "path": str(state.options.hw_path),
                                           "non_default": non_default(hw),
                                           "inherited": inherited_fields(state.options.hw_path),
                                           "provenance": provenance_summary(hw)},
                              "merit": merit_section(hw)}
    if wl is not None:
        result["workload"] = wl.to_dict()
    if mapping is not None:
        result["mapping"] = {"n_tiles_used": mapping.n_tiles_used, "n_tiles": hw.chip.n_tiles,
                             "n_crossbars_used": mapping.n_crossbars_used,
                             "utilisation": round(float(mapping.utilisation), 6)}
    if args.json:
        sys.stdout.write(json.dumps(result, indent=2, sort_keys=True) + "\n")
        return 0
    h = result["hardware"]
    print(f"hardware {h['name']}: {h['n_tiles']} tiles x {h['crossbars_per_tile']} crossbar(s) of {h['crossbar']}, "
          f"{h['dac_bits']}-bit DAC, {h['adc_bits']}-bit ADC, device {h['device']}, algorithm {h['algorithm']}, "
          f"{h['topology']}; peak {h['peak_power_mw'] / 1000:.4g} W, {h['area_mm2']:.4g} mm^2 - ok")
    peak = result["merit"]["peak"]
    print(f"  peak      {peak['tops']:.4g} TOPS, {peak['tops_per_w']:.4g} TOPS/W, {peak['tops_per_mm2']:.4g} TOPS/mm^2 "
          f"({peak['gops_per_s_per_mm2']:.4g} GOPS/s/mm^2, {peak['gops_per_w']:.4g} GOPS/W; "
          f"{'analog' if peak['input_bits'] is None else str(peak['input_bits']) + '-bit'} inputs, "
          f"{'analog' if peak['weight_bits'] is None else str(peak['weight_bits']) + '-bit'} weights)")
    prov = h["provenance"]
    for model, paths in sorted(prov["models"].items()):
        print(f"  model     {model}: {', '.join(sorted(set(paths)))}")
    for path, how in sorted(prov["explicit_over_model"].items()):
        print(f"  explicit  {path} (stated in the file; {how})")
    if h["inherited"]:
        bases = sorted(set(h["inherited"].values()))
        names = list(h["inherited"])
        shown = ", ".join(names[:8]) + (f", ... ({len(names) - 8} more; --json lists all)" if len(names) > 8 else "")
        print(f"  inherited {len(names)} values from {', '.join(bases)}: {shown}")
    if wl is not None:
        print(f"workload {wl.name}: input {list(wl.input_shape)}, {len(wl.layers) - 1} layers "
              f"({len(wl.analog_layers)} analog), dataset {wl.dataset}")
        print(f"  {'layer':<22} {'kind':<9} {'out_shape':<16} {'weights':>12} {'MACs/sample':>15}")
        for lay in wl.layers[1:]:
            print(f"  {lay.name:<22} {lay.kind:<9} {str(list(lay.out_shape)):<16} {lay.n_weights:>12,} "
                  f"{lay.macs_per_sample:>15,}")
        print(f"  {'total':<22} {'':<9} {'':<16} {wl.total_weights:>12,} {wl.total_macs_per_sample:>15,} - ok")
        if "mapping" in result:
            m = result["mapping"]
            print(f"mapping: {m['n_tiles_used']} of {m['n_tiles']} tiles, {m['n_crossbars_used']} crossbars, "
                  f"utilisation {m['utilisation']:.1%} - ok")
    return 0
