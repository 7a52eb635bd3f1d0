"""Speed of the functional crossbar core against numpy float32 baselines run in the same process.

Cases (issue 3): forward and backward of a 512×512 tile with the default IO (NM ABS_MAX, BM ITERATIVE,
7-bit DAC, 9-bit ADC, out_noise 0.06), batch 1000, divided by the numpy float32 GEMM of the same shape; pulsed
update with ConstantStep defaults, 512×512, batch 100, x ~ U(−1, 1), d ~ N(0, 0.01²), at lr 0.01 and 0.1, divided by
the FP rank update ``W -= lr * d.T @ x``. Each repeat times the baseline and the subject back to back; the ratio
is min(subject)/min(baseline) over the repeats (the machine may be shared). Weights are W ~ U(−0.3, 0.3).

Usage: ``python benchmarks/bench_crossbar.py [--repeats N] [--size 512] [--json]``; with ``--json`` the last line
is a flat JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import numpy as np

from archsim.functional import AnalogTile


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
    best = {k: np.inf for k in ("fwd", "gemm_fwd", "bwd", "gemm_bwd")}
    tile.stats.reset()
    for _ in range(repeats):
        best["gemm_fwd"] = min(best["gemm_fwd"], _timed(lambda: x @ wt.T))
        best["fwd"] = min(best["fwd"], _timed(lambda: tile.forward(x)))
        best["gemm_bwd"] = min(best["gemm_bwd"], _timed(lambda: dz @ wt))
        best["bwd"] = min(best["bwd"], _timed(lambda: tile.backward(dz)))
    res["forward_ms"] = best["fwd"] * 1e3
    res["forward_numpy_gemm_ms"] = best["gemm_fwd"] * 1e3
    res["forward_ratio"] = best["fwd"] / best["gemm_fwd"]
    res["forward_mean_bm_passes"] = tile.stats.mean_bm_passes_forward
    res["backward_ms"] = best["bwd"] * 1e3
    res["backward_numpy_gemm_ms"] = best["gemm_bwd"] * 1e3
    res["backward_ratio"] = best["bwd"] / best["gemm_bwd"]

    for lr in (0.01, 0.1):
        wf = w0.copy()
        t_fp = np.inf
        t_pu = np.inf
        tile.stats.reset()
        for _ in range(repeats):
            t_fp = min(t_fp, _timed(lambda: np.subtract(wf, np.float32(lr) * (du.T @ xu), out=wf)))
            tile.set_weights(w0)
            t_pu = min(t_pu, _timed(lambda: tile.update(xu, du, lr)))
        tag = f"update_lr{lr:g}"
        res[f"{tag}_ms"] = t_pu * 1e3
        res[f"{tag}_numpy_rank_update_ms"] = t_fp * 1e3
        res[f"{tag}_ratio"] = t_pu / t_fp
        res[f"{tag}_mean_bl"] = float(tile.stats.mean_bl or 0.0)
        res[f"{tag}_pulses_per_device"] = tile.stats.mean_pulses_per_device_per_update * batch_upd
    res["size"] = size
    res["repeats"] = repeats
    res["cpu_count"] = os.cpu_count() or 0
    res["load_avg_1min"] = os.getloadavg()[0]
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--json", action="store_true", help="print a flat JSON object as the last line")
    args = ap.parse_args()
    r = bench(size=args.size, repeats=args.repeats)
    targets = {"forward": 2.0, "backward": 2.0, "update_lr0.01": 15.0, "update_lr0.1": 60.0}
    print(f"archsim crossbar benchmark, {args.size}x{args.size}, min of {args.repeats} repeats, "
          f"{platform.processor() or platform.machine()}, {r['cpu_count']} cpus, load {r['load_avg_1min']:.2f}")
    print(f"{'case':<16}{'archsim ms':>12}{'numpy ms':>12}{'ratio':>9}{'target':>9}  extra")
    for case, target in targets.items():
        base = r.get(f"{case}_numpy_gemm_ms", r.get(f"{case}_numpy_rank_update_ms"))
        extra = ""
        if case == "forward":
            extra = f"mean BM passes {r['forward_mean_bm_passes']:.3f}"
        elif case.startswith("update"):
            extra = f"mean BL {r[case + '_mean_bl']:.2f}, pulses/device {r[case + '_pulses_per_device']:.3f}"
        print(f"{case:<16}{r[case + '_ms']:>12.3f}{base:>12.3f}{r[case + '_ratio']:>9.2f}{target:>9.1f}  {extra}")
    if args.json:
        print(json.dumps({k: (round(v, 6) if isinstance(v, float) else v) for k, v in r.items()}, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
