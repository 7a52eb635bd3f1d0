"""MLP on MNIST with asymmetric devices: plain SGD vs Tiki-Taka vs SGD on symmetric devices.

Reproduces the ordering of Gokmen & Haensch, "Algorithm for training neural networks on resistive device
arrays", Frontiers in Neuroscience 2020: with asymmetric
soft-bound devices, plain analog SGD loses accuracy (every pulse pulls the weight towards the device's
symmetry point), Tiki-Taka on the *same* devices recovers most of the gap to SGD on symmetric devices.

Setup (small on purpose, so it runs in a few minutes on 2 loaded cores):

* data: MNIST IDX (the 10k test set, ``--data FOLDER``), split 8,000 train / 2,000 test with a fixed
  seed (``--split-seed``); pixels scaled to [0, 1];
* network: 784 → 64 (tanh) → 10 (softmax), both layers analog tiles (default IO: 7-bit DAC, 9-bit ADC,
  output noise 0.06, noise and bound management), digital biases, mini-batch 10, cross-entropy
  (archsim's initial weights: uniform in ±1/sqrt(fan_in));
* devices: *asymmetric* = soft bounds (w ∈ [−1, 1], 30 % device-to-device spread of bounds and steps, 30 %
  cycle-to-cycle noise) with a 40 % up/down imbalance (``up_down 0.4``, symmetry point ≈ +0.25) and 200
  states (dw_min 0.01); *symmetric* = constant step with the same dw_min, bounds and spreads, no imbalance;
* Tiki-Taka v1 (``transfer``) on the asymmetric devices: A zero-shifted to its symmetry point, a transfer
  after every training sample (``transfer_every 0.1`` mini-batches of 10) reading 8 columns of A, γ = 0,
  fast_lr 1, transfer_lr 1 (both × the SGD lr);
* SGD lr 0.02 (gradients summed over the mini-batch);
* a floating-point MLP of the same shape as a reference.

The network, its training loop and the floating-point twin are archsim's own (:mod:`archsim.nn`).

Run: ``python benchmarks/asymmetry_mlp.py [--data PATH] [--epochs 3] [--seeds 0 1] [--json]``; ``--json`` adds a
flat JSON object on the last line.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from archsim.datasets import Dataset
from archsim.datasets.idx import read_idx
from archsim.hwconfig import algorithms as A
from archsim.hwconfig.rpu import ConstantStepDevice, RPUConfig, SoftBoundsDevice
from archsim.nn.network import Network, analog_tile_factory, build_network, fp_tile_factory
from archsim.nn.train import SGD, fit
from archsim.workload import Workload, load_workload_text

#: ``$ARCHSIM_MNIST``, else ``data/mnist`` in the checkout (git-ignored)
DEFAULT_DATA = Path(os.environ.get("ARCHSIM_MNIST", Path(__file__).resolve().parents[1] / "data" / "mnist"))


def load_mnist(folder: Path, split_seed: int, n_train: int, n_test: int):
    x = read_idx(folder / "t10k-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255.0
    y = read_idx(folder / "t10k-labels-idx1-ubyte.gz").astype(np.int64)
    perm = np.random.default_rng(split_seed).permutation(len(x))
    tr, te = perm[:n_train], perm[n_train:n_train + n_test]
    return x[tr], y[tr], x[te], y[te]


def device(kind: str, args: argparse.Namespace):
    common = {"dw_min": args.dw_min, "w_min": -1.0, "w_max": 1.0, "w_min_dtod": 0.3, "w_max_dtod": 0.3,
              "dw_min_dtod": 0.3, "dw_min_std": 0.3, "up_down_dtod": 0.01}
    if kind == "symmetric":
        return ConstantStepDevice(**common)
    return SoftBoundsDevice(up_down=args.up_down, **common)


def rpu(kind: str, args: argparse.Namespace) -> RPUConfig:
    if kind == "tiki_taka":
        alg = A.TransferCompoundConfig(fast_zero_shift=True, transfer_every=0.1,
                                       n_reads_per_transfer=args.n_reads,
                                       fast_lr=args.fast_lr, transfer_lr=args.transfer_lr)
        return RPUConfig(device=device("asymmetric", args), algorithm=alg)
    return RPUConfig(device=device("symmetric" if kind == "sgd_symmetric" else "asymmetric", args))


def mlp_workload(hidden: int) -> Workload:
    """784 → hidden (tanh) → 10 (softmax) as an archsim workload."""
    return load_workload_text(
        "version: 1\nname: asymmetry-mlp\ninput_shape: [784]\nn_classes: 10\nlayers:\n"
        f"  - {{name: fc1, kind: linear, out_features: {hidden}}}\n  - {{name: act1, kind: tanh}}\n"
        "  - {name: fc2, kind: linear, out_features: 10}\n  - {name: softmax, kind: softmax}\n", "asymmetry-mlp")


def network(kind: str, workload: Workload, seed: int, args: argparse.Namespace) -> Network:
    """The MLP on analog tiles of ``kind`` (or floating point for ``fp``), digital biases (archsim.nn)."""
    make_tile = fp_tile_factory if kind == "fp" else analog_tile_factory(rpu(kind, args))
    return build_network(workload, make_tile=make_tile, seed=seed, analog_bias=False)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with the MNIST t10k IDX files")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    p.add_argument("--split-seed", type=int, default=0)
    p.add_argument("--n-train", type=int, default=8000)
    p.add_argument("--n-test", type=int, default=2000)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--batch", type=int, default=10)
    p.add_argument("--lr", type=float, default=0.02)
    p.add_argument("--dw-min", type=float, default=0.01)
    p.add_argument("--up-down", type=float, default=0.4)
    p.add_argument("--fast-lr", type=float, default=1.0)
    p.add_argument("--transfer-lr", type=float, default=1.0)
    p.add_argument("--n-reads", type=int, default=8, help="Tiki-Taka columns read per transfer")
    p.add_argument("--kinds", nargs="+", default=["fp", "sgd_symmetric", "sgd_asymmetric", "tiki_taka"])
    p.add_argument("--json", action="store_true", help="also print a flat JSON object as the last line")
    args = p.parse_args(argv)
    xtr, ytr, xte, yte = load_mnist(args.data, args.split_seed, args.n_train, args.n_test)
    print(f"# MNIST {args.n_train}/{args.n_test} split (split seed {args.split_seed}), MLP 784-{args.hidden}-10 "
          f"tanh, batch {args.batch}, lr {args.lr}, {args.epochs} epochs, seeds {args.seeds}")
    print(f"# devices: dw_min {args.dw_min} on [-1, 1] (30% d2d, 30% c2c); asymmetric = soft bounds, up_down "
          f"{args.up_down}; symmetric = constant step; Tiki-Taka: fast_lr {args.fast_lr}, transfer_lr "
          f"{args.transfer_lr}, {args.n_reads} columns read per sample, A zero-shifted")
    print(f"{'algorithm / device':<28} {'seed':>4} " + " ".join(f"{'ep' + str(e + 1):>7}" for e in range(args.epochs))
          + f" {'time s':>7}")
    summary: dict[str, list[float]] = {}
    workload = mlp_workload(args.hidden)
    data = Dataset(name="mnist-t10k", x_train=xtr, y_train=ytr, x_test=xte, y_test=yte, n_classes=10)
    # the loss is a mean over the mini-batch, so lr × batch gives the per-sample-summed update of the papers
    sgd = SGD(lr=args.lr * args.batch)
    for kind in args.kinds:
        for seed in args.seeds:
            t0 = time.time()
            net = network(kind, workload, seed, args)
            curves = fit(net, data, epochs=args.epochs, batch_size=args.batch, sgd=sgd, seed=10_000 + seed)
            accs = list(curves.test_accuracy)
            summary.setdefault(kind, []).append(accs[-1])
            print(f"{kind:<28} {seed:>4} " + " ".join(f"{100 * a:6.2f}%" for a in accs)
                  + f" {time.time() - t0:7.1f}", flush=True)
    print("# final test accuracy (mean over seeds):")
    for kind, v in summary.items():
        print(f"#   {kind:<26} {100 * np.mean(v):6.2f}%  (test error {100 * (1 - np.mean(v)):5.2f}%)")
    if {"sgd_symmetric", "sgd_asymmetric", "tiki_taka"} <= set(summary):
        sym, asym, tt = (float(np.mean(summary[k])) for k in ("sgd_symmetric", "sgd_asymmetric", "tiki_taka"))
        if sym > asym:
            print(f"# Tiki-Taka recovers {100 * (tt - asym) / (sym - asym):.0f}% of the asymmetric-SGD gap")
    if args.json:  # one flat object: mean final test accuracy per kind, over the seeds
        print(json.dumps({f"{kind}_test_accuracy": float(np.mean(v)) for kind, v in summary.items()}, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
