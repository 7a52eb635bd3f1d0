"""Inference accuracy of a deployed network, and the cost of an accuracy run.

**Deployment** (:func:`evaluate_inference_workload`) is what an inference chip does with a network:
train it in floating point (``FloatingPointTile``), then program the trained weights onto the
hardware's analog tiles and run the test set through them. After every floating-point epoch the
current weights (and biases, digital or on the analog bias row, and any learned output scale) are
copied with ``set_weights`` onto an analog copy of the same network — same mapping splits, same
structure — and evaluated with the analog forward pass of ``hw.crossbar.rpu``: DAC/ADC quantisation,
output noise, bound and noise management, and the devices' weight bounds (``set_weights`` clips each
weight to its device's bounds, device-to-device variation included). The per-epoch ``analog`` curves are therefore "accuracy if deployed after epoch k": the test
figures on the test set and the "train" figures on the training set, both in inference. The ``fp``
curves are exactly those of :func:`archsim.functional.train.train_workload` with ``fp_only`` for the
same seed (same data order and initial weights).

Assumptions: programming is exact up to the device bounds. The hardware description has no PCM noise
model, so programming noise, conductance drift and read noise over time
(:class:`~archsim.functional.inference_noise.InferenceTile`) are not applied. ``layer_stats`` hold the
forward bound-management passes of the last deployment's evaluation (train and test sets); there is
no backward pass and no update, so BL and pulse figures are left at their defaults.

**Cost** (:func:`estimate_accuracy_seconds`): a fixed, deterministic model of how long an accuracy
run takes, so ``archsim run`` can decide whether a default run includes one (the budget is in
:mod:`archsim.api`). Seconds per sample = overhead + MACs × time per MAC, with constants measured on
a 2-core machine with the bundled workloads (analog training ≈ 3·10⁸ MAC/s, floating-point training
≈ 10⁹ MAC/s); it is a rough guide (within ~2× for the bundled workloads), not a promise.
"""

from __future__ import annotations

import inspect
import math
from typing import Any

import numpy as np

from archsim.errors import ConfigError
from archsim.functional.datasets import Dataset, load_dataset
from archsim.functional.network import Network, analog_tile_factory, build_network, fp_tile_factory
from archsim.functional.tile_array import MappingOptions
from archsim.results.accuracy import AccuracyResult, EpochCurves

#: Seconds per sample: (fixed overhead, seconds per analog MAC) of each kind of pass (module docstring).
COST_ANALOG_TRAIN = (3e-4, 1 / 3e8)
COST_ANALOG_EVAL = (1e-4, 1 / 1e9)
COST_FP_TRAIN = (1e-4, 1 / 1e9)
COST_FP_EVAL = (3e-5, 1 / 3e9)


# ----------------------------------------------------------------------------------------------
# deployment


def copy_weights(source: Network, target: Network) -> None:
    """Program every analog layer of ``target`` with the weights, biases and output scales of ``source``.

    Both networks must come from :func:`build_network` with the same workload and layout (only the
    tile factory differs).
    """
    src, dst = source.analog_layers(), target.analog_layers()
    if [m.name for m in src] != [m.name for m in dst]:
        raise ConfigError("copy_weights: the two networks have different analog layers")
    for s_mod, d_mod in zip(src, dst):
        if len(s_mod.units) != len(d_mod.units):
            raise ConfigError(f"copy_weights: layer {s_mod.name} has {len(s_mod.units)} vs {len(d_mod.units)} units")
        for s_unit, d_unit in zip(s_mod.units, d_mod.units):
            w, b = s_unit.get_weights()
            d_unit.set_weights(w, b)
            if s_unit.out_scale is not None and d_unit.out_scale is not None:
                d_unit.out_scale[...] = s_unit.out_scale


def _reset_stats(net: Network) -> None:
    for module in net.analog_layers():
        for tile in module.tiles():
            if getattr(tile, "stats", None) is not None:
                tile.stats.reset()


