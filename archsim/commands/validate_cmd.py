"""``archsim validate HW.yaml [WORKLOAD.yaml] [--json] [--set KEY=VALUE ...]``: load and check, print a summary.

Loads the hardware description (and the workload, when given) with the strict loaders, runs the
whole-config checks, maps the workload onto the chip (unless ``--no-map``; a workload that does not fit is
an error) and prints a short summary: the chip, the tiles the mapping uses, and per layer the shapes,
weights (incl. biases) and MACs per sample. With ``--json`` the same as one JSON object on stdout. Nothing
is simulated.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from archsim.hwconfig.load import load_hardware
from archsim.loader import non_default
from archsim.workload.load import load_workload


def register(subparsers: Any) -> None:
    """Add the ``validate`` subcommand."""
    parser = subparsers.add_parser(
        "validate", help="load and check a hardware description (and a workload); print a summary",
        description="Load and check HW.yaml (and WORKLOAD.yaml); print a summary, or JSON with --json.")
    parser.add_argument("hardware", metavar="HW.yaml", help="hardware description (path or bundled name)")
    parser.add_argument("workload", metavar="WORKLOAD.yaml", nargs="?", help="workload (path or bundled name)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.add_argument("--no-map", action="store_true", help="do not map the workload onto the chip")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a hardware field, e.g. tile.adc.bits=6 (repeatable)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate and print; ArchsimError propagates to cli.main (one line on stderr)."""
    hw = load_hardware(args.hardware, args.overrides)
    result: dict[str, Any] = {"hardware": {**hw.summary(), "path": str(args.hardware),
                                           "non_default": non_default(hw)}}
    wl = None
    if args.workload:
        wl = load_workload(args.workload)
        result["workload"] = wl.to_dict()
        if not args.no_map:
            from archsim.mapping import map_workload

            mapping = map_workload(hw, wl)
            result["mapping"] = {"n_tiles_used": mapping.n_tiles_used, "n_tiles": hw.chip.n_tiles,
                                 "n_crossbars_used": getattr(mapping, "n_crossbars_used", None),
                                 "utilisation": round(float(mapping.utilisation), 6)}
    if args.json:
        sys.stdout.write(json.dumps(result, indent=2, sort_keys=True) + "\n")
        return 0
    h = result["hardware"]
    print(f"hardware {h['name']}: {h['n_tiles']} tiles x {h['crossbars_per_tile']} crossbar(s) of {h['crossbar']}, "
          f"{h['dac_bits']}-bit DAC, {h['adc_bits']}-bit ADC, device {h['device']}, algorithm {h['algorithm']}, "
          f"{h['topology']}; peak {h['peak_power_mw'] / 1000:.4g} W, {h['area_mm2']:.4g} mm^2 - ok")
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
