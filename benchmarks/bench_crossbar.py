"""Speed of the functional crossbar core against numpy float32 baselines run in the same process.

Cases (issue 3): forward and backward of a 512×512 tile with the default IO (NM ABS_MAX, BM ITERATIVE,
7-bit DAC, 9-bit ADC, out_noise 0.06), batch 1000, divided by the numpy float32 GEMM of the same shape; pulsed
update with ConstantStep defaults, 512×512, batch 100, x ~ U(−1, 1), d ~ N(0, 0.01²), at lr 0.01 and 0.1, divided by
the FP rank update ``W -= lr * d.T @ x``. Each repeat times the baseline and the subject back to back; the ratio
is min(subject)/min(baseline) over the repeats (the machine may be shared); "paired" is the median over repeats
of subject/baseline timed back to back, which is steadier when the load changes. Weights are W ~ U(−0.3, 0.3).

Usage: ``python benchmarks/bench_crossbar.py [--repeats N] [--size 512] [--single-thread] [--json]``; with
``--json`` the last line is a flat JSON object. ``--single-thread`` repeats every case with numba and BLAS on one
thread each (keys ``st_*``): on a shared machine these ratios are far steadier than the two-thread ones.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import numpy as np

from archsim.crossbar import AnalogTile


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def bench(size: int = 512, batch_fwd: int = 1000, batch_upd: int = 100, repeats: int = 15) -> dict[str, float]:
    rng = np.random.default_rng(0)
    w0 = rng.uniform(-0.3, 0.3, (size, size)).astype(np.float32)
    x = rng.uniform(-1, 1, (batch_fwd, size)).astype(np.float32)
    dz = rng.uniform(-1, 1, (batch_fwd, size)).astype(np.float32)
    xu = rng.uniform(-1, 1, (batch_upd, size)).astype(np.float32)
    du = rng.normal(0, 0.01, (batch_upd, size)).astype(np.float32)

    tile = AnalogTile(size, size, "default", seed=1)
    tile.set_weights(w0)
    wt = tile.get_weights()
    # warm-up (JIT compilation / cache load)
    tile.forward(x[:10])
    tile.forward(x)
    tile.backward(dz)
    tile.update(xu, du, 0.01)
    tile.set_weights(w0)

    res: dict[str, float] = {}
    times: dict[str, list[float]] = {k: [] for k in ("fwd", "gemm_fwd", "bwd", "gemm_bwd")}
    tile.stats.reset()
    for _ in range(repeats):
        times["gemm_fwd"].append(_timed(lambda: x @ wt.T))
        times["fwd"].append(_timed(lambda: tile.forward(x)))
        times["gemm_bwd"].append(_timed(lambda: dz @ wt))
        times["bwd"].append(_timed(lambda: tile.backward(dz)))
    for case, key in (("forward", "fwd"), ("backward", "bwd")):
        sub, base = np.array(times[key]), np.array(times["gemm_" + key])
        res[f"{case}_ms"] = sub.min() * 1e3
        res[f"{case}_numpy_gemm_ms"] = base.min() * 1e3
        res[f"{case}_ratio"] = sub.min() / base.min()
        res[f"{case}_paired_median_ratio"] = float(np.median(sub / base))
    res["forward_mean_bm_passes"] = tile.stats.mean_bm_passes_forward

    for lr in (0.01, 0.1):
        wf = w0.copy()
        t_fp, t_pu = [], []
        tile.stats.reset()
        for _ in range(repeats):
            t_fp.append(_timed(lambda wf=wf, lr=lr: np.subtract(wf, np.float32(lr) * (du.T @ xu), out=wf)))
            tile.set_weights(w0)
            t_pu.append(_timed(lambda lr=lr: tile.update(xu, du, lr)))
        tag = f"update_lr{lr:g}"
        res[f"{tag}_ms"] = min(t_pu) * 1e3
        res[f"{tag}_numpy_rank_update_ms"] = min(t_fp) * 1e3
        res[f"{tag}_ratio"] = min(t_pu) / min(t_fp)
        res[f"{tag}_paired_median_ratio"] = float(np.median(np.array(t_pu) / np.array(t_fp)))
        res[f"{tag}_mean_bl"] = float(tile.stats.mean_bl or 0.0)
        res[f"{tag}_pulses_per_device"] = tile.stats.mean_pulses_per_device_per_update * batch_upd
    res["size"] = size
    res["repeats"] = repeats
    res["cpu_count"] = os.cpu_count() or 0
    res["load_avg_1min"] = os.getloadavg()[0]
    return res


def bench_single_thread(size: int, repeats: int) -> dict[str, float]:
    """The same cases with numba and BLAS limited to one thread (robust against a loaded machine)."""
    import numba
    from threadpoolctl import threadpool_limits

    old = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        with threadpool_limits(1):
            return bench(size=size, repeats=repeats)
    finally:
        numba.set_num_threads(old)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--single-thread", action="store_true",
                    help="also run every case with numba and BLAS on one thread (keys prefixed 'st_')")
    ap.add_argument("--json", action="store_true", help="print a flat JSON object as the last line")
    args = ap.parse_args()
    r = bench(size=args.size, repeats=args.repeats)
    if args.single_thread:
        st = bench_single_thread(args.size, args.repeats)
        r.update({f"st_{k}": v for k, v in st.items() if k.endswith(("_ms", "_ratio"))})
    targets = {"forward": 2.0, "backward": 2.0, "update_lr0.01": 15.0, "update_lr0.1": 60.0}
    print(f"archsim crossbar benchmark, {args.size}x{args.size}, min of {args.repeats} repeats, "
          f"{platform.processor() or platform.machine()}, {r['cpu_count']} cpus, load {r['load_avg_1min']:.2f}")
    print(f"{'case':<16}{'archsim ms':>12}{'numpy ms':>12}{'ratio':>9}{'paired':>9}{'target':>9}  extra")
    for case, target in targets.items():
        base = r.get(f"{case}_numpy_gemm_ms", r.get(f"{case}_numpy_rank_update_ms"))
        extra = ""
        if case == "forward":
            extra = f"mean BM passes {r['forward_mean_bm_passes']:.3f}"
        elif case.startswith("update"):
            extra = f"mean BL {r[case + '_mean_bl']:.2f}, pulses/device {r[case + '_pulses_per_device']:.3f}"
        print(f"{case:<16}{r[case + '_ms']:>12.3f}{base:>12.3f}{r[case + '_ratio']:>9.2f}"
              f"{r[case + '_paired_median_ratio']:>9.2f}{target:>9.1f}  {extra}")
    if args.single_thread:
        print("single thread (numba and BLAS limited to 1 thread):")
        for case, target in targets.items():
            base = r.get(f"st_{case}_numpy_gemm_ms", r.get(f"st_{case}_numpy_rank_update_ms"))
            print(f"{case:<16}{r['st_' + case + '_ms']:>12.3f}{base:>12.3f}{r['st_' + case + '_ratio']:>9.2f}"
                  f"{r['st_' + case + '_paired_median_ratio']:>9.2f}{target:>9.1f}")
    if args.json:
        print(json.dumps({k: (round(v, 6) if isinstance(v, float) else v) for k, v in r.items()}, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