def evaluate_inference_workload(
    hw: Any,
    workload: Any,
    *,
    dataset: str | Dataset | None = None,
    epochs: int | None = None,
    batch_size: int = 1,
    lr: float = 0.01,
    seed: int = 0,
    limit_train: int | None = None,
    limit_test: int | None = None,
    progress: bool = False,
    mapping: Any = None,
    use_mapping: bool = True,
    options: MappingOptions | None = None,
    rpu_config: Any = None,
    weight_decay: float = 0.0,
    schedule: Any = None,
) -> AccuracyResult:
    """Train a workload in floating point, deploy it on the hardware's analog tiles after every epoch
    and evaluate it there (module docstring).

    Arguments are those of :func:`archsim.functional.train.train_workload` (``hw`` is required).

    Returns:
        An :class:`AccuracyResult` with ``fp`` (training curves) and ``analog`` (deployed inference
        curves), ``layer_stats`` of the last deployment and ``settings["kind"] == "inference"``.
    """
    from archsim.functional.train import (
        SGD,
        LRSchedule,
        _Bar,
        _make_mapping,
        _tile_geometry,
        evaluate,
        layer_statistics,
        prepare_dataset,
        train_epoch,
    )

    if hw is None:
        raise ConfigError("deploy: an inference evaluation needs a hardware configuration")
    if epochs is None:
        epochs = int(getattr(workload, "default_epochs", 1) or 1)
    if epochs < 1 or batch_size < 1:
        raise ConfigError(f"deploy: epochs and batch size must be >= 1, got {epochs} and {batch_size}")
    sgd = SGD(lr=lr, weight_decay=weight_decay, schedule=schedule or LRSchedule())
    data = prepare_dataset(workload, dataset, seed=seed, limit_train=limit_train, limit_test=limit_test)
    if mapping is None and use_mapping:
        mapping = _make_mapping(hw, workload, None, options or MappingOptions())
    rows, cols = _tile_geometry(hw)
    rpu = rpu_config if rpu_config is not None else getattr(getattr(hw, "crossbar", None), "rpu", None)
    build = {"seed": seed, "tile_rows": rows, "tile_cols": cols, "mapping": mapping, "options": options}
    fp_net = build_network(workload, make_tile=fp_tile_factory, **build)
    analog_net = build_network(workload, make_tile=analog_tile_factory(rpu), **build)

    rng = np.random.default_rng(seed)  # the data order of train_workload's fit()
    fp_curves: dict[str, list[float]] = {k: [] for k in EpochCurves.__dataclass_fields__}
    an_curves: dict[str, list[float]] = {k: [] for k in EpochCurves.__dataclass_fields__}
    n_batches = math.ceil(data.n_train / batch_size)
    bar = _Bar(epochs * n_batches, "fp", epochs) if progress else None
    try:
        for epoch in range(epochs):
            lr_e = sgd.schedule.lr_at(sgd.lr, epoch)
            cb = None if bar is None else (lambda b, nb, l, a, e=epoch: bar("fp", e, b, nb, l, a))
            tr_loss, tr_acc = train_epoch(fp_net, data.x_train, data.y_train, batch_size=batch_size, lr=lr_e,
                                          weight_decay=sgd.weight_decay, rng=rng, progress=cb)
            te_loss, te_acc = evaluate(fp_net, data.x_test, data.y_test)
            for key, value in (("train_loss", tr_loss), ("train_accuracy", tr_acc), ("test_loss", te_loss),
                               ("test_accuracy", te_acc), ("lr", lr_e)):
                fp_curves[key].append(float(value))
            copy_weights(fp_net, analog_net)
            _reset_stats(analog_net)
            a_tr_loss, a_tr_acc = evaluate(analog_net, data.x_train, data.y_train)
            a_te_loss, a_te_acc = evaluate(analog_net, data.x_test, data.y_test)
            for key, value in (("train_loss", a_tr_loss), ("train_accuracy", a_tr_acc),
                               ("test_loss", a_te_loss), ("test_accuracy", a_te_acc), ("lr", lr_e)):
                an_curves[key].append(float(value))
            if bar is not None:
                bar.bar.set_postfix(fp_test=f"{te_acc:.3f}", analog_test=f"{a_te_acc:.3f}", refresh=False)
    finally:
        if bar is not None:
            bar.close()
    settings = {
        "kind": "inference",
        "deployment": "floating-point training, weights programmed exactly (clipped to the device bounds) "
                      "onto the analog tiles after every epoch; no programming noise or drift",
        "weight_decay": weight_decay,
        "schedule": (schedule or LRSchedule()).__dict__.copy(),
        "mapping": mapping is not None,
        "options": (options or MappingOptions()).__dict__.copy(),
    }
    return AccuracyResult(
        workload=str(getattr(workload, "name", "?")),
        hardware=str(getattr(hw, "name", "?")),
        dataset=data.name,
        task=data.task,
        n_train=data.n_train,
        n_test=data.n_test,
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        seed=seed,
        analog=EpochCurves(**{k: tuple(v) for k, v in an_curves.items()}),
        fp=EpochCurves(**{k: tuple(v) for k, v in fp_curves.items()}),
        layer_stats=layer_statistics(analog_net),
        settings=settings,
    )


