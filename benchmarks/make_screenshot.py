"""Regenerate docs/report-screenshot.png: run the bundled example with a GPU comparison, render the
report and screenshot it in headless Chromium.

    python benchmarks/make_screenshot.py [--hw HW.yaml] [--workload WORKLOAD.yaml] [--out PNG]

Equivalent by hand: ``archsim run HW WORKLOAD -o reports/screenshot`` then
``archsim report reports/screenshot/result.json --screenshot docs/report-screenshot.png``.
The accuracy step runs when the pipeline has one (a short training run); everything is seeded, so the
picture only changes when the models or the report change.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hw", default=str(ROOT / "hwconfigs" / "rpu-gokmen-vlasov-2016.yaml"))
    parser.add_argument("--workload", default=str(ROOT / "workloads" / "rapa-cnn3.yaml"))
    parser.add_argument("--mode", default="training", choices=("training", "inference"))
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--gpu", default="a100")
    parser.add_argument("--out-dir", default=str(ROOT / "reports" / "screenshot"))
    parser.add_argument("--out", default=str(ROOT / "docs" / "report-screenshot.png"))
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=2200)
    args = parser.parse_args(argv)

    from archsim import api
    from archsim.report.browser import screenshot

    step_names = [name for name, _ in api.default_steps()]
    options = api.RunOptions(
        hw_path=args.hw,
        workload_path=args.workload,
        mode=args.mode,
        batch=4,
        replicas="auto",
        gpu=args.gpu,
        accuracy="accuracy" in step_names,
        epochs=args.epochs,
        out_dir=args.out_dir,
        command=f"archsim run {Path(args.hw).name} {Path(args.workload).name} --mode {args.mode} --replicas auto",
    )
    state = api.run(options)
    report = state.written.get("report")
    if report is None:  # a pipeline without the report step: render it here
        from archsim.report.html import write_report

        report = write_report(state.written["result"])
    png = screenshot(report, args.out, width=args.width, height=args.height)
    print(f"report: {report}\nscreenshot: {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
