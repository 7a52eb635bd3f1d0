"""Correlation-detection toy of the c-TTv2 paper (Rasch et al. 2023, arXiv 2303.04721).

A small analog matrix W (n × n, soft-bound devices with device-to-device bound and step variation) learns
the target W* = w_diag·I from noisy samples: x ~ N(0, 1), target t = W* x + σ_t·ξ, error d = W x − t (W x from
the tile's noisy analog forward), pulsed update with the algorithm under test. The expected gradient is a
constant pull towards W* on the diagonal and zero elsewhere, so the off-diagonal weights must stay at 0.

The fast array A is zero-shifted (its reference programmed to each device's symmetry point) and then the
reference gets a programming error: a per-device offset with std = offset × w_max. We report the final
relative weight error ‖W − W*‖_F / ‖W*‖_F (mean ± std over seeds) versus the offset for

* TTv2   — ``chopped_transfer`` with in_chop_prob 0 (how aihwkit's TTv2 presets are built),
* c-TTv2 — ``chopped_transfer`` with random input choppers,
* AGAD   — ``dynamic_transfer`` (regular choppers, on-the-fly reference),

all with the same device, learning rates, auto-scaling and one column read per vector update. Expected
ordering (paper): TTv2 breaks first as the offset grows, c-TTv2 tolerates much larger offsets, AGAD is
insensitive.

Run: ``python benchmarks/algorithms_toy.py [--seeds 3] [--samples 20000] [--json]`` (about 2 minutes on 2 loaded
cores); ``--json`` adds a flat JSON object on the last line.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from archsim.crossbar import AnalogTile
from archsim.hwconfig import algorithms as A
from archsim.hwconfig.rpu import IOParameters, RPUConfig, SoftBoundsDevice, UpdateParameters
from archsim.results.io import flat_json_line

OFFSETS = (0.0, 0.05, 0.10, 0.25)


def make_config(name: str, offset: float, args: argparse.Namespace) -> RPUConfig:
    common = {"fast_zero_shift": True, "fast_reference_offset": offset, "auto_scale": True,
              "fast_lr": args.fast_lr, "transfer_lr": 1.0, "auto_granularity": args.auto_granularity,
              "units_in_mbatch": False, "transfer_every": 1.0}
    if name == "TTv2":
        alg = A.ChoppedTransferCompoundConfig(in_chop_prob=0.0, **common)
    elif name == "c-TTv2":
        alg = A.ChoppedTransferCompoundConfig(in_chop_prob=args.chop_prob, **common)
    else:
        alg = A.DynamicTransferCompoundConfig(in_chop_prob=args.chop_prob, tail_weightening=5.0, **common)
    device = SoftBoundsDevice(dw_min=args.dw_min, w_min=-1.0, w_max=1.0, w_min_dtod=0.3, w_max_dtod=0.3,
                              dw_min_dtod=0.3, up_down_dtod=0.05, dw_min_std=0.3)
    return RPUConfig(device=device, forward=IOParameters(), backward=IOParameters(),
                     update=UpdateParameters(desired_bl=31), algorithm=alg)


def run_one(name: str, offset: float, seed: int, args: argparse.Namespace) -> float:
    n = args.size
    tile = AnalogTile(n, n, make_config(name, offset, args), seed=seed)
    rng = np.random.default_rng(1000 + seed)
    w_star = args.w_diag * np.eye(n, dtype=np.float32)
    for _ in range(args.samples // args.batch):
        x = rng.standard_normal((args.batch, n)).astype(np.float32)
        t = x @ w_star.T + args.target_noise * rng.standard_normal((args.batch, n)).astype(np.float32)
        d = tile.forward(x) - t
        tile.update(x, d, args.lr)
    w = tile.get_weights()
    return float(np.linalg.norm(w - w_star) / np.linalg.norm(w_star))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--samples", type=int, default=20000, help="training samples per run")
    p.add_argument("--batch", type=int, default=10)
    p.add_argument("--size", type=int, default=8)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--fast-lr", type=float, default=0.5)
    p.add_argument("--auto-granularity", type=float, default=500.0)
    p.add_argument("--chop-prob", type=float, default=0.05)
    p.add_argument("--dw-min", type=float, default=0.005)
    p.add_argument("--w-diag", type=float, default=0.4)
    p.add_argument("--target-noise", type=float, default=0.5)
    p.add_argument("--json", action="store_true", help="also print a flat JSON object as the last line")
    args = p.parse_args(argv)
    algs = ("TTv2", "c-TTv2", "AGAD")
    print(f"# correlation-detection toy: {args.size}x{args.size} soft-bound devices (dw_min {args.dw_min}, "
          f"30% d2d bounds/steps), W* = {args.w_diag}·I, target noise {args.target_noise}")
    print(f"# {args.samples} samples (batch {args.batch}), lr {args.lr}, fast_lr {args.fast_lr} (auto_scale), "
          f"auto_granularity {args.auto_granularity}, chopper p {args.chop_prob}, seeds 0..{args.seeds - 1}")
    print("# metric: ||W - W*||_F / ||W*||_F after training (mean ± std over seeds); A's reference offset = "
          "per-device N(0, (offset·w_max)^2) on top of zero-shifting")
    t0 = time.time()
    rows = []
    for off in OFFSETS:
        cells = []
        for name in algs:
            errs = [run_one(name, off, s, args) for s in range(args.seeds)]
            cells.append((float(np.mean(errs)), float(np.std(errs))))
        rows.append((off, cells))
    print(f"{'offset':>8} | " + " | ".join(f"{a:>15}" for a in algs))
    print("-" * 9 + "+" + "+".join(["-" * 17] * len(algs)))
    for off, cells in rows:
        print(f"{off * 100:7.0f}% | " + " | ".join(f"{m:7.3f} ± {s:5.3f}" for m, s in cells))
    print(f"# wall time {time.time() - t0:.1f} s")
    if args.json:
        print(flat_json_line({"wall_s": time.time() - t0, "seeds": args.seeds, "samples": args.samples,
                         "offset": {f"{off * 100:g}pct": {name: {"mean": m, "std": s} for name, (m, s)
                                                          in zip(algs, cells, strict=True)} for off, cells in rows}}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