# ----------------------------------------------------------------------------------------------
# cost of an accuracy run


def dataset_sizes(
    workload: Any, dataset: str | None = None, *, seed: int = 0,
    limit_train: int | None = None, limit_test: int | None = None,
) -> tuple[int, int, Dataset | None]:
    """(training samples, test samples, the loaded Dataset or None) of an accuracy run.

    ``synthetic`` data is sized without generating it (a 224×224 synthetic set is large); every other
    dataset is loaded (and returned, so the run does not load it twice).
    """
    from archsim.functional.train import prepare_dataset

    spec = dataset or str(getattr(workload, "dataset", "") or "digits")
    if spec.strip().lower() == "synthetic" and str(getattr(workload, "task", "")) != "sequence":
        params = inspect.signature(load_dataset).parameters
        n, frac = int(params["n_synthetic"].default), float(params["test_fraction"].default)
        n_test = round(n * frac)
        n_train = n - n_test
        if limit_train is not None:
            n_train = min(n_train, limit_train)
        if limit_test is not None:
            n_test = min(n_test, limit_test)
        return n_train, n_test, None
    data = prepare_dataset(workload, spec, seed=seed, limit_train=limit_train, limit_test=limit_test)
    return data.n_train, data.n_test, data


def _seconds(cost: tuple[float, float], macs: float) -> float:
    return cost[0] + cost[1] * macs


def estimate_accuracy_seconds(workload: Any, *, mode: str, epochs: int, n_train: int, n_test: int) -> float:
    """Estimated wall time (s) of the accuracy step of ``archsim run`` (module docstring).

    ``mode`` ``training``: analog training plus the floating-point baseline, both tested every epoch;
    ``inference``: floating-point training, then the deployed network evaluated on the training and
    test sets every epoch.
    """
    macs = float(sum(layer.macs_per_sample for layer in workload.analog_layers))
    if mode == "training":
        per_epoch = (n_train * (_seconds(COST_ANALOG_TRAIN, macs) + _seconds(COST_FP_TRAIN, macs))
                     + n_test * (_seconds(COST_ANALOG_EVAL, macs) + _seconds(COST_FP_EVAL, macs)))
    else:
        per_epoch = (n_train * _seconds(COST_FP_TRAIN, macs) + n_test * _seconds(COST_FP_EVAL, macs)
                     + (n_train + n_test) * _seconds(COST_ANALOG_EVAL, macs))
    return epochs * per_epoch
