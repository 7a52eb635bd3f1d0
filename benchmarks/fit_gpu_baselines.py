"""Fit the GPU baselines and print their validation table (archsim.gpu.fit, archsim.gpu.validation).

    python benchmarks/fit_gpu_baselines.py            # fit, compare with hwconfigs/gpus/*.yaml, print the table
    python benchmarks/fit_gpu_baselines.py --write    # rewrite the fitted values in hwconfigs/gpus/*.yaml
    python benchmarks/fit_gpu_baselines.py --json     # ... and a flat JSON object of the errors on the last line

Exit status 1 when the files differ from the fit (without --write).
"""

from __future__ import annotations

import argparse
import json
import sys

from archsim.gpu.fit import fit_all, fit_residuals, format_value, update_yaml_text
from archsim.gpu.load import GPU_DIR, load_gpu
from archsim.gpu.validation import markdown_table, summary, validation_rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="rewrite the fitted values in the GPU files")
    parser.add_argument("--json", action="store_true", help="print a flat JSON object of the errors last")
    args = parser.parse_args()

    values = fit_all(load_gpu)
    stale = []
    for gpu, vals in values.items():
        path = GPU_DIR / f"{gpu}.yaml"
        text = path.read_text(encoding="utf-8")
        new = update_yaml_text(text, vals)
        if new != text:
            stale.append(gpu)
            if args.write:
                path.write_text(new, encoding="utf-8")
        print(f"{gpu}: " + ", ".join(f"{s}.{k} = {format_value(v)}" for (s, k), v in sorted(vals.items())))
    for gpu, fit in fit_residuals(load_gpu).items():
        print(f"{gpu} fit residuals: " + ", ".join(f"{k.split('/', 1)[1]} {100 * v:+.1f} %" for k, v in fit.residuals.items()))
    if stale and not args.write:
        print(f"stale GPU files (run with --write): {', '.join(stale)}", file=sys.stderr)
    rows = validation_rows(load_gpu)
    stats = summary(rows)
    for gpu, s in stats.items():
        print()
        print(f"## {gpu}: {s.n_fit} fit, {s.n_held_out} held out; held-out |error| median {100 * s.median_abs_error:.1f} %, "
              f"worst {100 * s.worst_abs_error:.1f} % ({s.worst_figure})")
        print("\n".join(markdown_table(rows, gpu)))
    if args.json:
        flat = {f"{s.gpu}_median_abs_error": s.median_abs_error for s in stats.values()}
        flat.update({f"{s.gpu}_worst_abs_error": s.worst_abs_error for s in stats.values()})
        print(json.dumps(flat, sort_keys=True))
    return 1 if stale and not args.write else 0


if __name__ == "__main__":
    sys.exit(main())
