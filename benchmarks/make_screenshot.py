"""Regenerate docs/report-screenshot.png: a short training run plus the event engine and the GPU
comparison, rendered as the HTML report and screenshot in headless Chromium.

    python benchmarks/make_screenshot.py [--hw HW.yaml] [--workload WORKLOAD.yaml] [--out PNG]

By hand this is ``archsim run HW WORKLOAD --mode training --batch 4 --epochs 6 --lr 0.1 --limit-test 300
-o reports/screenshot`` followed by ``archsim report reports/screenshot/result.json --screenshot
docs/report-screenshot.png``. When the
run pipeline has no accuracy step, the script trains with ``archsim train`` first and feeds its
``accuracy`` section and layer statistics into the run (``api.insert_step``). Everything is seeded,
so the picture only changes when the models or the report change. About a minute on 2 cores.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hw", default=str(ROOT / "hwconfigs" / "rpu-gokmen-vlasov-2016.yaml"))
    parser.add_argument("--workload", default=str(ROOT / "workloads" / "mlp-784-256-128-10.yaml"))
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--lr", default="0.1")
    parser.add_argument("--limit-train", default=None, help="first N training samples (default: all)")
    parser.add_argument("--gpu", default="a100")
    parser.add_argument("--out-dir", default=str(ROOT / "reports" / "screenshot"))
    parser.add_argument("--out", default=str(ROOT / "docs" / "report-screenshot.png"))
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=2000)
    args = parser.parse_args(argv)

    from archsim import api
    from archsim.cli import main as archsim_main
    from archsim.report.browser import screenshot
    from archsim.results.io import read_json

    steps = api.default_steps()
    has_accuracy = "accuracy" in [name for name, _ in steps]
    stats_path = None
    with tempfile.TemporaryDirectory(prefix="archsim-screenshot-") as tmp:
        if not has_accuracy:
            train_dir = Path(tmp) / "train"
            limit = ["--limit-train", args.limit_train] if args.limit_train else []
            rc = archsim_main(["train", args.hw, args.workload, "--epochs", str(args.epochs), "--fp", "--lr",
                               args.lr, *limit, "--limit-test", "300", "--no-progress", "-o", str(train_dir)])
            if rc != 0:
                return rc
            stats_path = train_dir / "result.json"
            accuracy = read_json(stats_path)["accuracy"]

            def step_accuracy(state: api.RunState) -> None:
                state.accuracy = accuracy

            steps = api.insert_step(steps, "accuracy", step_accuracy, after="map")
        options = api.RunOptions(
            hw_path=args.hw, workload_path=args.workload, mode="training", batch=4,
            gpu=api.GpuOptions(name=args.gpu), accuracy="on" if has_accuracy else "off",
            training=api.TrainingOptions(epochs=args.epochs, lr=float(args.lr), limit_test=300,
                                         limit_train=int(args.limit_train) if args.limit_train else None),
            progress=True, out_dir=args.out_dir, stats_path=stats_path,
            command_line=f"archsim run {Path(args.hw).name} {Path(args.workload).name} --mode training",
        )
        state = api.run(options, steps=steps)
    report = state.written.get("report")
    if report is None:  # a pipeline without the report step: render it here
        from archsim.report.html import write_report

        report = write_report(state.written["result"])
    png = screenshot(report, args.out, width=args.width, height=args.height)
    print(f"report: {report}\nscreenshot: {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
