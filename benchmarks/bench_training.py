"""Training speed: analog network vs its own floating-point baseline, one process, same data.

MLP 784-256-128-10 (workloads/mlp-784-256-128-10.yaml) on 8,000 samples, one epoch at mini-batch 1 (lr 0.01) and at
mini-batch 64 (lr 0.1), on aihwkit-default tiles (hwconfigs/aihwkit-default.yaml: 7-bit DAC, 9-bit ADC, noise/bound
management, stochastic pulsed update with BL ≤ 31, ConstantStep device) and on floating-point tiles with the same
code path (``archsim.nn.train.train_epoch``: the fused loop of archsim/nn/fused.py for both at mini-batch 1).

Targets: issue 15 at mini-batch 1 on one thread (idle machine): at most 1.2 s per epoch and at most 1.5× the
floating-point epoch; issue 7 at mini-batch 64: at most 5× the floating-point epoch.

Every figure is the minimum over ``--repeats`` runs (the machine may be shared); each run builds a fresh network with
the same seed. Wall-clock seconds decide the targets; the process CPU seconds are printed too (on a loaded machine
they are the steadier figure). Each thread count of ``--threads`` (default 1 and 2) runs in its own process with
numba and BLAS limited to that many threads before numpy loads (keys ``t1_*``, ``t2_*``).

Data: MNIST from ``--data`` (default ``$ARCHSIM_MNIST``, else data/mnist in the checkout; the t10k IDX files: 8,000 of the 10,000 images after a
seeded split); without it the sklearn digits resized to 28×28 and repeated to 8,000 samples (stated in the output).

    python benchmarks/bench_training.py [--data DIR] [--samples N] [--repeats R] [--threads 1,2] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from archsim.results.io import flat_json_line

#: numba and BLAS threads, fixed before numpy loads in the per-thread-count child processes
THREAD_VARS = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

ROOT = Path(__file__).resolve().parents[1]

#: (batch size, lr, target seconds per epoch or None, target analog/FP ratio)
CASES = {1: (0.01, 1.2, 1.5), 64: (0.1, None, 5.0)}


def default_data() -> Path:
    """The MNIST folder: ``$ARCHSIM_MNIST``, else ``data/mnist`` in the checkout (git-ignored)."""
    return Path(os.environ.get("ARCHSIM_MNIST", ROOT / "data" / "mnist"))


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


def time_epoch(workload, make_tile, x, y, batch_size: int, lr: float) -> tuple[float, float, float]:
    """(wall s, process CPU s, training accuracy) of one epoch on a fresh network."""
    import numpy as np

    from archsim.nn.network import build_network
    from archsim.nn.train import train_epoch

    net = build_network(workload, make_tile=make_tile, seed=0, tile_rows=512, tile_cols=512)
    # warm-up on a throw-away copy: numba compilation / cache load
    warm = build_network(workload, make_tile=make_tile, seed=0, tile_rows=512, tile_cols=512)
    train_epoch(warm, x[: 2 * batch_size], y[: 2 * batch_size], batch_size=batch_size, lr=lr, weight_decay=0.0,
                rng=np.random.default_rng(0))
    t0, c0 = time.perf_counter(), time.process_time()
    _, acc = train_epoch(net, x, y, batch_size=batch_size, lr=lr, weight_decay=0.0, rng=np.random.default_rng(0))
    return time.perf_counter() - t0, time.process_time() - c0, acc


def run_cases(data_dir: str, samples: int, repeats: int, batch_sizes: list[int]) -> dict[str, object]:
    """All cases at the thread count of this process (flat keys without the thread prefix)."""
    import numba

    from archsim.hwconfig import load_hardware
    from archsim.nn.network import analog_tile_factory, fp_tile_factory
    from archsim.workload import load_workload

    hw = load_hardware(ROOT / "hwconfigs" / "aihwkit-default.yaml")
    workload = load_workload(ROOT / "workloads" / "mlp-784-256-128-10.yaml")
    x, y, source = load_data(data_dir, samples)
    out: dict[str, object] = {"data": source, "samples": len(x), "numba_threads": numba.get_num_threads()}
    for bs in batch_sizes:
        lr, target_s, target_ratio = CASES[bs]
        best: dict[str, list[float]] = {"fp": [float("inf")] * 3, "analog": [float("inf")] * 3}
        for _ in range(repeats):
            for label, make in (("fp", fp_tile_factory), ("analog", analog_tile_factory(hw.crossbar.rpu))):
                wall, cpu, acc = time_epoch(workload, make, x, y, bs, lr)
                if wall < best[label][0]:
                    best[label] = [wall, cpu, acc]
                best[label][1] = min(best[label][1], cpu)
        p = f"b{bs}_"
        ratio = best["analog"][0] / best["fp"][0]
        out.update({p + "lr": lr, p + "fp_s": best["fp"][0], p + "analog_s": best["analog"][0],
                    p + "fp_cpu_s": best["fp"][1], p + "analog_cpu_s": best["analog"][1], p + "ratio": ratio,
                    p + "cpu_ratio": best["analog"][1] / best["fp"][1], p + "analog_train_accuracy": best["analog"][2],
                    p + "fp_train_accuracy": best["fp"][2], p + "target_ratio": target_ratio,
                    p + "ratio_meets_target": ratio <= target_ratio})
        if target_s is not None:
            out.update({p + "target_analog_s": target_s, p + "analog_s_meets_target": best["analog"][0] <= target_s})
    out["load_avg_1min"] = os.getloadavg()[0]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(default_data()))
    parser.add_argument("--samples", type=int, default=8000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-sizes", default="1,64")
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts (numba and BLAS)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    batch_sizes = [int(b) for b in args.batch_sizes.split(",")]
    if args.child:
        print(json.dumps(run_cases(args.data, args.samples, args.repeats, batch_sizes)))
        return 0
    flat: dict[str, object] = {"benchmark": "training speed, MLP 784-256-128-10, one epoch", "repeats": args.repeats,
                               "cpu_count": os.cpu_count() or 0, "load_avg_1min_start": os.getloadavg()[0]}
    for n in (int(t) for t in args.threads.split(",")):
        env = dict(os.environ, **{var: str(n) for var in THREAD_VARS})
        cmd = [sys.executable, __file__, "--child", "--data", args.data, "--samples", str(args.samples),
               "--repeats", str(args.repeats), "--batch-sizes", args.batch_sizes]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
        r = json.loads(done.stdout.strip().splitlines()[-1])
        flat.setdefault("data", r.pop("data"))
        flat.setdefault("samples", r.pop("samples"))
        flat.update({f"t{n}_{k}": v for k, v in r.items()})
        print(f"# {flat['benchmark']} on {flat['samples']} samples ({flat['data']}); min of {args.repeats} repeats; "
              f"{n} thread(s); load {r['load_avg_1min']:.2f}")
        print(f"{'batch':>5} {'FP s':>7} {'analog s':>9} {'target s':>9} {'ratio':>6} {'target':>7} "
              f"{'FP cpu s':>9} {'analog cpu s':>13} {'train acc':>10}")
        for bs in batch_sizes:
            p = f"b{bs}_"
            ts = r.get(p + "target_analog_s")
            ok = r[p + "ratio_meets_target"] and r.get(p + "analog_s_meets_target", True)
            print(f"{bs:>5} {r[p + 'fp_s']:>7.2f} {r[p + 'analog_s']:>9.2f} {'-' if ts is None else f'<={ts}':>9} "
                  f"{r[p + 'ratio']:>6.2f} {'<=' + str(r[p + 'target_ratio']):>7} {r[p + 'fp_cpu_s']:>9.2f} "
                  f"{r[p + 'analog_cpu_s']:>13.2f} {r[p + 'analog_train_accuracy']:>10.3f}  {'ok' if ok else 'MISSED'}")
    if args.json:
        print(flat_json_line(flat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
