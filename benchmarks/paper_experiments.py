"""Paper experiments on MNIST: small, fixed-seed analogues of the RPU papers' accuracy results.

Data: the MNIST t10k IDX files in ``--data`` (default ``$ARCHSIM_MNIST``, else data/mnist in the checkout), split 8,000 train /
2,000 test with a fixed seed (``--split-seed``); ``--train``/``--test`` take subsets of that split.
Every row states its epochs, seed(s) and sample counts. These are minutes-long runs on 2 cores, so
absolute errors are far above the papers' 30-epoch / 60k-sample numbers: compare **orderings**
(Gokmen & Vlasov 2016; Gokmen, Onen & Haensch 2017; Rasch et al. 2019), not values.

1. ``mlp`` — MLP 784-256-128-10, sigmoid (Gokmen & Vlasov 2016), mini-batch 1, η = 0.01: FP vs
   aihwkit-default analog tiles. Expect the analog error within a few points of FP.
2. ``cnn`` — the 2017 CNN (workloads/lenet-gokmen-2017.yaml), mini-batch 1, η = 0.01: management
   ablation: no management (no NM/BM/UM), NM+BM, NM+BM+UM, and NM+BM+UM with NM off in the
   backward pass only. Expected (§2.3): FP ≤ NM+BM+UM < NM+BM < none; NM off in backward much worse.
3. ``inres`` / ``inres_lstm`` — input (DAC) resolution on the MLP and on the char-LSTM (lstm-char on
   the bundled text, mini-batch 1): 5-bit vs 5-bit with stochastic rounding vs 7-bit (LSTM paper,
   §3.2): expect loss(7-bit) ≈ loss(5-bit + stochastic rounding) < loss(5-bit); the LSTM is the
   sensitive case, the MLP may not separate them.
4. ``rapa`` — rapa-cnn3 with 32×32-padded MNIST, n_t = (16, 4, 1), mini-batch 10: no tiling, random,
   random + majority voting (9 draws), perforated. Expect (§7.4): random ≥ perforated, voting ≥ random,
   random vs no tiling a soft check in short runs. ``--rapa-fp`` runs this experiment in floating
   point (as the paper's FP columns) instead of on analog tiles.

    python benchmarks/paper_experiments.py [--exp mlp,cnn,inres,inres_lstm,rapa] [--data DIR] [--train N]
        [--test N] [--epochs-mlp E] [--epochs-cnn E] [--epochs-rapa E] [--seeds 0,1] [--json]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path
from typing import Any

from archsim.results.io import flat_json_line

#: numba and BLAS threads, fixed before numpy loads. Multi-threaded BLAS/numba on a loaded 2-core
#: machine was 10-50x slower than one thread in our measurements, so the default is 1 (``--threads N``).
THREAD_VARS = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _set_threads(argv: list[str]) -> None:
    value = "1"
    for i, arg in enumerate(argv):
        if arg == "--threads" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--threads="):
            value = arg.split("=", 1)[1]
    for var in THREAD_VARS:
        os.environ[var] = value


_set_threads(sys.argv[1:])

ROOT = Path(__file__).resolve().parents[1]


def _replace(rpu: Any, **groups: dict[str, Any]) -> Any:
    """RPUConfig with fields of its forward/backward/update groups replaced."""
    changes = {name: dataclasses.replace(getattr(rpu, name), **values) for name, values in groups.items()}
    return dataclasses.replace(rpu, **changes)


def _mnist(data_dir: str, input_shape: tuple[int, ...], split_seed: int, n_train: int, n_test: int):
    from archsim.datasets import Dataset, fit_images
    from archsim.datasets.idx import load_idx

    x_tr, y_tr, x_te, y_te = load_idx(data_dir, test_fraction=0.2, seed=split_seed)
    return Dataset(
        name=f"idx:{data_dir}",
        x_train=fit_images(x_tr[:n_train], input_shape),
        y_train=y_tr[:n_train],
        x_test=fit_images(x_te[:n_test], input_shape),
        y_test=y_te[:n_test],
        n_classes=10,
    )


def _row(
    exp: str, config: str, result: Any, label: str, seconds: float, extra_key: str | None = None
) -> dict:
    curves = result.analog if label == "analog" else result.fp
    acc = curves.test_accuracy[-1]
    if extra_key is not None:
        acc = result.extras[f"{label}_{extra_key}"]
    return {
        "experiment": exp,
        "config": config,
        "epochs": result.epochs,
        "seed": result.seed,
        "n_train": result.n_train,
        "n_test": result.n_test,
        "batch_size": result.batch_size,
        "lr": result.lr,
        "test_error_pct": 100.0 * (1.0 - acc),
        "test_loss": curves.test_loss[-1],
        "train_loss": curves.train_loss[-1],
        "wall_s": seconds,
    }


def exp_mlp(ctx: dict, seed: int) -> list[dict]:
    from archsim.nn.train import train_workload

    wl = ctx["load_wl"]("mlp-784-256-128-10")
    data = _mnist(ctx["data"], tuple(wl.input_shape), ctx["split_seed"], ctx["train"], ctx["test"])
    t0 = time.perf_counter()
    res = train_workload(
        ctx["hw"],
        wl,
        dataset=data,
        epochs=ctx["epochs_mlp"],
        batch_size=1,
        lr=ctx["lr_mlp"],
        seed=seed,
        fp_baseline=True,
        progress=ctx["progress"],
    )
    dt = time.perf_counter() - t0
    return [_row("1 mlp", "FP", res, "fp", dt), _row("1 mlp", "analog aihwkit-default", res, "analog", dt)]


def _management_variants(rpu: Any) -> dict[str, Any]:
    off = {"noise_management": "none", "bound_management": "none"}
    return {
        "no management": _replace(
            rpu,
            forward=off,
            backward={"noise_management": "none"},
            update={"update_management": False, "update_bl_management": False},
        ),
        "NM+BM": _replace(
            rpu,
            forward={"noise_management": "abs_max", "bound_management": "iterative"},
            backward={"noise_management": "abs_max"},
            update={"update_management": False, "update_bl_management": False},
        ),
        "NM+BM+UM": _replace(
            rpu,
            forward={"noise_management": "abs_max", "bound_management": "iterative"},
            backward={"noise_management": "abs_max"},
            update={"update_management": True, "update_bl_management": True},
        ),
        "NM+BM+UM, NM off in backward": _replace(
            rpu,
            forward={"noise_management": "abs_max", "bound_management": "iterative"},
            backward={"noise_management": "none"},
            update={"update_management": True, "update_bl_management": True},
        ),
    }


def exp_cnn(ctx: dict, seed: int) -> list[dict]:
    from archsim.nn.train import train_workload

    wl = ctx["load_wl"]("lenet-gokmen-2017")
    data = _mnist(ctx["data"], tuple(wl.input_shape), ctx["split_seed"], ctx["train_cnn"], ctx["test"])
    rows = []
    t0 = time.perf_counter()
    res = train_workload(
        None,
        wl,
        dataset=data,
        epochs=ctx["epochs_cnn"],
        batch_size=1,
        lr=ctx["lr_cnn"],
        seed=seed,
        fp_only=True,
        progress=ctx["progress"],
    )
    rows.append(_row("2 cnn", "FP", res, "fp", time.perf_counter() - t0))
    for name, rpu in _management_variants(ctx["hw"].crossbar.rpu).items():
        t0 = time.perf_counter()
        res = train_workload(
            ctx["hw"],
            wl,
            dataset=data,
            epochs=ctx["epochs_cnn"],
            batch_size=1,
            lr=ctx["lr_cnn"],
            seed=seed,
            rpu_config=rpu,
            progress=ctx["progress"],
        )
        rows.append(_row("2 cnn", name, res, "analog", time.perf_counter() - t0))
    return rows


#: DAC settings of experiment 3 (aihwkit convention: inp_res = 1 / (2^bits - 2)).
INPUT_RESOLUTIONS = {
    "5-bit DAC": {"inp_res": 1.0 / 30, "inp_sto_round": False},
    "5-bit DAC + stochastic rounding": {"inp_res": 1.0 / 30, "inp_sto_round": True},
    "7-bit DAC": {"inp_res": 1.0 / 126, "inp_sto_round": False},
}


def exp_inres(ctx: dict, seed: int) -> list[dict]:
    from archsim.nn.train import train_workload

    wl = ctx["load_wl"]("mlp-784-256-128-10")
    data = _mnist(ctx["data"], tuple(wl.input_shape), ctx["split_seed"], ctx["train"], ctx["test"])
    rpu = ctx["hw"].crossbar.rpu
    rows = []
    for name, io in INPUT_RESOLUTIONS.items():
        t0 = time.perf_counter()
        res = train_workload(
            ctx["hw"],
            wl,
            dataset=data,
            epochs=ctx["epochs_mlp"],
            batch_size=1,
            lr=ctx["lr_mlp"],
            seed=seed,
            rpu_config=_replace(rpu, forward=io, backward=io),
            progress=ctx["progress"],
        )
        rows.append(_row("3 input resolution (MLP)", name, res, "analog", time.perf_counter() - t0))
    return rows


def exp_inres_lstm(ctx: dict, seed: int) -> list[dict]:
    from archsim.nn.train import train_workload

    wl = ctx["load_wl"]("lstm-char")
    rpu = ctx["hw"].crossbar.rpu
    rows = []
    t0 = time.perf_counter()
    res = train_workload(
        None,
        wl,
        dataset="text",
        epochs=ctx["epochs_lstm"],
        batch_size=1,
        lr=ctx["lr_lstm"],
        seed=seed,
        fp_only=True,
        progress=ctx["progress"],
    )
    rows.append(_row("3 input resolution (LSTM)", "FP", res, "fp", time.perf_counter() - t0))
    for name, io in INPUT_RESOLUTIONS.items():
        t0 = time.perf_counter()
        res = train_workload(
            ctx["hw"],
            wl,
            dataset="text",
            epochs=ctx["epochs_lstm"],
            batch_size=1,
            lr=ctx["lr_lstm"],
            seed=seed,
            rpu_config=_replace(rpu, forward=io, backward=io),
            progress=ctx["progress"],
        )
        rows.append(_row("3 input resolution (LSTM)", name, res, "analog", time.perf_counter() - t0))
    return rows


def exp_rapa(ctx: dict, seed: int) -> list[dict]:
    from archsim.nn.train import train_workload

    wl = ctx["load_wl"]("rapa-cnn3")
    data = _mnist(ctx["data"], tuple(wl.input_shape), ctx["split_seed"], ctx["train_rapa"], ctx["test_rapa"])
    convs = [layer.name for layer in wl.layers if str(getattr(layer.kind, "value", layer.kind)) == "conv2d"]
    n_t = dict(zip(convs, (16, 4, 1)))
    fp = ctx["rapa_fp"]
    label = "fp" if fp else "analog"
    common = {
        "dataset": data,
        "epochs": ctx["epochs_rapa"],
        "batch_size": 10,
        "seed": seed,
        "fp_only": fp,
        "progress": ctx["progress"],
    }
    rows = []
    t0 = time.perf_counter()
    res = train_workload(ctx["hw"], wl, lr=ctx["rapa_lr"], **common)
    rows.append(_row("4 rapa", f"no tiling ({label})", res, label, time.perf_counter() - t0))
    for scheme in ("random", "perforated"):
        t0 = time.perf_counter()
        res = train_workload(
            ctx["hw"],
            wl,
            lr=ctx["rapa_lr"],
            replicas=n_t,
            rapa_scheme=scheme,
            voting_draws=9 if scheme == "random" else 1,
            reduce_rapa="norm" if scheme == "random" else None,
            **common,
        )
        dt = time.perf_counter() - t0
        rows.append(_row("4 rapa", f"{scheme} n_t=(16,4,1) ({label})", res, label, dt))
        if scheme == "random":
            rows.append(
                _row("4 rapa", f"random + voting (9) ({label})", res, label, dt, "test_accuracy_voting")
            )
            sims = {
                k.split(".", 1)[1]: round(float(v), 4)
                for k, v in res.extras.items()
                if "filter_similarity" in k
            }
            rows[-1]["filter_similarity"] = sims
            rows.append(
                _row(
                    "4 rapa",
                    f"random reduced to one kernel (norm) ({label})",
                    res,
                    label,
                    dt,
                    "test_accuracy_reduced_norm",
                )
            )
    return rows


EXPERIMENTS = {
    "mlp": exp_mlp,
    "cnn": exp_cnn,
    "inres": exp_inres,
    "inres_lstm": exp_inres_lstm,
    "rapa": exp_rapa,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--exp", default="mlp,cnn,inres,inres_lstm,rapa")
    parser.add_argument("--data", default=os.environ.get("ARCHSIM_MNIST", str(ROOT / "data" / "mnist")))
    parser.add_argument("--split-seed", type=int, default=0)
    parser.add_argument("--train", type=int, default=8000, help="training samples for the MLP experiments")
    parser.add_argument("--train-cnn", type=int, default=2000, help="training samples for the CNN experiment")
    parser.add_argument(
        "--train-rapa", type=int, default=2000, help="training samples for the RAPA experiment"
    )
    parser.add_argument("--test", type=int, default=2000)
    parser.add_argument(
        "--test-rapa", type=int, default=1000, help="test samples of the RAPA experiment (9 votes each)"
    )
    parser.add_argument("--epochs-mlp", type=int, default=1)
    parser.add_argument("--epochs-cnn", type=int, default=1)
    parser.add_argument("--epochs-rapa", type=int, default=2)
    parser.add_argument("--rapa-fp", action="store_true", help="run the RAPA experiment in floating point")
    parser.add_argument(
        "--rapa-lr",
        type=float,
        default=0.1,
        help="one learning rate for every RAPA configuration (the paper's 0.005 / 0.025 are for "
        "> 400 epochs; short runs need more and a common value keeps the comparison fair)",
    )
    parser.add_argument(
        "--lr-mlp",
        type=float,
        default=0.05,
        help="MLP learning rate (paper: 0.01 over 30 epochs of 60k; 0.05 for a few epochs of 8k)",
    )
    parser.add_argument("--lr-cnn", type=float, default=0.01, help="CNN learning rate (paper: 0.01)")
    parser.add_argument("--epochs-lstm", type=int, default=10)
    parser.add_argument(
        "--lr-lstm", type=float, default=1.0, help="char-LSTM learning rate (loss is a mean over steps)"
    )
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--progress", action="store_true")
    parser.add_argument("--threads", type=int, default=1, help="numba and BLAS threads (default 1)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from archsim.hwconfig import load_hardware
    from archsim.workload import load_workload

    if not Path(args.data).exists():
        print(f"paper_experiments: MNIST not found at {args.data} (pass --data DIR)", file=sys.stderr)
        return 1
    ctx = {
        "hw": load_hardware(ROOT / "hwconfigs" / "aihwkit-default.yaml"),
        "data": args.data,
        "split_seed": args.split_seed,
        "train": args.train,
        "train_cnn": args.train_cnn,
        "train_rapa": args.train_rapa,
        "test": args.test,
        "test_rapa": args.test_rapa,
        "epochs_mlp": args.epochs_mlp,
        "epochs_cnn": args.epochs_cnn,
        "epochs_rapa": args.epochs_rapa,
        "rapa_fp": args.rapa_fp,
        "rapa_lr": args.rapa_lr,
        "lr_mlp": args.lr_mlp,
        "lr_cnn": args.lr_cnn,
        "epochs_lstm": args.epochs_lstm,
        "lr_lstm": args.lr_lstm,
        "progress": args.progress,
        "load_wl": lambda name: load_workload(ROOT / "workloads" / f"{name}.yaml"),
    }
    rows: list[dict] = []
    for name in args.exp.split(","):
        for seed in (int(s) for s in args.seeds.split(",")):
            new = EXPERIMENTS[name.strip()](ctx, seed)
            rows.extend(new)
            for r in new:
                print(
                    f"{r['experiment']:<26} {r['config']:<34} err {r['test_error_pct']:6.2f}%  "
                    f"loss {r['test_loss']:.3f}  epochs {r['epochs']}  seed {r['seed']}  "
                    f"train/test {r['n_train']}/{r['n_test']}  {r['wall_s']:.0f} s"
                    + (f"  similarity {r['filter_similarity']}" if "filter_similarity" in r else ""),
                    flush=True,
                )
    if args.json:
        print(flat_json_line({f"{r['experiment']}.{r['config']}.seed{r['seed']}": r for r in rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
