"""Training speed: analog network vs its own floating-point baseline, one process, same data.

MLP 784-256-128-10 (workloads/mlp-784-256-128-10.yaml) on 8,000 samples, one epoch at mini-batch 1
and at mini-batch 64, on aihwkit-default tiles (hwconfigs/aihwkit-default.yaml: 7-bit DAC, 9-bit
ADC, noise/bound management, stochastic pulsed update with BL ≤ 31, ConstantStep device) and on
floating-point tiles with the same code path. Targets (issue 7): analog ≤ 3× FP at batch 1 and
≤ 5× at batch 64.

Data: MNIST from ``--data`` (default ../shared/data/mnist, the t10k IDX files: 8,000 of the 10,000
images after a seeded split); without it the sklearn digits resized to 28×28 and repeated to 8,000
samples (stated in the output). Every figure is the minimum over ``--repeats`` runs, because the
machine is shared; each run builds a fresh network with the same seed.

    python benchmarks/bench_training.py [--data DIR] [--samples N] [--repeats R] [--json]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from archsim.results.io import flat_json_line

#: numba and BLAS threads, fixed before numpy loads when ``--threads N`` is given (default: the machine's
#: cores; training itself runs BLAS single-threaded and gives the cores to Numba, see
#: archsim/functional/threads.py).
THREAD_VARS = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _set_threads(argv: list[str]) -> None:
    value = None
    for i, arg in enumerate(argv):
        if arg == "--threads" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--threads="):
            value = arg.split("=", 1)[1]
    if value is None:
        return
    for var in THREAD_VARS:
        os.environ[var] = value


_set_threads(sys.argv[1:])

ROOT = Path(__file__).resolve().parents[1]


def load_data(data_dir: str, n: int):
    import numpy as np

    from archsim.datasets import load_dataset

    path = Path(data_dir)
    if path.exists():
        data = load_dataset(f"idx:{path}", input_shape=(784,), n_classes=10, seed=0)
        source = f"MNIST IDX at {path}"
    else:
        data = load_dataset("digits", input_shape=(784,), n_classes=10, seed=0)
        source = "sklearn digits resized to 28x28 (MNIST not found)"
    reps = -(-n // data.n_train)
    x = np.concatenate([data.x_train] * reps)[:n]
    y = np.concatenate([data.y_train] * reps)[:n]
    return x, y, source


def time_epoch(workload, make_tile, x, y, batch_size: int, lr: float) -> float:
    import numpy as np

    from archsim.nn.network import build_network
    from archsim.nn.train import train_epoch

    net = build_network(workload, make_tile=make_tile, seed=0, tile_rows=512, tile_cols=512)
    net.train_batch(x[:batch_size], y[:batch_size], lr)  # warm-up: numba compilation, caches
    t0 = time.perf_counter()
    train_epoch(net, x, y, batch_size=batch_size, lr=lr, weight_decay=0.0, rng=np.random.default_rng(0))
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "mnist"))
    parser.add_argument("--samples", type=int, default=8000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-sizes", default="1,64")
    parser.add_argument("--threads", type=int, default=None,
                        help="numba and BLAS threads (default: the machine's cores)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    import numba

    from archsim.hwconfig import load_hardware
    from archsim.nn.network import analog_tile_factory, fp_tile_factory
    from archsim.workload import load_workload

    hw = load_hardware(ROOT / "hwconfigs" / "aihwkit-default.yaml")
    workload = load_workload(ROOT / "workloads" / "mlp-784-256-128-10.yaml")
    x, y, source = load_data(args.data, args.samples)
    rows = []
    for bs in (int(b) for b in args.batch_sizes.split(",")):
        lr = 0.01 if bs == 1 else 0.1
        best = {"fp": float("inf"), "analog": float("inf")}
        for _ in range(args.repeats):
            best["fp"] = min(best["fp"], time_epoch(workload, fp_tile_factory, x, y, bs, lr))
            best["analog"] = min(
                best["analog"], time_epoch(workload, analog_tile_factory(hw.crossbar.rpu), x, y, bs, lr)
            )
        target = 3.0 if bs == 1 else 5.0
        rows.append(
            {
                "batch_size": bs,
                "samples": len(x),
                "fp_s": best["fp"],
                "analog_s": best["analog"],
                "ratio": best["analog"] / best["fp"],
                "target_ratio": target,
                "meets_target": best["analog"] / best["fp"] <= target,
            }
        )
    result = {
        "benchmark": "training speed, MLP 784-256-128-10, one epoch",
        "data": source,
        "repeats": args.repeats,
        "numba_threads": numba.get_num_threads(),
        "rows": rows,
    }
    print(
        f"# {result['benchmark']} on {len(x)} samples ({source}); min of {args.repeats} repeats; "
        f"numba threads {result['numba_threads']}"
    )
    print(f"{'batch':>5} {'FP s':>8} {'analog s':>9} {'ratio':>6} {'target':>7}")
    for r in rows:
        print(
            f"{r['batch_size']:>5} {r['fp_s']:>8.2f} {r['analog_s']:>9.2f} {r['ratio']:>6.2f} "
            f"{'<=' + str(r['target_ratio']):>7} {'ok' if r['meets_target'] else 'MISSED'}"
        )
    if args.json:
        print(flat_json_line({**result, "rows": {f"batch{r['batch_size']}": r for r in rows}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
