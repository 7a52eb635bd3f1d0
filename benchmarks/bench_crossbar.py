"""Speed of the functional crossbar core against numpy float32 baselines run in the same process.

Cases (issue 15): forward and backward of a 512×512 tile with the default IO (NM ABS_MAX, BM ITERATIVE, 7-bit DAC,
9-bit ADC, out_noise 0.06), batch 1000, divided by the numpy float32 GEMM of the same shape; pulsed update with
ConstantStep defaults, 512×512, batch 100, x ~ U(−1, 1), d ~ N(0, 0.01²), at lr 0.01 and 0.1, divided by the FP rank
update ``W -= lr * d.T @ x``. Each repeat times the baseline and the subject back to back; the ratio is
min(subject)/min(baseline) over the repeats (the machine may be shared); "paired" is the median over repeats of
subject/baseline timed back to back, which is steadier when the load changes. Weights are W ~ U(−0.3, 0.3).
Targets (issue 15, one thread, idle machine): forward ≤ 1.2× GEMM, update ≤ 6× (lr 0.01) and ≤ 35× (lr 0.1) the
rank update; backward has none.

Every case runs with numba and BLAS limited to each thread count of ``--threads`` (default 1 and 2; keys ``t1_*``,
``t2_*``).

Usage: ``python benchmarks/bench_crossbar.py [--repeats N] [--size 512] [--threads 1,2] [--json]``; with ``--json``
the last line is a flat JSON object (ratios, targets, ``*_meets_target``, load average, thread counts).
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from archsim.crossbar import AnalogTile
from archsim.results.io import flat_json_line


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


#: ratio targets of issue 15 (one thread, idle machine); None = reported without a target
TARGETS: dict[str, float | None] = {"forward": 1.2, "backward": None, "update_lr0.01": 6.0, "update_lr0.1": 35.0}


def bench_threads(n: int, size: int, repeats: int) -> dict[str, float]:
    """The cases with numba and BLAS limited to ``n`` threads."""
    import numba
    from threadpoolctl import threadpool_limits

    old = numba.get_num_threads()
    numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    try:
        with threadpool_limits(n):
            return bench(size=size, repeats=repeats)
    finally:
        numba.set_num_threads(old)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--threads", default="1,2", help="comma-separated thread counts (numba and BLAS)")
    ap.add_argument("--json", action="store_true", help="print a flat JSON object as the last line")
    args = ap.parse_args()
    counts = [int(t) for t in args.threads.split(",")]
    flat: dict[str, float | int | bool | str] = {"size": args.size, "repeats": args.repeats,
                                                 "cpu_count": os.cpu_count() or 0,
                                                 "load_avg_1min_start": os.getloadavg()[0]}
    for case, target in TARGETS.items():
        if target is not None:
            flat[f"target_{case}_ratio"] = target
    print(f"archsim crossbar benchmark, {args.size}x{args.size}, min of {args.repeats} repeats, "
          f"{platform.processor() or platform.machine()}, {flat['cpu_count']} cpus, load {flat['load_avg_1min_start']:.2f}")
    for n in counts:
        r = bench_threads(n, args.size, args.repeats)
        print(f"{n} thread(s), load {r['load_avg_1min']:.2f}")
        print(f"{'case':<16}{'archsim ms':>12}{'numpy ms':>12}{'ratio':>9}{'paired':>9}{'target':>9}  extra")
        for case, target in TARGETS.items():
            base = r.get(f"{case}_numpy_gemm_ms", r.get(f"{case}_numpy_rank_update_ms"))
            extra = ""
            if case == "forward":
                extra = f"mean BM passes {r['forward_mean_bm_passes']:.3f}"
            elif case.startswith("update"):
                extra = f"mean BL {r[case + '_mean_bl']:.2f}, pulses/device {r[case + '_pulses_per_device']:.3f}"
            mark = "-" if target is None else f"{target:.1f}"
            verdict = "" if target is None else ("ok" if r[case + "_ratio"] <= target else "MISSED")
            print(f"{case:<16}{r[case + '_ms']:>12.3f}{base:>12.3f}{r[case + '_ratio']:>9.2f}"
                  f"{r[case + '_paired_median_ratio']:>9.2f}{mark:>9}  {verdict:<7}{extra}")
            if target is not None:
                flat[f"t{n}_{case}_meets_target"] = bool(r[case + "_ratio"] <= target)
        for k, v in r.items():
            if k not in ("size", "repeats", "cpu_count"):
                flat[f"t{n}_{k}"] = round(v, 6) if isinstance(v, float) else v
    if args.json:
        print(flat_json_line(flat))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
